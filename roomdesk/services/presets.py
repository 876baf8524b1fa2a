"""Presets: a named set of a new room's choices, kept to start the next create from.

A preset holds what the create dialog and ``roomdesk-cli create`` ask for, except the label and
the day: the room's size, links, name prefix and style, lock, viewer mode, recording,
transcription and streaming options, how long it lasts and, optionally, the time of day its
session starts and an invitation template. Secrets never go in: an S3 secret access key or a
stream key is kept in the keychain under a name, and the preset holds only that name.

Pure, like the request types it mirrors: no I/O, no Qt. Presets are read from and written to
JSON-compatible dicts with a version number; :mod:`roomdesk.services.preset_file` keeps them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import time, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from roomdesk.api.requests import (
    LONGEST_PLAN_AHEAD,
    TRANSCRIPTION_LANGUAGES,
    RecordingFileFormat,
    RecordingOptions,
    RecordingTrigger,
    RecordingType,
    RoomNamePattern,
    S3AuthenticationType,
    StorageDestination,
    StorageProvider,
    StreamingOptions,
    StreamingTrigger,
    TranscriptionOptions,
    TranscriptionTrigger,
)
from roomdesk.domain.rooms import RoomMode, prefix_problem
from roomdesk.sessions.invitation import template_problems

PRESET_VERSION = 1
NAME_MAX_LENGTH = 60
LONGEST_DURATION_MINUTES = LONGEST_PLAN_AHEAD // timedelta(minutes=1)

_E = TypeVar("_E", bound=StrEnum)


class PresetError(ValueError):
    """A preset that cannot be kept or used; the message is fit to show a person."""


def name_problem(name: str, taken: Iterable[str] = ()) -> str | None:
    """Why ``name`` cannot name a preset beside the names ``taken`` (matched without regard to
    case), or None when it can."""
    cleaned = name.strip()
    if not cleaned:
        return "A preset needs a name."
    if len(cleaned) > NAME_MAX_LENGTH:
        return (
            f"The preset name is {len(cleaned)} characters long; "
            f"at most {NAME_MAX_LENGTH} are allowed."
        )
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in cleaned):
        return "The preset name may not contain line breaks or other control characters."
    if cleaned.casefold() in {other.strip().casefold() for other in taken}:
        return f"There is already a preset called “{cleaned}”."
    return None


@dataclass(frozen=True)
class PresetStorage:
    """Where recordings or transcripts go; ``secret_name`` names the keychain entry holding
    the S3 secret access key (None: no secret kept)."""

    provider: StorageProvider = StorageProvider.WHEREBY
    authentication_type: S3AuthenticationType = S3AuthenticationType.ACCESS_KEY
    bucket: str = ""
    region: str = ""
    access_key_id: str = ""
    secret_name: str | None = None
    oidc_role_arn: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider.value,
            "authenticationType": self.authentication_type.value,
            "bucket": self.bucket,
            "region": self.region,
            "accessKeyId": self.access_key_id,
            "secretName": self.secret_name,
            "oidcRoleArn": self.oidc_role_arn,
        }

    @classmethod
    def from_dict(cls, data: object, where: str) -> PresetStorage:
        values = _mapping(data, where)
        return cls(
            provider=_enum(values, "provider", StorageProvider, cls.provider, where),
            authentication_type=_enum(
                values, "authenticationType", S3AuthenticationType, cls.authentication_type, where
            ),
            bucket=_text(values, "bucket", where),
            region=_text(values, "region", where),
            access_key_id=_text(values, "accessKeyId", where),
            secret_name=_optional_text(values, "secretName", where),
            oidc_role_arn=_text(values, "oidcRoleArn", where),
        )


@dataclass(frozen=True)
class Preset:
    """A new room's choices under a name. ``duration_minutes`` None leaves the end to the
    create; ``start_time`` None means no planned session; ``stream_url`` is the address
    without its stream key, which the keychain keeps under ``stream_key_name``."""

    name: str
    room_mode: RoomMode = RoomMode.NORMAL
    host_link: bool = True
    viewer_link: bool = False
    prefix: str = ""
    pattern: RoomNamePattern = RoomNamePattern.UUID
    locked: bool = False
    viewer_mode: bool = False
    recording_type: RecordingType = RecordingType.NONE
    recording_storage: PresetStorage = field(default_factory=PresetStorage)
    recording_file_format: RecordingFileFormat | None = None
    recording_trigger: RecordingTrigger = RecordingTrigger.NONE
    transcription: bool = False
    transcription_storage: PresetStorage = field(default_factory=PresetStorage)
    transcription_trigger: TranscriptionTrigger = TranscriptionTrigger.MANUAL
    transcription_language: str | None = None
    live_captions: bool = False
    streaming: bool = False
    stream_url: str = ""
    stream_key_name: str | None = None
    streaming_trigger: StreamingTrigger = StreamingTrigger.NONE
    duration_minutes: int | None = None
    start_time: time | None = None
    invitation_template: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", self.name.strip())
        if self.start_time is not None:
            object.__setattr__(self, "start_time", self.start_time.replace(second=0, microsecond=0))

    # -- checks --------------------------------------------------------------------------------

    def problems(self) -> list[str]:
        """Each reason the preset cannot be kept, as sentences; empty when it can."""
        found = []
        if problem := name_problem(self.name):
            found.append(problem)
        if problem := prefix_problem(self.prefix):
            found.append(f"The prefix {problem}.")
        minutes = self.duration_minutes
        if minutes is not None and not 1 <= minutes <= LONGEST_DURATION_MINUTES:
            found.append(
                f"The length must be between 1 minute and {LONGEST_PLAN_AHEAD.days} days, "
                f"not {minutes} minutes."
            )
        language = self.transcription_language
        if language and language not in TRANSCRIPTION_LANGUAGES:
            found.append(f"The transcription language {language!r} is not one Whereby offers.")
        if self.recording_file_format is not None and self.recording_type != RecordingType.CLOUD:
            found.append("A recording file format applies to cloud recordings only.")
        if self.invitation_template is not None:
            found += [
                f"The invitation template: {p}" for p in template_problems(self.invitation_template)
            ]
        return found

    def check(self) -> Preset:
        """The preset itself, or :class:`PresetError` naming every problem."""
        found = self.problems()
        if found:
            raise PresetError(" ".join(found))
        return self

    @property
    def secret_names(self) -> list[str]:
        """The keychain entries the preset refers to."""
        names = (
            self.recording_storage.secret_name,
            self.transcription_storage.secret_name,
            self.stream_key_name,
        )
        return [name for name in names if name]

    @property
    def duration(self) -> timedelta | None:
        return None if self.duration_minutes is None else timedelta(minutes=self.duration_minutes)

    def renamed(self, name: str) -> Preset:
        return replace(self, name=name)

    # -- serialisation -------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": PRESET_VERSION,
            "name": self.name,
            "roomMode": self.room_mode.value,
            "hostLink": self.host_link,
            "viewerLink": self.viewer_link,
            "prefix": self.prefix,
            "pattern": self.pattern.value,
            "locked": self.locked,
            "viewerMode": self.viewer_mode,
            "recording": {
                "type": self.recording_type.value,
                "storage": self.recording_storage.to_dict(),
                "fileFormat": _value_or_none(self.recording_file_format),
                "startTrigger": self.recording_trigger.value,
            },
            "transcription": {
                "enabled": self.transcription,
                "storage": self.transcription_storage.to_dict(),
                "startTrigger": self.transcription_trigger.value,
                "language": self.transcription_language,
                "liveCaptions": self.live_captions,
            },
            "streaming": {
                "enabled": self.streaming,
                "url": self.stream_url,
                "streamKeyName": self.stream_key_name,
                "startTrigger": self.streaming_trigger.value,
            },
            "durationMinutes": self.duration_minutes,
            "startTime": None if self.start_time is None else self.start_time.strftime("%H:%M"),
            "invitationTemplate": self.invitation_template,
        }

    @classmethod
    def from_dict(cls, data: object) -> Preset:
        """A preset from :meth:`to_dict`'s form; keys it does not know are ignored, a missing
        one takes the default. :class:`PresetError` says what is wrong otherwise."""
        values = _mapping(data, "the preset")
        version = values.get("version", PRESET_VERSION)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise PresetError(f"its version {version!r} is not a version number")
        name = values.get("name")
        if not isinstance(name, str):
            raise PresetError("it has no name")
        where = f"the preset “{name.strip()}”"
        recording = _mapping(values.get("recording", {}), where)
        transcription = _mapping(values.get("transcription", {}), where)
        streaming = _mapping(values.get("streaming", {}), where)
        defaults = cls(name=name)
        file_format = recording.get("fileFormat")
        return cls(
            name=name,
            room_mode=_enum(values, "roomMode", RoomMode, defaults.room_mode, where),
            host_link=_flag(values, "hostLink", defaults.host_link, where),
            viewer_link=_flag(values, "viewerLink", defaults.viewer_link, where),
            prefix=_text(values, "prefix", where),
            pattern=_enum(values, "pattern", RoomNamePattern, defaults.pattern, where),
            locked=_flag(values, "locked", defaults.locked, where),
            viewer_mode=_flag(values, "viewerMode", defaults.viewer_mode, where),
            recording_type=_enum(recording, "type", RecordingType, defaults.recording_type, where),
            recording_storage=PresetStorage.from_dict(recording.get("storage", {}), where),
            recording_file_format=None
            if file_format is None
            else _enum(
                recording, "fileFormat", RecordingFileFormat, RecordingFileFormat.MP4, where
            ),
            recording_trigger=_enum(
                recording, "startTrigger", RecordingTrigger, defaults.recording_trigger, where
            ),
            transcription=_flag(transcription, "enabled", False, where),
            transcription_storage=PresetStorage.from_dict(transcription.get("storage", {}), where),
            transcription_trigger=_enum(
                transcription,
                "startTrigger",
                TranscriptionTrigger,
                defaults.transcription_trigger,
                where,
            ),
            transcription_language=_optional_text(transcription, "language", where),
            live_captions=_flag(transcription, "liveCaptions", False, where),
            streaming=_flag(streaming, "enabled", False, where),
            stream_url=_text(streaming, "url", where),
            stream_key_name=_optional_text(streaming, "streamKeyName", where),
            streaming_trigger=_enum(
                streaming, "startTrigger", StreamingTrigger, defaults.streaming_trigger, where
            ),
            duration_minutes=_minutes(values, where),
            start_time=_time_of_day(values, where),
            invitation_template=_optional_text(values, "invitationTemplate", where),
        ).check()


def presets_from_list(items: list[Any]) -> tuple[list[Preset], list[str], list[Any]]:
    """The presets in ``items`` (:meth:`Preset.to_dict` dicts), a warning for each one
    skipped (damaged, or named like one before it) and the items skipped. The rest are kept."""
    kept: list[Preset] = []
    warnings = []
    skipped = []
    for number, item in enumerate(items, start=1):
        try:
            preset = Preset.from_dict(item)
            if problem := name_problem(preset.name, (p.name for p in kept)):
                raise PresetError(problem)
        except PresetError as exc:
            name = item.get("name") if isinstance(item, dict) else None
            shown = f"“{name.strip()}”" if isinstance(name, str) and name.strip() else f"#{number}"
            warnings.append(f"Preset {shown} was skipped: {_sentence(str(exc))}")
            skipped.append(item)
            continue
        kept.append(preset)
    return kept, warnings, skipped


def find_preset(presets: Iterable[Preset], name: str) -> Preset | None:
    """The preset called ``name`` (case aside), or None."""
    wanted = name.strip().casefold()
    return next((p for p in presets if p.name.casefold() == wanted), None)


def unknown_preset_message(name: str, presets: Iterable[Preset]) -> str:
    names = [f"“{p.name}”" for p in presets]
    known = f"the presets are {', '.join(names)}" if names else "there are no presets yet"
    return f"There is no preset called “{name.strip()}”; {known}."


# -- secrets ------------------------------------------------------------------------------------


def secret_name(preset_name: str, purpose: str) -> str:
    """The keychain name a preset's secret is saved under, e.g. ``Coaching 1:1 / recording``."""
    return f"{preset_name.strip()} / {purpose}"


