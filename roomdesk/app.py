"""The desktop app's entry point: ``roomdesk`` and ``python -m roomdesk``."""

from __future__ import annotations

import functools
import logging
import os
import signal
import sys
import traceback
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from roomdesk import __version__
from roomdesk.app_arguments import ArgumentError, LaunchOptions, parse_arguments
from roomdesk.redact import redact

if TYPE_CHECKING:
    import asyncio

    from roomdesk.instance import SingleInstance
    from roomdesk.paths import AppPaths
    from roomdesk.store.recovery import EarlyStructureCheck, RecoveryNotice
    from roomdesk.ui.main_window import MainWindow
    from roomdesk.ui.reminders import ReminderScheduler
    from roomdesk.ui.tray import AppTray

log = logging.getLogger("roomdesk")

# The exit code of a run ended by Ctrl+C (SIGINT): 128 + the signal's number, as shells report a
# command a signal ended, so a script can tell it from a window the person closed (0), though
# the app quits just as cleanly.
EXIT_INTERRUPTED = 128 + signal.SIGINT


class App:
    """Wires the session, the settings and the windows together for one run."""

    def __init__(
        self,
        args: LaunchOptions,
        qt_app: Any,
        instance: SingleInstance | None = None,
        early_check: EarlyStructureCheck | None = None,
        *,
        tray_available: Callable[[], bool] | None = None,
        demo_rooms: bool = True,
    ) -> None:
        """``tray_available``: whether the desktop has a system tray (Qt is asked by
        default). ``demo_rooms``: whether a demo starts with sample rooms."""
        from roomdesk.paths import app_paths
        from roomdesk.ui.app_settings import AppSettings
        from roomdesk.ui.session import AppSession

        self.args = args
        self.qt_app = qt_app
        self.paths = app_paths().ensure()
        self.session = AppSession(self.paths)
        self.settings = AppSettings(self.paths)
        self.window: Any = None
        self.welcome: Any = None
        self.startup_problem = ""
        self._saved_list_tried = False  # _show_saved_list ran (before the loop, or in run)
        # Set when a damaged room list was moved aside at start-up; shown once the window is up.
        self.store_notice: RecoveryNotice | None = None
        self.store_notice_box: Any = None
        self.interrupted = False  # Ctrl+C asked the app to quit
        # Reminders due before this moment were missed while the app was not running.
        self.started_at = self.session.now()
        self.tray_available = tray_available
        self.demo_rooms = demo_rooms
        self.demo_rooms_task: asyncio.Future[None] | None = None
        self.tray: AppTray | None = None
        self.reminders: ReminderScheduler | None = None
        # A SingleInstance: later starts of roomdesk ask this one to come to the front.
        self.instance = instance
        if instance is not None:
            instance.activationRequested.connect(self.bring_to_front)
        # A store damaged while the app runs (or the demo's) is replaced and said so too.
        self.session.storeRecovered.connect(self.show_store_notice)
        if early_check is not None:
            self.session.use_early_check(early_check)

    def bring_to_front(self) -> None:
        """Show the window (or the welcome dialog) above the others, restored if minimized."""
        from PySide6.QtCore import Qt

        target = self.window if self.window is not None else self.welcome
        if target is None:
            return
        # Restore without showNormal(), which would also undo a maximized window.
        target.setWindowState(
            (target.windowState() & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowActive
        )
        target.show()
        target.raise_()
        target.activateWindow()

    def recover_store(self) -> None:
        """Open the room list once before the session does; a damaged one is moved aside.

        Raises StoreVersionError or StoreUnavailableError, leaving the file as it was.
        """
        self.store_notice = self.session.open_store_once()

    def show_store_notice(self, notice: RecoveryNotice | None = None) -> None:
        """Say, without blocking the window, that a damaged room list was replaced.

        Without a window yet, ``notice`` is kept and shown as soon as the window is up.
        """
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QMessageBox

        if notice is not None:
            self.store_notice = notice
        if self.store_notice is None or self.window is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Room list replaced",
            str(self.store_notice),
            QMessageBox.StandardButton.Ok,
            self.window,
        )
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.show()
        self.store_notice_box = box

    def quit_on_interrupt(self) -> None:
        """Ctrl+C in the terminal: quit as closing the window does (its state saved, the
        session shut down), with no traceback. Asking again changes nothing."""
        if not self.interrupted:
            log.info("Interrupted (Ctrl+C): quitting")
        self.interrupted = True
        if self.welcome is not None:
            self.welcome.reject()
        if self.window is not None and not self.window.is_closed:
            self.window.quit()

    def start_tray(self) -> None:
        """Put the tray icon up and start the reminders, for the window shown; neither is
        needed for its first frame."""
        from roomdesk.ui.reminders import remind_for_window
        from roomdesk.ui.tray import AppTray

        window = self.window
        if window is None or self.tray is not None:
            return
        tray = self.tray = AppTray(self.settings, available=self.tray_available, parent=window)
        tray.openRequested.connect(self.bring_to_front)
        tray.quitRequested.connect(window.quit)
        window.tray = tray
        ledger = window.session.reminder_ledger()
        self.reminders = remind_for_window(window, tray, ledger, started_at=self.started_at)
        self.reminders.windowRequested.connect(self.bring_to_front)

    def report_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """Unhandled errors from async work: logged in full, shown in words, never silent."""
        error = context.get("exception")
        text = redact(str(error) if error else context.get("message", "unknown error"))
        if error is not None:
            details = "".join(traceback.format_exception(error))
            log.error("Unhandled error: %s", redact(details))
        else:
            log.error("Unhandled error: %s", text)
        if self.window is not None:
            self.window.show_error(
                "Something went wrong",
                f"{text}\n\nThe details are in the log: {self.paths.log_file}",
            )

    def exec(self) -> int:
        """Run the app to its end; the exit code.

        When the window can show the saved list at once, it is built and drawn before asyncio is
        imported, by Qt's own event loop; the asyncio loop, and with
        it the key, the list's background load and the refresh, start once that frame is drawn.
        """
        if self.shows_saved_list_first():
            window = self._show_saved_list()
            if window is not None:
                self._draw_first_frame(window)
        if self.instance is not None:
            # A second start meanwhile waited for this (it retries for a while).
            self.instance.listen()
        code = self._run_async_part()
        return EXIT_INTERRUPTED if self.interrupted else code

    def _run_async_part(self) -> int:
        from roomdesk.ui.event_loop import run

        return run(self.run())

    @staticmethod
    def _draw_first_frame(window: MainWindow) -> None:
        """Run Qt's own event loop until ``window``'s first frame is drawn (or it is closed)."""
        from PySide6.QtCore import QEventLoop

        if window.first_frame_done or window.is_closed:
            return
        waiting = QEventLoop()
        window.firstFrameDone.connect(waiting.quit)
        window.closed.connect(waiting.quit)
        waiting.exec()

    async def run(self) -> int:
        import asyncio

        from roomdesk.ui.welcome_dialog import WelcomeDialog

        loop = asyncio.get_running_loop()
        loop.set_exception_handler(self.report_error)
        if self.args.demo:
            await self._start_up_step(self.session.start_demo())
        elif self.shows_saved_list_first():
            # The saved list is shown before the key is in use (a keychain can take a while, or
            # wait to be unlocked); exec has drawn it already when it ran first.
            window = self.window if self._saved_list_tried else self._show_saved_list()
            if window is not None:
                await window.wait_first_frame()
                if not window.is_closed:
                    window.start_background_work()
                await self._start_up_step(self._use_saved_key(window))
        else:
            await self._start_up_step(self._use_saved_key(None))

        if self.interrupted or (self.window is not None and self.window.is_closed):
            # Closed while the keychain was asked (or waited to be unlocked): that is all.
            await self.session.shutdown()
            return 0
        if not self.session.is_ready:
            if self.window is not None:
                self.session.note_no_key()
            # Over the window when it shows the saved list already, else on its own.
            welcome = self.welcome = WelcomeDialog(
                self.session.verify_key, self.session.start_demo, parent=self.window
            )
            if problem := self.startup_problem:
                welcome.feedback.setText(problem)
            finished: asyncio.Future[int] = loop.create_future()

            def finish(result: int) -> None:
                if not finished.done():
                    finished.set_result(result)

            welcome.finished.connect(finish)
            welcome.open()
            welcome.raise_()
            await finished
            self.welcome = None
            if not self.session.is_ready:
                if self.window is not None:
                    self.window.quit()  # its closeEvent runs here, saving its state
                await self.session.shutdown()
                return 0

        if self.window is None:
            self.show_window()
        self.start_tray()
        if self.session.is_demo and self.demo_rooms:
            self.demo_rooms_task = asyncio.ensure_future(self._add_demo_rooms(self.window))
        await self.window.wait_closed()
        if self.tray is not None:
            self.tray.remove()
        await self.session.shutdown()
        return 0

    async def _add_demo_rooms(self, window: MainWindow) -> None:
        """The demo's sample rooms, made once the window's first frame is drawn (they must not
        delay it); the window lists each as it is made."""
        await window.wait_first_frame()
        if not window.is_closed:
            await self.session.add_demo_rooms(self.settings.default_zone)
        running = window.refresh() if window.is_refreshing() else None
        if running is not None:
            # The start-up refresh ran while they were being made: its report would say none.
            import asyncio

            await asyncio.wait([running])
        if not window.is_closed:
            window.refresh()

    async def _start_up_step(self, step: Awaitable[None]) -> None:
        """Await ``step``; a problem with the list or the key is kept to show in the welcome
        dialog, which offers the choices."""
        try:
            await step
        except Exception as exc:
            self._keep_start_up_problem(exc)

    def _keep_start_up_problem(self, exc: Exception) -> None:
        from roomdesk.store import StoreError

        if isinstance(exc, StoreError):  # a newer or locked room list: left untouched
            log.error("Could not open the room list: %s", exc)
        else:  # keychain or configuration trouble
            log.warning("Could not start with the saved key: %s", redact(str(exc)))
        self.startup_problem = str(exc)

    def _show_saved_list(self) -> MainWindow | None:
        """Open the saved list and show it; the window waits for start_background_work. None
        when the list cannot be opened (the problem is kept for the welcome dialog)."""
        self._saved_list_tried = True
        try:
            self.session.open_saved_list()
        except Exception as exc:
            self._keep_start_up_problem(exc)
            return None
        return self.show_window(start_work_on_first_frame=False)

    async def _use_saved_key(self, window: MainWindow | None) -> None:
        """Read the key; use it, unless ``window`` (showing the saved list) was closed meanwhile.
        Without a key and a window, the list is checked now, as a start with a key would."""
        key = await self.session.load_key()
        if key is not None:
            if window is None or not window.is_closed:
                # Without a window, this opens the list as recover_store does (one read).
                await self.session.start_with_key(key)
        elif window is None:
            self.recover_store()

    def shows_saved_list_first(self) -> bool:
        """Whether the window shows the saved room list before the key is in use: when the key
        is in the environment, or comes from the keychain and a list was kept before. A first
        start without a key in the environment asks for one with nothing behind it."""
        if self.args.demo:
            return False
        if self.session.keys.environment_overrides:
            return True
        try:
            return self.paths.store_file.stat().st_size > 0
        except OSError:
            return False

    def show_window(self, *, start_work_on_first_frame: bool = True) -> MainWindow:
        from roomdesk.ui.main_window import MainWindow

        window = self.window = MainWindow(
            self.session, self.settings, start_work_on_first_frame=start_work_on_first_frame
        )
        window.show()
        window.raise_()
        self.show_store_notice()
        return window


