"""Typed request and response models for Whereby's meetings API.

Everything here is pure: no I/O, no Qt. Requests are validated before anything is sent, with
messages that name the field; responses are parsed strictly, and anything that does not match the
API's promises becomes :class:`MalformedResponseError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from roomdesk.api.errors import (
    AmbiguousLocalTimeError,
    FieldIssue,
    MalformedResponseError,
    NonexistentLocalTimeError,
    RequestValidationError,
)

PREFIX_MAX_LENGTH = 39
# Stands in for storage secrets and stream keys in what is kept locally.
STORED_SECRET_MASK = "********"
_PREFIX_ALLOWED = re.compile(r"[a-z0-9-]*")
# Rooms stay usable this long after their end date; then Whereby deletes them.
ROOM_GRACE_PERIOD = timedelta(hours=1)


class RoomMode(StrEnum):
    NORMAL = "normal"
    GROUP = "group"


class RoomNamePattern(StrEnum):
    UUID = "uuid"
    HUMAN_SHORT = "human-short"


class Field(StrEnum):
    HOST_ROOM_URL = "hostRoomUrl"
    VIEWER_ROOM_URL = "viewerRoomUrl"


class TemplateType(StrEnum):
    VIEWER_MODE = "viewerMode"


class RecordingType(StrEnum):
    NONE = "none"
    LOCAL = "local"
    CLOUD = "cloud"


class StorageProvider(StrEnum):
    WHEREBY = "whereby"
    S3 = "s3"


class S3AuthenticationType(StrEnum):
    ACCESS_KEY = "accessKey"
    ROLE_BASED = "roleBased"


class RecordingFileFormat(StrEnum):
    MKV = "mkv"
    MP4 = "mp4"


class RecordingTrigger(StrEnum):
    NONE = "none"
    PROMPT = "prompt"
    AUTOMATIC = "automatic"
    AUTOMATIC_2ND_PARTICIPANT = "automatic-2nd-participant"


class TranscriptionTrigger(StrEnum):
    NONE = "none"
    MANUAL = "manual"
    AUTOMATIC = "automatic"
    AUTOMATIC_2ND_PARTICIPANT = "automatic-2nd-participant"


class StreamingTrigger(StrEnum):
    NONE = "none"
    PROMPT = "prompt"
    AUTOMATIC = "automatic"


# The languages live transcription offers (the spec lists each with a stray trailing comma;
# the service itself takes the plain code).
TRANSCRIPTION_LANGUAGES: tuple[str, ...] = (
    "ca", "zh", "zh-TW", "cs", "da", "nl", "en", "en-US", "en-GB", "fi", "fr", "de", "de-CH", "el",
    "hi", "id", "it", "ja", "ko", "lv", "ms", "no", "pl", "pt", "pt-BR", "ro", "ru", "sk", "es",
    "sv", "th", "uk", "vi",
)  # fmt: skip


def normalize_prefix(raw: str) -> str:
    """What Whereby makes of a room name prefix: lower-cased, white space removed."""
    return "".join(raw.split()).lower()


def prefix_problem(raw: str) -> str | None:
    """Why ``raw`` cannot be a room name prefix, or None when it can."""
    prefix = normalize_prefix(raw)
    if len(prefix) > PREFIX_MAX_LENGTH:
        return (
            f"is {len(prefix)} characters long after lower-casing and removing spaces; "
            f"at most {PREFIX_MAX_LENGTH} are allowed"
        )
    if not _PREFIX_ALLOWED.fullmatch(prefix):
        bad = sorted({ch for ch in prefix if not _PREFIX_ALLOWED.fullmatch(ch)})
        shown = " ".join(repr(ch) for ch in bad)
        return f"may only contain a-z, 0-9 and '-'; found {shown}"
    return None


# ---------------------------------------------------------------------------------------------
# Time


def get_zone(name: str) -> ZoneInfo:
    """The IANA zone called ``name``, or a validation error naming the field."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise RequestValidationError.single(
            "timeZone", f"{name!r} is not a known IANA time zone (for example Europe/Oslo)"
        ) from None