@dataclass(frozen=True)
class PresetSecrets:
    """The secrets a preset refers to, as read from the keychain; ``missing`` says which of its
    names the keychain no longer has, as sentences."""

    recording_secret: str = ""
    transcription_secret: str = ""
    stream_key: str = ""
    missing: tuple[str, ...] = ()


def read_secrets(preset: Preset, lookup: Callable[[str], str | None]) -> PresetSecrets:
    """The secrets ``preset`` refers to, each found with ``lookup`` (None: not there)."""
    missing = []

    def read(name: str | None, what: str) -> str:
        if not name:
            return ""
        value = lookup(name)
        if value:
            return value
        missing.append(
            f"The preset “{preset.name}” uses the {what} kept in the keychain as “{name}”, "
            "which is no longer there: enter it again (and save the preset to keep it)."
        )
        return ""

    return PresetSecrets(
        recording_secret=read(preset.recording_storage.secret_name, "recording's S3 secret key"),
        transcription_secret=read(
            preset.transcription_storage.secret_name, "transcription's S3 secret key"
        ),
        stream_key=read(preset.stream_key_name, "stream key"),
        missing=tuple(missing),
    )


def split_stream_key(url: str) -> tuple[str, str]:
    """An RTMP address split into the part kept in a preset and its stream key (the last part
    of the path, as secret as a password); no key when the address has no such part."""
    base, _, key = url.strip().rstrip("/").rpartition("/")
    if key and "://" in base and base.split("://", 1)[1]:
        return base, key
    return url.strip(), ""


