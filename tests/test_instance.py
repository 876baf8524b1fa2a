"""One roomdesk per data directory: later starts bring the first window forward and exit."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QDir, Qt
from PySide6.QtNetwork import QLocalSocket

from roomdesk.app import App
from roomdesk.app_arguments import LaunchOptions
from roomdesk.instance import (
    MAX_MESSAGE_BYTES,
    SingleInstance,
    lock_file_for,
    server_name_for,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def instances(qapp):
    """Makes SingleInstance objects for the test and releases every one of them afterwards."""
    made: list[SingleInstance] = []

    def make(data_dir: Path, scope: str = "app") -> SingleInstance:
        instance = SingleInstance(data_dir, scope=scope)
        made.append(instance)
        return instance

    yield make
    for instance in made:
        instance.release()


def record_activations(instance: SingleInstance) -> list[int]:
    seen: list[int] = []
    instance.activationRequested.connect(lambda: seen.append(1))
    return seen


def child_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROOMDESK_")}
    env["ROOMDESK_DATA_DIR"] = str(data_dir)
    env["PYTHONPATH"] = str(ROOT)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHON_KEYRING_BACKEND"] = "tests.memory_keyring.MemoryKeyring"
    return env


# -- names -----------------------------------------------------------------------------------------


def test_the_name_follows_the_resolved_data_directory_and_the_scope(tmp_path: Path) -> None:
    real = tmp_path / "data"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    assert server_name_for(real) == server_name_for(link) == server_name_for(real / ".")
    assert server_name_for(real) != server_name_for(tmp_path / "other")
    assert server_name_for(real, "demo") != server_name_for(real, "app")
    assert server_name_for(real).startswith("roomdesk-")
    assert lock_file_for(real) == real / "instance.lock"
    assert lock_file_for(real, "demo") == real / "demo-instance.lock"


# -- in one process --------------------------------------------------------------------------------


def test_the_first_is_primary_and_a_second_on_the_same_directory_is_not(
    instances, data_dir: Path
) -> None:
    first, second = instances(data_dir), instances(data_dir)
    assert first.try_become_primary()
    assert first.is_primary and first.is_listening
    assert first.lock_path.exists()
    assert not second.try_become_primary()
    assert not second.is_primary


def test_a_second_start_brings_the_first_forward(instances, data_dir: Path, qtbot) -> None:
    first, second = instances(data_dir), instances(data_dir)
    assert first.try_become_primary()
    activations = record_activations(first)
    assert not second.try_become_primary()

    assert second.notify_primary()

    qtbot.waitUntil(lambda: activations == [1])
    # One request, one activation: nothing is replayed later.
    qtbot.wait(50)
    assert activations == [1]


def test_a_first_start_that_listens_later_is_first_at_once_and_reached_then(
    instances, data_dir: Path, qtbot
) -> None:
    """The app takes the lock at once and listens after its window's first frame; a second
    start in between is refused the lock, and reaches the first once it listens."""
    first, second = instances(data_dir), instances(data_dir)
    assert first.try_become_primary(listen=False)
    assert first.is_primary and not first.is_listening
    activations = record_activations(first)
    assert not second.try_become_primary()
    assert not second.notify_primary(timeout=0.2)  # nobody listens yet: retried, then given up

    first.listen()
    first.listen()  # once is enough; again does nothing
    assert first.is_listening
    assert second.notify_primary()
    qtbot.waitUntil(lambda: activations == [1])


def test_a_primary_running_for_days_is_not_taken_for_a_stale_one(instances, data_dir: Path) -> None:
    first = instances(data_dir)
    assert first.try_become_primary()
    week_ago = first.lock_path.stat().st_mtime - 7 * 24 * 3600
    os.utime(first.lock_path, (week_ago, week_ago))
    assert not instances(data_dir).try_become_primary()


def test_releasing_lets_the_next_start_become_primary(instances, data_dir: Path) -> None:
    first = instances(data_dir)
    assert first.try_become_primary()
    socket_file = Path(QDir.tempPath(), first.server_name)
    assert socket_file.exists() or sys.platform == "win32"
    first.release()
    assert not first.is_primary and not first.is_listening
    assert not socket_file.exists()  # a clean exit leaves nothing in the temp folder
    assert instances(data_dir).try_become_primary()


def test_other_data_directories_and_scopes_run_side_by_side(instances, tmp_path: Path) -> None:
    assert instances(tmp_path / "a").try_become_primary()
    assert instances(tmp_path / "b").try_become_primary()
    # A demo keeps its rooms in a throw-away store, so it may run beside the real app.
    assert instances(tmp_path / "a", "demo").try_become_primary()
    assert not instances(tmp_path / "a", "demo").try_become_primary()


def test_a_stranger_on_the_socket_cannot_trigger_anything(instances, data_dir: Path, qtbot) -> None:
    first = instances(data_dir)
    assert first.try_become_primary()
    activations = record_activations(first)

    noisy = QLocalSocket()
    noisy.connectToServer(first.server_name)
    assert noisy.waitForConnected(1000)
    noisy.write(b"x" * (MAX_MESSAGE_BYTES * 4))
    noisy.waitForBytesWritten(1000)
    # The primary hangs up on a peer that sends more than a request without a line end.
    qtbot.waitUntil(lambda: noisy.state() == QLocalSocket.LocalSocketState.UnconnectedState)

    other = QLocalSocket()
    other.connectToServer(first.server_name)
    assert other.waitForConnected(1000)
    other.write(b"delete everything\n")
    other.waitForBytesWritten(1000)
    other.disconnectFromServer()
    # Only then a real request: it is handled, so the requests before it were looked at.
    assert instances(data_dir).notify_primary()
    qtbot.waitUntil(lambda: activations == [1])


def test_notify_without_a_listener_gives_up_in_time(instances, data_dir: Path) -> None:
    first = instances(data_dir)
    assert first.try_become_primary()
    first._server.close()  # holds the lock, but nobody listens (a primary still starting)
    second = instances(data_dir)
    assert not second.try_become_primary()
    assert not second.notify_primary(timeout=0.3)


# -- across processes ------------------------------------------------------------------------------

HOLD_PRIMARY = """
import sys
from pathlib import Path
from PySide6.QtCore import QCoreApplication
from roomdesk.instance import SingleInstance

