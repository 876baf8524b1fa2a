"""Typed requests for Whereby's meetings API: what ``POST /meetings`` takes, validated before
anything is sent, with messages that name the field.

Pure, like :mod:`roomdesk.api.models` (the responses and what both share): no I/O, no Qt. Kept
apart so that showing a saved room list, which needs only the responses' types, does not build
these classes (a few milliseconds of every start).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from roomdesk.api.errors import RequestValidationError
from roomdesk.api.models import STORED_SECRET_MASK, parse_api_datetime
from roomdesk.domain.errors import FieldIssue
from roomdesk.domain.rooms import RoomMode, TemplateType, normalize_prefix, prefix_problem
from roomdesk.domain.times import format_utc, resolve_local_time, utc_representable

# The furthest ahead a room may end, counted from when it is asked for: one rule for every
# way of giving the end (a date, a duration, the window's form).
LONGEST_PLAN_AHEAD = timedelta(days=366)


def plan_ahead_problem(end: datetime, now: datetime) -> str | None:
    """Why ``end`` is too far after ``now`` to be asked for (a phrase that follows the end's
    name), or None when it is not."""
    if end - now <= LONGEST_PLAN_AHEAD:
        return None
    days = LONGEST_PLAN_AHEAD.days
    return f"is more than {days} days from now; a room may end at most {days} days ahead"


class RoomNamePattern(StrEnum):
    UUID = "uuid"
    HUMAN_SHORT = "human-short"


class Field(StrEnum):
    HOST_ROOM_URL = "hostRoomUrl"
    VIEWER_ROOM_URL = "viewerRoomUrl"


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

    def only_chosen(self) -> StorageDestination:
        """This destination with only the inputs of its way in: none for Whereby's storage,
        the role for role-based S3, the keys and region for access keys. A form's hidden
        fields (or a preset's) may hold text of another way, which must not be sent."""
        if self.provider != StorageProvider.S3:
            return StorageDestination(file_format=self.file_format)
        if self.authentication_type == S3AuthenticationType.ROLE_BASED:
            return StorageDestination(
                provider=StorageProvider.S3,
                authentication_type=S3AuthenticationType.ROLE_BASED,
                bucket=self.bucket,
                oidc_role_arn=self.oidc_role_arn,
                file_format=self.file_format,
            )
        return replace(self, oidc_role_arn="")

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
            # __post_init__ gives every S3 destination a type; access keys are the default.
            authentication = self.authentication_type or S3AuthenticationType.ACCESS_KEY
            body["authenticationType"] = S3AuthenticationType(authentication).value
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
        elif not utc_representable(end):
            found.append(FieldIssue("endDate", "is out of range"))
        elif end.replace(microsecond=0) < now.replace(microsecond=0):
            found.append(
                FieldIssue("endDate", f"{format_utc(end)} is in the past; pick a later end")
            )
        elif problem := plan_ahead_problem(end, now):
            found.append(FieldIssue("endDate", f"{format_utc(end)} {problem}"))
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


def fields_param(fields: Iterable[Field | str]) -> str:
    """``fields`` in the spec's form style, not exploded: ``hostRoomUrl,viewerRoomUrl``."""
    return ",".join(sorted(Field(item).value for item in fields))
