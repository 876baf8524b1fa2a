"""One roomdesk window per data directory: a second start brings the first one to the front.

Two guards work together:

* A lock file in the data directory (:class:`QLockFile`) decides who is first. The operating
  system's view of the owning process makes it safe against crashes: a lock whose process is gone
  is taken over. Without it, two instances starting at the same moment could both remove and
  re-create the socket, and both would run.
* A local socket (:class:`QLocalServer`, a Unix socket or a Windows named pipe) carries the
  "come to the front" request from the second instance to the first. Its name is derived from
  the user and the resolved data directory, so ``ROOMDESK_DATA_DIR`` separates instances (and
  tests) and other users never meet. Only the owner may connect. A socket file left behind by a
  crashed instance is removed by whoever holds the lock next.

Demo instances (``roomdesk --demo``) use a scope of their own: each keeps its rooms in a
throw-away store, so a demo may run beside the real app, while a second demo start still brings
the first demo window forward. Two real instances never run on the same data directory; give
each its own ``ROOMDESK_DATA_DIR`` to run them side by side.
"""

from __future__ import annotations

import logging
import os
import time
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLockFile, QObject, Signal

if TYPE_CHECKING:
    # QtNetwork and hashlib are imported when the socket is first needed: the first instance
    # takes the lock at once but listens only after its window's first frame (see listen()).
    from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger("roomdesk.instance")

ACTIVATE_MESSAGE = b"activate\n"
# A peer sending more than this without a complete line is not a roomdesk.
MAX_MESSAGE_BYTES = 1024
# How long a second instance tries to reach the first. The first takes the lock at once and
# listens once its window's first frame is drawn (or gives up waiting for one), and the system
# accepts connections while its loop is busy; this covers the slowest such start.
NOTIFY_TIMEOUT_SECONDS = 1.5
_CONNECT_RETRY_SECONDS = 0.05


def _user_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment nor the password database
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


def server_name_for(data_dir: Path, scope: str = "app") -> str:
    """The local socket name shared by every roomdesk of this user, data directory and scope."""
    import hashlib

    identity = f"{_user_name()}\0{Path(data_dir).expanduser().resolve()}\0{scope}"
    return "roomdesk-" + hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def lock_file_for(data_dir: Path, scope: str = "app") -> Path:
    return Path(data_dir) / ("instance.lock" if scope == "app" else f"{scope}-instance.lock")


