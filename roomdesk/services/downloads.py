"""Downloading a recording or transcript from its access link to a local file.

The file arrives under a temporary name beside the target (``.<name>.part``) and takes the
target's name only once it is whole and of the size the server reported, so a file under the
final name is always complete. A dropped connection resumes where it stopped (``Range``), an
expired link is replaced by a fresh one from ``link_source`` and resumed, and a server that sends
the whole file again, or another version of it, starts the file over. Cancelling, a full disk or
any other failure removes the partial file. Access links never reach a log or a message: they
work as passwords until they expire.

Bytes are written in large pieces by a worker thread, which lets go of the GIL while the disk
works, so the event loop (the window's) keeps reading the network meanwhile.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import re
import time
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Protocol

from roomdesk.api.client import FileAnswer, WherebyClient
from roomdesk.api.errors import (
    ApiError,
    MalformedResponseError,
    NetworkError,
    NotFoundError,
    ServerError,
    WherebyError,
)
from roomdesk.api.media_models import AccessLink
from roomdesk.sessions.files import write_problem

log = logging.getLogger("roomdesk.downloads")

# A fresh access link each time it is called: the download asks again when one has expired.
LinkSource = Callable[[], Awaitable[AccessLink]]

MAX_NAME_BYTES = 200
_CONTENT_RANGE = re.compile(r"bytes (\d{1,19})-(\d{1,19})/(\d{1,19})")


class PartFile(Protocol):
    """What a download writes to: a file opened for writing in binary."""

    def write(self, data: bytes | bytearray | memoryview, /) -> int: ...
    def flush(self) -> None: ...
    def fileno(self) -> int: ...
    def close(self) -> None: ...


def open_part_file(path: Path) -> PartFile:
    """A new, empty file at ``path``, made the way a plain open() makes one."""
    return path.open("wb")


@dataclass(frozen=True)
class DownloadTuning:
    """How a download goes; the defaults suit a person waiting for a large file.

    ``open_file`` opens the temporary file (tests pass one that fails as a full disk would);
    ``clock`` times the progress figures; ``retry_delay`` is the first wait after a failed
    attempt, doubled after each one that brought nothing.
    """

    write_bytes: int = 1 << 20
    max_failures: int = 5  # attempts in a row that bring no byte
    max_fresh_links: int = 3  # fresh links in a row that storage refuses
    retry_delay: float = 0.5
    progress_interval: float = 0.25
    speed_window: float = 5.0
    clock: Callable[[], float] = time.monotonic
    open_file: Callable[[Path], PartFile] = open_part_file


class DownloadFileError(WherebyError):
    """The file could not be written here (the folder, the disk); nothing was left behind."""


class TargetExistsError(DownloadFileError):
    """A file has the target's name already, and overwriting was not asked for."""


# -- file names ----------------------------------------------------------------------------------

# Windows refuses these as names, whatever their extension ("con.mp4" too).
_RESERVED = re.compile(r"(?i)(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?")
# Refused in names on Windows; "/" and "\" separate folders.
_NOT_IN_NAMES = set('/\\<>:"|?*')


def _clean_character(character: str) -> str:
    if character in _NOT_IN_NAMES:
        return "_"
    category = unicodedata.category(character)
    # Control and format characters (bidirectional overrides among them), line separators, lone
    # surrogates (which no file system can store), and what no font shows.
    if category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
        return "_"
    return " " if category == "Zs" else character  # a space that looks like one is one


def _within_bytes(text: str, limit: int) -> str:
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def safe_file_name(name: str, fallback: str = "download") -> str:
    """``name`` (the server's) made safe as one file name in a local folder: no folders, no
    leading dot, no control characters, not a name Windows reserves, at most
    :data:`MAX_NAME_BYTES` bytes of UTF-8 with the extension kept. ``fallback`` (made safe the
    same way) when nothing usable is left."""
    cleaned = "".join(_clean_character(c) for c in unicodedata.normalize("NFC", name))
    # Leading dots hide a file (or climb a folder); Windows drops trailing dots and spaces.
    cleaned = cleaned.strip(" ").lstrip(".").rstrip(". ")
    if not cleaned.strip("_ "):
        return safe_file_name(fallback, "download") if fallback != name else "download"
    if _RESERVED.fullmatch(cleaned):
        cleaned = "_" + cleaned
    if len(cleaned.encode("utf-8")) > MAX_NAME_BYTES:
        stem, dot, extension = cleaned.rpartition(".")
        if dot and stem and 0 < len(extension.encode("utf-8")) <= 16:
            room = MAX_NAME_BYTES - len(extension.encode("utf-8")) - 1
            cleaned = _within_bytes(stem, room).rstrip(". ") + "." + extension
        else:
            cleaned = _within_bytes(cleaned, MAX_NAME_BYTES).rstrip(". ")
    return cleaned


