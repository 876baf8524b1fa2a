"""Logging to a rotating file in the log directory, with secrets removed from every record."""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path

from roomdesk.redact import redact

LOG_BYTES = 1_000_000
LOG_BACKUPS = 3


class RedactingFilter(logging.Filter):
    """Rewrites each record's final text with room keys and bearer tokens hidden."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = redact(record.getMessage())
        record.msg, record.args = message, None
        return True


class PrivateRotatingFileHandler(logging.FileHandler):
    """A log file readable by its owner only, moved to ``<name>.1`` (the older ones to ``.2`` and
    on, ``backups`` of them kept) before a record would take it past ``max_bytes``.

    Built on logging's own FileHandler rather than logging.handlers' RotatingFileHandler:
    importing logging.handlers (socket, pickle) would add to every start, before the window's
    first frame.
    """

    def __init__(self, path: Path, *, max_bytes: int, backups: int) -> None:
        self.max_bytes = max_bytes
        self.backups = backups
        super().__init__(path, mode="a", encoding="utf-8")

    def _open(self) -> io.TextIOWrapper:
        path = Path(self.baseFilename)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.close(descriptor)
        os.chmod(path, 0o600)
        return super()._open()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self._would_overflow(record):
                self._roll_over()
        except Exception:
            self.handleError(record)
            return
        super().emit(record)

    def _would_overflow(self, record: logging.LogRecord) -> bool:
        if self.stream is None:
            self.stream = self._open()
        text = self.format(record) + self.terminator
        self.stream.seek(0, os.SEEK_END)
        written = self.stream.tell()
        return written > 0 and written + len(text.encode(self.encoding or "utf-8")) > self.max_bytes

    def _roll_over(self) -> None:
        if self.stream is not None:
            self.stream.close()
        self.stream = None
        base = self.baseFilename
        for number in range(self.backups - 1, 0, -1):
            if os.path.exists(f"{base}.{number}"):
                os.replace(f"{base}.{number}", f"{base}.{number + 1}")
        if self.backups > 0:
            os.replace(base, f"{base}.1")
        else:
            os.remove(base)
        self.stream = self._open()


def configure_logging(log_file: Path, *, level: int = logging.INFO) -> logging.Handler:
    """Send roomdesk's (and httpx's) logs to ``log_file``; returns the handler."""
    log_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handler = PrivateRotatingFileHandler(log_file, max_bytes=LOG_BYTES, backups=LOG_BACKUPS)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(min(root.level or logging.WARNING, level))
    # httpx logs each request line at INFO; keep it only when debugging.
    logging.getLogger("httpx").setLevel(
        logging.DEBUG if level <= logging.DEBUG else logging.WARNING
    )
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # qasync logs every executor call with its arguments at DEBUG: never let those through.
    logging.getLogger("qasync").setLevel(logging.INFO)
    return handler
