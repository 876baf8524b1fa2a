"""Removing secrets from text before it reaches a log, an error message or the screen."""

from __future__ import annotations

import re

_ROOM_KEY = re.compile(r"(?i)(roomKey=)[^&#\s\"']+")
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s\"',]+")
_AUTH_HEADER = re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)[^\"'\n,}]+")
# A recording's or transcript's access link is a signed storage link (S3's, or the emulator's):
# its signature, credential and token parameters are what make it work, so they go.
_SIGNED_LINK = re.compile(
    r"(?i)([?&](?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|AWSAccessKeyId|"
    r"Signature|Key-Pair-Id|Policy|sig|token)=)[^&#\s\"']+"
)

HIDDEN = "<hidden>"


def redact(text: str, *secrets: str) -> str:
    """``text`` with room keys, bearer tokens, the signatures of access links and each of
    ``secrets`` replaced by ``<hidden>``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, HIDDEN)
    text = _AUTH_HEADER.sub(lambda m: m.group(1) + HIDDEN, text)
    text = _BEARER.sub(lambda m: m.group(1) + HIDDEN, text)
    text = _SIGNED_LINK.sub(lambda m: m.group(1) + HIDDEN, text)
    return _ROOM_KEY.sub(lambda m: m.group(1) + HIDDEN, text)
