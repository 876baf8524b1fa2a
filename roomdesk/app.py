"""The desktop app's entry point: ``roomdesk`` and ``python -m roomdesk``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from roomdesk import __version__
from roomdesk.redact import redact

log = logging.getLogger("roomdesk")


class ArgumentError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise ArgumentError(f"{message} (see 'roomdesk --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="roomdesk",
        description="Create and manage Whereby rooms for your sessions.",
        epilog="Environment: ROOMDESK_API_KEY (key instead of the keychain), ROOMDESK_API_URL "
        "(API address), ROOMDESK_DATA_DIR (where rooms, settings and logs are kept).",
    )
    parser.add_argument("--version", action="version", version=f"roomdesk {__version__}")
    parser.add_argument(
        "--demo", action="store_true", help="start in demo mode with a local imitation of Whereby"
    )
    parser.add_argument("--debug", action="store_true", help="log in detail (secrets removed)")
    return parser


class App:
    """Wires the session, the settings and the windows together for one run."""

    def __init__(self, args: argparse.Namespace, qt_app: Any) -> None:
        from roomdesk.paths import app_paths
        from roomdesk.services.session import AppSession
        from roomdesk.ui.app_settings import AppSettings

        self.args = args
        self.qt_app = qt_app
        self.paths = app_paths().ensure()
        self.session = AppSession(self.paths)
        self.settings = AppSettings(self.paths)
        self.window: Any = None
        self.startup_problem = ""

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

    async def run(self) -> int:
        from roomdesk.ui.main_window import MainWindow
        from roomdesk.ui.welcome_dialog import WelcomeDialog

        loop = asyncio.get_running_loop()
        loop.set_exception_handler(self.report_error)
        try:
            if self.args.demo:
                await self.session.start_demo()
            else:
                key = await self.session.load_key()
                if key is not None:
                    await self.session.start_with_key(key)
        except Exception as exc:  # keychain or configuration trouble: say it, then offer choices
            log.warning("Could not start with the saved key: %s", redact(str(exc)))
            self.startup_problem = str(exc)

        if not self.session.is_ready:
            welcome = WelcomeDialog(self.session.verify_key, self.session.start_demo)
            if problem := self.startup_problem:
                welcome.feedback.setText(problem)
            finished = loop.create_future()
            welcome.finished.connect(lambda result: finished.done() or finished.set_result(result))
            welcome.open()
            welcome.raise_()
            await finished
            if not self.session.is_ready:
                await self.session.shutdown()
                return 0

        self.window = MainWindow(self.session, self.settings)
        self.window.show()
        self.window.raise_()
        await self.window.wait_closed()
        await self.session.shutdown()
        return 0


def _excepthook(kind: type[BaseException], error: BaseException, tb: Any) -> None:
    log.error("Unhandled error: %s", redact("".join(traceback.format_exception(kind, error, tb))))
    sys.__excepthook__(kind, error, tb)


def run_gui(args: argparse.Namespace) -> int:
    import qasync
    from PySide6.QtWidgets import QApplication

    from roomdesk.logging_setup import configure_logging
    from roomdesk.paths import app_paths
    from roomdesk.ui.icons import app_icon

    paths = app_paths().ensure()
    configure_logging(paths.log_file, level=logging.DEBUG if args.debug else logging.INFO)
    sys.excepthook = _excepthook
    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    qt_app.setApplicationName("roomdesk")
    qt_app.setApplicationVersion(__version__)
    qt_app.setOrganizationName("roomdesk")
    qt_app.setDesktopFileName("roomdesk")
    qt_app.setWindowIcon(app_icon())
    # The window decides when the app ends, after its clean shutdown has run.
    qt_app.setQuitOnLastWindowClosed(False)
    app = App(args, qt_app)
    if sys.version_info >= (3, 12):
        return asyncio.run(app.run(), loop_factory=qasync.QEventLoop)
    return qasync.run(app.run())


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except ArgumentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help, --version
        return int(exc.code or 0)
    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())
