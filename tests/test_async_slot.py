import asyncio

import pytest
from PySide6.QtCore import QObject, QTimer, Signal

from roomdesk.ui.async_slot import async_slot


class Emitter(QObject):
    fired = Signal()
    fired_with = Signal(int, str)


class Handler:
    def __init__(self):
        self.seen = []

    @async_slot
    async def on_fire(self, *values):
        await asyncio.sleep(0.01)
        self.seen.append(values)

    @async_slot
    async def on_value(self, number):
        await asyncio.sleep(0)
        self.seen.append(number)

    @async_slot
    async def fail(self):
        raise ValueError("handler failed")


def test_async_slots_run_on_the_qasync_loop_and_qt_keeps_ticking(aloop):
    ticks = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    emitter, handler = Emitter(), Handler()
    emitter.fired.connect(handler.on_fire)
    emitter.fired_with.connect(handler.on_value)
    aloop.act(emitter.fired.emit)
    aloop.act(lambda: emitter.fired_with.emit(7, "extra"))
    aloop.wait_until(lambda: len(handler.seen) == 2)
    assert sorted(map(str, handler.seen)) == ["()", "7"]
    aloop.run(asyncio.sleep(0.1))
    assert len(ticks) >= 5
    timer.stop()


def test_errors_in_async_slots_reach_the_test(aloop):
    handler = Handler()
    emitter = Emitter()
    emitter.fired.connect(handler.fail)
    with pytest.raises(ValueError, match="handler failed"):
        aloop.act(emitter.fired.emit)
        aloop.wait_until(lambda: False, timeout=2)