app = QCoreApplication([])
instance = SingleInstance(Path(sys.argv[1]))
print("primary" if instance.try_become_primary() else "secondary", flush=True)
sys.stdin.read()  # hold on until killed
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_crashed_primary_leaves_nothing_that_blocks_the_next_start(
    instances, data_dir: Path, qtbot
) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    crashed = subprocess.Popen(
        [sys.executable, "-c", HOLD_PRIMARY, str(data_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=child_env(data_dir),
    )
    try:
        assert crashed.stdout is not None
        assert crashed.stdout.readline().strip() == "primary"
        assert not instances(data_dir).try_become_primary()  # it really holds the place
    finally:
        os.kill(crashed.pid, signal.SIGKILL)
        crashed.wait(timeout=10)
        crashed.stdout.close()
        crashed.stdin.close()
    name = server_name_for(data_dir)
    # What a crash leaves behind: the lock file and the socket file.
    assert lock_file_for(data_dir).exists()
    assert Path(QDir.tempPath(), name).exists()

    successor = instances(data_dir)
    assert successor.try_become_primary()
    assert successor.is_listening
    activations = record_activations(successor)
    assert instances(data_dir).notify_primary()
    qtbot.waitUntil(lambda: activations == [1])


def run_second_start(args: list[str], data_dir: Path, qtbot) -> subprocess.CompletedProcess:
    """Start ``python -m roomdesk`` and keep this process's event loop running meanwhile."""
    child = subprocess.Popen(
        [sys.executable, "-m", "roomdesk", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(data_dir),
    )
    try:
        qtbot.waitUntil(lambda: child.poll() is not None, timeout=30_000)
    finally:
        if child.poll() is None:
            child.kill()
    out, err = child.communicate(timeout=10)
    return subprocess.CompletedProcess(child.args, child.returncode, out, err)


@pytest.mark.parametrize(("args", "scope"), [(["--demo"], "demo"), ([], "app")])
def test_a_real_second_start_exits_at_once_and_activates_the_first(
    instances, data_dir: Path, qtbot, args: list[str], scope: str
) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    first = instances(data_dir, scope)
    assert first.try_become_primary()
    activations = record_activations(first)

    result = run_second_start(args, data_dir, qtbot)

    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "already running" in lines[0], result.stderr
    qtbot.waitUntil(lambda: activations == [1])
    # It opened nothing: no log, no room list of its own.
    assert not (data_dir / "rooms.sqlite3").exists()
    assert not (data_dir / "logs" / "roomdesk.log").exists()


def test_a_second_start_that_gets_no_answer_says_so_and_fails(
    instances, data_dir: Path, qtbot
) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    first = instances(data_dir)
    assert first.try_become_primary()
    first._server.close()  # alive and holding the lock, but not answering

    result = run_second_start([], data_dir, qtbot)

    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: roomdesk is already running")
    assert not (data_dir / "rooms.sqlite3").exists()


# -- the app's window comes forward ----------------------------------------------------------------


def test_an_activation_restores_and_raises_the_running_window(
    qapp, aloop, instances, data_dir: Path
) -> None:
    first = instances(data_dir, "demo")
    assert first.try_become_primary()
    app = App(LaunchOptions(demo=True, debug=False), qapp, first)

    async def scenario() -> int:
        running = asyncio.ensure_future(app.run())
        while app.window is None or not app.window.isVisible():
            await asyncio.sleep(0.01)
        window = app.window
        window.setWindowState(Qt.WindowState.WindowMaximized | Qt.WindowState.WindowMinimized)
        assert window.isMinimized()
        # What a second `roomdesk --demo` does:
        assert instances(data_dir, "demo").notify_primary()
        while window.isMinimized():
            await asyncio.sleep(0.01)
        assert window.isVisible()
        assert window.windowState() & Qt.WindowState.WindowMaximized  # kept, not undone
        window.close()
        return await running

    assert aloop.run(scenario()) == 0
