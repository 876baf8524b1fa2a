"""StoreThread: a store connection of its own, used from one worker thread."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import pytest

from roomdesk.api.models import Meeting
from roomdesk.services.store_thread import StoreThread
from roomdesk.store import RoomStore

END = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def meeting(number: int) -> Meeting:
    return Meeting(f"m{number}", f"https://acme.whereby.com/r{number}", END + timedelta(hours=1))


def test_work_runs_in_one_other_thread_and_its_writes_are_seen_here(tmp_path) -> None:
    with RoomStore(tmp_path / "rooms.sqlite3") as store:
        threads: list[int] = []

        def write(number: int, worker_store: RoomStore) -> int:
            threads.append(threading.get_ident())
            assert worker_store is not store
            return worker_store.upsert_many_imported([meeting(number)])

        async def main() -> list[int]:
            with StoreThread(store.path) as writes:
                return [await writes.run(lambda s, n=n: write(n, s)) for n in range(3)]

        assert asyncio.run(main()) == [1, 1, 1]
        assert len(set(threads)) == 1 and threads[0] != threading.get_ident()
        assert sorted(room.meeting_id for room in store.list_rooms(now=END)) == ["m0", "m1", "m2"]


def test_errors_come_back_and_a_closed_thread_takes_no_work(tmp_path) -> None:
    with RoomStore(tmp_path / "rooms.sqlite3") as store:

        def fail(_store: RoomStore) -> None:
            raise ValueError("no such room")

        async def main() -> StoreThread:
            writes = StoreThread(store.path)
            with pytest.raises(ValueError, match="no such room"):
                await writes.run(fail)
            writes.close()
            writes.close()  # once is enough; twice is harmless
            with pytest.raises(RuntimeError, match="closed"):
                await writes.run(lambda _store: None)
            return writes

        writes = asyncio.run(main())
        assert writes._store is None  # its connection is closed