class InterruptWatch:
    """Runs ``on_interrupt`` on the GUI thread when SIGINT (Ctrl+C) arrives, instead of raising
    KeyboardInterrupt inside whatever Qt callback runs next (which logged it as a crash).

    Python runs signal handlers only between its own bytecodes, and Qt's event loop may sit in
    C++ for as long as nothing happens: the signal's wake-up byte, written to a pipe Qt watches
    (the self-pipe trick), brings the loop back into Python at once. Windows takes only a socket
    for that byte. Use as a context manager.
    """

    def __init__(self, on_interrupt: Any) -> None:
        self._on_interrupt = on_interrupt
        self._read_some: Any = None  # reads what woke the loop: os.read on a pipe, or recv
        self._closers: list[Any] = []
        self._notifier: Any = None
        self._old_handler: Any = None
        self._old_wakeup = -1

    def __enter__(self) -> InterruptWatch:
        from PySide6.QtCore import QSocketNotifier, QTimer

        if sys.platform == "win32":
            import socket  # not needed elsewhere before the first frame

            reader, writer = socket.socketpair()
            for end in (reader, writer):
                end.setblocking(False)
            self._closers = [reader.close, writer.close]
            self._read_some = reader.recv
            read_fd, write_fd = reader.fileno(), writer.fileno()
        else:
            read_fd, write_fd = os.pipe()
            for fd in (read_fd, write_fd):
                os.set_blocking(fd, False)
            self._closers = [functools.partial(os.close, fd) for fd in (read_fd, write_fd)]
            self._read_some = functools.partial(os.read, read_fd)
        self._old_wakeup = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
        self._notifier = QSocketNotifier(read_fd, QSocketNotifier.Type.Read)
        self._notifier.activated.connect(self._drain)

        def handler(_signum: int, _frame: Any) -> None:
            # Queued: the handler may run in the middle of any Python code.
            QTimer.singleShot(0, self._on_interrupt)

        self._old_handler = signal.signal(signal.SIGINT, handler)
        return self

    def _drain(self) -> None:
        # Python has run the handler by now; the bytes only said that a signal came.
        try:
            while self._read_some(64):
                pass
        except (BlockingIOError, InterruptedError):
            pass

    def __exit__(self, *_exc_info: object) -> None:
        signal.signal(signal.SIGINT, self._old_handler)
        signal.set_wakeup_fd(self._old_wakeup)
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier = None
        for close in self._closers:
            close()
        self._closers = []


