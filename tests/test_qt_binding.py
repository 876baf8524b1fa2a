"""Guards against Qt binding builds that corrupt the interpreter (seen in PySide6 6.12.0)."""

from __future__ import annotations

import gc
import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    fired = Signal()
    flagged = Signal(bool)


def test_signal_emits_keep_reference_counts_of_true_and_false():
    emitter = _Emitter()
    received: list[bool] = []
    emitter.flagged.connect(received.append)
    gc.collect()
    before = sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(200):
        emitter.fired.emit()
        emitter.flagged.emit(True)
        emitter.flagged.emit(False)
    del received[:]
    gc.collect()
    after = sys.getrefcount(True), sys.getrefcount(False)
    # A binding that drops a reference per emit would fall by hundreds (and later crash).
    assert abs(after[0] - before[0]) < 50 and abs(after[1] - before[1]) < 50
