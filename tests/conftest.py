"""Shared fixtures. Qt runs offscreen; every test gets its own data directory and store.

Each section belongs to one part of the code base.
"""

from __future__ import annotations

import os

# Before anything can create a QApplication: no window system needed, and no user settings read.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.pop("ROOMDESK_API_KEY", None)
os.environ.pop("ROOMDESK_API_URL", None)

import asyncio
import gc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from openapi_core import OpenAPI

    from roomdesk.emulator import EmulatorServer
    from roomdesk.store import RoomStore


# --- data directory ---


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh ROOMDESK_DATA_DIR for every test, so nothing touches the user's files."""
    directory = tmp_path / "roomdesk-data"
    monkeypatch.setenv("ROOMDESK_DATA_DIR", str(directory))
    monkeypatch.delenv("ROOMDESK_API_KEY", raising=False)
    monkeypatch.delenv("ROOMDESK_API_URL", raising=False)
    return directory


@pytest.fixture
def store(data_dir: Path) -> Iterator[RoomStore]:
    """A fresh room store in the test's data directory, closed after the test."""
    from roomdesk.store import RoomStore

    data_dir.mkdir(parents=True, exist_ok=True)
    with RoomStore(data_dir / "rooms.sqlite3") as room_store:
        yield room_store


# --- Qt object lifetime ---


@pytest.fixture(autouse=True)
def collect_qt_garbage(request: pytest.FixtureRequest) -> Iterator[None]:
    """Destroy a Qt test's leftover objects now, on the GUI thread.

    Otherwise a later garbage collection may run on a server thread and destroy timers there,
    which Qt reports (and the suite treats as failure).
    """
    yield
    if {"qapp", "qtbot", "aloop"} & set(request.fixturenames):
        gc.collect()


# --- qasync event loop ---


class AsyncRunner:
    """Drives a qasync loop from synchronous tests and re-raises errors from background tasks."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.errors: list[BaseException] = []

    def handle_exception(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        self.errors.append(context.get("exception") or RuntimeError(context.get("message")))

    def run(self, awaitable, timeout: float = 20.0):
        """Run ``awaitable`` to completion while Qt keeps processing events."""
        future = asyncio.ensure_future(asyncio.wait_for(awaitable, timeout), loop=self.loop)
        future.add_done_callback(lambda _done: self.loop.stop())
        try:
            self.loop.run_forever()
        finally:
            # Between runs Qt may still process events (qtbot's waits, a dialog closing); a task
            # that takes a step then must still find its loop, as it always would in the app.
            asyncio.events._set_running_loop(self.loop)
        self.raise_errors()
        return future.result()

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Let the loop (and Qt) run until ``predicate()`` holds."""

        async def poll() -> None:
            while not predicate():
                self.raise_errors()
                await asyncio.sleep(0.01)

        self.run(poll(), timeout)

    def act(self, action: Callable[[], object]) -> None:
        """Do ``action`` (a click, a key press) inside the running loop, as in the real app.

        Async slots can only start tasks while the loop runs, so UI input goes through here.
        """

        async def inside() -> None:
            action()
            await asyncio.sleep(0)

        self.run(inside())

    def raise_errors(self) -> None:
        if self.errors:
            error, self.errors = self.errors[0], []
            raise error


@pytest.fixture
def aloop(qapp) -> Iterator[AsyncRunner]:
    """A qasync event loop bound to the test's QApplication."""
    from roomdesk.ui.event_loop import AppEventLoop

    # As in the app: closing the last window must not end the event loop under a test.
    qapp.setQuitOnLastWindowClosed(False)
    loop = AppEventLoop(qapp, already_running=False)
    runner = AsyncRunner(loop)
    loop.set_exception_handler(runner.handle_exception)
    asyncio.set_event_loop(loop)
    try:
        yield runner
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            runner.run(asyncio.gather(*pending, return_exceptions=True))
        runner.raise_errors()
    finally:
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(None)
        loop.close()


# --- emulator fixtures ---
# Imports stay inside the fixtures so this section can be moved or appended to as one block.

EMULATOR_TEST_KEY = "test-key"


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    """A running emulator that accepts the API key "test-key"; stopped after the test."""
    from roomdesk.emulator import EmulatorServer

    with EmulatorServer(api_key=EMULATOR_TEST_KEY) as server:
        yield server


@pytest.fixture(scope="session")
def spec() -> OpenAPI:
    """Whereby's OpenAPI document with its known defects patched; skips the test when absent
    (fails it in CI)."""
    from tests.spec_contract import spec_or_skip

    return spec_or_skip()


# --- end of emulator fixtures ---


# --- app session fixtures ---


@pytest.fixture
def keyring_backend():
    """An empty in-memory keychain; the real one is never touched by tests."""
    from tests.memory_keyring import MemoryKeyring

    return MemoryKeyring()


@pytest.fixture
def app_session(emulator, aloop, keyring_backend):
    """An AppSession pointed at the emulator, with no key yet; shut down after the test."""
    from roomdesk.paths import app_paths
    from roomdesk.secrets import KeyStore
    from roomdesk.ui.session import AppSession

    session = AppSession(
        app_paths(),
        keys=KeyStore(environ={}, keyring_backend=keyring_backend),
        api_url=emulator.base_url,
    )
    yield session
    aloop.run(session.shutdown())
