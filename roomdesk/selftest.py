"""``roomdesk --self-test`` and ``--startup-probe``: checks that also run in a frozen build.

The self-test starts offscreen (unless a Qt platform is forced) with a throw-away data directory
and the bundled emulator, then goes through the same services the window uses: it creates a
room, finds it in the list and in the main window, copies its host link with the window's copy
action, deletes it, and reports the Qt platform, the resources, TLS and the keychain backend.
It prints one line per check (``ok`` or ``FAILED``) and returns 0 only when every check passed.

The keychain rule: the platform's own keyring backend (SecretService on Linux, macOS, Windows)
must be registered through keyring's entry points and importable, since that is what a frozen
build loses when it drops keyring's metadata. The active backend is always reported; keyring's
"fail" backend counts as a failure on macOS and Windows (their keychain always exists) and on
Linux when a Secret Service answers on the session bus, because keyring should then have
found it. Without any Secret Service it is reported, not failed: that is the machine, not the
build. The keychain's contents are never read (that could ask the person to unlock it).

The startup probe runs the real start-up path in demo mode and exits right after the main
window's first paint, printing the time since the process started (bench/package_budgets.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import importlib.metadata
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from roomdesk import __version__
from roomdesk.paths import DATA_DIR_ENV
from roomdesk.redact import redact
from roomdesk.secrets import KeyStore
from roomdesk.timezones import available_zone_names, system_zone_name

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from roomdesk.app_arguments import LaunchOptions
    from roomdesk.store import StoredRoom
    from roomdesk.ui.main_window import MainWindow
    from roomdesk.ui.session import AppSession

# Written besides stdout when set: a windowed Windows build may have no usable stdout.
REPORT_FILE_ENV = "ROOMDESK_SELF_TEST_REPORT"
SELF_TEST_LABEL = "roomdesk self-test"
STARTUP_PROBE_PREFIX = "startup-probe"
# A check that hangs (a stuck D-Bus call, a server that never answers) fails instead.
CHECK_TIMEOUT_S = 60.0

# keyring's entry-point name for the keychain each platform always has.
NATIVE_KEYRING_BACKENDS = {"darwin": "macOS", "win32": "Windows"}
LINUX_KEYRING_BACKEND = "SecretService"


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


# --- the report ----------------------------------------------------------------------------------


@dataclass
class CheckResult:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok' if self.ok else 'FAILED':<6} {self.name}: {self.detail}"


@dataclass
class SelfTestReport:
    results: list[CheckResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(result.ok for result in self.results)

    def add(self, name: str, ok: bool, detail: str) -> bool:
        self.results.append(CheckResult(name, ok, detail))
        return ok

    async def check(self, name: str, run: Callable[[], Awaitable[str]]) -> bool:
        """Run one check; its return value is the detail, any exception is the failure."""
        try:
            detail = await asyncio.wait_for(run(), CHECK_TIMEOUT_S)
        except TimeoutError:
            return self.add(name, False, f"no answer within {CHECK_TIMEOUT_S:.0f} s")
        except CheckFailed as failure:
            return self.add(name, False, redact(str(failure)))
        except Exception as error:  # a check that raises has failed; say why in one line
            message = redact(str(error)).splitlines()[0] if str(error) else ""
            return self.add(name, False, f"{type(error).__name__}: {message}".rstrip(": "))
        return self.add(name, True, detail)

    def skip(self, name: str, reason: str) -> None:
        self.add(name, False, f"not run: {reason}")

    def lines(self) -> list[str]:
        kind = "frozen build" if is_frozen() else "source"
        header = f"roomdesk {__version__} self-test ({kind}, Python {sys.version.split()[0]})"
        failed = sum(not result.ok for result in self.results)
        if self.passed:
            summary = f"result: all {len(self.results)} checks passed"
        else:
            summary = f"result: {failed} of {len(self.results)} checks FAILED"
        return [header, *(result.line() for result in self.results), summary]


class CheckFailed(Exception):
    """A check's condition did not hold; the message says what was seen."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


