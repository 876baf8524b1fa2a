"""Benchmark 7: the client's CPU cost per call, against a bare ``httpx.AsyncClient``.

Creates, list pages and deletes run one after another through roomdesk's ``WherebyClient`` (as
the app makes it: validation, typed answers, the rate-limit scheduler's bookkeeping) and through a
bare ``httpx.AsyncClient`` sending the same requests to the same emulator (the same keep-alive
connection reuse, the same number of calls, the answer's JSON decoded). The emulator runs in its
own process with no latency and an unlimited budget; the calls run on a plain asyncio loop in a
thread of their own, and its CPU time (``time.thread_time``) divided by the calls is the figure.
Repetitions alternate between the two clients.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx

from bench.core import Options, Result, Summary, ratio_at_most
from bench.emulator_child import EmulatorProcess
from bench.fixtures import BENCH_API_KEY

T = TypeVar("T")
MAX_RATIO = 1.2
LIST_LIMIT = 100


def _in_thread(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run ``make()`` on a fresh asyncio loop in a new thread (away from any Qt loop)."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(make())
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="client-overhead")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


async def _cpu_per_call(calls: Sequence[Callable[[], Awaitable[object]]]) -> float:
    """Microseconds of this thread's CPU per call, the calls made one after another."""
    started = time.thread_time()
    for call in calls:
        await call()
    return (time.thread_time() - started) / len(calls) * 1e6


async def _roomdesk_round(base_url: str, count: int) -> dict[str, float]:
    from roomdesk.api.client import WherebyClient
    from roomdesk.api.requests import Field, MeetingRequest

    end = datetime.now(UTC) + timedelta(hours=2)
    request = MeetingRequest(end_date=end, fields=frozenset({Field.HOST_ROOM_URL}))
    async with WherebyClient(BENCH_API_KEY, base_url=base_url) as client:
        await client.check_key()  # opens the connection, outside the timing
        created: list[str] = []

        async def create() -> None:
            created.append((await client.create_meeting(request)).meeting_id)

        async def list_page() -> None:
            await client.list_meetings_page(limit=LIST_LIMIT, fields=(Field.HOST_ROOM_URL,))

        figures = {"create": await _cpu_per_call([create] * count)}
        figures["list"] = await _cpu_per_call([list_page] * count)
        deletes = [functools.partial(client.delete_meeting, mid) for mid in created]
        figures["delete"] = await _cpu_per_call(deletes)
        return figures


async def _bare_round(base_url: str, count: int) -> dict[str, float]:
    end = (datetime.now(UTC) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = {"endDate": end, "fields": ["hostRoomUrl"]}
    headers = {"Authorization": f"Bearer {BENCH_API_KEY}", "Accept": "application/json"}
    async with httpx.AsyncClient(base_url=base_url + "/", headers=headers) as http:
        (await http.get("meetings", params={"limit": 1})).raise_for_status()
        created: list[str] = []

        async def create() -> None:
            response = await http.post("meetings", json=body)
            response.raise_for_status()
            created.append(response.json()["meetingId"])

        async def list_page() -> None:
            params: dict[str, str | int] = {"limit": LIST_LIMIT, "fields": "hostRoomUrl"}
            response = await http.get("meetings", params=params)
            response.raise_for_status()
            response.json()

        async def delete(meeting_id: str) -> None:
            (await http.delete(f"meetings/{meeting_id}")).raise_for_status()

        figures = {"create": await _cpu_per_call([create] * count)}
        figures["list"] = await _cpu_per_call([list_page] * count)
        figures["delete"] = await _cpu_per_call([functools.partial(delete, mid) for mid in created])
        return figures


def run_client_overhead(options: Options) -> list[Result]:
    count = 20 if options.quick else 200
    repeat = options.repetitions(full=5, quick=1)
    ours: dict[str, list[float]] = {"create": [], "list": [], "delete": []}
    bare: dict[str, list[float]] = {"create": [], "list": [], "delete": []}
    with EmulatorProcess() as emulator:
        url = emulator.base_url
        for _ in range(repeat):
            for operation, value in _in_thread(lambda: _roomdesk_round(url, count)).items():
                ours[operation].append(value)
            for operation, value in _in_thread(lambda: _bare_round(url, count)).items():
                bare[operation].append(value)
    names = {
        "create": "create (POST /meetings)",
        "list": f"list page of {LIST_LIMIT} (GET /meetings)",
        "delete": "delete (DELETE /meetings/{id})",
    }
    return [
        Result(
            benchmark="client",
            figure=f"Client CPU per call: {names[operation]}",
            value=Summary.of(ours[operation], "µs"),
            baseline=Summary.of(bare[operation], "µs"),
            baseline_label="bare httpx.AsyncClient, same requests",
            target=ratio_at_most(MAX_RATIO, "bare httpx"),
            notes=f"{count} calls per repetition, {repeat} repetitions",
        )
        for operation in ("create", "list", "delete")
    ]
