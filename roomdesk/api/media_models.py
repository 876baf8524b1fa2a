"""Typed answers of Whereby's recordings, transcriptions and summaries calls.

Pure: no I/O, no Qt. Immutable named tuples, which Python makes in one step (see
docs/performance.md); none of this loads before the window's first frame. An access link works
as a password for its file until it expires, so :class:`AccessLink` never shows it in its
``repr`` and no message here quotes one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from ipaddress import ip_address
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from roomdesk.api.errors import RequestValidationError
from roomdesk.api.parsing import FieldReader, Page, parse_page

# GET /recordings/{id}/access-link and /transcriptions/{id}/access-link: how long a link may
# stay valid, in seconds (the document's bounds and default).
ACCESS_LINK_SECONDS_MIN = 1
ACCESS_LINK_SECONDS_MAX = 43_200
ACCESS_LINK_SECONDS_DEFAULT = 3_600
# The fields each list sorts by, as the document names them.
RECORDING_SORT_FIELDS = ("roomName", "startDate", "duration", "sizeInMegaBytes")
TRANSCRIPTION_SORT_FIELDS = ("roomName", "startDate", "durationInSeconds")
SUMMARY_SORT_FIELDS = TRANSCRIPTION_SORT_FIELDS


class TranscriptionState(StrEnum):
    READY = "ready"
    FAILED = "failed"
    IN_PROGRESS = "in_progress"
    UNKNOWN = "unknown"  # a state Whereby added after this was written


class TranscriptionType(StrEnum):
    LIVE = "LIVE_TRANSCRIPTION"  # made during the session
    RECORDING = "RECORDING_TRANSCRIPTION"  # made from a recording afterwards
    UNKNOWN = "unknown"


class StorageType(StrEnum):
    WHEREBY_HOSTED = "WHEREBY_HOSTED"
    SELF_HOSTED = "SELF_HOSTED"
    UNKNOWN = "unknown"


class SummaryTemplate(StrEnum):
    SOAP = "SOAP"
    EXTENDED_SOAP = "Extended SOAP"
    GENERAL_NARRATIVE = "General Narrative"
    GENERAL_BULLETED = "General Bulleted"
    EDUCATIONAL_LECTURE = "Educational Lecture"
    EDUCATIONAL_TUTORING = "Educational Tutoring"


class Recording(NamedTuple):
    """A cloud recording in Whereby's storage; dates are aware and in UTC."""

    recording_id: str
    room_session_id: str
    filename: str  # the server's name for the file: not safe as a local path as it is
    start_date: datetime
    end_date: datetime
    size_in_megabytes: float
    # Not in the document's schema, but what the list is filtered and sorted by: kept when sent.
    room_name: str | None = None

    @property
    def duration(self) -> timedelta:
        return self.end_date - self.start_date

    @classmethod
    def from_json(cls, data: Any) -> Recording:
        read = FieldReader(data, "recording")
        return cls(
            read.path_id("recordingId"),
            read.identifier("roomSessionId"),
            read.text("filename"),
            read.moment("startDate"),
            read.moment("endDate"),
            read.amount("sizeInMegaBytes"),
            read.optional_text("roomName"),
        )


class Transcription(NamedTuple):
    """A transcript, made live in a session or later from a recording."""

    transcription_id: str
    room_session_id: str
    room_name: str
    start_date: datetime
    end_date: datetime
    state: TranscriptionState
    created_at: datetime
    type: TranscriptionType
    filename: str | None = None
    duration_in_seconds: float | None = None
    storage_type: StorageType | None = None

    @property
    def is_ready(self) -> bool:
        return self.state is TranscriptionState.READY

    @classmethod
    def from_json(cls, data: Any) -> Transcription:
        read = FieldReader(data, "transcription")
        storage = read.optional_text("storageType")
        return cls(
            read.path_id("transcriptionId"),
            read.identifier("roomSessionId"),
            read.text("roomName"),
            read.moment("startDate"),
            read.moment("endDate"),
            read.choice("state", TranscriptionState, TranscriptionState.UNKNOWN),
            read.moment("createdAt"),
            read.choice("type", TranscriptionType, TranscriptionType.UNKNOWN),
            read.optional_text("filename"),
            read.optional_amount("durationInSeconds"),
            None
            if storage is None
            else read.choice("storageType", StorageType, StorageType.UNKNOWN),
        )


