"""Presets and the create form, both ways: a preset filling a form, and a form kept as a preset.

No Qt here, like :mod:`roomdesk.ui.create_room_form`: the dialog reads its widgets into a form,
and these pure functions do the rest, so they can be tested without a display.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from roomdesk.api.errors import RequestValidationError
from roomdesk.domain.times import next_wall_time
from roomdesk.services.presets import (
    Preset,
    PresetSecrets,
    PresetStorage,
    join_stream_key,
    secret_name,
    split_stream_key,
)
from roomdesk.ui.create_room_form import (
    DEFAULT_DURATION,
    ROUNDING_STEP,
    CreateRoomForm,
    FormDefaults,
    RecordingInputs,
    StorageInputs,
    StreamingInputs,
    TranscriptionInputs,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _rounded_up(moment: datetime) -> datetime:
    steps = -(-(moment - _EPOCH) // ROUNDING_STEP)  # ceiling division of timedeltas
    return _EPOCH + steps * ROUNDING_STEP


def _storage_inputs(storage: PresetStorage, secret: str) -> StorageInputs:
    return StorageInputs(
        provider=storage.provider,
        authentication_type=storage.authentication_type,
        bucket=storage.bucket,
        region=storage.region,
        access_key_id=storage.access_key_id,
        access_key_secret=secret,
        oidc_role_arn=storage.oidc_role_arn,
    )


def form_with_preset(
    form: CreateRoomForm, preset: Preset, secrets: PresetSecrets, now: datetime
) -> CreateRoomForm:
    """``form`` with the preset's choices; its label and zone stay. With a start time, the
    session starts at that time today, or tomorrow once it has passed, in the form's zone; a
    time the clocks skip or repeat that day is left for the form to question, as if typed."""
    filled = replace(
        form,
        host_link=preset.host_link,
        viewer_link=preset.viewer_link,
        room_mode=preset.room_mode,
        prefix=preset.prefix,
        pattern=preset.pattern,
        start_locked=preset.locked,
        viewer_mode=preset.viewer_mode,
        recording=RecordingInputs(
            type=preset.recording_type,
            storage=_storage_inputs(preset.recording_storage, secrets.recording_secret),
            file_format=preset.recording_file_format,
            start_trigger=preset.recording_trigger,
        ),
        transcription=TranscriptionInputs(
            enabled=preset.transcription,
            storage=_storage_inputs(preset.transcription_storage, secrets.transcription_secret),
            start_trigger=preset.transcription_trigger,
            language=preset.transcription_language,
            live_captions=preset.live_captions,
        ),
        streaming=StreamingInputs(
            enabled=preset.streaming,
            url=join_stream_key(preset.stream_url, secrets.stream_key),
            start_trigger=preset.streaming_trigger,
        ),
    )
    length = preset.duration
    if preset.start_time is None:
        if length is None:
            return filled
        return replace(filled, start_wall=None, start_fold=None).ending_at(
            _rounded_up(now + length)
        )
    try:
        wall = next_wall_time(preset.start_time, form.zone_name, now)
    except RequestValidationError:
        return filled  # an unknown zone: the form says so, and there is no day to place it on
    length = length or DEFAULT_DURATION
    filled = replace(filled, start_wall=wall, start_fold=None)
    try:
        start = filled.start()
    except RequestValidationError:
        return filled.with_end(wall + length)  # the form asks about the start first
    assert start is not None
    return filled.ending_at(start.astimezone(UTC) + length)


def form_without_preset(
    form: CreateRoomForm, defaults: FormDefaults, now: datetime
) -> CreateRoomForm:
    """A fresh form from Settings' defaults, keeping the label and the zone of ``form``."""
    fresh = CreateRoomForm.default(now, form.zone_name, defaults)
    return replace(fresh, label=form.label)


def preset_from_form(
    name: str, form: CreateRoomForm, now: datetime, *, invitation_template: str | None = None
) -> tuple[Preset, dict[str, str]]:
    """The preset ``name`` keeping the form's choices, and the secrets to keep in the keychain
    (name → secret) that it refers to. Only secrets the form would send are kept."""
    secrets: dict[str, str] = {}

    def storage(inputs: StorageInputs, used: bool, purpose: str) -> PresetStorage:
        kept_as = None
        if used and inputs.uses_access_key and inputs.access_key_secret:
            kept_as = secret_name(name, purpose)
            secrets[kept_as] = inputs.access_key_secret
        return PresetStorage(
            provider=inputs.provider,
            authentication_type=inputs.authentication_type,
            bucket=inputs.bucket,
            region=inputs.region,
            access_key_id=inputs.access_key_id,
            secret_name=kept_as,
            oidc_role_arn=inputs.oidc_role_arn,
        )

    stream_base, stream_key = split_stream_key(form.streaming.url)
    stream_key_name = None
    if form.streaming.enabled and stream_key:
        stream_key_name = secret_name(name, "stream key")
        secrets[stream_key_name] = stream_key
    recording, transcription = form.recording, form.transcription
    preset = Preset(
        name=name,
        room_mode=form.room_mode,
        host_link=form.host_link,
        viewer_link=form.viewer_link,
        prefix=form.prefix,
        pattern=form.pattern,
        locked=form.start_locked,
        viewer_mode=form.viewer_mode,
        recording_type=recording.type,
        recording_storage=storage(recording.storage, recording.is_cloud, "recording S3 key"),
        recording_file_format=recording.file_format if recording.is_cloud else None,
        recording_trigger=recording.start_trigger,
        transcription=transcription.enabled,
        transcription_storage=storage(
            transcription.storage, transcription.enabled, "transcription S3 key"
        ),
        transcription_trigger=transcription.start_trigger,
        transcription_language=transcription.language,
        live_captions=transcription.live_captions,
        streaming=form.streaming.enabled,
        stream_url=stream_base,
        stream_key_name=stream_key_name,
        streaming_trigger=form.streaming.start_trigger,
        duration_minutes=_length_minutes(form, now),
        start_time=None if form.start_wall is None else form.start_wall.time(),
        invitation_template=invitation_template,
    )
    return preset, secrets


def _length_minutes(form: CreateRoomForm, now: datetime) -> int | None:
    """How long the room lasts: from the planned start, else from now to the nearest five
    minutes; None when the times cannot be placed (the next use then keeps its own end)."""
    try:
        end = form.end().astimezone(UTC)
        start = form.start()
    except RequestValidationError:
        return None
    if start is not None:
        length = end - start.astimezone(UTC)
    else:
        step = ROUNDING_STEP // timedelta(minutes=1)
        minutes = round((end - now.astimezone(UTC)) / timedelta(minutes=step)) * step
        length = timedelta(minutes=minutes)
    minutes = length // timedelta(minutes=1)
    return minutes if minutes > 0 else None


__all__ = ["form_with_preset", "form_without_preset", "preset_from_form"]
