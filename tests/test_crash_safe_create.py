"""Crash-safe create: SIGKILL ``create --count`` at random moments, then let a sync settle it.

Every click must end as exactly one room or as a create that is reported as "may not have been
created" and that no meeting on the server belongs to. The emulator runs in this process, so it
sees every request, including those whose sender was killed before the answer came back.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from roomdesk.emulator import EmulatorServer
from roomdesk.emulator.server import RequestOutcome
from roomdesk.store import PendingState, RoomSource, RoomStore

KEY = "crash-test-key"
ROOT = Path(__file__).resolve().parents[1]
SEED = 20_240_607
KILLED_RUNS = 20
BATCH = ["create", "--count", "8", "--duration", "1h", "--label", "Batch"]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")


def cli_env(server: EmulatorServer, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROOMDESK_")}
    env.update(
        ROOMDESK_API_URL=server.base_url,
        ROOMDESK_API_KEY=KEY,
        ROOMDESK_DATA_DIR=str(data_dir),
        PYTHONPATH=str(ROOT),
        PYTHON_KEYRING_BACKEND="tests.memory_keyring.MemoryKeyring",
    )
    return env


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "roomdesk.cli", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def run_cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "roomdesk.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def wait_for(predicate, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.005)


def kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def posts(server: EmulatorServer):
    return [r for r in server.received if r.method == "POST"]


def test_killed_batches_leave_every_click_accounted_for(data_dir, tmp_path):
    data_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    with EmulatorServer(api_key=KEY, rate_limit_points=100_000) as server:
        env = cli_env(server, data_dir)
        # 20-80 ms per request, so a kill often lands while a create is on the wire.
        server.faults.latency = 0.02
        server.faults.latency_jitter = 0.06
        server.faults.seed = SEED

        # One full run: how long a batch takes, and how soon its first create goes out.
        spawned = datetime.now(UTC)
        began = time.monotonic()
        full = run_cli(BATCH, env)
        batch_seconds = time.monotonic() - began
        assert full.returncode == 0, full.stderr
        first_post = min(r.time for r in posts(server))
        startup_seconds = max(0.0, (first_post - spawned).total_seconds())

        # One kill for certain while the server is working on a create: its answer is lost.
        server.faults.latency = 0.4
        process = start(BATCH, env)
        wait_for(lambda: any(r.outcome is RequestOutcome.PENDING for r in posts(server)), "a POST")
        kill(process)
        wait_for(
            lambda: all(r.outcome is not RequestOutcome.PENDING for r in posts(server)),
            "the emulator answered the orphaned create",
        )
        server.faults.latency = 0.02

        # Then kills spread over the batch: before, during and between the creates.
        for _ in range(KILLED_RUNS):
            delay = rng.uniform(startup_seconds * 0.8, batch_seconds)
            process = start(BATCH, env)
            try:
                process.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                kill(process)
        wait_for(
            lambda: all(r.outcome is not RequestOutcome.PENDING for r in server.received),
            "every request was answered",
        )

        warned = run_cli(["list"], env)
        assert warned.returncode == 0
        assert re.search(r"\d+ rooms? may not have been created", warned.stderr), warned.stderr

        server.faults.latency = server.faults.latency_jitter = 0.0
        first = run_cli(["sync", "--json"], env)
        assert first.returncode == 0, first.stderr
        report = json.loads(first.stdout)
        again = run_cli(["sync", "--json"], env)
        assert again.returncode == 0, again.stderr
        repeat = json.loads(again.stdout)

        server_ids = server.meeting_ids()
        created_by_posts = [r for r in posts(server) if r.status == 201]

    with RoomStore(data_dir / "rooms.sqlite3") as store:
        rooms = store.list_rooms(include_past=True)
        every_pending = store.pending_creates(states=tuple(PendingState))

    # Every meeting on the server is in the store exactly once; nothing else is.
    stored_ids = [room.meeting_id for room in rooms]
    assert len(stored_ids) == len(set(stored_ids))
    assert set(stored_ids) == server_ids
    assert all(room.deleted_at is None and room.server_missing_at is None for room in rooms)

    # No click is left half done, and each maps to at most one meeting.
    states = {row.state for row in every_pending}
    assert PendingState.PENDING not in states
    resolved = [row for row in every_pending if row.state is PendingState.RESOLVED]
    claimed = [row.meeting_id for row in resolved]
    assert len(claimed) == len(set(claimed))
    # Every meeting belongs to one click, so the unresolved ones have none on the server.
    assert set(claimed) == server_ids
    assert all(room.source is RoomSource.CREATED for room in rooms)
    label_of = {row.meeting_id: row.label for row in resolved}
    assert all(room.label == label_of[room.meeting_id] for room in rooms)
    assert all(re.fullmatch(r"Batch [1-8]", room.label) for room in rooms)
    unknown = {row.id for row in every_pending if row.state is PendingState.UNKNOWN}
    assert {item["id"] for item in report["unresolved"]} == unknown

    # Each create the server carried out is one room here: never two rooms for one click.
    assert len(created_by_posts) == len(rooms) == len(server_ids)
    assert report["resolved"] >= 1  # at least the create killed while on the wire
    assert report["imported"] == 0 and report["missing"] == 0

    # Syncing again changes nothing.
    assert repeat["imported"] == repeat["updated"] == repeat["missing"] == repeat["resolved"] == 0
    assert repeat["unresolved"] == report["unresolved"]
    assert repeat["roomsSeen"] == len(server_ids)
