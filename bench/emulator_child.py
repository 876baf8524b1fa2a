"""The emulator in a process of its own, so its threads never compete with the measured code.

``python -m bench.emulator_child --budget 100 --window 6 --latency 0.05`` prints one JSON line
with ``base_url``, then answers commands on stdin, one per line, each with one JSON line:
``stats`` (requests seen, by answer status), ``reset`` (forget requests and points spent),
``force STATUS`` / ``force none`` (answer every request with STATUS, or stop doing so),
``recording SIZE`` (a recording of SIZE bytes to download: its ``recording_id``). End of input
stops it. :class:`EmulatorProcess` drives it from the benchmarks.

The window benchmarks start it with ``force 403``: the main window refreshes from the server as
soon as it is shown, and a refresh against this empty emulator would mark every stored room
missing. Refused, the refresh ends at once and the list stays as stored.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from bench.fixtures import BENCH_API_KEY

REPO_ROOT = Path(__file__).resolve().parent.parent


class EmulatorProcess:
    """Start the emulator child; ``stats()`` and ``reset()`` talk to it; ``close()`` stops it."""

    def __init__(
        self,
        *,
        budget: int = 1_000_000,
        window_seconds: float = 60.0,
        latency: float = 0.0,
        jitter: float = 0.0,
        seed: int | None = 1,
        force_status: int | None = None,
    ) -> None:
        command = [
            sys.executable,
            "-m",
            "bench.emulator_child",
            f"--budget={budget}",
            f"--window={window_seconds}",
            f"--latency={latency}",
            f"--jitter={jitter}",
        ]
        if seed is not None:
            command.append(f"--seed={seed}")
        self._process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.base_url: str = self._read()["base_url"]
        if force_status is not None:
            self.force(force_status)

    def _read(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError("the emulator process ended unexpectedly")
        return json.loads(line)

    def _ask(self, command: str) -> dict[str, Any]:
        assert self._process.stdin is not None
        self._process.stdin.write(command + "\n")
        self._process.stdin.flush()
        return self._read()

    def stats(self) -> dict[str, Any]:
        return self._ask("stats")

    def reset(self) -> None:
        self._ask("reset")

    def add_recording(self, size_bytes: int) -> str:
        """A recording of ``size_bytes`` on the server (in a meeting of its own); its id."""
        return str(self._ask(f"recording {size_bytes}")["recording_id"])

    def force(self, status: int | None) -> None:
        """Answer every request with ``status`` from now on (None: answer normally again)."""
        self._ask(f"force {status or 'none'}")

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def main() -> None:
    from roomdesk.emulator import EmulatorServer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=1_000_000)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--jitter", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    server = EmulatorServer(
        api_key=BENCH_API_KEY, rate_limit_points=args.budget, rate_window_seconds=args.window
    )
    server.faults.latency = args.latency
    server.faults.latency_jitter = args.jitter
    server.faults.seed = args.seed
    with server:
        print(json.dumps({"base_url": server.base_url}), flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "stats":
                statuses = Counter(str(request.status) for request in server.received)
                answer: dict[str, Any] = {
                    "requests": sum(statuses.values()),
                    "by_status": dict(statuses),
                }
            elif command == "reset":
                server.clear_received()
                server.reset_rate_limit()
                answer = {"ok": True}
            elif command.startswith("recording "):
                # A recording of SIZE bytes in a session of a new meeting: a download to time.
                meeting = server.add_meeting()
                session = server.add_room_session(meeting["meetingId"])
                made = server.add_recording(
                    session["roomSessionId"], size_bytes=int(command.split()[1])
                )
                answer = {"recording_id": made["recordingId"], "filename": made["filename"]}
            elif command.startswith("force "):
                status = command.split()[1]
                server.faults.force_status = None if status == "none" else int(status)
                answer = {"ok": True}
            else:
                answer = {"error": f"unknown command {command!r}"}
            print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
