"""Starting the app: arguments, the welcome flow, demo mode, settings, clean shutdown."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from keyring.errors import KeyringError
from PySide6.QtWidgets import QApplication

from roomdesk import __version__
from roomdesk.api.errors import InvalidApiKeyError
from roomdesk.api.models import Meeting
from roomdesk.app import App, main
from roomdesk.app_arguments import LaunchOptions, build_parser, parse_arguments
from roomdesk.domain.status import RoomStatus
from roomdesk.logging_setup import PrivateRotatingFileHandler, configure_logging
from roomdesk.paths import app_paths
from roomdesk.secrets import ApiKey, KeyStore
from roomdesk.store import RoomStore
from roomdesk.ui.app_settings import AppSettings
from roomdesk.ui.room_table_model import RoomRole
from roomdesk.ui.session import AppSession
from roomdesk.ui.settings_dialog import SettingsDialog
from roomdesk.ui.welcome_dialog import WelcomeChoice, WelcomeDialog
from tests.memory_keyring import GatedKeyring, MemoryKeyring


def test_version_and_help(capsys):
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out
    assert main(["--help"]) == 0
    assert "--demo" in capsys.readouterr().out


def test_version_matches_the_project_file():
    import tomllib

    project_file = Path(__file__).resolve().parent.parent / "pyproject.toml"
    project = tomllib.loads(project_file.read_text(encoding="utf-8"))["project"]
    assert __version__ == project["version"]


def test_bad_argument_is_one_error_line(capsys):
    assert main(["--frobnicate"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ")


def test_module_entry_point_runs():
    result = subprocess.run(
        [sys.executable, "-m", "roomdesk", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0 and __version__ in result.stdout


@pytest.fixture
def session(app_session):
    return app_session


def welcome_for(session, qtbot) -> WelcomeDialog:
    dialog = WelcomeDialog(session.verify_key, session.start_demo)
    qtbot.addWidget(dialog)
    dialog.open()
    return dialog


@pytest.mark.parametrize(
    ("key", "fault", "words"),
    [
        ("wrong-key", None, "refused this key"),
        ("test-key", 503, "could not check the key"),
        ("test-key", 429, "rate limiting"),
        ("has space", None, "does not look like an API key"),
    ],
)
def test_welcome_reports_each_failure_kind(session, qtbot, aloop, emulator, key, fault, words):
    emulator.faults.force_status = fault
    dialog = welcome_for(session, qtbot)
    qtbot.keyClicks(dialog.key_edit, key)
    aloop.act(dialog.save_button.click)
    aloop.wait_until(lambda: words in dialog.feedback.text(), timeout=15)
    assert dialog.isVisible()
    assert dialog.key_edit.text() == key  # kept for another try
    assert session.keys.get() is None  # nothing saved
    assert key not in dialog.feedback.text() or key == "test-key"


def test_welcome_network_failure_is_explained(aloop, qtbot, keyring_backend):
    offline = AppSession(
        app_paths(),
        keys=KeyStore(environ={}, keyring_backend=keyring_backend),
        api_url="http://127.0.0.1:9/v1",
    )
    dialog = welcome_for(offline, qtbot)
    qtbot.keyClicks(dialog.key_edit, "some-key")
    aloop.act(dialog.save_button.click)
    aloop.wait_until(lambda: "Could not reach Whereby" in dialog.feedback.text(), timeout=30)
    aloop.run(offline.shutdown())


def test_welcome_good_key_is_checked_saved_and_used(session, qtbot, aloop, keyring_backend):
    dialog = welcome_for(session, qtbot)
    qtbot.keyClicks(dialog.key_edit, "test-key")
    aloop.act(dialog.save_button.click)
    aloop.wait_until(lambda: not dialog.isVisible())
    assert dialog.choice is WelcomeChoice.KEY
    assert keyring_backend.items[("roomdesk", "api-key")] == "test-key"
    assert session.is_ready and not session.is_demo
    assert dialog.key_edit.text() == ""


def test_welcome_demo_choice(session, qtbot, aloop):
    dialog = welcome_for(session, qtbot)
    aloop.act(dialog.demo_button.click)
    aloop.wait_until(lambda: not dialog.isVisible())
    assert dialog.choice is WelcomeChoice.DEMO
    assert session.is_demo and session.account_text == "Demo"


def test_settings_dialog_saves_defaults_and_replaces_and_removes_key(
    session, qtbot, aloop, keyring_backend
):
    settings = AppSettings(app_paths())
    dialog = SettingsDialog(session, settings)
    qtbot.addWidget(dialog)
    dialog.open()
    assert "No API key" in dialog.key_status.text()

    qtbot.keyClicks(dialog.key_edit, "test-key")
    aloop.act(dialog.replace_button.click)
    aloop.wait_until(lambda: "checked and saved" in dialog.key_feedback.text())
    assert keyring_backend.items[("roomdesk", "api-key")] == "test-key"
    assert "keychain" in dialog.key_status.text()

    aloop.act(dialog.remove_button.click)
    aloop.wait_until(lambda: "removed" in dialog.key_feedback.text())
    assert keyring_backend.items == {}
    assert not session.is_ready

    assert dialog.zone_picker.setZoneName("Pacific/Auckland")
    dialog.viewer_link.setChecked(True)
    dialog.room_mode.setCurrentIndex(dialog.room_mode.findData("group"))
    dialog.accept()
    again = AppSettings(app_paths())
    assert again.default_zone == "Pacific/Auckland"
    assert again.default_viewer_link is True
    assert again.default_room_mode.value == "group"


def test_app_runs_in_demo_mode_and_shuts_down_cleanly(qapp, aloop, qtbot):
    app = App(LaunchOptions(demo=True, debug=False), qapp)

    async def use_then_close() -> int:
        running = asyncio.ensure_future(app.run())
        while app.window is None or not app.window.isVisible():
            await asyncio.sleep(0.01)
        assert "Demo" in app.window.windowTitle()
        emulator = app.session.emulator
        assert emulator is not None and emulator.running
        app.window.close()
        code = await running
        assert not emulator.running
        return code

    assert aloop.run(use_then_close()) == 0
    assert not app.session.is_ready
    assert QApplication.instance() is qapp


def test_app_with_no_key_offers_welcome_and_quits_on_cancel(qapp, aloop, monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.memory_keyring.MemoryKeyring")
    app = App(LaunchOptions(demo=False, debug=False), qapp)

    async def cancel_welcome() -> int:
        running = asyncio.ensure_future(app.run())
        welcome = None
        while welcome is None:
            await asyncio.sleep(0.01)
            welcome = next(
                (
                    w
                    for w in qapp.topLevelWidgets()
                    if isinstance(w, WelcomeDialog) and w.isVisible()
                ),
                None,
            )
        welcome.reject()
        return await running

    assert aloop.run(cancel_welcome()) == 0
    assert app.window is None


@pytest.fixture
def restore_logging():
    """configure_logging changes process-wide levels; put them back for the next test."""
    names = ("", "httpx", "httpcore", "qasync")
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_log_file_is_private_and_redacted(tmp_path, restore_logging):
    log_file = tmp_path / "logs" / "roomdesk.log"
    handler = configure_logging(log_file, level=logging.DEBUG)
    try:
        logging.getLogger("roomdesk.test").info(
            "GET https://x.whereby.com/r?roomKey=%s with Authorization: Bearer %s",
            "room-secret-1",
            "api-secret-2",
        )
        handler.flush()
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    text = log_file.read_text()
    assert "room-secret-1" not in text and "api-secret-2" not in text
    assert "roomKey=<hidden>" in text
    assert os.stat(log_file).st_mode & 0o777 == 0o600


def test_log_file_rolls_over_and_keeps_its_backups_private(tmp_path, restore_logging):
    log_file = tmp_path / "logs" / "roomdesk.log"
    log_file.parent.mkdir()
    handler = PrivateRotatingFileHandler(log_file, max_bytes=300, backups=2)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("roomdesk.test.rotation")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for number in range(12):
            logger.warning("record %02d %s", number, "x" * 80)  # 91 bytes a line: 3 a file
    finally:
        logger.removeHandler(handler)
        handler.close()
    names = sorted(path.name for path in log_file.parent.iterdir())
    assert names == ["roomdesk.log", "roomdesk.log.1", "roomdesk.log.2"]  # older ones dropped
    for path in log_file.parent.iterdir():
        assert path.stat().st_size <= 300
        assert os.stat(path).st_mode & 0o777 == 0o600

    def numbers(path: Path) -> list[str]:
        return [line[7:9] for line in path.read_text().splitlines()]

    assert numbers(log_file) == ["09", "10", "11"]
    assert numbers(log_file.with_name("roomdesk.log.1")) == ["06", "07", "08"]
    assert numbers(log_file.with_name("roomdesk.log.2")) == ["03", "04", "05"]


def test_parser_describes_environment():
    assert "ROOMDESK_API_KEY" in build_parser().format_help()


def test_a_start_without_arguments_means_what_the_parser_would_say():
    """The plain start skips the parser: its answer must be the parser's own defaults."""
    assert parse_arguments([]) == LaunchOptions()
    assert LaunchOptions(**vars(build_parser().parse_args([]))) == LaunchOptions()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--demo"], LaunchOptions(demo=True)),
        (["--debug", "--demo"], LaunchOptions(demo=True, debug=True)),
        (["--self-test"], LaunchOptions(self_test=True)),
        (["--startup-probe"], LaunchOptions(startup_probe=True)),
    ],
)
def test_arguments_are_read_into_launch_options(argv, expected):
    assert parse_arguments(argv) == expected


