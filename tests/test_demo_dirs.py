"""Demo runs keep their rooms in a locked directory of their own; a later demo start removes the
directories of runs that ended without removing theirs (killed, crashed)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtCore import QLockFile

from roomdesk.paths import app_paths
from roomdesk.secrets import KeyStore
from roomdesk.ui.session import (
    DEMO_DIR_GRACE_SECONDS,
    DEMO_LOCK_NAME,
    AppSession,
    remove_stale_demo_dirs,
)

# A process that takes the lock and ends without letting it go, as a killed run does.
_LOCK_AND_DIE = (
    "import os, sys\n"
    "from PySide6.QtCore import QLockFile\n"
    "lock = QLockFile(sys.argv[1])\n"
    "assert lock.tryLock(0)\n"
    "os._exit(0)\n"
)


def demo_dir(data_dir: Path, name: str, *, age: float = 0.0) -> Path:
    directory = data_dir / name
    directory.mkdir()
    (directory / "demo-rooms.sqlite3").write_bytes(b"rooms")
    if age:
        then = time.time() - age
        os.utime(directory, (then, then))
    return directory


def test_only_demo_directories_no_running_demo_holds_are_removed() -> None:
    data_dir = app_paths().ensure().data_dir
    killed = demo_dir(data_dir, "demo-killed")
    subprocess.run(
        [sys.executable, "-c", _LOCK_AND_DIE, str(killed / DEMO_LOCK_NAME)], check=True, timeout=60
    )
    assert (killed / DEMO_LOCK_NAME).exists()  # left behind, naming a process that is gone
    running = demo_dir(data_dir, "demo-running")
    held = QLockFile(str(running / DEMO_LOCK_NAME))
    assert held.tryLock(0)
    old_unlocked = demo_dir(data_dir, "demo-old", age=DEMO_DIR_GRACE_SECONDS * 2)
    just_made = demo_dir(data_dir, "demo-just-made")  # its run may not have locked it yet
    others = [data_dir / "rooms.sqlite3", data_dir / "demo-instance.lock", data_dir / "demos"]
    for path in others[:2]:
        path.write_bytes(b"kept")
    others[2].mkdir()
    os.utime(others[2], (0, 0))

    removed = remove_stale_demo_dirs(data_dir)

    assert removed == [killed, old_unlocked]
    assert not killed.exists() and not old_unlocked.exists()
    assert running.is_dir() and (running / "demo-rooms.sqlite3").exists()
    assert just_made.is_dir()
    assert all(path.exists() for path in others)
    held.unlock()  # the run ended, but its directory stayed
    assert remove_stale_demo_dirs(data_dir) == []  # changed just now: within the grace time
    then = time.time() - DEMO_DIR_GRACE_SECONDS * 2
    os.utime(running, (then, then))
    assert remove_stale_demo_dirs(data_dir) == [running]


def test_a_demo_start_removes_what_a_killed_demo_left_and_keeps_its_own_locked(
    aloop, keyring_backend
) -> None:
    data_dir = app_paths().ensure().data_dir
    killed = demo_dir(data_dir, "demo-killed")
    subprocess.run(
        [sys.executable, "-c", _LOCK_AND_DIE, str(killed / DEMO_LOCK_NAME)], check=True, timeout=60
    )
    keys = KeyStore(environ={}, keyring_backend=keyring_backend)
    demo = AppSession(app_paths(), keys=keys)
    other = AppSession(app_paths(), keys=keys)  # a second window's demo, side by side
    aloop.run(demo.start_demo())
    try:
        assert not killed.exists()
        [own] = [path for path in data_dir.glob("demo-*") if path.is_dir()]
        assert (own / DEMO_LOCK_NAME).exists()
        then = time.time() - DEMO_DIR_GRACE_SECONDS * 2  # long running: only its lock keeps it
        os.utime(own, (then, then))
        aloop.run(other.start_demo())  # its sweep leaves the running demo's directory alone
        try:
            assert own.is_dir()
            assert len([path for path in data_dir.glob("demo-*") if path.is_dir()]) == 2
        finally:
            aloop.run(other.shutdown())
        assert own.is_dir()
    finally:
        aloop.run(demo.shutdown())
    assert not [path for path in data_dir.glob("demo-*") if path.is_dir()]
