"""Opening the room store so that a damaged file never stops roomdesk and never loses data.

A file SQLite cannot read (damaged, truncated, or not a database at all) is moved aside with its
-wal/-shm companions under a UTC time stamp, and a new, empty store takes its place; the rooms
come back from Whereby at the next refresh. The caller gets a :class:`RecoveryNotice` to show
the person once.

The damage is looked for through a read-only connection first. A read-write connection that
fails on a damaged file still checkpoints the write-ahead log into it and deletes the log when it
closes, so the file moved aside would no longer hold the bytes that were there.

Two problems are deliberately *not* repaired this way, because the file itself is fine and moving
it would hide it: a store written by a newer roomdesk (:class:`StoreVersionError`) and a store
that cannot be opened right now (:class:`StoreUnavailableError`: permissions, a full disk, a lock
held by another program). Those are raised unchanged; their messages say what to do.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from roomdesk.store import db as store_db
from roomdesk.store import migrations
from roomdesk.store.db import RoomStore, StoreCorruptError, StoreUnavailableError, move_aside

log = logging.getLogger(__name__)

# Long enough to name the problem, short enough for one line of a message box.
REASON_MAX_CHARS = 160
# The read-only look is skipped rather than waited for when another program holds a lock.
PRECHECK_BUSY_SECONDS = 1.0
_DAMAGE_ERRORS = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB"})


@dataclass(frozen=True)
class RecoveryNotice:
    """What happened to an unreadable store; ``str()`` is the text to show a person."""

    store_path: Path
    moved_to: Path
    reason: str

    @property
    def text(self) -> str:
        return (
            f"The room list at {self.store_path} could not be read ({self.reason}). "
            f"It was moved to {self.moved_to} and a new, empty list was started; roomdesk will "
            "re-import your rooms from Whereby at the next refresh."
        )

    def __str__(self) -> str:
        return self.text


def _one_line(detail: str) -> str:
    """SQLite's integrity report as one short line (it can run to many lines)."""
    lines = [line.strip() for line in detail.splitlines()]
    # "*** in database main ***" only says which attached database; there is just one.
    lines = [line for line in lines if line and not line.startswith("*** in database")]
    text = "; ".join(lines) or "unknown damage"
    if len(text) > REASON_MAX_CHARS:
        text = text[: REASON_MAX_CHARS - 1].rstrip() + "…"
    return text


def check_structure(path: Path) -> tuple[bool, str | None]:
    """Whether SQLite's quick check of the file at ``path`` ran and passed, and its complaint
    about the file if it found damage (else None); found without changing the file.

    No complaint also when the file is missing, empty, locked, unreadable or from a newer
    roomdesk: :class:`RoomStore` reports those itself, and none of them is damage.
    """
    try:
        if path.stat().st_size == 0:
            return False, None
    except OSError:
        return False, None
    timeout = min(PRECHECK_BUSY_SECONDS, store_db.BUSY_TIMEOUT_SECONDS)
    try:
        conn = sqlite3.connect(
            path.resolve().as_uri() + "?mode=ro", uri=True, timeout=timeout, isolation_level=None
        )
    except sqlite3.Error:
        return False, None
    try:
        # The version is in the header, read without parsing a schema a newer roomdesk wrote.
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        if version > migrations.LATEST_VERSION:
            return False, None
        problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
    except sqlite3.Error as exc:
        damage = getattr(exc, "sqlite_errorname", None) in _DAMAGE_ERRORS
        return False, str(exc) if damage else None
    finally:
        conn.close()
    return (True, None) if problems == ["ok"] else (False, "\n".join(problems))


class EarlyStructureCheck:
    """:func:`check_structure` of one file, run in a worker thread from the moment it is made.

    The app starts it first thing, so the check (tens of milliseconds for a long room list;
    SQLite lets the GIL go while it reads) runs while the window's modules load. Its result
    belongs to the store's first opening only: :func:`open_store_safely` takes it once.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._outcome: tuple[bool, str | None] | BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="store-check", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._outcome = check_structure(self.path)
        except BaseException as exc:  # handed to the thread that asks for the result
            self._outcome = exc

    def result(self) -> tuple[bool, str | None]:
        """What :func:`check_structure` returned, once it has (an error it raised, raised)."""
        self._thread.join()
        outcome = self._outcome
        if isinstance(outcome, BaseException):
            raise outcome
        assert outcome is not None
        return outcome


def open_store_safely(
    path: Path, early_check: EarlyStructureCheck | None = None
) -> tuple[RoomStore, RecoveryNotice | None]:
    """Open the store at ``path``; a damaged file is moved aside and replaced by an empty store.

    Returns the open store and, when a file was moved aside, the notice to show once. Raises
    :class:`~roomdesk.store.StoreVersionError` and :class:`StoreUnavailableError` unchanged; the
    file is then left exactly as it was. ``early_check``, when it is of this very file, stands
    for the structure check this would otherwise run.
    """
    path = Path(path)
    if early_check is not None and early_check.path == path:
        passed, detail = early_check.result()
    else:
        passed, detail = check_structure(path)
    if detail is None:
        try:
            # One quick check is enough; it reads the whole file.
            return RoomStore(path, structure_checked=passed), None
        except StoreCorruptError as exc:  # e.g. another program's database
            detail = exc.detail
    reason = _one_line(detail)
    try:
        moved_to = move_aside(path)
    except FileNotFoundError:
        # Another roomdesk process moved it aside a moment ago (and told its person so).
        log.info("the damaged room store %s was already moved aside", path)
        return RoomStore(path), None
    except OSError as exc:
        raise StoreUnavailableError(
            path,
            f"it is damaged ({reason}) and could not be moved aside ({exc.strerror or exc}); "
            "move or delete it yourself to start a new list",
        ) from exc
    # INFO, not WARNING: the person gets the notice; a warning would also reach the stderr of a
    # program that set up no logging (the CLI) as a second line.
    log.info("the room store %s was unreadable (%s); moved it to %s", path, reason, moved_to)
    store = RoomStore(path)
    return store, RecoveryNotice(store_path=path, moved_to=moved_to, reason=reason)


__all__ = ["EarlyStructureCheck", "RecoveryNotice", "check_structure", "open_store_safely"]
