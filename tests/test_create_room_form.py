"""The create-room form: defaults, quick adjustments, time zones, validation and the request."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from roomdesk.api.errors import RequestValidationError
from roomdesk.api.requests import (
    MeetingRequest,
    RecordingFileFormat,
    RecordingTrigger,
    RecordingType,
    RoomNamePattern,
    S3AuthenticationType,
    StorageProvider,
    StreamingTrigger,
    TranscriptionTrigger,
)
from roomdesk.domain.errors import AmbiguousLocalTimeError, NonexistentLocalTimeError
from roomdesk.domain.rooms import RoomMode
from roomdesk.ui.create_room_form import (
    SECRET_MASK,
    CreateRoomForm,
    FormDefaults,
    RecordingInputs,
    StorageInputs,
    StreamingInputs,
    TranscriptionInputs,
    relative_text,
    zone_is_known,
)

# 12:00:30 in Oslo (CEST, UTC+2) on a Tuesday.
NOW = datetime(2024, 5, 14, 10, 0, 30, tzinfo=UTC)
OSLO = "Europe/Oslo"


def oslo_form(**changes) -> CreateRoomForm:
    return replace(CreateRoomForm.default(NOW, OSLO), **changes)


S3_KEYS = StorageInputs(
    provider=StorageProvider.S3,
    bucket="rec-bucket",
    region="eu-north-1",
    access_key_id="AKIAEXAMPLE",
    access_key_secret="wJalr/K7MDENG+bPxRfiCY",
)
S3_ROLE = StorageInputs(
    provider=StorageProvider.S3,
    authentication_type=S3AuthenticationType.ROLE_BASED,
    bucket="rec-bucket",
    region="ignored-for-roles",
    access_key_id="ignored",
    access_key_secret="ignored-secret",
    oidc_role_arn="arn:aws:iam::123456789012:role/whereby",
)


# -- defaults ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected_wall"),
    [
        (NOW, datetime(2024, 5, 14, 13, 5)),
        (datetime(2024, 5, 14, 10, 5, tzinfo=UTC), datetime(2024, 5, 14, 13, 5)),  # on the grid
        (datetime(2024, 5, 14, 10, 5, 0, 1, tzinfo=UTC), datetime(2024, 5, 14, 13, 10)),
        (datetime(2024, 5, 14, 10, 4, 59, tzinfo=UTC), datetime(2024, 5, 14, 13, 5)),
        (datetime(2024, 5, 14, 21, 58, tzinfo=UTC), datetime(2024, 5, 15, 1, 0)),  # next day
    ],
)
def test_default_ends_an_hour_ahead_rounded_up_to_five_minutes(now, expected_wall):
    form = CreateRoomForm.default(now, OSLO)
    assert form.end_wall == expected_wall
    assert form.zone_name == OSLO
    assert form.fold is None
    assert form.end() - now >= timedelta(hours=1)
    assert form.end() - now < timedelta(hours=1, minutes=5)


def test_default_choices_and_defaults_from_settings():
    form = CreateRoomForm.default(NOW, OSLO)
    assert (form.host_link, form.viewer_link, form.room_mode) == (True, False, RoomMode.NORMAL)
    assert (form.label, form.prefix, form.pattern) == ("", "", RoomNamePattern.UUID)
    assert not (form.start_locked or form.viewer_mode)
    assert not (form.recording.enabled or form.transcription.enabled or form.streaming.enabled)
    custom = CreateRoomForm.default(
        NOW,
        OSLO,
        FormDefaults(host_link=False, viewer_link=True, room_mode=RoomMode.GROUP),
    )
    assert (custom.host_link, custom.viewer_link, custom.room_mode) == (
        False,
        True,
        RoomMode.GROUP,
    )


def test_default_in_a_zone_with_a_quarter_hour_offset():
    form = CreateRoomForm.default(NOW, "Asia/Kathmandu")  # UTC+05:45
    assert form.end_wall == datetime(2024, 5, 14, 16, 50)
    assert form.end().astimezone(UTC) == datetime(2024, 5, 14, 11, 5, tzinfo=UTC)


def test_default_in_the_repeated_hour_picks_the_fold_of_the_instant():
    # Oslo repeats 02:00–03:00 on 27 Oct 2024; 00:30 UTC is the first 02:30, 01:30 UTC the second.
    first = CreateRoomForm.default(datetime(2024, 10, 26, 23, 28, tzinfo=UTC), OSLO)
    second = CreateRoomForm.default(datetime(2024, 10, 27, 0, 28, tzinfo=UTC), OSLO)
    assert first.end_wall == second.end_wall == datetime(2024, 10, 27, 2, 30)
    assert (first.fold, second.fold) == (0, 1)
    assert first.end().astimezone(UTC) == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)
    assert second.end().astimezone(UTC) == datetime(2024, 10, 27, 1, 30, tzinfo=UTC)


def test_default_refuses_a_naive_now_and_an_unknown_zone():
    with pytest.raises(ValueError, match="aware"):
        CreateRoomForm.default(datetime(2024, 5, 14, 10, 0), OSLO)
    with pytest.raises(RequestValidationError) as caught:
        CreateRoomForm.default(NOW, "Mars/Olympus_Mons")
    assert caught.value.issues[0].field == "timeZone"


def test_the_form_keeps_minutes_only_and_refuses_an_aware_wall_time():
    form = oslo_form(end_wall=datetime(2024, 5, 14, 13, 5, 42, 7))
    assert form.end_wall == datetime(2024, 5, 14, 13, 5)
    with pytest.raises(ValueError, match="naive"):
        oslo_form(end_wall=datetime(2024, 5, 14, 13, 5, tzinfo=UTC))


def test_zone_is_known():
    assert zone_is_known("Europe/Oslo")
    assert zone_is_known("UTC")
    assert not zone_is_known("")
    assert not zone_is_known("Europe/Atlantis")
    assert not zone_is_known(" Europe/Oslo")
    assert not zone_is_known("../etc/passwd")


# -- quick adjustments --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (30, datetime(2024, 5, 14, 13, 35)),
        (60, datetime(2024, 5, 14, 14, 5)),
        (120, datetime(2024, 5, 14, 15, 5)),
    ],
)
def test_plus_moves_the_current_end(minutes, expected):
    assert oslo_form().plus(minutes).end_wall == expected
    assert oslo_form().plus(30).plus(30).end_wall == datetime(2024, 5, 14, 14, 5)


def test_plus_counts_elapsed_time_across_clock_changes():
    spring = oslo_form(end_wall=datetime(2024, 3, 31, 1, 30))
    assert spring.plus(60).end_wall == datetime(2024, 3, 31, 3, 30)  # 02:xx does not exist
    autumn = oslo_form(end_wall=datetime(2024, 10, 27, 2, 30), fold=0)
    later = autumn.plus(60)
    assert (later.end_wall, later.fold) == (datetime(2024, 10, 27, 2, 30), 1)
    assert later.plus(30).end_wall == datetime(2024, 10, 27, 3, 0)
    assert later.plus(30).fold is None


def test_plus_on_a_skipped_time_moves_the_wall_clock():
    skipped = oslo_form(end_wall=datetime(2024, 3, 31, 2, 30))
    assert skipped.plus(30).end_wall == datetime(2024, 3, 31, 3, 0)


def test_end_of_day_is_23_55_on_the_ends_day():
    assert oslo_form().end_of_day(NOW).end_wall == datetime(2024, 5, 14, 23, 55)
    tomorrow = oslo_form(end_wall=datetime(2024, 5, 15, 10, 0))
    assert tomorrow.end_of_day(NOW).end_wall == datetime(2024, 5, 15, 23, 55)
    exactly = oslo_form(end_wall=datetime(2024, 5, 14, 23, 55))
    assert exactly.end_of_day(NOW).end_wall == datetime(2024, 5, 14, 23, 55)


def test_end_of_day_moves_to_the_next_day_once_23_55_has_passed():
    late = datetime(2024, 5, 14, 21, 57, tzinfo=UTC)  # 23:57 in Oslo
    form = oslo_form(end_wall=datetime(2024, 5, 14, 23, 58))
    assert form.end_of_day(late).end_wall == datetime(2024, 5, 15, 23, 55)
    past = oslo_form(end_wall=datetime(2024, 5, 13, 9, 0))  # yesterday: today counts
    assert past.end_of_day(NOW).end_wall == datetime(2024, 5, 14, 23, 55)
    assert past.end_of_day(late).end_wall == datetime(2024, 5, 15, 23, 55)


def test_end_of_day_with_an_unknown_zone_changes_nothing():
    form = oslo_form(zone_name="Nowhere/Special")
    assert form.end_of_day(NOW) == form


# -- summary ------------------------------------------------------------------------------------


def test_summary_shows_local_utc_relative_and_deactivation():
    assert oslo_form().summary(NOW) == (
        "Ends Tue 14 May 2024, 13:05 CEST (11:05 UTC) — in 1 h 5 min. "
        "The room is deactivated at 14:05 CEST."
    )


def test_summary_names_other_days_when_they_differ():
    form = oslo_form(zone_name="America/Los_Angeles", end_wall=datetime(2024, 5, 14, 23, 30))
    assert form.summary(NOW) == (
        "Ends Tue 14 May 2024, 23:30 PDT (06:30 UTC on Wed 15 May 2024) — in 20 h 30 min. "
        "The room is deactivated at 00:30 PDT on Wed 15 May 2024."
    )


def test_summary_in_utc_and_for_past_and_far_ends():
    utc = oslo_form(zone_name="UTC", end_wall=datetime(2024, 5, 14, 9, 55))
    assert utc.summary(NOW) == (
        "Ends Tue 14 May 2024, 09:55 UTC — 5 min ago. The room is deactivated at 10:55 UTC."
    )
    far = oslo_form(end_wall=datetime(2024, 5, 16, 14, 0))
    assert "in 2 d 2 h." in far.summary(NOW)


def test_summary_for_times_that_cannot_be_placed():
    skipped = oslo_form(end_wall=datetime(2024, 3, 31, 2, 30))
    assert skipped.summary(NOW) == "02:30 is skipped that day in Europe/Oslo."
    repeated = oslo_form(end_wall=datetime(2024, 10, 27, 2, 30))
    assert "happens twice" in repeated.summary(NOW)
    assert oslo_form(zone_name="Nowhere/Special").summary(NOW) == "Choose a known time zone."


@pytest.mark.parametrize(
    ("end", "now", "text"),
    [
        (datetime(2024, 5, 14, 11, 5, tzinfo=UTC), NOW, "in 1 h 5 min"),
        (datetime(2024, 5, 14, 11, 0, tzinfo=UTC), NOW, "in 1 h"),
        (datetime(2024, 5, 14, 10, 1, tzinfo=UTC), NOW, "in 1 min"),
        (datetime(2024, 5, 14, 10, 0, tzinfo=UTC), NOW, "right now"),
        (datetime(2024, 5, 14, 9, 0, tzinfo=UTC), NOW, "1 h ago"),
        (datetime(2024, 5, 15, 10, 0, tzinfo=UTC), NOW, "in 1 d"),
    ],
)
def test_relative_text_counts_clock_minutes(end, now, text):
    assert relative_text(end, now) == text


# -- daylight-saving time -----------------------------------------------------------------------


def test_a_skipped_time_is_an_end_date_issue():
    form = oslo_form(end_wall=datetime(2024, 3, 31, 2, 30))
    issues = form.issues(NOW)
    assert list(issues) == ["endDate"]
    assert "does not exist in Europe/Oslo" in issues["endDate"]
    assert not form.is_ambiguous
    assert form.fold_choices() == []
    with pytest.raises(NonexistentLocalTimeError):
        form.build(NOW)


def test_a_repeated_time_needs_a_fold_and_offers_both():
    form = oslo_form(end_wall=datetime(2024, 10, 27, 2, 30))
    assert form.is_ambiguous
    assert form.fold_choices() == [
        (0, "first (CEST, UTC+02:00)"),
        (1, "second (CET, UTC+01:00)"),
    ]
    assert "occurs twice" in form.issues(NOW)["endDate"]
    with pytest.raises(AmbiguousLocalTimeError):
        form.build(NOW)
    first = replace(form, fold=0).build(NOW)
    second = replace(form, fold=1).build(NOW)
    assert first.to_json()["endDate"] == "2024-10-27T00:30:00Z"
    assert second.to_json()["endDate"] == "2024-10-27T01:30:00Z"
    assert replace(form, fold=1).issues(NOW) == {}


def test_fold_is_ignored_for_ordinary_times():
    assert oslo_form(fold=1).build(NOW).to_json()["endDate"] == "2024-05-14T11:05:00Z"
    with pytest.raises(ValueError, match="fold"):
        oslo_form(fold=2)


def test_an_end_in_the_past_and_an_unknown_zone():
    past = oslo_form(end_wall=datetime(2024, 5, 14, 11, 55))  # 09:55 UTC
    assert past.issues(NOW) == {"endDate": "The end is in the past; pick a later time"}
    assert past.blocking_reason(NOW) == "Fix: the end is in the past; pick a later time"
    unknown = oslo_form(zone_name="Europe/Atlantis")
    assert list(unknown.issues(NOW)) == ["timeZone"]
    assert "'Europe/Atlantis' is not a known IANA time zone" in unknown.issues(NOW)["timeZone"]


def test_an_end_past_the_planning_limit_is_refused_with_its_reason():
    # 366 days ahead is the last minute allowed; a minute more is refused, by the same rule
    # the request itself follows.
    last = oslo_form(end_wall=datetime(2025, 5, 15, 12, 0))  # NOW + 366 d, 12:00 CEST
    assert last.issues(NOW) == {}
    beyond = oslo_form(end_wall=datetime(2025, 5, 15, 12, 1))
    assert beyond.issues(NOW) == {
        "endDate": "The end is more than 366 days from now; a room may end at most 366 days ahead"
    }


# -- prefix and label ---------------------------------------------------------------------------


def test_prefix_normalisation_and_preview():
    form = oslo_form(prefix="  Team Sync ")
    assert form.normalized_prefix == "teamsync"
    assert form.prefix_preview == "https://<your-subdomain>.whereby.com/teamsync-1a2b3c4d-…"
    short = replace(form, pattern=RoomNamePattern.HUMAN_SHORT)
    assert short.prefix_preview == "https://<your-subdomain>.whereby.com/teamsync-ab3k9x"
    assert oslo_form().prefix_preview == "https://<your-subdomain>.whereby.com/1a2b3c4d-…"
    assert form.build(NOW).to_json()["roomNamePrefix"] == "teamsync"


def test_prefix_problems_are_named_in_sentences():
    bad = oslo_form(prefix="team_sync!")
    assert bad.issues(NOW) == {
        "roomNamePrefix": "The prefix may only contain a-z, 0-9 and '-'; found '!' '_'"
    }
    assert bad.blocking_reason(NOW).startswith("Fix: the prefix may only contain")
    long = oslo_form(prefix="a" * 40)
    assert "40 characters long" in long.issues(NOW)["roomNamePrefix"]
    assert oslo_form(prefix="a" * 39).issues(NOW) == {}
    with pytest.raises(RequestValidationError) as caught:
        bad.build(NOW)
    assert [issue.field for issue in caught.value.issues] == ["roomNamePrefix"]


def test_label_length_is_limited_to_200():
    assert oslo_form(label="x" * 200).issues(NOW) == {}
    issues = oslo_form(label="x" * 201, prefix="Bad_").issues(NOW)
    assert list(issues) == ["label", "roomNamePrefix"]
    assert issues["label"] == "The label is 201 characters long; at most 200 are allowed"
    assert oslo_form(label="x" * 201, prefix="Bad_").blocking_reason(NOW) == (
        "Fix: the label is 201 characters long; at most 200 are allowed (and 1 more)"
    )


# -- viewer mode ------------------------------------------------------------------------------


def test_viewer_mode_forces_group_locked_and_both_links_but_keeps_the_choices():
    form = oslo_form(viewer_mode=True, host_link=False, start_locked=False)
    assert form.effective_room_mode == RoomMode.GROUP
    assert form.effective_locked is True
    assert form.effective_host_link is True
    assert form.effective_viewer_link is True
    assert (form.room_mode, form.start_locked, form.host_link) == (RoomMode.NORMAL, False, False)
    plain = replace(form, viewer_mode=False)
    assert (plain.effective_room_mode, plain.effective_locked) == (RoomMode.NORMAL, False)
    assert (plain.effective_host_link, plain.effective_viewer_link) == (False, False)


# -- the request body ---------------------------------------------------------------------------

END = "2024-05-14T11:05:00Z"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            {},
            {
                "endDate": END,
                "roomMode": "normal",
                "isLocked": False,
                "roomNamePattern": "uuid",
                "fields": ["hostRoomUrl"],
            },
            id="defaults",
        ),
        pytest.param(
            {
                "host_link": False,
                "room_mode": RoomMode.GROUP,
                "start_locked": True,
                "prefix": "Daily Standup",
                "pattern": RoomNamePattern.HUMAN_SHORT,
            },
            {
                "endDate": END,
                "roomMode": "group",
                "isLocked": True,
                "roomNamePrefix": "dailystandup",
                "roomNamePattern": "human-short",
            },
            id="group-locked-short-no-links",
        ),
        pytest.param(
            {"viewer_link": True},
            {
                "endDate": END,
                "roomMode": "normal",
                "isLocked": False,
                "roomNamePattern": "uuid",
                "fields": ["hostRoomUrl", "viewerRoomUrl"],
            },
            id="both-links",
        ),
        pytest.param(
            {"viewer_mode": True, "host_link": False, "prefix": "town-hall"},
            {
                "endDate": END,
                "templateType": "viewerMode",
                "roomNamePrefix": "town-hall",
                "roomNamePattern": "uuid",
                "fields": ["hostRoomUrl", "viewerRoomUrl"],
            },
            id="viewer-mode",
        ),
        pytest.param(
            {
                "recording": RecordingInputs(
                    type=RecordingType.LOCAL,
                    storage=S3_KEYS,  # ignored for local recordings
                    file_format=RecordingFileFormat.MP4,
                    start_trigger=RecordingTrigger.PROMPT,
                )
            },
            {
                "endDate": END,
                "roomMode": "normal",
                "isLocked": False,
                "roomNamePattern": "uuid",
                "fields": ["hostRoomUrl"],
                "recording": {
                    "type": "local",
                    "destination": {"provider": "whereby"},
                    "startTrigger": "prompt",
                },
            },
            id="local-recording",
        ),
        pytest.param(
            {
                "host_link": False,
                "recording": RecordingInputs(
                    type=RecordingType.CLOUD,
                    file_format=RecordingFileFormat.MKV,
                    start_trigger=RecordingTrigger.AUTOMATIC_2ND_PARTICIPANT,
                ),
            },
            {
                "endDate": END,
                "roomMode": "normal",
                "isLocked": False,
                "roomNamePattern": "uuid",
                "recording": {
                    "type": "cloud",
                    "destination": {"provider": "whereby", "fileFormat": "mkv"},
                    "startTrigger": "automatic-2nd-participant",
                },
            },
            id="cloud-recording-whereby",
        ),
        pytest.param(
            {
                "host_link": False,
                "recording": RecordingInputs(
                    type=RecordingType.CLOUD,
                    storage=S3_KEYS,
                    start_trigger=RecordingTrigger.AUTOMATIC,
                ),
            },
            {
                "endDate": END,
                "roomMode": "normal",
                "isLocked": False,
                "roomNamePattern": "uuid",
                "recording": {
                    "type": "cloud",
                    "destination": {
                        "provider": "s3",
                        "authenticationType": "accessKey",
                        "bucket": "rec-bucket",
                        "accessKeyId": "AKIAEXAMPLE",
                        "accessKeySecret": "wJalr/K7MDENG+bPxRfiCY",
                        "region": "eu-north-1",
                    },
                    "startTrigger": "automatic",
                },
            },
            id="cloud-recording-s3-keys",
        ),
        pytest.param(
            {
                "host_link": False,
                "recording": RecordingInputs(
                    type=RecordingType.CLOUD,
                    storage=S3_ROLE,
                    file_format=RecordingFileFormat.MP4,
                ),
            },
            {
                "endDate": END,
                "roomMode": "normal",
                "isLocked": False,
                "roomNamePattern": "uuid",
                "recording": {
                    "type": "cloud",
                    "destination": {
                        "provider": "s3",
                        "authenticationType": "roleBased",
                        "bucket": "rec-bucket",
                        "oidcRoleArn": "arn:aws:iam::123456789012:role/whereby",
                        "fileFormat": "mp4",
                    },
                    "startTrigger": "none",
                },
            },
            id="cloud-recording-s3-role",
        ),
        pytest.param(
            {
                "host_link": False,
                "transcription": TranscriptionInputs(
                    enabled=True,
                    start_trigger=TranscriptionTrigger.AUTOMATIC,
                    language="de-CH",
                    live_captions=True,
                ),
            },
            {
                "endDate": END,
                "roomMode": "normal",
                "isLocked": False,
                "roomNamePattern": "uuid",
                "liveTranscription": {
                    "destination": {"provider": "whereby"},
                    "startTrigger": "automatic",
                    "language": "de-CH",
                    "liveCaptions": True,
                },
            },
            id="transcription",
        ),
        pytest.param(
            {
                "host_link": False,
                "transcription": TranscriptionInputs(enabled=True, storage=S3_ROLE),
                "streaming": StreamingInputs(
                    enabled=True,
                    url="  rtmps://live.example.com/app/KEY ",
                    start_trigger=StreamingTrigger.PROMPT,
                ),
            },
            {
                "endDate": END,
                "roomMode": "normal",
                "isLocked": False,
                "roomNamePattern": "uuid",
                "liveTranscription": {
                    "destination": {
                        "provider": "s3",
                        "authenticationType": "roleBased",
                        "bucket": "rec-bucket",
                        "oidcRoleArn": "arn:aws:iam::123456789012:role/whereby",
                    },
                    "startTrigger": "manual",
                },
                "streaming": {
                    "destination": {"url": "rtmps://live.example.com/app/KEY"},
                    "startTrigger": "prompt",
                },
            },
            id="transcription-s3-role-and-streaming",
        ),
        pytest.param(
            {
                "recording": RecordingInputs(type=RecordingType.NONE, storage=S3_KEYS),
                "transcription": TranscriptionInputs(enabled=False, language="fr"),
                "streaming": StreamingInputs(enabled=False, url="not a url"),
            },
            {
                "endDate": END,
                "roomMode": "normal",
                "isLocked": False,
                "roomNamePattern": "uuid",
                "fields": ["hostRoomUrl"],
            },
            id="everything-off-ignores-leftovers",
        ),
    ],
)
def test_build_produces_the_exact_body(changes, expected):
    form = oslo_form(**changes)
    assert form.issues(NOW) == {}
    request = form.build(NOW)
    assert isinstance(request, MeetingRequest)
    assert request.to_json() == expected
    assert json.loads(form.request_json(NOW)) == _masked(expected)


def _masked(body: dict) -> dict:
    body = json.loads(json.dumps(body))
    for section in ("recording", "liveTranscription"):
        destination = body.get(section, {}).get("destination", {})
        if "accessKeySecret" in destination:
            destination["accessKeySecret"] = SECRET_MASK
    if "streaming" in body:
        url = body["streaming"]["destination"]["url"]
        body["streaming"]["destination"]["url"] = url.rsplit("/", 1)[0] + "/" + SECRET_MASK
    return body


def test_s3_issues_name_each_missing_field():
    keys = oslo_form(
        recording=RecordingInputs(
            type=RecordingType.CLOUD, storage=StorageInputs(provider=StorageProvider.S3)
        )
    )
    assert keys.issues(NOW) == {
        "recording.destination.bucket": "The bucket is required for S3 storage",
        "recording.destination.region": "The region is required for S3 access-key storage",
        "recording.destination.accessKeyId": (
            "The access key ID is required for S3 access-key storage"
        ),
        "recording.destination.accessKeySecret": (
            "The secret access key is required for S3 access-key storage"
        ),
    }
    role = oslo_form(
        transcription=TranscriptionInputs(
            enabled=True,
            storage=StorageInputs(
                provider=StorageProvider.S3,
                authentication_type=S3AuthenticationType.ROLE_BASED,
                bucket="b",
            ),
        )
    )
    assert role.issues(NOW) == {
        "liveTranscription.destination.oidcRoleArn": (
            "The role ARN is required for role-based S3 access"
        )
    }


def test_streaming_needs_an_rtmp_address():
    form = oslo_form(streaming=StreamingInputs(enabled=True, url="https://example.com/live"))
    assert list(form.issues(NOW)) == ["streaming.destination.url"]
    assert form.issues(NOW)["streaming.destination.url"].startswith(
        "The stream address must be an rtmp:// or rtmps:// address"
    )


def test_all_problems_are_reported_together():
    form = oslo_form(
        end_wall=datetime(2024, 3, 31, 2, 30),
        prefix="Nope!",
        streaming=StreamingInputs(enabled=True),
    )
    assert list(form.issues(NOW)) == ["endDate", "roomNamePrefix", "streaming.destination.url"]
    with pytest.raises(NonexistentLocalTimeError) as caught:
        form.build(NOW)
    assert len(caught.value.issues) == 3


# -- showing and copying the request ------------------------------------------------------------

BASE = "https://api.whereby.dev/v1"


def _s3_form() -> CreateRoomForm:
    return oslo_form(recording=RecordingInputs(type=RecordingType.CLOUD, storage=S3_KEYS))


def test_request_json_masks_the_s3_secret():
    text = _s3_form().request_json(NOW)
    assert S3_KEYS.access_key_secret not in text
    body = json.loads(text)
    assert body["recording"]["destination"]["accessKeySecret"] == SECRET_MASK
    assert text.startswith('{\n  "endDate"')  # pretty-printed


def test_request_json_is_shown_despite_other_problems_but_not_without_an_end():
    draft = oslo_form(prefix="Bad_Prefix")
    assert json.loads(draft.request_json(NOW))["roomNamePrefix"] == "bad_prefix"
    with pytest.raises(NonexistentLocalTimeError):
        oslo_form(end_wall=datetime(2024, 3, 31, 2, 30)).request_json(NOW)


def test_curl_never_holds_the_api_key_or_the_s3_secret(monkeypatch):
    monkeypatch.setenv("WHEREBY_API_KEY", "real-key-1234567890")
    monkeypatch.setenv("ROOMDESK_API_KEY", "real-key-1234567890")
    command = _s3_form().curl(NOW, BASE + "/")
    assert "real-key" not in command
    assert S3_KEYS.access_key_secret not in command
    assert command.startswith(f"curl -X POST {BASE}/meetings ")
    assert '-H "Authorization: Bearer $WHEREBY_API_KEY"' in command


def test_curl_round_trips_through_shell_quoting():
    tricky = StorageInputs(
        provider=StorageProvider.S3,
        bucket='it\'s "quoted" $HOME `cmd` \\ back',
        region="eu-north-1",
        access_key_id="AKIA'X",
        access_key_secret="secret",
    )
    form = oslo_form(
        label="not in the body",
        recording=RecordingInputs(type=RecordingType.CLOUD, storage=tricky),
    )
    words = shlex.split(form.curl(NOW, BASE))
    assert words[:9] == [
        "curl",
        "-X",
        "POST",
        f"{BASE}/meetings",
        "-H",
        "Authorization: Bearer $WHEREBY_API_KEY",
        "-H",
        "Content-Type: application/json",
        "--data",
    ]
    assert len(words) == 10
    expected = form.build(NOW).to_json()
    expected["recording"]["destination"]["accessKeySecret"] = "$S3_ACCESS_KEY_SECRET"
    assert words[9] == json.dumps(expected, separators=(",", ":"), ensure_ascii=False)


def test_curl_without_secrets_is_a_plain_quoted_body():
    form = oslo_form(prefix="standup")
    words = shlex.split(form.curl(NOW, BASE))
    assert json.loads(words[-1]) == form.build(NOW).to_json()
    assert "S3_ACCESS_KEY_SECRET" not in form.curl(NOW, BASE)


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_a_real_shell_fills_in_the_s3_secret_from_its_variable():
    # "curl" is replaced by a function that prints its last argument: what would be sent.
    script = 'curl() { printf "%s" "${@: -1}"; }; ' + _s3_form().curl(NOW, BASE)
    result = subprocess.run(
        ["bash", "-c", script],
        env={"S3_ACCESS_KEY_SECRET": "from/the+shell", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    body = json.loads(result.stdout)
    assert body["recording"]["destination"]["accessKeySecret"] == "from/the+shell"
    assert body["recording"]["destination"]["bucket"] == "rec-bucket"


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_stream_key_is_masked_in_the_preview_and_a_variable_in_curl():
    form = oslo_form(
        streaming=StreamingInputs(enabled=True, url="rtmp://a.rtmp.youtube.com/live2/abcd-1234")
    )
    shown = json.loads(form.request_json(NOW))
    assert shown["streaming"]["destination"]["url"] == "rtmp://a.rtmp.youtube.com/live2/********"
    command = form.curl(NOW, BASE)
    assert "abcd-1234" not in command
    script = 'curl() { printf "%s" "${@: -1}"; }; ' + command
    result = subprocess.run(
        ["bash", "-c", script],
        env={"WHEREBY_STREAM_KEY": "key-from-shell", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    sent = json.loads(result.stdout)["streaming"]["destination"]["url"]
    assert sent == "rtmp://a.rtmp.youtube.com/live2/key-from-shell"
