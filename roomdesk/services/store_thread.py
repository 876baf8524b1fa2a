"""A second connection to the room store, used from one worker thread of its own.

For the bulk writes of a sync. On the GUI thread, a page's write waits for the disk whenever the
checkpoint thread is copying the write-ahead log into the database file, and the window stalls
that long. SQLite lets one connection write at a time, so the GUI thread's own writes (a create,
a label) wait for one page's transaction at most.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from roomdesk.store import RoomStore

T = TypeVar("T")


class StoreThread:
    """Runs work on a :class:`RoomStore` of the file at ``path``, opened and used only in one
    worker thread. The file must exist (another store has it open). Call :meth:`close`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="room store writes")
        self._store: RoomStore | None = None  # touched only in the executor's thread
        self._closed = False

    def _here(self) -> RoomStore:
        if self._store is None:
            # The file is open elsewhere, checked and upgraded: no second quick check.
            self._store = RoomStore(self.path, structure_checked=True)
        return self._store

    def submit(self, work: Callable[[RoomStore], T]) -> Future[T]:
        """Queue ``work(store)`` for the worker thread."""
        if self._closed:
            raise RuntimeError("this store thread is closed")
        return self._executor.submit(lambda: work(self._here()))

    async def run(self, work: Callable[[RoomStore], T]) -> T:
        """``work(store)`` in the worker thread; its result, or the error it raised. Cancelled
        before it starts, it does not run; once started, it runs to its end."""
        return await asyncio.wrap_future(self.submit(work))

    def close(self) -> None:
        """Wait for work under way, then close the connection and end the thread."""
        if self._closed:
            return
        self._closed = True

        def close_here() -> None:
            if self._store is not None:
                self._store.close()
                self._store = None

        try:
            self._executor.submit(close_here).result()
        finally:
            self._executor.shutdown(wait=True)

    def __enter__(self) -> StoreThread:
        return self

    def __exit__(self, *_exc_info: object) -> None:
        self.close()


__all__ = ["StoreThread"]