def _excepthook(kind: type[BaseException], error: BaseException, tb: Any) -> None:
    log.error("Unhandled error: %s", redact("".join(traceback.format_exception(kind, error, tb))))
    sys.__excepthook__(kind, error, tb)


def run_gui(args: LaunchOptions) -> int:
    from roomdesk.paths import app_paths
    from roomdesk.store import StoreError
    from roomdesk.store.recovery import EarlyStructureCheck

    try:
        paths = app_paths().ensure()
    except StoreError as exc:  # a data folder that cannot be made: nothing to show a window in
        print(f"error: {exc}", file=sys.stderr)
        return 1
    # The room list's structure check reads the whole file: it runs in a worker thread from
    # here on, while Qt and the window's modules load. The demo uses a list of its own.
    early_check = None if args.demo else EarlyStructureCheck(paths.store_file)

    from roomdesk.pyside_setup import lighten_pyside_import_hook

    lighten_pyside_import_hook()  # before Qt's modules and the window's are imported

    from PySide6.QtWidgets import QApplication

    from roomdesk.instance import SingleInstance

    # Before the single-instance check, so the instance server's notifications reach its loop.
    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    instance = SingleInstance(paths.data_dir, scope="demo" if args.demo else "app")
    # It takes activation requests once the window's first frame is drawn (App.exec).
    if not instance.try_become_primary(listen=False):
        if instance.notify_primary():
            print("roomdesk is already running; brought its window to the front.", file=sys.stderr)
            return 0
        print(
            f"error: roomdesk is already running for {paths.data_dir} but did not answer; "
            "switch to its window, or end it and start again",
            file=sys.stderr,
        )
        return 1
    try:
        return _run_primary(args, qt_app, instance, paths, early_check)
    finally:
        instance.release()


