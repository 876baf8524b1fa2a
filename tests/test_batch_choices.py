"""The New rooms page's choices made into a plan and the request its rooms share: the page's
fields, and a chosen preset's other options."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from roomdesk.api.requests import (
    Field,
    RoomNamePattern,
    StreamingTrigger,
)
from roomdesk.domain.rooms import RoomMode
from roomdesk.services.presets import Preset, PresetSecrets, request_options
from roomdesk.ui.batch_choices import BatchChoices, ChoicesError, Source, make_plan
from tests.preset_samples import WORKSHOP

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
PRESET = dataclasses.replace(
    WORKSHOP,
    pattern=RoomNamePattern.HUMAN_SHORT,
    streaming=True,
    stream_url="rtmp://live.example.com/app",
    stream_key_name="Workshop / stream key",
    streaming_trigger=StreamingTrigger.PROMPT,
)


def choices(**changes: object) -> BatchChoices:
    values: dict[str, object] = {
        "source": Source.COUNT,
        "zone_name": "Europe/Oslo",
        "duration": timedelta(minutes=60),
        "start_wall": None,
        "count": 2,
        "label": "Group",
        "prefix": "team",
    }
    values.update(changes)
    return BatchChoices(**values)  # type: ignore[arg-type]


def test_without_a_preset_the_rooms_have_the_pages_options_only() -> None:
    plan, template = make_plan(choices(viewer_link=True), NOW)
    assert [row.label for row in plan.rows] == ["Group 1", "Group 2"]
    assert template.fields == frozenset({Field.HOST_ROOM_URL, Field.VIEWER_ROOM_URL})
    assert (template.is_locked, template.viewer_mode, template.recording) == (False, False, None)
    assert template.room_name_pattern is RoomNamePattern.UUID


def test_a_preset_gives_its_other_options_and_the_page_keeps_its_own() -> None:
    secrets = PresetSecrets(recording_secret="wJalr-s3cr3t", stream_key="live-key")
    chosen = choices(preset=PRESET, room_mode=RoomMode.NORMAL, prefix="mine")
    _plan, template = make_plan(chosen, NOW, request_options(PRESET, secrets))
    # The page's fields as the person left them, though the preset said otherwise.
    assert (template.room_mode, template.room_name_prefix) == (RoomMode.NORMAL, "mine")
    assert template.is_locked and template.room_name_pattern is RoomNamePattern.HUMAN_SHORT
    assert template.recording is not None
    assert template.recording.destination.access_key_secret == "wJalr-s3cr3t"
    assert template.streaming is not None
    assert template.streaming.url == "rtmp://live.example.com/app/live-key"


def test_a_preset_whose_request_cannot_be_sent_is_refused_before_the_preview() -> None:
    # Streaming with no address: Whereby would refuse it, so the plan says so first.
    broken = Preset(name="Broken", streaming=True, streaming_trigger=StreamingTrigger.PROMPT)
    with pytest.raises(ChoicesError) as caught:
        make_plan(choices(preset=broken), NOW, request_options(broken, PresetSecrets()))
    assert caught.value.problems[0].startswith("“Group 1”: ")