class SingleInstance(QObject):
    """Decides whether this process is the first roomdesk for ``data_dir`` and ``scope``.

    The first calls :meth:`try_become_primary` (True) and reacts to :attr:`activationRequested`;
    a later one gets False and calls :meth:`notify_primary`. Call :meth:`release` on the way out.
    """

    activationRequested = Signal()

    def __init__(
        self, data_dir: Path, *, scope: str = "app", parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.scope = scope
        self.lock_path = lock_file_for(self.data_dir, scope)
        self._lock = QLockFile(str(self.lock_path))
        # The owner of a lock is alive or not: age says nothing, the app may run for weeks.
        self._lock.setStaleLockTime(0)
        self._server: QLocalServer | None = None
        self._buffers: dict[QLocalSocket, bytearray] = {}
        self._primary = False

    @cached_property
    def server_name(self) -> str:
        return server_name_for(self.data_dir, self.scope)

    @property
    def is_primary(self) -> bool:
        return self._primary

    @property
    def is_listening(self) -> bool:
        return self._server is not None and self._server.isListening()

    def try_become_primary(self, *, listen: bool = True) -> bool:
        """True when no other roomdesk runs here: this one now listens for activation requests
        (or, with ``listen`` False, once :meth:`listen` is called; meanwhile a second start
        retries for a while, see :meth:`notify_primary`).

        Create the QApplication first, so the server's notifications reach its event loop.
        """
        if self._primary:
            return True
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not self._lock.tryLock(0):
            if self._lock.error() == QLockFile.LockError.LockFailedError:
                return False  # held by a running process
            # The lock file cannot be written (a read-only folder?): the socket alone decides.
            log.warning(
                "could not use the instance lock %s (%s); relying on the local socket only",
                self.lock_path,
                self._lock.error().name,
            )
            if self._primary_answers():
                return False
        self._primary = True
        if listen:
            self.listen()
        return True

    def listen(self) -> None:
        """Start taking activation requests (the primary only; once)."""
        if not self._primary or self._server is not None:
            return
        from PySide6.QtNetwork import QLocalServer

        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        server.newConnection.connect(self._accept)
        # Nobody else holds the lock, so a socket that is still there was left by a crash.
        # (Listening with access options on Unix replaces it anyway; elsewhere this removes it.)
        QLocalServer.removeServer(self.server_name)
        if not server.listen(self.server_name):
            # Still the only instance; a second start just cannot bring this one forward.
            log.warning(
                "cannot listen for other roomdesk starts on %s: %s",
                self.server_name,
                server.errorString(),
            )
        self._server = server

    def _primary_answers(self) -> bool:
        from PySide6.QtNetwork import QLocalSocket

        socket = QLocalSocket()
        socket.connectToServer(self.server_name)
        answered = socket.waitForConnected(200)
        socket.abort()
        return answered

    def notify_primary(self, timeout: float = NOTIFY_TIMEOUT_SECONDS) -> bool:
        """Ask the first instance to bring its window forward. True when the request was sent.

        Blocks for at most ``timeout`` seconds: the first instance may hold the lock but not
        listen yet, so refused connections are retried until then.
        """
        from PySide6.QtNetwork import QLocalSocket

        deadline = time.monotonic() + timeout
        socket = QLocalSocket()
        try:
            while True:
                socket.connectToServer(self.server_name)
                if socket.waitForConnected(max(1, int((deadline - time.monotonic()) * 1000))):
                    break
                socket.abort()
                if time.monotonic() + _CONNECT_RETRY_SECONDS >= deadline:
                    return False  # the caller says so; logging is not set up this early
                time.sleep(_CONNECT_RETRY_SECONDS)
            socket.write(ACTIVATE_MESSAGE)
            remaining = max(1, int((deadline - time.monotonic()) * 1000))
            if not socket.waitForBytesWritten(remaining):
                return False
            socket.disconnectFromServer()
            if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
                socket.waitForDisconnected(remaining)
            return True
        finally:
            socket.abort()

    # -- the primary's side ------------------------------------------------------------------

    def _accept(self) -> None:
        from PySide6.QtNetwork import QLocalSocket

        assert self._server is not None
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            self._buffers[socket] = bytearray()
            socket.readyRead.connect(lambda socket=socket: self._read(socket))
            socket.disconnected.connect(lambda socket=socket: self._forget(socket))
            # A quick peer may have written and hung up before we got here.
            self._read(socket)
            if socket.state() == QLocalSocket.LocalSocketState.UnconnectedState:
                self._forget(socket)

    def _read(self, socket: QLocalSocket) -> None:
        buffer = self._buffers.get(socket)
        if buffer is None:
            return
        buffer += socket.readAll().data()
        while b"\n" in buffer:
            line, _, rest = bytes(buffer).partition(b"\n")
            buffer[:] = rest
            if line.strip() == ACTIVATE_MESSAGE.strip():
                log.info("another roomdesk start asked for this window")
                self.activationRequested.emit()
            else:
                log.warning("ignored an unknown request on the instance socket")
        if len(buffer) > MAX_MESSAGE_BYTES:
            self._buffers.pop(socket, None)
            socket.abort()
            socket.deleteLater()

    def _forget(self, socket: QLocalSocket) -> None:
        # Read what arrived together with the hang-up before letting go.
        self._read(socket)
        if self._buffers.pop(socket, None) is not None:
            socket.deleteLater()

    def release(self) -> None:
        """Stop listening and give up the lock, so the next start becomes the first."""
        if self._server is not None:
            self._server.close()
            self._server.deleteLater()
            self._server = None
        if self._lock.isLocked():
            self._lock.unlock()
        self._primary = False


__all__ = ["SingleInstance", "lock_file_for", "server_name_for"]