# -- progress ------------------------------------------------------------------------------------


def _size_text(size: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size:.0f} bytes"


class DownloadProgress(NamedTuple):
    """How far a download is: bytes in the file, of ``total`` (None until the server says),
    the speed over the last few seconds (bytes a second) and the time left at that speed."""

    done: int
    total: int | None
    speed: float
    seconds_left: float | None

    @property
    def fraction(self) -> float | None:
        return None if not self.total else min(1.0, self.done / self.total)

    def describe(self) -> str:
        """One line: percent of the size, speed and time left."""
        if self.total:
            text = f"{(self.fraction or 0) * 100:.0f}% of {_size_text(self.total)}"
        else:
            text = _size_text(self.done)
        if self.speed > 0:
            text += f", {_size_text(self.speed)}/s"
        if self.seconds_left is not None:
            minutes, seconds = divmod(round(self.seconds_left), 60)
            hours, minutes = divmod(minutes, 60)
            left = f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"
            text += f", {left} left"
        return text


class _Meter:
    """Speed over a moving window of the last ``window`` seconds of ``clock``."""

    def __init__(self, clock: Callable[[], float], window: float) -> None:
        self._clock = clock
        self._window = window
        self._samples: collections.deque[tuple[float, int]] = collections.deque()

    def restart(self) -> None:
        self._samples.clear()

    def progress(self, done: int, total: int | None) -> DownloadProgress:
        now = self._clock()
        samples = self._samples
        samples.append((now, done))
        while len(samples) > 2 and now - samples[1][0] >= self._window:
            samples.popleft()
        first_time, first_done = samples[0]
        elapsed = now - first_time
        speed = (done - first_done) / elapsed if elapsed > 0 and done > first_done else 0.0
        left = None
        if total is not None and speed > 0:
            left = max(0, total - done) / speed
        return DownloadProgress(done, total, speed, left)


# -- the download --------------------------------------------------------------------------------


class _Restart(Exception):
    """The server sent part of another version of the file: ask for all of it again."""


class _LinkRefused(Exception):
    """Storage refused the link (expired, or signed for another time): get a fresh one."""


@dataclass
class _Transfer:
    """One download's state across its attempts."""

    target: Path
    part: Path
    file: PartFile
    expected_size: int | None
    done: int = 0
    total: int | None = None
    etag: str | None = None
    writing: asyncio.Future[int] | None = None
    # One buffer reused for every write: a fresh megabyte for each would be new pages for the
    # kernel to map and fault in, again and again. It is refilled only once the last write is
    # done with it (settle()).
    buffer: bytearray = field(default_factory=bytearray)

    def problem(self, exc: OSError) -> DownloadFileError:
        return DownloadFileError(f"Could not write {self.target}: {write_problem(exc)}")

    async def settle(self) -> None:
        """Wait for the write in progress; a failed one is the download's failure."""
        writing, self.writing = self.writing, None
        if writing is not None:
            try:
                await writing
            except OSError as exc:
                raise self.problem(exc) from None

    async def write(self, pieces: list[bytes]) -> None:
        """Hand ``pieces`` to the writing thread once the last write is done; they count as
        done from now on (a failed write fails the whole download)."""
        await self.settle()
        size = sum(len(piece) for piece in pieces)
        if len(self.buffer) < size:
            self.buffer = bytearray(size)
        view = memoryview(self.buffer)
        at = 0
        for piece in pieces:
            view[at : at + len(piece)] = piece
            at += len(piece)
        self.writing = asyncio.ensure_future(asyncio.to_thread(self.file.write, view[:size]))
        self.done += size

    async def start_over(self, open_file: Callable[[Path], PartFile]) -> None:
        await self.settle()
        try:
            self.file.close()
            self.file = open_file(self.part)
        except OSError as exc:
            raise self.problem(exc) from None
        self.done, self.total, self.etag = 0, None, None