def join_stream_key(base: str, key: str) -> str:
    return f"{base.rstrip('/')}/{key}" if base and key else base


def _destination(
    storage: PresetStorage, secret: str, file_format: RecordingFileFormat | None = None
) -> StorageDestination:
    return StorageDestination(
        provider=storage.provider,
        authentication_type=storage.authentication_type,
        bucket=storage.bucket,
        region=storage.region,
        access_key_id=storage.access_key_id,
        access_key_secret=secret,
        oidc_role_arn=storage.oidc_role_arn,
        file_format=file_format,
    ).only_chosen()


@dataclass(frozen=True)
class RequestOptions:
    """The parts of a create request a preset gives beyond room, name and links."""

    recording: RecordingOptions | None = None
    live_transcription: TranscriptionOptions | None = None
    streaming: StreamingOptions | None = None


def request_options(preset: Preset, secrets: PresetSecrets) -> RequestOptions:
    """The recording, transcription and streaming sections ``preset`` asks for."""
    recording = None
    if preset.recording_type != RecordingType.NONE:
        cloud = preset.recording_type == RecordingType.CLOUD
        recording = RecordingOptions(
            type=preset.recording_type,
            # A local recording is saved by the host's browser: no storage or file format.
            destination=_destination(
                preset.recording_storage, secrets.recording_secret, preset.recording_file_format
            )
            if cloud
            else StorageDestination(),
            start_trigger=preset.recording_trigger,
        )
    transcription = None
    if preset.transcription:
        transcription = TranscriptionOptions(
            destination=_destination(preset.transcription_storage, secrets.transcription_secret),
            start_trigger=preset.transcription_trigger,
            language=preset.transcription_language,
            live_captions=True if preset.live_captions else None,
        )
    streaming = None
    if preset.streaming:
        streaming = StreamingOptions(
            url=join_stream_key(preset.stream_url, secrets.stream_key),
            start_trigger=preset.streaming_trigger,
        )
    return RequestOptions(recording, transcription, streaming)


