"""The app's asyncio event loop: qasync's loop over Qt, with timers that go when cancelled.

qasync (0.28) runs each ``call_later``/``call_at`` as a Qt timer and, when the asyncio handle is
cancelled, leaves the Qt timer running until its deadline and skips it then. Timeouts are
exactly such timers: httpx (through anyio) sets one for every read and cancels it when the read
completes. A large download makes thousands of reads, so thousands of dead timers fire one
timeout later, all in the same instant (Qt runs coarse timers together), a stall of the GUI
thread every second (docs/performance.md has the figures). Here a cancelled handle kills its
Qt timer at once, so a dead timer costs nothing later.
"""

from __future__ import annotations

import asyncio
import contextvars
import sys
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import qasync
from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimerEvent
from PySide6.QtWidgets import QApplication

T = TypeVar("T")


class _KillableHandle(asyncio.Handle):
    """A timer's handle that tells its timer when it is cancelled."""

    __slots__ = ("_forget",)

    def __init__(
        self,
        callback: Callable[..., object],
        args: tuple[Any, ...],
        loop: asyncio.AbstractEventLoop,
        context: contextvars.Context | None,
        forget: Callable[[_KillableHandle], None],
    ) -> None:
        super().__init__(callback, args, loop, context=context)
        self._forget: Callable[[_KillableHandle], None] | None = forget

    def cancel(self) -> None:
        forget, self._forget = self._forget, None
        super().cancel()
        if forget is not None:
            forget(self)


class _Timers(QObject):
    """One Qt timer per delayed callback, killed when the callback runs or is cancelled."""

    def __init__(self) -> None:
        super().__init__()
        self._handles: dict[int, _KillableHandle] = {}
        self._ids: dict[_KillableHandle, int] = {}

    def __len__(self) -> int:
        return len(self._handles)

    def add(self, handle: _KillableHandle, delay: float) -> _KillableHandle:
        # Coarse, as qasync's own timers are: Qt may fire them a little early or late.
        timer_id = self.startTimer(round(max(0.0, delay) * 1000), Qt.TimerType.CoarseTimer)
        self._handles[timer_id] = handle
        self._ids[handle] = timer_id
        return handle

    def forget(self, handle: _KillableHandle) -> None:
        timer_id = self._ids.pop(handle, None)
        if timer_id is not None:
            del self._handles[timer_id]
            self.killTimer(timer_id)

    def stop(self) -> None:
        for timer_id in self._handles:
            self.killTimer(timer_id)
        self._handles.clear()
        self._ids.clear()

    def timerEvent(self, event: QTimerEvent) -> None:
        timer_id = event.timerId()
        self.killTimer(timer_id)
        handle = self._handles.pop(timer_id, None)
        if handle is None:
            return
        del self._ids[handle]
        handle._forget = None  # run now: a cancel from its own callback has nothing to kill
        if not handle.cancelled():
            handle._run()


class AppEventLoop(qasync.QEventLoop):
    """qasync's loop whose delayed callbacks do not outlive their cancellation."""

    def __init__(self, app: QCoreApplication | None = None, **options: Any) -> None:
        super().__init__(app, **options)
        self._delayed = _Timers()

    def call_later(
        self,
        delay: float,
        callback: Callable[..., object],
        *args: Any,
        context: contextvars.Context | None = None,
    ) -> asyncio.Handle:
        if delay <= 0:  # call_soon: runs on the next turn, never outlives anything
            return super().call_later(delay, callback, *args, context=context)
        self._check_closed()
        handle = _KillableHandle(callback, args, self, context, self._delayed.forget)
        return self._delayed.add(handle, delay)

    def delayed_callbacks(self) -> int:
        """How many delayed callbacks are waiting (cancelled ones are not)."""
        return len(self._delayed)

    def close(self) -> None:
        self._delayed.stop()
        super().close()


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on an :class:`AppEventLoop` over the QApplication."""

    def new_loop() -> AppEventLoop:
        return AppEventLoop(QApplication.instance() or QApplication(sys.argv))

    if sys.version_info >= (3, 12):
        return asyncio.run(main, loop_factory=new_loop)

    class Policy(asyncio.DefaultEventLoopPolicy):
        def new_event_loop(self) -> asyncio.AbstractEventLoop:
            return new_loop()

    previous = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(Policy())
    try:
        return asyncio.run(main)
    finally:
        asyncio.set_event_loop_policy(previous)