def _offset_text(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{moment.tzname()}, UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def resolve_local_time(wall: datetime, zone_name: str, *, fold: int | None = None) -> datetime:
    """Attach ``zone_name`` to the naive wall-clock time ``wall``, refusing to guess.

    A time skipped by a daylight-saving jump raises :class:`NonexistentLocalTimeError`; a time that
    occurs twice raises :class:`AmbiguousLocalTimeError` unless ``fold`` says which one (0 the
    earlier, 1 the later).
    """
    if wall.tzinfo is not None:
        raise ValueError("resolve_local_time takes a naive wall-clock time")
    zone = get_zone(zone_name)
    first = wall.replace(tzinfo=zone, fold=0)
    second = wall.replace(tzinfo=zone, fold=1)
    try:
        # Near year 1 or 9999 the conversion leaves datetime's range.
        first.astimezone(UTC).astimezone(zone)
        second.astimezone(UTC)
    except OverflowError:
        raise RequestValidationError.single("endDate", f"{wall} is out of range") from None
    shown = wall.strftime("%Y-%m-%d %H:%M")
    # A wall time that does not survive a round trip through UTC was skipped by the clocks.
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
        raise NonexistentLocalTimeError(
            [
                FieldIssue(
                    "endDate",
                    f"{shown} does not exist in {zone_name}: the clocks skip it "
                    f"(daylight-saving change); pick a time outside the jump",
                )
            ]
        )
    if first.utcoffset() != second.utcoffset():
        if fold is None:
            raise AmbiguousLocalTimeError(
                [
                    FieldIssue(
                        "endDate",
                        f"{shown} occurs twice in {zone_name} (daylight-saving change): "
                        f"the first time is {_offset_text(first)}, the second "
                        f"{_offset_text(second)}; say which one",
                    )
                ]
            )
        return first if fold == 0 else second
    return first


def to_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("an aware datetime is required")
    return moment.astimezone(UTC)


def _utc_representable(moment: datetime) -> bool:
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return False
    return True


def format_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, whole seconds: the form the API returns."""
    # Not strftime: it imports the time module on every call, and with PySide's import hook in
    # place that costs more than the formatting (the store writes two dates per room).
    return to_utc(moment).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def parse_api_datetime(value: Any, field_name: str) -> datetime:
    """An ISO 8601 date-time from the API, as an aware UTC datetime."""
    if not isinstance(value, str) or not value:
        raise MalformedResponseError(
            f"the server sent {field_name} as {type(value).__name__}, not a date-time string"
        )
    text = value.strip()
    if text[-1:] == "z":  # ISO 8601 allows it; Python reads only the capital Z as UTC
        text = text[:-1] + "Z"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise MalformedResponseError(
            f"the server sent {field_name} {value[:40]!r}, which is not a date-time"
        ) from None
    if parsed.tzinfo is UTC:
        return parsed  # the usual case: nothing to convert
    if parsed.tzinfo is None:
        # The API documents its dates as UTC even where the offset is left out.
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise MalformedResponseError(
            f"the server sent {field_name} {value[:40]!r}, which is out of range"
        ) from None


# ---------------------------------------------------------------------------------------------
# Requests


@dataclass(frozen=True)
class StorageDestination:
    """Where Whereby puts a recording or transcript."""

    provider: StorageProvider = StorageProvider.WHEREBY
    authentication_type: S3AuthenticationType | None = None
    bucket: str = ""
    region: str = ""
    access_key_id: str = ""
    access_key_secret: str = ""
    oidc_role_arn: str = ""
    file_format: RecordingFileFormat | None = None  # recordings only

    def __post_init__(self) -> None:
        # Access keys are S3's default way in; saying so keeps equal destinations equal.
        if self.provider == StorageProvider.S3 and self.authentication_type is None:
            object.__setattr__(self, "authentication_type", S3AuthenticationType.ACCESS_KEY)

    def issues(self, where: str, *, allow_file_format: bool) -> list[FieldIssue]:
        found: list[FieldIssue] = []
        if not allow_file_format and self.file_format is not None:
            found.append(FieldIssue(f"{where}.fileFormat", "is only available for recordings"))
        if self.provider == StorageProvider.WHEREBY:
            return found
        if issue := _enum_issue(
            self.authentication_type, S3AuthenticationType, f"{where}.authenticationType"
        ):
            return [*found, issue]
        if not self.bucket.strip():
            found.append(FieldIssue(f"{where}.bucket", "is required for S3 storage"))
        if self.authentication_type == S3AuthenticationType.ROLE_BASED:
            if not self.oidc_role_arn.strip():
                found.append(
                    FieldIssue(f"{where}.oidcRoleArn", "is required for role-based S3 access")
                )
        else:
            for attr, name in (
                ("region", "region"),
                ("access_key_id", "accessKeyId"),
                ("access_key_secret", "accessKeySecret"),
            ):
                if not getattr(self, attr).strip():
                    found.append(
                        FieldIssue(f"{where}.{name}", "is required for S3 access-key storage")
                    )
        return found

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"provider": self.provider.value}
        if self.provider == StorageProvider.S3:
            body["authenticationType"] = S3AuthenticationType(self.authentication_type).value
            body["bucket"] = self.bucket.strip()
            if self.authentication_type == S3AuthenticationType.ROLE_BASED:
                body["oidcRoleArn"] = self.oidc_role_arn.strip()
            else:
                body["accessKeyId"] = self.access_key_id.strip()
                body["accessKeySecret"] = self.access_key_secret
                if self.region.strip():
                    body["region"] = self.region.strip()
        if self.file_format is not None:
            body["fileFormat"] = self.file_format.value
        return body

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StorageDestination:
        auth = data.get("authenticationType")
        file_format = data.get("fileFormat")
        return cls(
            provider=StorageProvider(data.get("provider", "whereby")),
            authentication_type=S3AuthenticationType(auth) if auth else None,
            bucket=data.get("bucket", ""),
            region=data.get("region", ""),
            access_key_id=data.get("accessKeyId", ""),
            access_key_secret=data.get("accessKeySecret", ""),
            oidc_role_arn=data.get("oidcRoleArn", ""),
            file_format=RecordingFileFormat(file_format) if file_format else None,
        )


@dataclass(frozen=True)
class RecordingOptions:
    type: RecordingType = RecordingType.CLOUD
    destination: StorageDestination = field(default_factory=StorageDestination)
    start_trigger: RecordingTrigger = RecordingTrigger.NONE

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type.value,
            # The spec's prose requires a region for S3 access keys though the schema omits it.
            "destination": self.destination.to_json(),
            "startTrigger": self.start_trigger.value,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RecordingOptions:
        return cls(
            type=RecordingType(data["type"]),
            destination=StorageDestination.from_json(data.get("destination") or {}),
            start_trigger=RecordingTrigger(data["startTrigger"]),
        )


@dataclass(frozen=True)
class TranscriptionOptions:
    destination: StorageDestination = field(default_factory=StorageDestination)
    start_trigger: TranscriptionTrigger = TranscriptionTrigger.MANUAL
    language: str | None = None
    live_captions: bool | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "destination": self.destination.to_json(),
            "startTrigger": self.start_trigger.value,
        }
        if self.language:
            body["language"] = self.language
        if self.live_captions is not None:
            body["liveCaptions"] = self.live_captions
        return body

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TranscriptionOptions:
        return cls(
            destination=StorageDestination.from_json(data.get("destination") or {}),
            start_trigger=TranscriptionTrigger(data["startTrigger"]),
            language=data.get("language"),
            live_captions=data.get("liveCaptions"),
        )


@dataclass(frozen=True)
class StreamingOptions:
    url: str = ""
    start_trigger: StreamingTrigger = StreamingTrigger.NONE

    def to_json(self) -> dict[str, Any]:
        return {"destination": {"url": self.url.strip()}, "startTrigger": self.start_trigger.value}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StreamingOptions:
        return cls(
            url=(data.get("destination") or {}).get("url", ""),
            start_trigger=StreamingTrigger(data["startTrigger"]),
        )


def _enum_issue(value: Any, enum: type[StrEnum], field_name: str) -> FieldIssue | None:
    allowed = [member.value for member in enum]
    if isinstance(value, enum) or value in allowed:
        return None
    return FieldIssue(field_name, f"{value!r} is not one of {', '.join(allowed)}")


@dataclass(frozen=True)
class MeetingRequest:
    """Everything ``POST /meetings`` accepts. ``end_date`` must be an aware datetime."""

    end_date: datetime
    room_mode: RoomMode = RoomMode.NORMAL
    room_name_prefix: str = ""
    room_name_pattern: RoomNamePattern = RoomNamePattern.UUID
    is_locked: bool = False
    viewer_mode: bool = False
    fields: frozenset[Field] = frozenset()
    recording: RecordingOptions | None = None
    live_transcription: TranscriptionOptions | None = None
    streaming: StreamingOptions | None = None

    @classmethod
    def ending_at_local(
        cls, wall: datetime, zone_name: str, *, fold: int | None = None, **options: Any
    ) -> MeetingRequest:
        """A request ending at wall-clock time ``wall`` in the IANA zone ``zone_name``."""
        return cls(end_date=resolve_local_time(wall, zone_name, fold=fold), **options)

    @property
    def normalized_prefix(self) -> str:
        return normalize_prefix(self.room_name_prefix)

    @property
    def effective_fields(self) -> frozenset[Field]:
        """The links the answer will carry: viewer mode always adds both."""
        if self.viewer_mode:
            return frozenset(Field)
        return self.fields

    @property
    def effective_room_mode(self) -> RoomMode:
        return RoomMode.GROUP if self.viewer_mode else self.room_mode

    def issues(self, now: datetime | None = None) -> list[FieldIssue]:
        """Every problem with this request, each naming its field. Empty when it may be sent."""
        now = now or datetime.now(UTC)
        found: list[FieldIssue] = []
        end = self.end_date
        if not isinstance(end, datetime) or end.tzinfo is None or end.utcoffset() is None:
            found.append(FieldIssue("endDate", "needs a time zone (a wall time plus a zone)"))
        elif not _utc_representable(end):
            found.append(FieldIssue("endDate", "is out of range"))
        elif end.replace(microsecond=0) < now.replace(microsecond=0):
            found.append(
                FieldIssue("endDate", f"{format_utc(end)} is in the past; pick a later end")
            )
        for value, enum, name in (
            (self.room_mode, RoomMode, "roomMode"),
            (self.room_name_pattern, RoomNamePattern, "roomNamePattern"),
        ):
            if issue := _enum_issue(value, enum, name):
                found.append(issue)
        for item in self.fields:
            if issue := _enum_issue(item, Field, "fields"):
                found.append(issue)
        if problem := prefix_problem(self.room_name_prefix):
            found.append(FieldIssue("roomNamePrefix", problem))
        if self.recording is not None:
            found.extend(self._recording_issues(self.recording))
        if self.live_transcription is not None:
            found.extend(self._transcription_issues(self.live_transcription))
        if self.streaming is not None:
            found.extend(self._streaming_issues(self.streaming))
        return found

    @staticmethod
    def _recording_issues(recording: RecordingOptions) -> list[FieldIssue]:
        found = [
            issue
            for issue in (
                _enum_issue(recording.type, RecordingType, "recording.type"),
                _enum_issue(recording.start_trigger, RecordingTrigger, "recording.startTrigger"),
                _enum_issue(
                    recording.destination.provider,
                    StorageProvider,
                    "recording.destination.provider",
                ),
            )
            if issue
        ]
        if not found:
            found.extend(
                recording.destination.issues("recording.destination", allow_file_format=True)
            )
        return found

    @staticmethod
    def _transcription_issues(options: TranscriptionOptions) -> list[FieldIssue]:
        found = [
            issue
            for issue in (
                _enum_issue(
                    options.start_trigger,
                    TranscriptionTrigger,
                    "liveTranscription.startTrigger",
                ),
                _enum_issue(
                    options.destination.provider,
                    StorageProvider,
                    "liveTranscription.destination.provider",
                ),
            )
            if issue
        ]
        if options.language and options.language not in TRANSCRIPTION_LANGUAGES:
            found.append(
                FieldIssue(
                    "liveTranscription.language",
                    f"{options.language!r} is not a supported language code",
                )
            )
        if not found:
            found.extend(
                options.destination.issues("liveTranscription.destination", allow_file_format=False)
            )
        return found

    @staticmethod
    def _streaming_issues(options: StreamingOptions) -> list[FieldIssue]:
        found: list[FieldIssue] = []
        if issue := _enum_issue(options.start_trigger, StreamingTrigger, "streaming.startTrigger"):
            found.append(issue)
        url = options.url.strip()
        try:
            parts = urlsplit(url)
        except ValueError:
            parts = urlsplit("")
        if parts.scheme.lower() not in ("rtmp", "rtmps") or not parts.netloc:
            found.append(
                FieldIssue(
                    "streaming.destination.url",
                    "must be an rtmp:// or rtmps:// address with a host "
                    "(for example rtmp://a.rtmp.youtube.com/live2/KEY)",
                )
            )
        return found

    def validate(self, now: datetime | None = None) -> MeetingRequest:
        """Raise :class:`RequestValidationError` naming each bad field; return self when fine."""
        if found := self.issues(now):
            raise RequestValidationError(found)
        return self

    def to_json(self) -> dict[str, Any]:
        """The JSON body for ``POST /meetings``. Call :meth:`validate` first."""
        body: dict[str, Any] = {"endDate": format_utc(self.end_date)}
        if self.viewer_mode:
            # The template locks the room, makes it a group room and adds both links by itself.
            body["templateType"] = TemplateType.VIEWER_MODE.value
        else:
            body["roomMode"] = RoomMode(self.room_mode).value
            body["isLocked"] = bool(self.is_locked)
        if self.normalized_prefix:
            body["roomNamePrefix"] = self.normalized_prefix
        body["roomNamePattern"] = RoomNamePattern(self.room_name_pattern).value
        if self.effective_fields:
            body["fields"] = sorted(Field(item).value for item in self.effective_fields)
        if self.recording is not None:
            body["recording"] = self.recording.to_json()
        if self.live_transcription is not None:
            body["liveTranscription"] = self.live_transcription.to_json()
        if self.streaming is not None:
            body["streaming"] = self.streaming.to_json()
        return body

    def to_stored_options(self) -> dict[str, Any]:
        """The request as kept in the local store: its JSON body without storage secrets."""
        body = self.to_json()
        for section in ("recording", "liveTranscription"):
            destination = body.get(section, {}).get("destination", {})
            if "accessKeySecret" in destination:
                destination["accessKeySecret"] = STORED_SECRET_MASK
        if "streaming" in body:
            # The last part of an RTMP address is the stream key.
            url = body["streaming"]["destination"]["url"]
            base, _, _key = url.rstrip("/").rpartition("/")
            if base and "://" in base and base.split("://", 1)[1]:
                body["streaming"]["destination"]["url"] = f"{base}/{STORED_SECRET_MASK}"
        return body

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MeetingRequest:
        """Rebuild a request from :meth:`to_json` output (used to retry a stored create)."""
        viewer_mode = data.get("templateType") == TemplateType.VIEWER_MODE.value
        return cls(
            end_date=parse_api_datetime(data.get("endDate"), "endDate"),
            room_mode=RoomMode(data.get("roomMode", RoomMode.NORMAL.value)),
            room_name_prefix=data.get("roomNamePrefix", ""),
            room_name_pattern=RoomNamePattern(data.get("roomNamePattern", "uuid")),
            is_locked=bool(data.get("isLocked", False)),
            viewer_mode=viewer_mode,
            fields=frozenset(Field(item) for item in data.get("fields", ())),
            recording=RecordingOptions.from_json(data["recording"])
            if "recording" in data
            else None,
            live_transcription=TranscriptionOptions.from_json(data["liveTranscription"])
            if "liveTranscription" in data
            else None,
            streaming=StreamingOptions.from_json(data["streaming"])
            if "streaming" in data
            else None,
        )

    def with_end(self, end_date: datetime) -> MeetingRequest:
        return replace(self, end_date=end_date)


# ---------------------------------------------------------------------------------------------
# Responses


# A web address as a room link must be: http(s), scheme in any case. A prefix match, not
# urlsplit: a sync parses three links for each of up to 100 meetings a page.
_WEB_ADDRESS = re.compile(r"https?://", re.IGNORECASE)
_USUAL_SCHEMES = ("https://", "http://")


def _optional_url(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if type(value) is str and value.startswith(_USUAL_SCHEMES):
        return value  # the usual case, without the regular expression
    if not isinstance(value, str) or _WEB_ADDRESS.match(value) is None:
        raise MalformedResponseError(f"the server sent {key} that is not a web address")
    return value


@dataclass(frozen=True, slots=True)
class Meeting:
    """A meeting as the API describes it; dates are aware and in UTC."""

    meeting_id: str
    room_url: str
    end_date: datetime
    room_name: str | None = None
    start_date: datetime | None = None
    host_room_url: str | None = None
    viewer_room_url: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Meeting:
        # A list page holds 100 of these, so the usual case (a dict, a string id, http(s)
        # links, dates in UTC with a Z) takes a short path: checked inline, dates read at once;
        # anything else goes on to the full checks, which name the problem.
        if type(data) is not dict and not isinstance(data, Mapping):
            raise MalformedResponseError(
                f"the server sent a meeting as {type(data).__name__}, not an object"
            )
        get = data.get
        meeting_id, room_url, end = get("meetingId"), get("roomUrl"), get("endDate")
        if meeting_id is None or end is None or room_url is None:
            missing = [key for key in ("meetingId", "roomUrl", "endDate") if get(key) is None]
            raise MalformedResponseError(f"the server's meeting lacks {', '.join(missing)}")
        if type(meeting_id) is not str:
            if not isinstance(meeting_id, str | int) or isinstance(meeting_id, bool):
                raise MalformedResponseError("the server sent a meetingId that is not a string")
            meeting_id = str(meeting_id)
        if type(room_url) is not str or not room_url.startswith(_USUAL_SCHEMES):
            room_url = _optional_url(data, "roomUrl")
        room_name = get("roomName")
        if room_name is not None and not isinstance(room_name, str):
            raise MalformedResponseError("the server sent a roomName that is not a string")
        host, viewer = get("hostRoomUrl"), get("viewerRoomUrl")
        if host is not None and (type(host) is not str or not host.startswith(_USUAL_SCHEMES)):
            host = _optional_url(data, "hostRoomUrl")
        if viewer is not None and (
            type(viewer) is not str or not viewer.startswith(_USUAL_SCHEMES)
        ):
            viewer = _optional_url(data, "viewerRoomUrl")
        end_date = _read_api_datetime(end, "endDate")
        start = get("startDate")
        start_date = None if start is None else _read_api_datetime(start, "startDate")
        # The frozen dataclass's __init__ sets each field through object.__setattr__; filling
        # the slots directly costs half as much.
        meeting = _new_object(Meeting)
        _set_meeting_id(meeting, meeting_id)
        _set_room_url(meeting, room_url or "")
        _set_end_date(meeting, end_date)
        _set_room_name(meeting, room_name or None)
        _set_start_date(meeting, start_date)
        _set_host_room_url(meeting, host)
        _set_viewer_room_url(meeting, viewer)
        return meeting

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "meetingId": self.meeting_id,
            "roomUrl": self.room_url,
            "endDate": format_utc(self.end_date),
        }
        if self.room_name is not None:
            body["roomName"] = self.room_name
        if self.start_date is not None:
            body["startDate"] = format_utc(self.start_date)
        if self.host_room_url is not None:
            body["hostRoomUrl"] = self.host_room_url
        if self.viewer_room_url is not None:
            body["viewerRoomUrl"] = self.viewer_room_url
        return body


def _read_api_datetime(value: Any, field_name: str) -> datetime:
    """:func:`parse_api_datetime`, with the usual form (UTC with a Z) read straight away."""
    try:
        parsed = _fromisoformat(value)
    except (TypeError, ValueError):
        return parse_api_datetime(value, field_name)
    return parsed if parsed.tzinfo is UTC else parse_api_datetime(value, field_name)


# For Meeting.from_json: a new instance, and each field's slot setter.
_new_object = object.__new__
_fromisoformat = datetime.fromisoformat
_set_meeting_id = Meeting.__dict__["meeting_id"].__set__
_set_room_url = Meeting.__dict__["room_url"].__set__
_set_end_date = Meeting.__dict__["end_date"].__set__
_set_room_name = Meeting.__dict__["room_name"].__set__
_set_start_date = Meeting.__dict__["start_date"].__set__
_set_host_room_url = Meeting.__dict__["host_room_url"].__set__
_set_viewer_room_url = Meeting.__dict__["viewer_room_url"].__set__


@dataclass(frozen=True)
class MeetingsPage:
    meetings: tuple[Meeting, ...]
    cursor: str | None

    @classmethod
    def from_json(cls, data: Any) -> MeetingsPage:
        if not isinstance(data, Mapping):
            raise MalformedResponseError("the server sent a meeting list that is not an object")
        results = data.get("results")
        if not isinstance(results, list):
            raise MalformedResponseError("the server's meeting list has no results array")
        cursor = data.get("cursor")
        if cursor is not None and not isinstance(cursor, str):
            raise MalformedResponseError("the server sent a cursor that is not a string")
        # The API documents null for "no more pages"; an empty string means the same.
        return cls(tuple(map(Meeting.from_json, results)), cursor or None)

    def next_cursor(self, seen: set[str]) -> str | None:
        """The cursor of the next page, added to ``seen`` (the cursors followed so far); None
        after the last page. A cursor followed before would make the walk endless: refused."""
        if self.cursor is None:
            return None
        if self.cursor in seen:
            raise MalformedResponseError(
                "the server sent the same page cursor twice; the list would never end"
            )
        seen.add(self.cursor)
        return self.cursor


def fields_param(fields: Iterable[Field | str]) -> str:
    """``fields`` in the spec's form style, not exploded: ``hostRoomUrl,viewerRoomUrl``."""
    return ",".join(sorted(Field(item).value for item in fields))
