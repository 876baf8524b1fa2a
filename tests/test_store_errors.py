"""Storage trouble (a full disk, a lock held too long, a folder that cannot be made) is one typed
error with a message that says what happened and what to do, and loses nothing stored."""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from roomdesk.api.models import Meeting
from roomdesk.paths import app_paths
from roomdesk.store import (
    RoomStore,
    StoreError,
    StoreFolderError,
    StoreWriteError,
)

END = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def meeting(meeting_id: str) -> Meeting:
    url = f"https://team.whereby.com/{meeting_id}"
    return Meeting(meeting_id=meeting_id, room_url=url, end_date=END, room_name=f"/{meeting_id}")


def store_rooms(path: Path, count: int) -> list[str]:
    with RoomStore(path) as store:
        for number in range(count):
            store.add_created(meeting(f"kept-{number}"), room_mode="normal", options={}, label="L")
    return [f"kept-{number}" for number in range(count)]


def page_count(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA page_count").fetchone()[0]
    finally:
        conn.close()


def fill_rooms(store: RoomStore) -> None:
    """Add rooms until the capped file is full: the next room needs a page there is no room for."""
    for number in range(10_000):
        try:
            store.add_created(meeting(f"filler-{number}"), room_mode="normal", options={})
        except StoreWriteError:
            return
    raise AssertionError("the store never filled up")


def stored_ids(path: Path) -> set[str]:
    with RoomStore(path) as store:
        return set(store.meeting_ids(include_past=True))


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "rooms.sqlite3"


def test_a_full_disk_is_a_store_write_error_that_keeps_every_stored_room(store_path):
    kept = store_rooms(store_path, 30)
    with RoomStore(store_path, max_page_count=page_count(store_path) + 2) as store:
        fill_rooms(store)
        before = set(store.meeting_ids(include_past=True))
        big_page = [meeting(f"sync-{number}") for number in range(200)]
        with pytest.raises(StoreWriteError) as caught:
            store.upsert_many_imported(big_page)  # a sync's page, in one transaction
        # The whole page was rolled back, and the store still works.
        assert set(store.meeting_ids(include_past=True)) == before
        assert store.get("kept-0") is not None
    message = str(caught.value)
    assert message == (
        f"The room list could not be saved: the disk is full ({store_path}). "
        "Free some space and try again; nothing stored was lost."
    )
    assert isinstance(caught.value, StoreError)
    everything = stored_ids(store_path)
    assert set(kept) <= everything
    assert not any(mid.startswith("sync-") for mid in everything)


def test_a_full_disk_refuses_a_pending_create_and_a_label_too(store_path):
    store_rooms(store_path, 3)
    with RoomStore(store_path, max_page_count=page_count(store_path) + 1) as store:
        fill_rooms(store)
        with pytest.raises(StoreWriteError, match="disk is full"):
            for _ in range(10_000):
                store.add_pending_create({"endDate": "2030-01-01T00:00:00Z"}, "x" * 200)
        with pytest.raises(StoreWriteError, match="disk is full"):
            store.set_label("kept-1", "a label far longer than any page has room for " * 200)
        assert store.get("kept-1").label == "L"


def test_a_lock_held_past_the_busy_timeout_is_a_store_write_error(store_path):
    store_rooms(store_path, 2)
    other = sqlite3.connect(store_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another program is writing, and takes its time
        with RoomStore(store_path, busy_timeout=0.05) as store:
            with pytest.raises(StoreWriteError) as caught:
                store.set_label("kept-0", "new")
            assert "another program kept it locked" in str(caught.value)
            assert "nothing stored was lost" in str(caught.value)
    finally:
        other.execute("ROLLBACK")
        other.close()
    with RoomStore(store_path) as store:
        assert store.get("kept-0").label == "L"


def test_a_read_only_database_is_said_so(store_path):
    store_rooms(store_path, 1)
    conn = sqlite3.connect(store_path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        with pytest.raises(sqlite3.OperationalError) as raised:
            conn.execute("DELETE FROM rooms")
    finally:
        conn.close()
    error = StoreWriteError.from_sqlite(store_path, raised.value)
    assert str(error) == (
        f"The room list could not be saved: the file or its folder is read-only ({store_path}). "
        "Make them writable (or set ROOMDESK_DATA_DIR to a folder you can write to) and try "
        "again; nothing stored was lost."
    )


def test_a_room_list_whose_folder_cannot_be_made_is_a_store_folder_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreFolderError) as caught:
        RoomStore(blocker / "data" / "rooms.sqlite3")
    assert str(caught.value) == (
        f"The data folder {blocker / 'data'} cannot be used: not a directory. Make it writable, "
        "or set ROOMDESK_DATA_DIR to a folder you can write to; nothing stored was lost."
    )


# -- the data folders ------------------------------------------------------------------------


def test_a_data_folder_that_cannot_be_made_is_a_store_folder_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    paths = app_paths({"ROOMDESK_DATA_DIR": str(blocker / "roomdesk")})
    with pytest.raises(StoreFolderError, match="cannot be used: not a directory"):
        paths.ensure()
    assert blocker.read_text() == "not a folder"


@pytest.mark.parametrize(
    ("code", "words"),
    [(errno.EROFS, "read-only file system"), (errno.EACCES, "permission denied")],
)
def test_a_folder_error_names_the_cause_and_what_to_do(tmp_path, code, words):
    error = StoreFolderError(tmp_path / "x", OSError(code, os.strerror(code)))
    assert str(error) == (
        f"The data folder {tmp_path / 'x'} cannot be used: {words}. Make it writable, or set "
        "ROOMDESK_DATA_DIR to a folder you can write to; nothing stored was lost."
    )


@posix_only
def test_folders_roomdesk_makes_are_private(tmp_path):
    paths = app_paths({"ROOMDESK_DATA_DIR": str(tmp_path / "new")}).ensure()
    for directory in (paths.data_dir, paths.config_dir, paths.log_dir):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert paths.folder_warnings() == []


@posix_only
def test_an_existing_shared_data_folder_keeps_its_mode_and_is_warned_about(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o775)
    paths = app_paths({"ROOMDESK_DATA_DIR": str(shared)}).ensure()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o775
    # Its subfolders are roomdesk's own, made private.
    assert stat.S_IMODE(paths.config_dir.stat().st_mode) == 0o700
    assert paths.folder_warnings() == [
        f"the folder {shared} is open to other users (mode 775); roomdesk left it as it is and "
        "keeps the room list and log in it readable by you only"
    ]
    with RoomStore(paths.store_file):
        pass
    assert stat.S_IMODE(paths.store_file.stat().st_mode) == 0o600