# -- reading dicts ------------------------------------------------------------------------------


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise PresetError(f"{where} is not a set of named values")
    return value


def _text(values: Mapping[str, Any], key: str, where: str) -> str:
    value = values.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PresetError(f"{key} in {where} is not text")
    return value


def _optional_text(values: Mapping[str, Any], key: str, where: str) -> str | None:
    return _text(values, key, where) or None


def _flag(values: Mapping[str, Any], key: str, default: bool, where: str) -> bool:
    value = values.get(key, default)
    if not isinstance(value, bool):
        raise PresetError(f"{key} in {where} is not true or false")
    return value


def _enum(values: Mapping[str, Any], key: str, enum: type[_E], default: _E, where: str) -> _E:
    value = values.get(key, default.value)
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise PresetError(f"{key} in {where} is {value!r}, not one of {allowed}") from None


def _minutes(values: Mapping[str, Any], where: str) -> int | None:
    value = values.get("durationMinutes")
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise PresetError(f"durationMinutes in {where} is not a whole number")
    return value


_TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_time_of_day(text: str) -> time:
    """``HH:MM`` (24-hour) as a time; :class:`PresetError` otherwise."""
    match = _TIME_OF_DAY.match(text.strip())
    if not match:
        raise PresetError(f"{text!r} is not a time of day like 09:30 or 14:00")
    return time(int(match[1]), int(match[2]))


def _time_of_day(values: Mapping[str, Any], where: str) -> time | None:
    value = values.get("startTime")
    if value is None:
        return None
    if not isinstance(value, str):
        raise PresetError(f"startTime in {where} is not a time of day")
    try:
        return parse_time_of_day(value)
    except PresetError as exc:
        raise PresetError(f"startTime in {where}: {exc}") from None


def _value_or_none(member: StrEnum | None) -> str | None:
    return None if member is None else member.value


__all__ = [
    "NAME_MAX_LENGTH",
    "PRESET_VERSION",
    "Preset",
    "PresetError",
    "PresetSecrets",
    "PresetStorage",
    "RequestOptions",
    "find_preset",
    "join_stream_key",
    "name_problem",
    "parse_time_of_day",
    "presets_from_list",
    "read_secrets",
    "request_options",
    "secret_name",
    "split_stream_key",
    "unknown_preset_message",
]