class _Answer(NamedTuple):
    start: int
    total: int
    etag: str | None


def _read_answer(answer: FileAnswer, transfer: _Transfer) -> _Answer:
    """Where ``answer``'s body goes in the file, and the file's size and version."""
    status = answer.status
    headers = answer.headers
    if status in (400, 403):  # S3's answers to an expired or otherwise unusable signature
        raise _LinkRefused
    if status == 404:
        raise NotFoundError("The file is no longer in storage: it may have been deleted.")
    if status == 416 and transfer.total is not None and transfer.done == transfer.total:
        return _Answer(transfer.done, transfer.total, transfer.etag)  # it was all there
    if status >= 500:
        raise ServerError(f"The storage had a problem of its own (HTTP {status}).", status=status)
    if status not in (200, 206):
        raise ApiError(f"The storage refused the download (HTTP {status}).", status=status)
    if headers.get("Content-Encoding", "identity").strip().lower() != "identity":
        raise MalformedResponseError("the storage sent the file compressed, which was not asked")
    etag = headers.get("ETag")
    total: int | None
    if status == 200:
        length = headers.get("Content-Length", "").strip()
        total = int(length) if length.isascii() and length.isdigit() and len(length) < 19 else None
        start = 0
    else:
        match = _CONTENT_RANGE.fullmatch(headers.get("Content-Range", "").strip())
        if match is None:
            raise MalformedResponseError("the storage sent part of the file without saying which")
        start, total = int(match[1]), int(match[3])
        if start != transfer.done:
            raise MalformedResponseError("the storage sent another part of the file than asked")
        if etag != transfer.etag or total != transfer.total:
            raise _Restart  # a part of another version of the file
    total = total if total is not None else transfer.expected_size
    if total is None:
        raise MalformedResponseError("the storage did not say how large the file is")
    if transfer.expected_size is not None and total != transfer.expected_size:
        raise MalformedResponseError(
            f"the file is {total:,} bytes, not the {transfer.expected_size:,} expected"
        )
    return _Answer(start, total, etag)


async def download(
    client: WherebyClient,
    link_source: LinkSource,
    target: Path,
    *,
    expected_size: int | None = None,
    progress: Callable[[DownloadProgress], None] | None = None,
    overwrite: bool = False,
    tuning: DownloadTuning | None = None,
) -> int:
    """Download the file ``link_source``'s links point to into ``target``; returns its size.

    ``expected_size``: the exact size the file must have, when known beforehand; otherwise the
    server's word is taken. Cancel the task to stop: nothing is left behind.
    """
    tuning = tuning or DownloadTuning()
    if target.is_dir():
        raise DownloadFileError(f"Could not write {target}: it is a folder; give a file name")
    if target.exists() and not overwrite:
        raise TargetExistsError(f"{target} exists already: nothing was downloaded")
    part = target.with_name(f".{target.name}.part")
    try:
        file = tuning.open_file(part)
    except OSError as exc:
        raise DownloadFileError(f"Could not write {target}: {write_problem(exc)}") from None
    transfer = _Transfer(target, part, file, expected_size)
    finished = False
    try:
        await _transfer(client, link_source, transfer, progress, tuning)
        await transfer.settle()
        # In the writing thread: syncing a large file to the disk would stall the event loop.
        finishing = asyncio.ensure_future(asyncio.to_thread(_finish, transfer.file, part, target))
        try:
            await asyncio.shield(finishing)
        except OSError as exc:
            raise transfer.problem(exc) from None
        except asyncio.CancelledError:
            # The thread cannot be stopped: once it has ended, a cancel leaves nothing as ever.
            with contextlib.suppress(Exception):
                await finishing
            if not part.exists():
                with contextlib.suppress(OSError):
                    target.unlink()
            raise
        finished = True
    finally:
        if not finished:
            try:
                # A write still under way holds the file: let it end before the file goes.
                with contextlib.suppress(Exception):
                    await transfer.settle()
            finally:
                with contextlib.suppress(OSError):
                    transfer.file.close()
                with contextlib.suppress(OSError):
                    part.unlink()
    return transfer.done


