"""Benchmark 11: download throughput of a recording, against a bare httpx stream to a file.

The emulator, in its own process, makes a recording's file as it sends it (1,000 MB in a full
run, 4 MB in a quick one), so nothing holds the file in memory. roomdesk's ``download()`` fetches
it from its access link through a ``WherebyClient``, with a progress callback that formats each
report as the command line does; the baseline streams the same link with a bare
``httpx.AsyncClient`` (the same raw chunks off the connection, each written to the file as it
arrives) and ends as ``download()`` does, with a flush and an fsync. Both write into the same
temporary folder beside the results (a disk, where the system's temporary folder may be memory),
and each file is removed after its run. Both connections are opened before the clock starts.
Repetitions interleave the two, each taking the lead in turn; the figure is MB a second, median.
"""

from __future__ import annotations

import asyncio
import functools
import os
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import httpx

from bench.core import Options, Result, Summary, ratio_at_least
from bench.emulator_child import EmulatorProcess
from bench.fixtures import BENCH_API_KEY

T = TypeVar("T")
MIN_RATIO = 0.8
FULL_BYTES = 1_000_000_000
QUICK_BYTES = 4_000_000
# The first bytes of each file are checked against what the emulator sent.
CHECKED_BYTES = 1 << 20
RESULTS_DIR = Path(__file__).resolve().parent / "results"


class _Run:
    """One timed transfer: wall-clock seconds, and the CPU seconds of this process meanwhile
    (the worker thread's writes included; the emulator's serving is in its own process)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.cpu = 0.0
        self._started = (0.0, 0.0)

    def start(self) -> None:
        self._started = (time.perf_counter(), time.process_time())

    def stop(self) -> None:
        wall, cpu = self._started
        self.seconds = time.perf_counter() - wall
        self.cpu = time.process_time() - cpu


def _in_thread(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run ``make()`` on a fresh asyncio loop in a new thread, as the other client benches do."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(make())
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="download-bench")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


async def _roomdesk_run(base_url: str, recording_id: str, target: Path, size: int) -> _Run:
    from roomdesk.api.client import WherebyClient
    from roomdesk.api.recordings import RecordingsClient
    from roomdesk.services.downloads import DownloadProgress, download

    run = _Run()
    reports = 0

    def progress(step: DownloadProgress) -> None:
        nonlocal reports
        reports += 1
        step.describe()  # what the command line prints on a terminal

    async with WherebyClient(BENCH_API_KEY, base_url=base_url) as client:
        # Fetched before the clock starts, which also opens the connection the file comes on.
        link = await RecordingsClient(client).recording_access_link(recording_id)

        async def link_source() -> Any:
            return link

        run.start()
        done = await download(client, link_source, target, expected_size=size, progress=progress)
        run.stop()
    if done != size or reports == 0:
        raise RuntimeError(f"roomdesk's download ended at {done:,} of {size:,} bytes")
    return run


async def _bare_run(base_url: str, recording_id: str, target: Path, size: int) -> _Run:
    run = _Run()
    headers = {"Authorization": f"Bearer {BENCH_API_KEY}"}
    async with httpx.AsyncClient(base_url=base_url + "/") as http:
        answer = await http.get(f"recordings/{recording_id}/access-link", headers=headers)
        answer.raise_for_status()
        link = answer.json()["accessLink"]
        run.start()
        with target.open("wb") as file:
            wanted = {"Accept-Encoding": "identity"}
            async with http.stream("GET", link, headers=wanted) as response:
                response.raise_for_status()
                async for chunk in response.aiter_raw():
                    file.write(chunk)
            file.flush()
            os.fsync(file.fileno())
        run.stop()
    done = target.stat().st_size
    if done != size:
        raise RuntimeError(f"the bare download ended at {done:,} of {size:,} bytes")
    return run


def _check_and_remove(target: Path, recording_id: str) -> None:
    from roomdesk.emulator.storage import recording_bytes

    with target.open("rb") as file:
        start = file.read(CHECKED_BYTES)
    target.unlink()
    if start != recording_bytes(recording_id, 0, len(start)):
        raise RuntimeError(f"{target.name} does not hold the recording's bytes")


def run_downloads(options: Options) -> list[Result]:
    size = QUICK_BYTES if options.quick else FULL_BYTES
    repeat = options.repetitions(full=5, quick=2)
    runs: dict[str, list[_Run]] = {"roomdesk": [], "bare": []}
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    with (
        EmulatorProcess() as emulator,
        tempfile.TemporaryDirectory(prefix=".downloads-", dir=RESULTS_DIR) as folder,
    ):
        url = emulator.base_url
        recording_id = emulator.add_recording(size)
        ways = {"roomdesk": _roomdesk_run, "bare": _bare_run}
        for repetition in range(repeat):
            order = ("roomdesk", "bare") if repetition % 2 == 0 else ("bare", "roomdesk")
            for name in order:
                target = Path(folder) / f"{name}.mp4"
                make = functools.partial(ways[name], url, recording_id, target, size)
                runs[name].append(_in_thread(make))
                _check_and_remove(target, recording_id)

    def throughput(name: str) -> Summary:
        return Summary.of([size / 1e6 / run.seconds for run in runs[name]], "MB/s")

    def cpu_per_mb(name: str) -> float:
        return sum(run.cpu for run in runs[name]) * 1e3 / (len(runs[name]) * size / 1e6)

    return [
        Result(
            benchmark="downloads",
            figure=f"Download throughput, {size / 1e6:,.0f} MB recording",
            value=throughput("roomdesk"),
            baseline=throughput("bare"),
            baseline_label="bare httpx stream of the same link to a file, fsynced",
            target=ratio_at_least(MIN_RATIO, "bare httpx"),
            notes=(
                f"{repeat} repetitions each, interleaved; CPU of the downloading process "
                f"{cpu_per_mb('roomdesk'):.2f} ms/MB against {cpu_per_mb('bare'):.2f} ms/MB"
            ),
            extra={
                "bytes": size,
                "cpu_ms_per_mb": {name: cpu_per_mb(name) for name in runs},
            },
        )
    ]