def test_a_wrong_argument_is_named_and_exits_2(capsys):
    assert main(["--demoo"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: unrecognized arguments: --demoo")
    assert "roomdesk --help" in err


# --- the saved list first, while the keychain is read ---


def save_rooms(*meeting_ids: str) -> None:
    end = datetime.now(UTC) + timedelta(hours=3)
    meetings = [
        Meeting(meeting_id=mid, room_url=f"https://acme.whereby.com/{mid}", end_date=end)
        for mid in meeting_ids
    ]
    with RoomStore(app_paths().store_file) as store:
        store.upsert_many_imported(meetings)


def app_with_keychain(qapp, keychain, monkeypatch, emulator) -> App:
    monkeypatch.setenv("ROOMDESK_API_URL", emulator.base_url)
    app = App(LaunchOptions(demo=False, debug=False), qapp)
    app.session.keys = KeyStore(environ={}, keyring_backend=keychain)
    return app


def shown_ids(window) -> set[str]:
    return {
        window.proxy.data(window.proxy.index(row, 0), RoomRole.MEETING_ID)
        for row in range(window.proxy.rowCount())
    }


def test_whether_the_saved_list_comes_first(qapp, monkeypatch):
    app = App(LaunchOptions(demo=False, debug=False), qapp)
    app.session.keys = KeyStore(environ={}, keyring_backend=MemoryKeyring())
    assert not app.shows_saved_list_first()  # a first start: no list yet, a key to ask for
    app.paths.store_file.touch()
    assert not app.shows_saved_list_first()  # an empty file is no list
    save_rooms("m-1")
    assert app.shows_saved_list_first()
    app.session.keys = KeyStore(environ={"ROOMDESK_API_KEY": "env-key"})
    app.paths.store_file.unlink()
    assert app.shows_saved_list_first()  # a key is coming: the (new) list is shown meanwhile
    demo = App(LaunchOptions(demo=True, debug=False), qapp)
    assert not demo.shows_saved_list_first()  # the demo has a list of its own


def test_saved_list_is_shown_while_the_keychain_answers(qapp, aloop, monkeypatch, emulator):
    save_rooms("m-1", "m-2")
    keychain = GatedKeyring()
    keychain.set_password("roomdesk", "api-key", "test-key")
    app = app_with_keychain(qapp, keychain, monkeypatch, emulator)
    replaced: list[bool] = []
    ready: list[bool] = []
    app.session.roomsReplaced.connect(lambda: replaced.append(True))
    app.session.sessionReady.connect(lambda: ready.append(True))

    async def scenario() -> int:
        running = asyncio.ensure_future(app.run())
        while app.window is None or not app.window.first_frame_done:
            await asyncio.sleep(0.01)
        window = app.window
        # Drawn with the saved rooms while the keychain has not answered.
        assert not app.session.is_ready and app.session.awaiting_key
        assert shown_ids(window) == {"m-1", "m-2"}
        assert window.connection_label.text() == "Reading the API key from the keychain…"
        assert window.account_label.isHidden()  # no account to name yet, nor its separator
        assert not window.new_action.isEnabled() and not window.refresh_action.isEnabled()
        assert not window.startup_refresh_done
        app.session.set_label("m-1", "Maths")  # labels are the list's own: no key needed
        row = window.proxy.mapFromSource(window.model.index(window.model.rowOf("m-1"), 0))
        assert window.proxy.data(row) == "Maths"
        keychain.gate.set()
        while not window.startup_refresh_done:
            await asyncio.sleep(0.01)
        assert app.session.is_ready and not app.session.awaiting_key
        assert window.new_action.isEnabled()
        assert window.account_label.text().startswith("Account key ")
        assert not window.account_label.isHidden()
        assert window.connection_label.text() == "Connected"  # the refresh reached the server
        window.close()
        return await running

    assert aloop.run(scenario(), timeout=40) == 0
    assert ready == [True]
    assert replaced == []  # the key joined the list on screen; it was not read again


def test_closing_the_window_while_the_keychain_answers_ends_the_app(
    qapp, aloop, monkeypatch, emulator
):
    save_rooms("m-1")
    keychain = GatedKeyring()
    keychain.set_password("roomdesk", "api-key", "test-key")
    app = app_with_keychain(qapp, keychain, monkeypatch, emulator)

    async def scenario() -> int:
        running = asyncio.ensure_future(app.run())
        while app.window is None or not app.window.first_frame_done:
            await asyncio.sleep(0.01)
        app.window.close()  # the person gave up waiting for the keychain
        keychain.gate.set()
        return await running

    assert aloop.run(scenario(), timeout=40) == 0
    assert app.welcome is None and not app.session.is_ready


def test_saved_list_without_a_key_asks_over_the_window_and_quits_on_cancel(
    qapp, aloop, monkeypatch, emulator
):
    save_rooms("m-1")
    app = app_with_keychain(qapp, MemoryKeyring(), monkeypatch, emulator)

    async def scenario() -> int:
        running = asyncio.ensure_future(app.run())
        while app.welcome is None or not app.welcome.isVisible():
            await asyncio.sleep(0.01)
        assert app.welcome.parent() is app.window and app.window.isVisible()
        assert shown_ids(app.window) == {"m-1"}
        assert app.window.connection_label.text() == "Not connected"
        app.welcome.reject()
        return await running

    assert aloop.run(scenario(), timeout=40) == 0
    assert not app.window.isVisible()
    assert not app.session.is_ready


def test_saved_list_with_a_failing_keychain_takes_a_key_from_the_welcome(
    qapp, aloop, qtbot, monkeypatch, emulator
):
    save_rooms("m-1")

    class BrokenKeyring(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            raise KeyringError("the keychain is locked")

    keychain = BrokenKeyring()
    app = app_with_keychain(qapp, keychain, monkeypatch, emulator)

    async def scenario() -> int:
        running = asyncio.ensure_future(app.run())
        while app.welcome is None or not app.welcome.isVisible():
            await asyncio.sleep(0.01)
        welcome, window = app.welcome, app.window
        assert "locked" in welcome.feedback.text()
        qtbot.keyClicks(welcome.key_edit, "test-key")
        welcome.save_button.click()
        while not window.startup_refresh_done:
            await asyncio.sleep(0.01)
        # The same list: the refresh marked the room missing (the server never had it).
        assert app.session.is_ready and window.model.rowOf("m-1") is not None
        assert keychain.items[("roomdesk", "api-key")] == "test-key"
        window.close()
        return await running

    assert aloop.run(scenario(), timeout=40) == 0


def test_open_saved_list_reads_and_labels_rooms_before_the_key(app_session, aloop):
    save_rooms("m-1", "m-2")
    session = app_session
    session.open_saved_list()
    assert session.awaiting_key and not session.is_ready
    assert session.count_rooms() == 2
    assert len(session.room_rows()) == 2
    assert {room.meeting_id for room in session.list_rooms()} == {"m-1", "m-2"}
    ends_soon = session.rooms_with_status(RoomStatus.ACTIVE, 10, now=session.now())
    assert [room.meeting_id for room in ends_soon] == ["m-1", "m-2"]
    assert session.set_label("m-1", "  Maths  ").label == "Maths"
    with pytest.raises(InvalidApiKeyError):
        aloop.run(session.sync())
    with pytest.raises(RuntimeError):
        session.open_saved_list()

    aloop.run(session.start_with_key(ApiKey("test-key")))
    assert session.is_ready and not session.awaiting_key
    report = aloop.run(session.sync())
    assert set(report.missing) == {"m-1", "m-2"}  # the emulator never had them
    assert {room.meeting_id: room.label for room in session.list_rooms()}["m-1"] == "Maths"


def test_open_saved_list_replaces_a_damaged_list_and_says_so(app_session):
    store_file = app_session.paths.store_file
    store_file.write_bytes(b"not a database" * 100)
    notices = []
    app_session.storeRecovered.connect(notices.append)
    app_session.open_saved_list()
    assert len(notices) == 1 and "could not be read" in str(notices[0])
    assert app_session.count_rooms() == 0 and app_session.awaiting_key


def test_a_saved_list_from_a_newer_roomdesk_is_left_alone_and_said_so(
    qapp, aloop, monkeypatch, emulator
):
    save_rooms("m-1")
    store_file = app_paths().store_file
    with sqlite3.connect(store_file) as conn:
        conn.execute("PRAGMA user_version = 99")
    before = store_file.read_bytes()
    keychain = MemoryKeyring()
    keychain.set_password("roomdesk", "api-key", "test-key")
    app = app_with_keychain(qapp, keychain, monkeypatch, emulator)

    async def scenario() -> int:
        running = asyncio.ensure_future(app.run())
        while app.welcome is None or not app.welcome.isVisible():
            await asyncio.sleep(0.01)
        assert app.window is None  # no list to show: the problem is said first
        assert "newer roomdesk" in app.welcome.feedback.text()
        app.welcome.reject()
        return await running

    assert aloop.run(scenario(), timeout=40) == 0
    assert store_file.read_bytes() == before


def probe_a_launch(emulator) -> dict:
    """Start the app as the roomdesk command does, in a child process watched by the
    benchmark's probe, and return the probe's report of its first frame."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "ROOMDESK_DATA_DIR": str(app_paths().data_dir),
        "ROOMDESK_API_KEY": "test-key",
        "ROOMDESK_API_URL": emulator.base_url,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.startup_probe", "app"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_launch_draws_the_saved_list_before_it_imports_asyncio(emulator, data_dir):
    """The whole start, as the roomdesk command runs it: the first frame shows the saved rooms
    with asyncio, the network, the request models and the dialogs not yet imported, and the key
    from the environment is in use right after."""
    save_rooms("m-1", "m-2", "m-3")
    report = probe_a_launch(emulator)
    assert report["deferred_before_first_frame"] == []
    assert report["sources_kept"] == []  # PySide's import hook reads files, keeps no lines
    assert report["painted_rows"] == 3
    assert report["ready"] >= report["painted"]  # the key joined the list after the frame


# The roomdesk modules a launch may load before its first frame: what reads and shows the saved
# list. A module that joins them makes every start wait for it (see docs/architecture.md,
# "Deferred imports"); add it here only when the first frame needs it.
FIRST_FRAME_MODULES = frozenset(
    {
        "roomdesk",
        "roomdesk.api",
        "roomdesk.api.errors",
        "roomdesk.app",
        "roomdesk.app_arguments",
        "roomdesk.domain",
        "roomdesk.domain.errors",
        "roomdesk.domain.rooms",
        "roomdesk.domain.sessions",
        "roomdesk.domain.status",
        "roomdesk.domain.times",
        "roomdesk.heap",
        "roomdesk.instance",
        "roomdesk.logging_setup",
        "roomdesk.paths",
        "roomdesk.pyside_setup",
        "roomdesk.redact",
        "roomdesk.secrets",
        "roomdesk.roomlist",
        "roomdesk.roomlist.changes",
        "roomdesk.roomlist.columns",
        "roomdesk.roomlist.indexes",
        "roomdesk.roomlist.ordering",
        "roomdesk.roomlist.preparation",
        "roomdesk.roomlist.runtime",
        "roomdesk.roomlist.table",
        "roomdesk.roomlist.texts",
        "roomdesk.roomlist.tuning",
        "roomdesk.store",
        "roomdesk.store.db",
        "roomdesk.store.errors",
        "roomdesk.store.migrations",
        "roomdesk.store.records",
        "roomdesk.store.recovery",
        "roomdesk.store.rows",
        "roomdesk.timezones",
        "roomdesk.ui",
        "roomdesk.ui.app_settings",
        "roomdesk.ui.async_slot",
        "roomdesk.ui.details_pane",
        "roomdesk.ui.icons",
        "roomdesk.ui.list_loader",
        "roomdesk.ui.main_window",
        "roomdesk.ui.pending_creates",
        "roomdesk.ui.room_filter_proxy",
        "roomdesk.ui.room_menus",
        "roomdesk.ui.room_table_model",
        "roomdesk.ui.session",
        "roomdesk.ui.status_bar",
        "roomdesk.ui.store_problems",
    }
)
# Libraries the first frame does without (each some milliseconds or more): the event loop, the
# network and TLS, the keychain, hashing, zone data from the tzdata package, Qt's network, and
# what building the command-line parser loads (a plain start has no arguments).
NOT_BEFORE_FIRST_FRAME = (
    "locale",
    "asyncio",
    "qasync",
    "httpx",
    "httpcore",
    "anyio",
    "ssl",
    "truststore",
    "keyring",
    "hashlib",
    "tzdata",
    "email",
    "ctypes",
    "PySide6.QtNetwork",
)


def test_a_launch_loads_only_what_its_first_frame_needs(emulator, data_dir):
    save_rooms("m-1")
    loaded = set(probe_a_launch(emulator)["modules_at_first_frame"])
    assert {name for name in loaded if name.startswith("roomdesk")} - FIRST_FRAME_MODULES == set()
    heavy = {
        name
        for name in loaded
        if any(name == lib or name.startswith(f"{lib}.") for lib in NOT_BEFORE_FIRST_FRAME)
    }
    assert heavy == set()


def test_the_gui_lightens_pysides_import_hook_before_it_starts_qt(monkeypatch):
    """run_gui swaps PySide's per-import check first thing, before Qt's modules."""
    import roomdesk.pyside_setup
    from roomdesk.app import run_gui

    class Stop(Exception):
        pass

    calls: list[str] = []

    def lighten() -> bool:
        calls.append("lighten")
        raise Stop  # where the QApplication would be made next

    monkeypatch.setattr(roomdesk.pyside_setup, "lighten_pyside_import_hook", lighten)
    monkeypatch.setattr("roomdesk.store.recovery.EarlyStructureCheck", lambda path: None)
    with pytest.raises(Stop):
        run_gui(LaunchOptions())
    assert calls == ["lighten"]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT")
def test_ctrl_c_quits_the_window_cleanly_with_exit_130(tmp_path):
    """Ctrl+C in the terminal that started the app closes it as a normal quit does (window
    state saved, demo store removed), logs no crash, and exits 130 as interrupted commands do.
    A data folder the person made shared keeps its mode and is noted in the log."""
    import signal
    import time

    data_dir = tmp_path / "shared-data"
    data_dir.mkdir()
    data_dir.chmod(0o775)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROOMDESK_")}
    env.update(QT_QPA_PLATFORM="offscreen", ROOMDESK_DATA_DIR=str(data_dir))
    child = subprocess.Popen(
        [sys.executable, "-m", "roomdesk", "--demo", "--debug"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    log_file = data_dir / "logs" / "roomdesk.log"
    try:
        # Up: the window's start-up refresh has asked the demo server for its rooms.
        deadline = time.monotonic() + 60
        while child.poll() is None and time.monotonic() < deadline:
            if log_file.exists() and "GET /meetings" in log_file.read_text():
                break
            time.sleep(0.1)
        assert child.poll() is None, child.communicate()[1][-2000:]
        assert list(data_dir.glob("demo-*")), "the demo's store is in place while it runs"
        child.send_signal(signal.SIGINT)
        _out, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    log_text = log_file.read_text()
    assert child.returncode == 130, err[-2000:]
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert "Unhandled error" not in log_text and "Traceback" not in log_text
    assert "Interrupted (Ctrl+C): quitting" in log_text
    assert list(data_dir.glob("demo-*")) == []  # the session shut down
    assert "geometry" in (data_dir / "config" / "settings.ini").read_text()
    assert os.stat(data_dir).st_mode & 0o777 == 0o775
    assert f"Data folder: the folder {data_dir} is open to other users (mode 775)" in log_text


def test_a_data_folder_that_cannot_be_made_is_one_error_line(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("ROOMDESK_DATA_DIR", str(blocker / "roomdesk"))
    assert main([]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"error: The data folder {blocker / 'roomdesk'} cannot be used: not a directory. Make it "
        "writable, or set ROOMDESK_DATA_DIR to a folder you can write to; nothing stored was "
        "lost.\n"
    )
