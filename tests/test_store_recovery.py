"""A damaged room store is moved aside and replaced; a newer or unavailable one is left alone."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
import stat
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from roomdesk.api.models import Meeting
from roomdesk.app import App
from roomdesk.app_arguments import LaunchOptions
from roomdesk.paths import app_paths
from roomdesk.store import RoomStore, StoreUnavailableError, StoreVersionError, recovery
from roomdesk.store import db as store_db
from roomdesk.store.recovery import RecoveryNotice, open_store_safely

END = datetime(2031, 5, 1, 12, 0, tzinfo=UTC)
MOVED_NAME = re.compile(r"rooms\.sqlite3\.corrupt-\d{8}T\d{6}Z")


def files(directory: Path) -> dict[str, bytes]:
    return {item.name: item.read_bytes() for item in sorted(directory.iterdir()) if item.is_file()}


def healthy_store_bytes(directory: Path, rooms: int = 300) -> bytes:
    """A real store with enough rooms to span many pages, closed (so fully checkpointed)."""
    source = directory / "healthy" / "rooms.sqlite3"
    with RoomStore(source) as store:
        store.upsert_many_imported(
            Meeting(f"m-{i}", f"https://team.whereby.com/m-{i}", END + timedelta(minutes=i))
            for i in range(rooms)
        )
    return source.read_bytes()


def garbage(healthy: bytes) -> bytes:
    return b"my meeting notes, certainly not a database\n" * 100


def header_cut(healthy: bytes) -> bytes:
    return healthy[:50]  # not even the 100-byte SQLite header survives


def truncated(healthy: bytes) -> bytes:
    return healthy[: len(healthy) // 2]


def junk_page(healthy: bytes) -> bytes:
    data = bytearray(healthy)
    page_size = int.from_bytes(data[16:18], "big")
    middle = (len(data) // page_size // 2) * page_size
    data[middle : middle + page_size] = b"\xa5" * page_size
    return bytes(data)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    directory = tmp_path / "data"
    directory.mkdir()
    return directory / "rooms.sqlite3"


def test_a_healthy_store_opens_without_a_notice(store_path: Path) -> None:
    with RoomStore(store_path) as store:
        store.add_created(
            Meeting("m-1", "https://team.whereby.com/m-1", END), room_mode="normal", options=None
        )
    store, notice = open_store_safely(store_path)
    with store:
        assert notice is None
        assert store.get("m-1") is not None


@pytest.mark.parametrize("content", [None, b""], ids=["missing", "zero-length"])
def test_a_missing_or_empty_file_becomes_a_new_store_without_a_notice(
    store_path: Path, content: bytes | None
) -> None:
    # SQLite treats an empty file as an empty database: there is nothing to save.
    if content is not None:
        store_path.write_bytes(content)
    store, notice = open_store_safely(store_path)
    with store:
        assert notice is None
        assert store.list_rooms(include_past=True) == []
    assert not [item for item in store_path.parent.iterdir() if ".corrupt-" in item.name]


@pytest.mark.parametrize(
    "damage", [garbage, header_cut, truncated, junk_page], ids=lambda damage: damage.__name__
)
def test_a_damaged_file_is_moved_aside_with_its_bytes_and_a_new_store_starts(
    store_path: Path, tmp_path: Path, damage: Callable[[bytes], bytes]
) -> None:
    original = damage(healthy_store_bytes(tmp_path))
    store_path.write_bytes(original)

    store, notice = open_store_safely(store_path)

    with store:
        assert isinstance(notice, RecoveryNotice)
        assert store.path == store_path
        assert store.list_rooms(include_past=True) == []
        new_room = Meeting("m-new", "https://team.whereby.com/m-new", END)
        store.add_created(new_room, room_mode="normal", options=None)
    assert notice.store_path == store_path
    assert MOVED_NAME.fullmatch(notice.moved_to.name)
    assert notice.moved_to.parent == store_path.parent
    assert notice.moved_to.read_bytes() == original
    assert stat.S_IMODE(os.stat(store_path).st_mode) == 0o600

    text = str(notice)
    assert text.startswith(f"The room list at {store_path} could not be read (")
    assert f"It was moved to {notice.moved_to} and a new, empty list was started" in text
    assert "re-import your rooms from Whereby at the next refresh" in text
    assert "\n" not in text and len(notice.reason) <= recovery.REASON_MAX_CHARS

    # The new store is an ordinary one from now on: no second notice, the new room is kept.
    again, second_notice = open_store_safely(store_path)
    with again:
        assert second_notice is None
        assert again.get("m-new") is not None


def test_junk_wal_and_shm_companions_move_with_the_damaged_file(store_path: Path) -> None:
    store_path.write_bytes(b"not sqlite at all" * 64)
    companions = {"-wal": b"write-ahead log bytes", "-shm": b"shared memory bytes"}
    for suffix, content in companions.items():
        store_path.with_name(store_path.name + suffix).write_bytes(content)

    store, notice = open_store_safely(store_path)
    store.close()

    assert notice is not None
    moved = {
        suffix: notice.moved_to.with_name(notice.moved_to.name + suffix)
        for suffix in ("", "-wal", "-shm")
    }
    assert moved[""].read_bytes() == b"not sqlite at all" * 64
    assert moved["-wal"].read_bytes() == companions["-wal"]
    # The -shm is only an index of the log that SQLite rebuilds on opening; it holds no data.
    assert moved["-shm"].exists()


def crash_image(directory: Path, target: Path) -> None:
    """The files a crashed roomdesk leaves: recent rooms still only in the write-ahead log."""
    live = directory / "live" / "rooms.sqlite3"
    store = RoomStore(live)
    try:
        store.upsert_many_imported(
            Meeting(f"m-{i}", f"https://team.whereby.com/m-{i}", END) for i in range(300)
        )
        store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store.upsert_many_imported(
            Meeting(f"w-{i}", f"https://team.whereby.com/w-{i}", END) for i in range(50)
        )
        for suffix in ("", "-wal", "-shm"):
            target.with_name(target.name + suffix).write_bytes(
                live.with_name(live.name + suffix).read_bytes()
            )
    finally:
        store.close()


def test_a_damaged_file_with_a_real_wal_is_moved_with_both_unchanged(
    store_path: Path, tmp_path: Path
) -> None:
    crash_image(tmp_path, store_path)
    wal = store_path.with_name(store_path.name + "-wal")
    assert wal.stat().st_size > 0
    store_path.write_bytes(junk_page(store_path.read_bytes()))
    original_main, original_wal = store_path.read_bytes(), wal.read_bytes()

    store, notice = open_store_safely(store_path)
    store.close()

    # A read-write open would have checkpointed the log into the damaged file and deleted it.
    assert notice is not None
    assert notice.moved_to.read_bytes() == original_main
    assert notice.moved_to.with_name(notice.moved_to.name + "-wal").read_bytes() == original_wal


def test_a_crashed_but_healthy_store_keeps_the_rooms_in_its_wal(
    store_path: Path, tmp_path: Path
) -> None:
    crash_image(tmp_path, store_path)
    store, notice = open_store_safely(store_path)
    with store:
        assert notice is None
        assert store.count_rooms(include_past=True) == 350


def test_the_reason_is_one_short_line_even_for_a_long_integrity_report(
    store_path: Path, tmp_path: Path
) -> None:
    store_path.write_bytes(junk_page(healthy_store_bytes(tmp_path, rooms=2_000)))
    store, notice = open_store_safely(store_path)
    store.close()
    assert notice is not None
    assert "\n" not in notice.reason and "*** in database" not in notice.reason
    assert 0 < len(notice.reason) <= recovery.REASON_MAX_CHARS


def test_the_move_is_logged_with_both_paths_for_the_log_file_only(
    store_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store_path.write_bytes(b"\x00garbage" * 100)
    with caplog.at_level(logging.DEBUG, logger="roomdesk.store"):
        store, notice = open_store_safely(store_path)
    store.close()
    assert notice is not None
    logged = caplog.text
    assert str(store_path) in logged and str(notice.moved_to) in logged
    # Below WARNING: a program without logging set up (the CLI) prints only its own notice.
    assert all(record.levelno < logging.WARNING for record in caplog.records)


# -- files that must be left exactly as they are ---------------------------------------------------


def test_a_store_from_a_newer_roomdesk_is_refused_and_untouched(store_path: Path) -> None:
    RoomStore(store_path).close()
    conn = sqlite3.connect(store_path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = files(store_path.parent)

    with pytest.raises(StoreVersionError, match="newer roomdesk"):
        open_store_safely(store_path)

    assert files(store_path.parent) == before


def test_a_store_locked_by_another_program_is_refused_and_untouched(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    RoomStore(store_path).close()
    holder = sqlite3.connect(store_path, isolation_level=None)
    # Rollback-journal mode, so an exclusive lock keeps even readers out (WAL would let them in).
    holder.execute("PRAGMA journal_mode = DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    before = files(store_path.parent)
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_SECONDS", 0.05)  # fail fast instead of in 5 s
    try:
        with pytest.raises(StoreUnavailableError, match="locked"):
            open_store_safely(store_path)
        assert files(store_path.parent) == before
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    # Once the other program lets go, the same file opens normally.
    store, notice = open_store_safely(store_path)
    store.close()
    assert notice is None


def test_a_directory_in_place_of_the_store_is_refused_and_untouched(store_path: Path) -> None:
    store_path.mkdir()
    (store_path / "keep.txt").write_text("mine")
    with pytest.raises(StoreUnavailableError, match="could not be opened"):
        open_store_safely(store_path)
    assert (store_path / "keep.txt").read_text() == "mine"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads files whatever their mode"
)
def test_an_unreadable_store_is_refused_and_untouched(store_path: Path) -> None:
    RoomStore(store_path).close()
    before = store_path.read_bytes()
    store_path.chmod(0)
    try:
        with pytest.raises(StoreUnavailableError):
            open_store_safely(store_path)
    finally:
        store_path.chmod(0o600)
    assert store_path.read_bytes() == before
    assert not [item for item in store_path.parent.iterdir() if ".corrupt-" in item.name]


def test_a_damaged_store_that_cannot_be_moved_is_reported_and_untouched(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_path.write_bytes(b"garbage" * 100)

    def refuse(path: Path) -> Path:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(recovery, "move_aside", refuse)
    with pytest.raises(StoreUnavailableError) as caught:
        open_store_safely(store_path)
    message = str(caught.value)
    assert "damaged" in message and "could not be moved aside (Permission denied)" in message
    assert store_path.read_bytes() == b"garbage" * 100


# -- at the app's start ----------------------------------------------------------------------------


def start_app(qapp, monkeypatch: pytest.MonkeyPatch, emulator) -> App:
    monkeypatch.setenv("ROOMDESK_API_KEY", "test-key")
    monkeypatch.setenv("ROOMDESK_API_URL", emulator.base_url)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.memory_keyring.MemoryKeyring")
    return App(LaunchOptions(demo=False, debug=False), qapp)


def test_the_app_replaces_a_damaged_list_and_says_so_without_blocking(
    qapp, aloop, monkeypatch: pytest.MonkeyPatch, emulator
) -> None:
    store_file = app_paths().ensure().store_file
    store_file.write_bytes(b"\x00 not a database " * 100)
    app = start_app(qapp, monkeypatch, emulator)

    async def look_then_close() -> int:
        running = asyncio.ensure_future(app.run())
        while app.store_notice_box is None or not app.store_notice_box.isVisible():
            await asyncio.sleep(0.01)
        box = app.store_notice_box
        assert box.windowModality() == Qt.WindowModality.NonModal and not box.isModal()
        assert app.window.isVisible() and app.window.isEnabled()
        text = box.text()
        assert str(store_file) in text and str(app.store_notice.moved_to) in text
        app.window.close()
        return await running

    assert aloop.run(look_then_close()) == 0
    assert app.store_notice.moved_to.read_bytes() == b"\x00 not a database " * 100
    store, notice = open_store_safely(store_file)  # the new list is a healthy one
    store.close()
    assert notice is None


def test_the_app_leaves_a_newer_list_alone_and_explains(
    qapp, aloop, monkeypatch: pytest.MonkeyPatch, emulator
) -> None:
    store_file = app_paths().ensure().store_file
    RoomStore(store_file).close()
    conn = sqlite3.connect(store_file)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = files(store_file.parent)
    app = start_app(qapp, monkeypatch, emulator)

    async def read_the_welcome_then_quit() -> int:
        running = asyncio.ensure_future(app.run())
        while app.welcome is None or not app.welcome.isVisible():
            await asyncio.sleep(0.01)
        assert "newer roomdesk" in app.welcome.feedback.text()
        app.welcome.reject()
        return await running

    assert aloop.run(read_the_welcome_then_quit()) == 0
    assert app.window is None
    assert files(store_file.parent) == before


def test_a_healthy_store_is_read_through_once_when_opened(store_path: Path, tmp_path, monkeypatch):
    """SQLite's quick check reads the whole file: opening runs it once, not once per layer."""
    path = store_path
    path.write_bytes(healthy_store_bytes(tmp_path))
    statements: list[str] = []
    real_connect = sqlite3.connect

    def traced_connect(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(sqlite3, "connect", traced_connect)
    store, notice = open_store_safely(path)
    store.close()
    assert notice is None
    assert sum("quick_check" in statement for statement in statements) == 1


def test_a_plain_open_still_checks_the_structure_itself(store_path: Path, tmp_path: Path):
    store_path.write_bytes(junk_page(healthy_store_bytes(tmp_path)))
    with pytest.raises(store_db.StoreCorruptError):
        RoomStore(store_path)


# -- the structure check started at launch ---------------------------------------------------------


def test_an_early_check_of_a_damaged_file_moves_it_aside_at_opening(
    store_path: Path, tmp_path: Path
) -> None:
    original = junk_page(healthy_store_bytes(tmp_path))
    store_path.write_bytes(original)
    early = recovery.EarlyStructureCheck(store_path)
    store, notice = open_store_safely(store_path, early)
    with store:
        assert isinstance(notice, RecoveryNotice)
        assert store.list_rooms(include_past=True) == []
    assert notice.moved_to.read_bytes() == original


def test_an_early_check_stands_for_the_check_at_opening(
    store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_path.write_bytes(healthy_store_bytes(tmp_path))
    early = recovery.EarlyStructureCheck(store_path)
    assert early.result() == (True, None)
    elsewhere = recovery.EarlyStructureCheck(tmp_path / "other.sqlite3")
    elsewhere.result()
    checked: list[Path] = []
    real_check = recovery.check_structure
    monkeypatch.setattr(
        recovery, "check_structure", lambda path: checked.append(path) or real_check(path)
    )
    open_store_safely(store_path, early)[0].close()
    assert checked == []
    # A check of another file is no answer for this one.
    open_store_safely(store_path, elsewhere)[0].close()
    assert checked == [store_path]


def test_an_early_check_that_failed_raises_its_error_when_asked(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(path: Path) -> tuple[bool, str | None]:
        raise RuntimeError("the check itself broke")

    monkeypatch.setattr(recovery, "check_structure", broken)
    early = recovery.EarlyStructureCheck(store_path)
    with pytest.raises(RuntimeError, match="the check itself broke"):
        open_store_safely(store_path, early)
    assert not store_path.exists()  # nothing was opened or created


def test_the_session_uses_an_early_check_for_its_first_opening_only(
    qapp, aloop, monkeypatch: pytest.MonkeyPatch, emulator
) -> None:
    store_file = app_paths().ensure().store_file
    store_file.write_bytes(b"\x00 not a database " * 100)
    early = recovery.EarlyStructureCheck(store_file)
    early.result()
    # Repaired after the early look: the opening still acts on what the early check found.
    store_file.unlink()
    RoomStore(store_file).close()
    monkeypatch.setenv("ROOMDESK_API_KEY", "test-key")
    monkeypatch.setenv("ROOMDESK_API_URL", emulator.base_url)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.memory_keyring.MemoryKeyring")
    app = App(LaunchOptions(demo=False, debug=False), qapp, early_check=early)
    checked: list[Path] = []
    real_check = recovery.check_structure
    monkeypatch.setattr(
        recovery, "check_structure", lambda path: checked.append(path) or real_check(path)
    )
    notice = app.session.open_store_once()
    assert notice is not None and checked == []  # the early check's finding was used
    assert app.session.open_store_once() is None
    assert checked == [store_file]  # the second opening checks for itself