def _finish(file: PartFile, part: Path, target: Path) -> None:
    """The whole file on the disk, then under its name."""
    file.flush()
    os.fsync(file.fileno())
    file.close()
    os.replace(part, target)


async def _transfer(
    client: WherebyClient,
    link_source: LinkSource,
    transfer: _Transfer,
    progress: Callable[[DownloadProgress], None] | None,
    tuning: DownloadTuning,
) -> None:
    """Attempts until the file is whole, each resuming where the last one stopped."""
    meter = _Meter(tuning.clock, tuning.speed_window)
    last_report = -float("inf")

    def report() -> None:
        nonlocal last_report
        if progress is not None and tuning.clock() - last_report >= tuning.progress_interval:
            last_report = tuning.clock()
            progress(meter.progress(transfer.done, transfer.total))

    link: AccessLink | None = None
    failures = refusals = 0
    while transfer.total is None or transfer.done < transfer.total:
        fresh = link is None
        if link is None:
            link = await link_source()
        headers = {}
        if transfer.done:
            headers["Range"] = f"bytes={transfer.done}-"
            if transfer.etag:
                headers["If-Range"] = transfer.etag
        before = transfer.done
        try:
            async with client.open_file(link.url, headers) as answer:
                start, total, etag = _read_answer(answer, transfer)
                if start < transfer.done:  # all of it again: the range was ignored
                    log.info("the storage sent the whole file again: starting over")
                    await transfer.start_over(tuning.open_file)
                    meter.restart()
                    before = 0
                transfer.total, transfer.etag = total, etag
                if answer.status != 416:  # a 416's body is the refusal's text
                    await _receive(answer, transfer, tuning, report)
        except _LinkRefused:
            refusals = refusals + 1 if fresh else 0
            if refusals >= tuning.max_fresh_links:
                raise ApiError(
                    "The storage refused the download link, also a fresh one.", status=403
                ) from None
            log.info("download link refused (expired?): getting a fresh one")
            link = None
            continue
        except _Restart:
            log.info("the file changed on the storage: starting over")
            await transfer.start_over(tuning.open_file)
            meter.restart()
            continue
        except (NetworkError, ServerError) as exc:
            await transfer.settle()  # a disk that filled up meanwhile ends it here
            failures = 0 if transfer.done > before else failures + 1
            if failures >= tuning.max_failures:
                raise
            log.info("download interrupted at %d bytes (%s); resuming", transfer.done, exc)
            await asyncio.sleep(tuning.retry_delay * 2 ** max(0, failures - 1))
            continue
        if transfer.done > before:
            failures = refusals = 0
        else:
            failures += 1  # an answer that ended cleanly with nothing new
            if failures >= tuning.max_failures:
                raise MalformedResponseError(
                    f"the storage kept ending the file early, at {transfer.done:,} of "
                    f"{transfer.total:,} bytes"
                )
    if progress is not None:
        progress(meter.progress(transfer.done, transfer.total))


async def _receive(
    answer: FileAnswer, transfer: _Transfer, tuning: DownloadTuning, report: Callable[[], None]
) -> None:
    """Write ``answer``'s body into the file in large pieces; on a broken connection, what
    arrived before the break is kept."""
    assert transfer.total is not None
    room = transfer.total - transfer.done
    pieces: list[bytes] = []
    size = 0
    try:
        async for chunk in answer:
            size += len(chunk)
            if size > room:
                raise MalformedResponseError(
                    f"the storage sent more than the {transfer.total:,} bytes it reported"
                )
            pieces.append(chunk)
            if size >= tuning.write_bytes:
                room -= size
                await transfer.write(pieces)
                pieces, size = [], 0
                report()
    except NetworkError:
        if pieces:
            await transfer.write(pieces)
        raise
    if pieces:
        await transfer.write(pieces)
