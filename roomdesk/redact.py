"""Removing secrets from text before it reaches a log, an error message or the screen."""

from __future__ import annotations

import re

_ROOM_KEY = re.compile(r"(?i)(roomKey=)[^&#\s\"']+")
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s\"',]+")
_AUTH_HEADER = re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)[^\"'\n,}]+")

HIDDEN = "<hidden>"


def redact(text: str, *secrets: str) -> str:
    """``text`` with room keys, bearer tokens and each of ``secrets`` replaced by ``<hidden>``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, HIDDEN)
    text = _AUTH_HEADER.sub(lambda m: m.group(1) + HIDDEN, text)
    text = _BEARER.sub(lambda m: m.group(1) + HIDDEN, text)
    return _ROOM_KEY.sub(lambda m: m.group(1) + HIDDEN, text)
