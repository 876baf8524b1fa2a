"""Child process for the start-up and memory benchmarks: start a window, report its first paint.

``python -m bench.startup_probe app`` starts roomdesk exactly as its ``roomdesk`` command does
(``roomdesk.app.main``), in the same order: the probe loads nothing of Qt before roomdesk does.
``python -m bench.startup_probe minimal`` shows a bare QMainWindow holding a QTableView. Neither
window's code knows it is watched: when the main window is shown, an event filter goes on it and
on its widgets, sees their Paint events, and a zero-length timer queued at the first one fires
once that whole frame is drawn. The probe prints one JSON line and ends the process at once, so
shutdown costs are not counted.

Printed: ``painted`` (``time.time()`` of the first frame's last Paint event), ``first_idle``
(when the event loop first got to run a timer after it), the resident memory then and, after
``--settle`` seconds of idle event processing, ``rss_kb`` (VmRSS) and ``peak_rss_kb`` (VmHWM), and
``rows`` (the rows the window's table holds), ``listed``: when the room list was in the
table, the first paint itself unless a large list was still loading in the background then, and
``ready``: when the key was in use (the first paint itself if it was before; later when the
window showed the saved list while the keychain was read). For roomdesk also
``deferred_before_first_frame`` (which of DEFERRED_MODULES were loaded by then) and
``modules_at_first_frame`` (every module loaded by then) and ``sources_kept``: roomdesk modules
whose source text was held in ``linecache`` at the first
frame (PySide's import hook used to keep every module's).

"""

from __future__ import annotations

# Only what Python has loaded already: a module the probe imported first would be free for the
# window it watches (json, argparse and pathlib are imported when they are needed).
import os
import sys
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtWidgets import QMainWindow, QWidget

MINIMAL_WINDOW_NAME = "minimal-window"
FRAME_GAP = 0.05  # seconds between two Paint events that cannot be one frame
# What roomdesk's first frame does without: the event loop, the network, the keychain, the
# request models, the dialogs.
DEFERRED_MODULES = frozenset(
    {
        "asyncio",
        "qasync",
        "httpx",
        "keyring",
        "roomdesk.api.client",
        "roomdesk.api.requests",
        "roomdesk.ui.create_room_dialog",
        "roomdesk.ui.settings_dialog",
    }
)


def _status_kb(field: str) -> int:
    """A ``kB`` figure from /proc/self/status (Linux), or 0 where there is no such file."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _roomdesk_sources_kept() -> list[str]:
    import linecache
    from pathlib import Path

    return sorted(name for name in linecache.cache if "roomdesk" in Path(name).parts)


def _run(kind: str, settle_seconds: float) -> None:
    if kind == "app":
        # Nothing of Qt is loaded before roomdesk loads it: its start-up order is part of what
        # is measured (it starts the room list's check, for one, before it imports PySide6).
        _after_import("PySide6.QtWidgets", lambda: _watch(_is_main_window, settle_seconds))
        from roomdesk.app import main

        main([])
    else:
        from PySide6.QtWidgets import QApplication

        qt_app = QApplication(sys.argv[:1])
        _watch(lambda widget: widget.objectName() == MINIMAL_WINDOW_NAME, settle_seconds)
        _show_minimal_window(qt_app)


class _AfterImport:
    """A finder that runs ``then()`` right after the module ``name`` is first imported."""

    def __init__(self, name: str, then: Callable[[], None]) -> None:
        self.name = name
        self.then = then

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        from importlib.util import find_spec

        spec = find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_then_watch(module: Any) -> None:
            exec_module(module)
            self.then()

        spec.loader.exec_module = exec_then_watch  # type: ignore[method-assign]
        return spec


def _after_import(name: str, then: Callable[[], None]) -> None:
    sys.meta_path.insert(0, _AfterImport(name, then))


_probes: list[Any] = []  # the FirstPaint watcher, alive for the whole run


def _is_main_window(widget: QWidget) -> bool:
    """Whether ``widget`` is roomdesk's main window; by type, once roomdesk has loaded it (the
    probe never loads it first)."""
    module = sys.modules.get("roomdesk.ui.main_window")
    return module is not None and isinstance(widget, module.MainWindow)


def _loading_rooms(window: QMainWindow) -> int:
    """How many rooms roomdesk's window is loading in the background (0 for the minimal one)."""
    loader = getattr(window, "list_loader", None)
    return int(loader.loading_rooms) if loader is not None else 0


