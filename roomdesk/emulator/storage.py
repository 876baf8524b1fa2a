"""The emulator's file storage: what its access links point at, like S3's signed links.

A link carries its expiry and a signature over it (``?Expires=…&Signature=…``), and is refused
once the emulator's clock passes the expiry. Files are made up as they are sent, from the item's
id, so a file of a gigabyte is never held in memory, and any part of it can be sent again the
same: ``Range: bytes=N-`` is answered 206 with the rest, so a download can resume.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import re
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from urllib.parse import quote

STORAGE_PREFIX = "/storage"
CHUNK_BYTES = 64 * 1024
# The pattern a recording's bytes repeat, per recording.
_BLOCK_BYTES = 64 * 1024
_RANGE = re.compile(r"bytes=(\d{1,19})-(\d{0,19})")


@dataclass(frozen=True)
class BodyStream:
    """A body sent chunk by chunk as it is made: ``length`` bytes from ``chunks()``."""

    length: int
    chunks: Callable[[], Iterator[bytes]]


@dataclass(frozen=True)
class StoredFile:
    """What a link serves: its bytes (made on demand), type and name."""

    length: int
    content: Callable[[int, int], Iterator[bytes]]  # (start, stop) -> chunks
    media_type: str
    etag: str


def recording_bytes(recording_id: str, start: int, stop: int) -> bytes:
    """Bytes ``start`` to ``stop`` of a recording's file (what its access link sends), for
    tests to compare a download with; do not ask this for a gigabyte at once."""
    return b"".join(generated_chunks(recording_id, start, stop))


def generated_chunks(seed: str, start: int, stop: int) -> Iterator[bytes]:
    """The bytes ``start`` to ``stop`` of the file made from ``seed``: a pseudo-random block
    of its own, repeated."""
    block = random.Random(seed).randbytes(_BLOCK_BYTES)
    position = start
    while position < stop:
        offset = position % _BLOCK_BYTES
        size = min(CHUNK_BYTES, _BLOCK_BYTES - offset, stop - position)
        yield block[offset : offset + size]
        position += size


def bytes_file(data: bytes, media_type: str) -> StoredFile:
    def content(start: int, stop: int) -> Iterator[bytes]:
        yield data[start:stop]

    return StoredFile(len(data), content, media_type, hashlib.sha256(data).hexdigest()[:32])


def generated_file(seed: str, length: int, media_type: str) -> StoredFile:
    etag = hashlib.sha256(f"{seed}:{length}".encode()).hexdigest()[:32]
    return StoredFile(
        length, lambda start, stop: generated_chunks(seed, start, stop), media_type, etag
    )


class Storage:
    """Signs links to files and serves them; ``find`` says what a path names (None: nothing)."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime],
        origin: Callable[[], str],
        find: Callable[[str, str], StoredFile | None],
    ) -> None:
        self._clock = clock
        self._origin = origin
        self._find = find
        self._key = secrets.token_bytes(32)

    def _signature(self, path: str, expires: int) -> str:
        message = f"{path}\n{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def link(self, kind: str, item_id: str, filename: str, valid_for: int) -> tuple[str, int]:
        """A signed link to ``kind``/``item_id`` and its expiry, in epoch milliseconds."""
        expires = int(self._clock().timestamp()) + valid_for
        path = f"{STORAGE_PREFIX}/{kind}/{quote(item_id, safe='')}/{quote(filename, safe='')}"
        signature = self._signature(path, expires)
        return f"{self._origin()}{path}?Expires={expires}&Signature={signature}", expires * 1000

    def serve(
        self, method: str, path: str, query: Mapping[str, list[str]], headers: Mapping[str, str]
    ) -> tuple[int, tuple[tuple[str, str], ...], bytes | BodyStream]:
        """The answer to a GET or HEAD of a link: status, headers and body. Refusals have S3's
        XML error body."""
        if method not in ("GET", "HEAD"):
            return _s3_error(HTTPStatus.METHOD_NOT_ALLOWED, "MethodNotAllowed", "Use GET")
        expires_text = (query.get("Expires") or [""])[0]
        signature = (query.get("Signature") or [""])[0]
        if not (expires_text.isascii() and expires_text.isdigit() and len(expires_text) <= 12):
            return _s3_error(HTTPStatus.FORBIDDEN, "AccessDenied", "Query-string authentication")
        expires = int(expires_text)
        if not hmac.compare_digest(signature, self._signature(path, expires)):
            return _s3_error(
                HTTPStatus.FORBIDDEN, "SignatureDoesNotMatch", "The signature does not match"
            )
        if self._clock().timestamp() >= expires:
            return _s3_error(HTTPStatus.FORBIDDEN, "AccessDenied", "Request has expired")
        parts = path.removeprefix(STORAGE_PREFIX + "/").split("/")
        stored = self._find(parts[0], parts[1]) if len(parts) == 3 else None
        if stored is None:
            return _s3_error(HTTPStatus.NOT_FOUND, "NoSuchKey", "The key does not exist")
        return _ranged(stored, headers)


def _ranged(
    stored: StoredFile, headers: Mapping[str, str]
) -> tuple[int, tuple[tuple[str, str], ...], bytes | BodyStream]:
    length = stored.length
    common = (
        ("Content-Type", stored.media_type),
        ("Accept-Ranges", "bytes"),
        ("ETag", f'"{stored.etag}"'),
    )
    start, stop, status = 0, length, HTTPStatus.OK
    wanted = headers.get("range", "").strip()
    if_range = headers.get("if-range", "").strip()
    # A Range for another version of the file (If-Range with another ETag) gets the whole file.
    if wanted and (not if_range or if_range == f'"{stored.etag}"'):
        match = _RANGE.fullmatch(wanted)
        if match is not None:  # other forms (several ranges, suffixes) get the whole file
            first, last = int(match.group(1)), match.group(2)
            if first >= length:
                return (
                    HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                    (("Content-Range", f"bytes */{length}"),),
                    b"",
                )
            start = first
            stop = min(length, int(last) + 1) if last else length
            if stop <= start:
                return (
                    HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                    (("Content-Range", f"bytes */{length}"),),
                    b"",
                )
            status = HTTPStatus.PARTIAL_CONTENT
    extra: tuple[tuple[str, str], ...] = ()
    if status == HTTPStatus.PARTIAL_CONTENT:
        extra = (("Content-Range", f"bytes {start}-{stop - 1}/{length}"),)
    body = BodyStream(stop - start, lambda: stored.content(start, stop))
    return status, common + extra, body


def _s3_error(
    status: int, code: str, message: str
) -> tuple[int, tuple[tuple[str, str], ...], bytes | BodyStream]:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    ).encode()
    return status, (("Content-Type", "application/xml"),), body