# --- environment ----------------------------------------------------------------------------------


@contextlib.contextmanager
def temporary_data_dir() -> Iterator[Path]:
    """Point ROOMDESK_DATA_DIR at a fresh folder for the duration; remove it afterwards."""
    previous = os.environ.get(DATA_DIR_ENV)
    directory = Path(tempfile.mkdtemp(prefix="roomdesk-self-test-"))
    os.environ[DATA_DIR_ENV] = str(directory)
    try:
        yield directory
    finally:
        if previous is None:
            os.environ.pop(DATA_DIR_ENV, None)
        else:
            os.environ[DATA_DIR_ENV] = previous
        shutil.rmtree(directory, ignore_errors=True)


# What the offscreen platform says about top-level windows; noise in the report's output.
_OFFSCREEN_NOISE = ("This plugin does not support",)


def _quiet_offscreen_messages(mode: Any, context: Any, message: str) -> None:
    # stderr is None in a windowed Windows build.
    if not message.startswith(_OFFSCREEN_NOISE) and sys.stderr is not None:
        sys.stderr.write(f"{message}\n")


def _qt_application() -> QApplication:
    # Must happen before the QApplication exists; a platform someone forces is respected.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    if existing is not None:
        return existing  # type: ignore[return-value]
    if os.environ["QT_QPA_PLATFORM"] == "offscreen":
        qInstallMessageHandler(_quiet_offscreen_messages)
    qt_app = QApplication(sys.argv[:1])
    qt_app.setApplicationName("roomdesk")
    qt_app.setApplicationVersion(__version__)
    qt_app.setOrganizationName("roomdesk")
    qt_app.setDesktopFileName("roomdesk")
    return qt_app


def _run_in_qt_loop(qt_app: QApplication, coroutine: Awaitable[Any]) -> Any:
    from roomdesk.ui.event_loop import AppEventLoop

    loop = AppEventLoop(qt_app, already_running=False)
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(coroutine)
    finally:
        asyncio.set_event_loop(None)
        loop.close()


# --- the checks ----------------------------------------------------------------------------------


async def _check_qt(qt_app: QApplication) -> str:
    from PySide6.QtCore import qVersion

    platform = qt_app.platformName()
    _require(bool(platform), "Qt has no platform plugin")
    return f"Qt {qVersion()}, platform {platform}"


async def _check_resources() -> str:
    from roomdesk.ui.icons import app_icon, icon, icon_names, resources_dir

    directory = resources_dir()
    names = icon_names()
    _require(bool(names), f"no icons in {directory / 'icons'}")
    _require(not app_icon().isNull(), "the app icon did not render")
    for name in names:
        _require(not icon(name).pixmap(32, 32).isNull(), f"icon {name!r} did not render")
    return f"{len(names)} icons and the app icon rendered from {directory}"


async def _check_tls() -> str:
    import ssl

    import truststore

    context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    _require(context.verify_mode == ssl.CERT_REQUIRED, "certificate checks are off")
    return f"system trust store through truststore {truststore.__version__}, {ssl.OPENSSL_VERSION}"


async def _check_time_zones() -> str:
    import zoneinfo

    zones = available_zone_names()
    _require(len(zones) > 300, f"only {len(zones)} time zones are known")
    zoneinfo.ZoneInfo("Europe/Oslo")  # raises when neither the system nor tzdata has it
    return f"{len(zones)} zones; this machine's is {system_zone_name()}"


