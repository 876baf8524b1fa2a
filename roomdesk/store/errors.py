"""The room store's errors, each with a message fit to show a person, and what a SQLite or file
system failure means for them."""

from __future__ import annotations

import sqlite3
from pathlib import Path


class StoreError(Exception):
    """Base of every error the store raises on purpose; ``str()`` is fit to show a person."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message

    def __str__(self) -> str:
        return self.message


class StoreVersionError(StoreError):
    """The file was written by a newer roomdesk; it was left untouched."""

    def __init__(self, path: Path, found: int, supported: int) -> None:
        super().__init__(
            path,
            f"The room list {path} was written by a newer roomdesk (schema {found}; this "
            f"version understands up to {supported}). Update roomdesk to open it; the file was "
            "not changed.",
        )
        self.found = found
        self.supported = supported


class StoreCorruptError(StoreError):
    """The file is not a roomdesk SQLite database, or it is damaged; it was left untouched."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(
            path,
            f"The room list {path} cannot be read: it is damaged or not a roomdesk database "
            f"({detail}). Nothing was changed; move it aside to start a new list.",
        )
        self.detail = detail


class StoreUnavailableError(StoreError):
    """The file could not be opened or written (permissions, disk, locked by another process)."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(path, f"The room list {path} could not be opened: {detail}.")
        self.detail = detail


# What each kind of SQLite failure means for a person, and what they can do about it, by the
# prefix of SQLite's error name (SQLITE_IOERR has many extended names, SQLITE_IOERR_WRITE …).
_WRITE_PROBLEMS = (
    ("SQLITE_FULL", "the disk is full", "Free some space and try again"),
    (
        "SQLITE_READONLY",
        "the file or its folder is read-only",
        "Make them writable (or set ROOMDESK_DATA_DIR to a folder you can write to) and try again",
    ),
    ("SQLITE_PERM", "permission was denied", "Check the file's permissions and try again"),
    ("SQLITE_CANTOPEN", "the file could not be opened", "Check the folder and try again"),
    ("SQLITE_IOERR", "the disk reported an input/output error", "Check the disk and try again"),
    (
        "SQLITE_BUSY",
        "another program kept it locked for too long",
        "Close other roomdesk windows or commands using it and try again",
    ),
    (
        "SQLITE_LOCKED",
        "another program kept it locked for too long",
        "Close other roomdesk windows or commands using it and try again",
    ),
    (
        "SQLITE_CORRUPT",
        "the file is damaged",
        "Restart roomdesk, which moves a damaged list aside",
    ),
)
# Failures of the file or the disk; the other DatabaseErrors (a constraint, a closed
# connection, a misused API) are mistakes in roomdesk itself and stay what they are.
NOT_STORAGE = (
    sqlite3.IntegrityError,
    sqlite3.ProgrammingError,
    sqlite3.InterfaceError,
    sqlite3.NotSupportedError,
    sqlite3.DataError,
)


class StoreWriteError(StoreError):
    """A change could not be written (a full disk, a read-only file, an I/O error, a lock held
    too long). Its transaction was rolled back: everything stored before is still there."""

    def __init__(self, path: Path, reason: str, advice: str) -> None:
        super().__init__(
            path,
            f"The room list could not be saved: {reason} ({path}). {advice}; "
            "nothing stored was lost.",
        )
        self.reason = reason

    @classmethod
    def from_sqlite(cls, path: Path, error: sqlite3.Error) -> StoreWriteError:
        return cls(path, *storage_problem(error))


def storage_problem(error: BaseException) -> tuple[str, str]:
    """What a SQLite or file system failure means, and what to do: (reason, advice)."""
    name = getattr(error, "sqlite_errorname", None) or ""
    for prefix, reason, advice in _WRITE_PROBLEMS:
        if name.startswith(prefix):
            return reason, advice
    if isinstance(error, OSError) and error.strerror:
        return error.strerror[:1].lower() + error.strerror[1:], "Try again"
    return f"SQLite said “{error}”", "Try again"


class StoreFolderError(StoreError):
    """A folder roomdesk keeps its files in could not be created or used."""

    def __init__(self, path: Path, error: OSError) -> None:
        reason, _advice = storage_problem(error)
        super().__init__(
            path,
            f"The data folder {path} cannot be used: {reason}. "
            "Make it writable, or set ROOMDESK_DATA_DIR to a folder you can write to; "
            "nothing stored was lost.",
        )
        self.error = error
