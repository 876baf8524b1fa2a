"""Writing a finished file so that it is either all there or not changed at all."""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path


class OutputFileError(Exception):
    """A file that could not be written, with a message fit to show; nothing was changed."""


def write_problem(error: OSError) -> str:
    """Why a file could not be written, in a few words fit to show after "Could not write X:"."""
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "there is no permission to write there"
    if error.errno == errno.ENOENT:
        return "its folder does not exist"
    if error.errno == errno.ENOSPC:
        return "the disk is full"
    if error.errno == errno.ENOTDIR:
        return "a part of the path is a file, not a folder"
    return error.strerror or str(error)


def write_atomically(path: Path, data: bytes, *, mode: int = 0o666) -> None:
    """Write ``data`` to ``path`` through a file beside it, then put it in place in one step,
    so a full disk or a crash midway never leaves half a file. OutputFileError on failure.

    ``mode`` is as for ``os.open``: the default makes the file as a plain open() does, with the
    usual permissions; 0o600 keeps it to its owner."""
    if path.is_dir():
        raise OutputFileError(f"Could not write {path}: it is a folder; give a file name")
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()  # left by a write of this process cut short
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise OutputFileError(f"Could not write {path}: {write_problem(exc)}") from None