def _run_primary(
    args: LaunchOptions,
    qt_app: Any,
    instance: SingleInstance,
    paths: AppPaths,
    early_check: EarlyStructureCheck | None,
) -> int:
    from roomdesk.logging_setup import configure_logging
    from roomdesk.ui.icons import app_icon

    configure_logging(paths.log_file, level=logging.DEBUG if args.debug else logging.INFO)
    sys.excepthook = _excepthook
    qt_app.setApplicationName("roomdesk")
    qt_app.setApplicationVersion(__version__)
    qt_app.setOrganizationName("roomdesk")
    qt_app.setDesktopFileName("roomdesk")
    qt_app.setWindowIcon(app_icon())
    # The window decides when the app ends, after its clean shutdown has run.
    qt_app.setQuitOnLastWindowClosed(False)
    for warning in paths.folder_warnings():
        log.warning("Data folder: %s", warning)
    app = App(args, qt_app, instance, early_check)
    with InterruptWatch(app.quit_on_interrupt):
        return app.exec()


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parse_arguments(argv)
    except ArgumentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help, --version
        return int(exc.code or 0)
    if args.self_test or args.startup_probe:
        from roomdesk import selftest

        if args.self_test:
            return selftest.run_self_test()
        return selftest.run_startup_probe(args, run_gui)
    try:
        return run_gui(args)
    except KeyboardInterrupt:  # before the window's own handling is in place (start-up)
        print("roomdesk: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
