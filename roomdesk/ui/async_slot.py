"""Async slots for Qt signals, with errors that are never silent.

qasync's ``asyncSlot`` cannot be called with no arguments (a zero-argument signal such as
``QTimer.timeout``), so this small variant is used instead. Each call becomes an asyncio task on
the running (qasync) loop; a reference is kept until it finishes, and an exception it raises goes
to the loop's exception handler, which the app turns into a log entry and a message.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Imported lazily, when a slot first runs (there is a loop then): a window can be built and
    # drawn before asyncio's import cost is paid.
    import asyncio

_running: set[asyncio.Task[Any]] = set()


def _report(task: asyncio.Task[Any]) -> None:
    _running.discard(task)
    if task.cancelled():
        return
    error = task.exception()
    if error is not None:
        task.get_loop().call_exception_handler(
            {"message": f"Unhandled error in {task.get_name()}", "exception": error, "task": task}
        )


def async_slot(
    fn: Callable[..., Coroutine[Any, Any, Any]],
) -> Callable[..., asyncio.Task[Any]]:
    """Decorate ``async def`` handlers so a signal can start them; extra signal args are dropped."""
    parameters = list(inspect.signature(fn).parameters.values())
    takes_any = any(p.kind is p.VAR_POSITIONAL for p in parameters)
    positional = sum(
        1 for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    )

    @functools.wraps(fn)
    def start(*args: Any) -> asyncio.Task[Any]:
        import asyncio

        if not takes_any:
            args = args[:positional]
        task = asyncio.ensure_future(fn(*args))
        task.set_name(fn.__qualname__)
        _running.add(task)
        task.add_done_callback(_report)
        return task

    return start


def running_tasks() -> set[asyncio.Task[Any]]:
    """Slot tasks still running (cancelled on shutdown)."""
    return set(_running)
