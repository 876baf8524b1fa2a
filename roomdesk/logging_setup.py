"""Logging to a rotating file in the log directory, with secrets removed from every record."""

from __future__ import annotations

import logging
import logging.handlers
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


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose files are readable by their owner only."""

    def _open(self):  # type: ignore[override]
        path = Path(self.baseFilename)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.close(descriptor)
        os.chmod(path, 0o600)
        return super()._open()


def configure_logging(log_file: Path, *, level: int = logging.INFO) -> logging.Handler:
    """Send roomdesk's (and httpx's) logs to ``log_file``; returns the handler."""
    log_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handler = PrivateRotatingFileHandler(
        log_file, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
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