class Summary(NamedTuple):
    """A session summary made from a transcript (a beta for selected accounts).

    ``sections`` are the summary's parts in the order sent, as (name, text): the general
    templates send one, ``("summary", …)``; others may send several.
    """

    summary_id: str
    transcription_id: str
    room_session_id: str
    room_name: str
    start_date: datetime
    end_date: datetime
    state: str  # "completed" when done; the document names no other state
    created_at: datetime
    modified_at: datetime
    template: str
    sections: tuple[tuple[str, str], ...] = ()

    @property
    def text(self) -> str:
        return "\n\n".join(text for _name, text in self.sections)

    @classmethod
    def from_json(cls, data: Any) -> Summary:
        read = FieldReader(data, "summary")
        summary_id = read.path_id("summaryId")
        content = data.get("summary")
        if content is not None and not (
            isinstance(content, Mapping) and all(isinstance(text, str) for text in content.values())
        ):
            read.fail("summary", "is not an object of texts")
        return cls(
            summary_id,
            read.path_id("transcriptionId"),
            read.identifier("roomSessionId"),
            read.text("roomName"),
            read.moment("startDate"),
            read.moment("endDate"),
            read.text("state"),
            read.moment("createdAt"),
            read.moment("modifiedAt"),
            read.text("template"),
            tuple((str(name), text) for name, text in (content or {}).items()),
        )


def _is_download_url(url: str) -> bool:
    """https with a host, or plain http to this machine (the emulator); no white space or
    control characters, no credentials."""
    if not url.isprintable() or " " in url:
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.username is not None or parts.password is not None:
            return False
        _ = parts.port  # raises ValueError for a port that is no number
    except ValueError:
        return False
    if parts.scheme == "https" and host:
        return True
    if parts.scheme != "http":
        return False
    try:
        return host == "localhost" or ip_address(host).is_loopback
    except ValueError:
        return False


class AccessLink(NamedTuple):
    """A link to download a recording or transcript until ``expires_at`` (aware, UTC).

    The link is a password for the file while it lasts: its ``repr`` and ``str`` leave it out.
    """

    url: str
    expires_at: datetime

    def __repr__(self) -> str:
        return f"AccessLink(url=<hidden>, expires_at={self.expires_at.isoformat()})"

    def __str__(self) -> str:
        return repr(self)

    def expired(self, now: datetime | None = None) -> bool:
        return (now or datetime.now(UTC)) >= self.expires_at

    @classmethod
    def from_json(cls, data: Any) -> AccessLink:
        read = FieldReader(data, "access link")
        url = data.get("accessLink")
        if not isinstance(url, str) or not _is_download_url(url):
            # The value is never quoted: it is the secret.
            read.fail("accessLink", "is not an https link")
        milliseconds = read.count("expires")
        try:
            expires_at = datetime.fromtimestamp(milliseconds / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            read.fail("expires", "is not a time")
        return cls(url, expires_at)


def check_valid_for(seconds: int) -> int:
    """``validForSeconds`` for an access link, or :class:`RequestValidationError`."""
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int)
        or not ACCESS_LINK_SECONDS_MIN <= seconds <= ACCESS_LINK_SECONDS_MAX
    ):
        raise RequestValidationError.single(
            "validForSeconds",
            f"must be a whole number of seconds from {ACCESS_LINK_SECONDS_MIN} to "
            f"{ACCESS_LINK_SECONDS_MAX:,} (12 hours), not {seconds!r}",
        )
    return seconds


def created_id(data: Any, key: str, kind: str) -> str:
    """The id in a ``201`` answer (``{"transcriptionId": …}``), by the path id rule."""
    return FieldReader(data, kind).path_id(key)


def parse_recordings(data: Any) -> Page[Recording]:
    return parse_page(data, Recording.from_json, kind="recording", id_key="recordingId")


def parse_transcriptions(data: Any) -> Page[Transcription]:
    return parse_page(data, Transcription.from_json, kind="transcription", id_key="transcriptionId")


def parse_summaries(data: Any) -> Page[Summary]:
    return parse_page(data, Summary.from_json, kind="summary", id_key="summaryId")


__all__ = [
    "ACCESS_LINK_SECONDS_DEFAULT",
    "ACCESS_LINK_SECONDS_MAX",
    "AccessLink",
    "Recording",
    "StorageType",
    "Summary",
    "SummaryTemplate",
    "Transcription",
    "TranscriptionState",
    "TranscriptionType",
]