# Set by the frozen start-up for this process; a child process must not inherit the bundle.
_LOADER_VARIABLES = ("LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "QT_PLUGIN_PATH", "QML2_IMPORT_PATH")


async def _check_child_environment() -> str:
    bundle = getattr(sys, "_MEIPASS", None)
    if not is_frozen() or not bundle:
        return "not a frozen build: nothing to check"
    leaking = [name for name in _LOADER_VARIABLES if bundle in os.environ.get(name, "")]
    _require(not leaking, f"{', '.join(leaking)} still point into the bundle")
    return "links open in a browser without the bundle's libraries or Qt plugins"


def _keyring_entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    found = importlib.metadata.entry_points(group="keyring.backends")
    return {entry_point.name: entry_point for entry_point in found}


def native_keyring_backend() -> str:
    """keyring's entry-point name for the keychain this platform should use."""
    return NATIVE_KEYRING_BACKENDS.get(sys.platform, LINUX_KEYRING_BACKEND)


async def _check_keyring_backends() -> str:
    import keyring.backend

    entry_points = _keyring_entry_points()
    native = native_keyring_backend()
    _require(
        native in entry_points,
        f"keyring's {native} backend is not registered (entry points found: "
        f"{', '.join(sorted(entry_points)) or 'none'}); keyring's metadata is missing",
    )
    entry_points[native].load()
    if native == LINUX_KEYRING_BACKEND:
        # keyring imports these lazily and silently does without: import them to be sure.
        for module in ("secretstorage", "jeepney"):
            importlib.import_module(module)
    viable = sorted(
        type(each).__module__.rsplit(".", 1)[-1] for each in keyring.backend.get_all_keyring()
    )
    return (
        f"{len(entry_points)} registered ({', '.join(sorted(entry_points))}); "
        f"usable here: {', '.join(viable) or 'none'}"
    )


def _secret_service_reachable() -> bool:
    try:
        import secretstorage

        with contextlib.closing(secretstorage.dbus_init()) as connection:
            return bool(secretstorage.check_service_availability(connection))
    except Exception:  # no session bus, no daemon, no secretstorage: not reachable
        return False


def _backend_is_usable(backend: Any) -> bool:
    from keyring.backends import chainer, fail, null

    if isinstance(backend, fail.Keyring | null.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        chained = list(type(backend).backends)
        return bool(chained) and _backend_is_usable(chained[0])
    return True


async def _check_keychain() -> str:
    import keyring

    # backend_name() only looks the backend up; nothing is read from the keychain.
    name = await asyncio.get_running_loop().run_in_executor(None, KeyStore().backend_name)
    if _backend_is_usable(keyring.get_keyring()):
        return f"{name} is active"
    if sys.platform in NATIVE_KEYRING_BACKENDS:
        raise CheckFailed(f"{name} is active, but this platform always has a keychain")
    reachable = await asyncio.get_running_loop().run_in_executor(None, _secret_service_reachable)
    if reachable:
        raise CheckFailed(
            f"{name} is active although a Secret Service answers on the session bus: "
            "keyring could not load its backends"
        )
    return f"{name} is active: no Secret Service on this session bus (not counted as a failure)"


class _Demo:
    """The session and window under test, shared between the steps."""

    def __init__(self) -> None:
        self.session: AppSession | None = None
        self.window: MainWindow | None = None
        self.room: StoredRoom | None = None

    @property
    def emulator(self) -> Any:
        assert self.session is not None and self.session.emulator is not None
        return self.session.emulator

    async def start(self) -> str:
        from roomdesk.paths import app_paths
        from roomdesk.ui.session import AppSession

        # A key in the environment is irrelevant to the demo; the keychain is never asked.
        self.session = AppSession(app_paths().ensure())
        await self.session.start_demo()
        _require(self.session.is_demo and self.session.is_ready, "demo mode did not start")
        return f"emulator at {self.session.base_url}"

    async def open_window(self) -> str:
        from roomdesk.ui.app_settings import AppSettings
        from roomdesk.ui.main_window import MainWindow

        assert self.session is not None
        self.window = MainWindow(self.session, AppSettings(self.session.paths))
        self.window.show()
        await asyncio.sleep(0)
        _require(self.window.isVisible(), "the main window did not show")
        return f"{self.window.windowTitle()!r} shown"

    async def create_room(self) -> str:
        from roomdesk.api.requests import Field, MeetingRequest

        assert self.session is not None
        request = MeetingRequest(
            end_date=self.session.now() + timedelta(hours=1),
            fields=frozenset({Field.HOST_ROOM_URL}),
        )
        self.room = await self.session.create_room(request, label=SELF_TEST_LABEL)
        _require(bool(self.room.host_room_url), "the new room has no host link")
        _require(
            self.emulator.meeting(self.room.meeting_id) is not None,
            f"the emulator does not have meeting {self.room.meeting_id}",
        )
        return f"meeting {self.room.meeting_id} ({self.room.room_name})"

    async def list_rooms(self) -> str:
        assert self.session is not None and self.window is not None and self.room is not None
        listed = [room.meeting_id for room in self.session.list_rooms()]
        _require(self.room.meeting_id in listed, f"not in the room list ({len(listed)} rooms)")
        _require(
            self.window.model.rowOf(self.room.meeting_id) is not None,
            "listed by the session but not shown in the main window",
        )
        return f"listed and shown in the window ({len(listed)} room)"

    async def copy_host_link(self) -> str:
        from PySide6.QtGui import QGuiApplication

        assert self.window is not None and self.room is not None
        clipboard = QGuiApplication.clipboard()
        clipboard.clear()
        self.window.select_room(self.room.meeting_id)
        action = self.window.copy_host_action
        _require(action.isEnabled(), "the window's copy-host-link action is disabled")
        action.trigger()
        await asyncio.sleep(0)
        copied = clipboard.text()
        _require(
            copied == self.room.host_room_url,
            "the clipboard does not hold the room's host link",
        )
        return "the window's copy action put the host link on the clipboard"

    async def delete_room(self) -> str:
        assert self.session is not None and self.room is not None
        meeting_id = self.room.meeting_id
        outcomes = await self.session.delete_rooms([meeting_id])
        _require(len(outcomes) == 1 and outcomes[0].ok, outcomes[0].describe() if outcomes else "")
        _require(
            meeting_id not in self.emulator.meeting_ids(),
            f"the emulator still has meeting {meeting_id}",
        )
        return f"meeting {meeting_id} is gone from the emulator"

    async def close(self) -> None:
        if self.window is not None:
            self.window.close()
            self.window.deleteLater()
            self.window = None
        if self.session is not None:
            await self.session.shutdown()
            self.session = None


async def run_checks(qt_app: QApplication, report: SelfTestReport) -> SelfTestReport:
    await report.check("Qt", lambda: _check_qt(qt_app))
    await report.check("resources", _check_resources)
    await report.check("TLS", _check_tls)
    await report.check("time zones", _check_time_zones)
    await report.check("child environment", _check_child_environment)
    demo = _Demo()
    try:
        steps: list[tuple[str, Callable[[], Awaitable[str]]]] = [
            ("demo server", demo.start),
            ("main window", demo.open_window),
            ("create room", demo.create_room),
            ("list rooms", demo.list_rooms),
            ("copy host link", demo.copy_host_link),
            ("delete room", demo.delete_room),
        ]
        failed_step = ""
        for name, step in steps:
            if failed_step:
                report.skip(name, f"{failed_step} failed")
            elif not await report.check(name, step):
                failed_step = name
    finally:
        await demo.close()
    await report.check("keyring backends", _check_keyring_backends)
    await report.check("keychain", _check_keychain)
    return report


def _write_report(lines: list[str], out: TextIO | None) -> None:
    text = "\n".join(lines) + "\n"
    stream = out if out is not None else sys.stdout
    if stream is not None:  # None in a windowed Windows build started without redirection
        stream.write(text)
        stream.flush()
    report_file = os.environ.get(REPORT_FILE_ENV)
    if report_file:
        Path(report_file).write_text(text, encoding="utf-8")


def run_self_test(out: TextIO | None = None) -> int:
    """Run every check, print the report, and return the exit code (0: all passed)."""
    report = SelfTestReport()
    try:
        with temporary_data_dir():
            qt_app = _qt_application()
            quit_on_close = qt_app.quitOnLastWindowClosed()
            # Closing the test's window must not stop the event loop under the checks.
            qt_app.setQuitOnLastWindowClosed(False)
            try:
                _run_in_qt_loop(qt_app, run_checks(qt_app, report))
            finally:
                qt_app.setQuitOnLastWindowClosed(quit_on_close)
    except Exception as error:  # the harness itself broke: still report, and fail
        details = redact("".join(traceback.format_exception(error)))
        report.add("self-test", False, details.strip().splitlines()[-1])
    _write_report(report.lines(), out)
    return 0 if report.passed else 1


# --- start-up time --------------------------------------------------------------------------------


def process_age() -> float | None:
    """Seconds since this process started, from the OS; None where that is not known."""
    if sys.platform.startswith("linux"):
        # Field 22 of /proc/self/stat is the start time in clock ticks after boot; the name
        # (field 2) may hold spaces, so count from its closing parenthesis.
        stat = Path("/proc/self/stat").read_text()
        start_ticks = int(stat.rsplit(")", 1)[1].split()[19])
        started = start_ticks / os.sysconf("SC_CLK_TCK")
        return time.clock_gettime(time.CLOCK_BOOTTIME) - started
    if sys.platform == "win32":
        return _windows_process_age()
    return None


def _windows_process_age() -> float | None:
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    creation, exited, kernel, user, now = (wintypes.FILETIME() for _ in range(5))
    process = kernel32.GetCurrentProcess()
    times = (creation, exited, kernel, user)
    if not kernel32.GetProcessTimes(process, *(ctypes.byref(each) for each in times)):
        return None
    kernel32.GetSystemTimePreciseAsFileTime(ctypes.byref(now))

    def ticks(value: Any) -> int:  # 100 ns units
        return (value.dwHighDateTime << 32) | value.dwLowDateTime

    return (ticks(now) - ticks(creation)) / 1e7


def _is_main_window(widget: object) -> bool:
    """Whether ``widget`` is the main window: by type, once the app has loaded its module (the
    probe does not load it first, which would change the start-up it measures)."""
    module = sys.modules.get("roomdesk.ui.main_window")
    return module is not None and isinstance(widget, module.MainWindow)


def run_startup_probe(args: LaunchOptions, run_gui: Callable[[LaunchOptions], int]) -> int:
    """Start the app with ``run_gui`` (the app's own start, passed in so that this module does
    not import the app's) in demo mode, and quit after the main window's first paint."""
    from roomdesk.pyside_setup import lighten_pyside_import_hook

    lighten_pyside_import_hook()  # as run_gui does, before any of Qt's modules
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    class FirstPaint(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.seen = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if not self.seen and event.type() == QEvent.Type.Paint and _is_main_window(watched):
                self.seen = True
                # Report once this paint round (and its flush) is done, then close normally.
                QTimer.singleShot(0, lambda window=watched: self.report(window))
            return False

        def report(self, window: Any) -> None:
            age = process_age()
            shown = "unknown" if age is None else f"{age * 1000:.0f}"
            sys.stdout.write(f"{STARTUP_PROBE_PREFIX} first-paint-ms={shown}\n")
            sys.stdout.flush()
            window.close()

    with temporary_data_dir():
        qt_app = QApplication.instance() or QApplication(sys.argv[:1])
        watcher = FirstPaint()
        qt_app.installEventFilter(watcher)
        code = run_gui(args._replace(demo=True))
        qt_app.removeEventFilter(watcher)
        return code if watcher.seen else 1