def _watch(is_watched: Callable[[QWidget], bool], settle_seconds: float) -> None:
    """Report the first frame of the first window shown from now for which ``is_watched``."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QWidget

    report: dict[str, Any] = {}

    def finish(window: QMainWindow) -> None:
        report["rows"] = _rows_shown(window)
        report["rss_kb"] = _status_kb("VmRSS")
        report["peak_rss_kb"] = _status_kb("VmHWM")
        import json

        sys.stdout.write(json.dumps(report) + "\n")
        sys.stdout.flush()
        os._exit(0)

    def first_frame_done(window: QMainWindow) -> None:
        report["painted"] = probe.last_paint
        report["first_idle"] = time.time()
        report["painted_rss_kb"] = _status_kb("VmRSS")
        report["painted_rows"] = _rows_shown(window)
        # roomdesk draws its first frame before it imports these; this says which it had.
        report["deferred_before_first_frame"] = sorted(DEFERRED_MODULES & sys.modules.keys())
        report["modules_at_first_frame"] = sorted(sys.modules)
        report["sources_kept"] = _roomdesk_sources_kept()
        session = getattr(window, "session", None)
        if session is None or session.is_ready:
            report["ready"] = report["painted"]
        else:
            session.sessionReady.connect(lambda: key_in_use(window))
        if _loading_rooms(window):
            window.roomsLoaded.connect(lambda: list_shown(window))  # type: ignore[attr-defined]
        else:
            list_shown(window, report["painted"])

    def key_in_use(window: QMainWindow) -> None:
        if "ready" not in report:
            report["ready"] = time.time()
            if "listed" in report:
                settle_then_finish(window)

    def list_shown(window: QMainWindow, when: float | None = None) -> None:
        report["listed"] = time.time() if when is None else when
        if "ready" in report:
            settle_then_finish(window)

    def settle_then_finish(window: QMainWindow) -> None:
        if settle_seconds > 0:
            QTimer.singleShot(round(settle_seconds * 1000), lambda: finish(window))
        else:
            finish(window)

    class FirstPaint(QObject):
        """Sees the first frame's Paint events; the last one is when that frame was done.

        It watches the window's own widgets only, from the moment the window is shown (see
        :func:`_watch_shows`): a filter on the whole application would run Python for every
        event of start-up, some 25 ms in the bare window alone, and more in a window with more
        widgets. The zero-length timer queued at the first Paint fires once the frame is
        complete, but possibly after other work queued before it (the window's start-up
        refresh): the frame's own end is the time of its last Paint event. A frame's widgets
        are painted one right after the other, so a paint after a pause of FRAME_GAP belongs
        to a later frame.
        """

        def __init__(self) -> None:
            super().__init__()
            self.window: QMainWindow | None = None
            self.seen = False
            self.done = False
            self.last_paint = 0.0

        def watch(self, window: QMainWindow) -> None:
            if self.window is not None:
                return
            self.window = window
            for widget in (window, *window.findChildren(QWidget)):
                widget.installEventFilter(self)

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if not self.done and event.type() == QEvent.Type.Paint:
                now = time.time()
                if self.seen and now - self.last_paint > FRAME_GAP:
                    self.done = True  # a later frame: the first one ended at the last paint
                    return False
                self.last_paint = now
                if not self.seen:
                    self.seen = True
                    QTimer.singleShot(0, self.finish_frame)
            return False

        def finish_frame(self) -> None:
            self.done = True
            assert self.window is not None
            first_frame_done(self.window)

    probe = FirstPaint()
    _probes.append(probe)
    _watch_shows(is_watched, probe.watch)


def _watch_shows(is_watched: Callable[[QWidget], bool], watch: Callable[[Any], None]) -> None:
    """Call ``watch(widget)`` when a widget for which ``is_watched`` is first shown, just before
    it is: both windows show themselves with ``show()``, which this wraps for the process."""
    from PySide6.QtWidgets import QWidget

    show = QWidget.show

    def show_watched(widget: QWidget) -> None:
        if is_watched(widget):
            watch(widget)
        show(widget)

    QWidget.show = show_watched  # type: ignore[method-assign]


def _rows_shown(window: QMainWindow) -> int:
    """The rows of roomdesk's table (its proxy model), or of the minimal window's; else -1."""
    from PySide6.QtWidgets import QTableView

    model = getattr(window, "proxy", None)
    if model is None and isinstance(table := window.centralWidget(), QTableView):
        model = table.model()
    return model.rowCount() if model is not None else -1


def _show_minimal_window(qt_app: object) -> None:
    from PySide6.QtGui import QStandardItemModel
    from PySide6.QtWidgets import QMainWindow, QTableView

    window = QMainWindow()
    window.setObjectName(MINIMAL_WINDOW_NAME)
    table = QTableView()
    table.setModel(QStandardItemModel(0, 6, window))
    window.setCentralWidget(table)
    window.resize(960, 600)
    window.show()
    qt_app.exec()  # type: ignore[attr-defined]


USAGE = "usage: python -m bench.startup_probe {app,minimal} [--settle=SECONDS]"


def main() -> None:
    # By hand: argparse would be loaded before the window, and roomdesk uses it.
    kind, *options = sys.argv[1:] or [""]
    settle = 0.0
    for option in options:
        name, _, value = option.partition("=")
        try:
            settle = float(value) if name == "--settle" else float("nan")
        except ValueError:
            settle = float("nan")
        if not settle >= 0:
            raise SystemExit(f"{USAGE}\nnot understood: {option}")
    if kind not in ("app", "minimal"):
        raise SystemExit(f"{USAGE}\nnot a window kind: {kind!r}")
    _run(kind, settle)


if __name__ == "__main__":
    main()
