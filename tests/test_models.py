"""Request building, validation and response parsing: pure, no network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from itertools import product
from types import MappingProxyType
from zoneinfo import ZoneInfo

import pytest

from roomdesk.api.errors import MalformedResponseError, RequestValidationError
from roomdesk.api.models import (
    Meeting,
    MeetingsPage,
    check_meeting_id,
    meeting_id_problem,
    parse_api_datetime,
    room_link_problem,
)
from roomdesk.api.requests import (
    LONGEST_PLAN_AHEAD,
    Field,
    MeetingRequest,
    RecordingOptions,
    RecordingType,
    RoomNamePattern,
    S3AuthenticationType,
    StorageDestination,
    StorageProvider,
    StreamingOptions,
    StreamingTrigger,
    TranscriptionOptions,
    fields_param,
)
from roomdesk.domain.errors import AmbiguousLocalTimeError, NonexistentLocalTimeError
from roomdesk.domain.rooms import RoomMode, normalize_prefix, prefix_problem
from roomdesk.domain.times import format_utc, resolve_local_time

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=2)


def issue_fields(request: MeetingRequest) -> list[str]:
    return [issue.field for issue in request.issues(NOW)]


# -- time zones ------------------------------------------------------------------------------


def test_wall_time_in_zone_becomes_utc():
    end = resolve_local_time(datetime(2026, 12, 1, 15, 30), "America/New_York")
    assert format_utc(end) == "2026-12-01T20:30:00Z"


def test_utc_text_has_whole_seconds_a_z_and_four_digit_years():
    oslo = ZoneInfo("Europe/Oslo")
    assert format_utc(datetime(2026, 12, 1, 12, 0, 59, 999_999, tzinfo=oslo)) == (
        "2026-12-01T11:00:59Z"
    )
    assert format_utc(datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC)) == "0999-01-02T03:04:05Z"
    with pytest.raises(ValueError, match="aware"):
        format_utc(datetime(2026, 12, 1, 12, 0))


def test_summer_and_winter_offsets_differ():
    summer = resolve_local_time(datetime(2026, 7, 1, 12, 0), "Europe/Oslo")
    winter = resolve_local_time(datetime(2026, 12, 1, 12, 0), "Europe/Oslo")
    assert format_utc(summer) == "2026-07-01T10:00:00Z"
    assert format_utc(winter) == "2026-12-01T11:00:00Z"


def test_time_skipped_by_spring_forward_is_reported():
    with pytest.raises(NonexistentLocalTimeError) as caught:
        resolve_local_time(datetime(2026, 3, 29, 2, 30), "Europe/Oslo")
    assert caught.value.issues[0].field == "endDate"
    assert "does not exist" in str(caught.value)


def test_time_repeated_by_fall_back_is_reported_then_resolved_by_fold():
    wall = datetime(2026, 11, 1, 1, 30)
    with pytest.raises(AmbiguousLocalTimeError, match="occurs twice"):
        resolve_local_time(wall, "America/New_York")
    earlier = resolve_local_time(wall, "America/New_York", fold=0)
    later = resolve_local_time(wall, "America/New_York", fold=1)
    assert format_utc(earlier) == "2026-11-01T05:30:00Z"
    assert format_utc(later) == "2026-11-01T06:30:00Z"


def test_half_hour_zone_and_southern_hemisphere_dst():
    assert format_utc(resolve_local_time(datetime(2026, 6, 1, 9, 0), "Asia/Kolkata")) == (
        "2026-06-01T03:30:00Z"
    )
    # Sydney leaves daylight saving at 03:00 on 2026-04-05: 02:30 happens twice.
    with pytest.raises(AmbiguousLocalTimeError):
        resolve_local_time(datetime(2026, 4, 5, 2, 30), "Australia/Sydney")


def test_unknown_zone_names_the_field():
    with pytest.raises(RequestValidationError, match="timeZone"):
        resolve_local_time(datetime(2026, 12, 1, 12, 0), "Mars/Olympus_Mons")


def test_aware_end_keeps_its_instant():
    end = datetime(2026, 12, 1, 10, 0, tzinfo=timezone(timedelta(hours=-5)))
    body = MeetingRequest(end_date=end).to_json()
    assert body["endDate"] == "2026-12-01T15:00:00Z"


# -- validation ------------------------------------------------------------------------------


def test_defaults_are_valid_and_minimal():
    request = MeetingRequest(end_date=LATER)
    assert request.issues(NOW) == []
    assert request.to_json() == {
        "endDate": format_utc(LATER),
        "roomMode": "normal",
        "isLocked": False,
        "roomNamePattern": "uuid",
    }


def test_end_in_past_names_field():
    assert issue_fields(MeetingRequest(end_date=NOW - timedelta(seconds=1))) == ["endDate"]


def test_an_end_more_than_366_days_ahead_is_refused_before_sending():
    assert MeetingRequest(end_date=NOW + LONGEST_PLAN_AHEAD).issues(NOW) == []
    too_far = MeetingRequest(end_date=NOW + LONGEST_PLAN_AHEAD + timedelta(seconds=1))
    [issue] = too_far.issues(NOW)
    assert issue.field == "endDate"
    assert issue.message.endswith(
        "is more than 366 days from now; a room may end at most 366 days ahead"
    )
    assert issue_fields(MeetingRequest(end_date=datetime(9999, 12, 31, tzinfo=UTC))) == ["endDate"]


def test_naive_end_is_refused():
    assert issue_fields(MeetingRequest(end_date=datetime(2030, 1, 1))) == ["endDate"]


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [("Team Sync", "teamsync"), ("  A b\tC ", "abc"), ("maths-101", "maths-101")],
)
def test_prefix_is_normalised_like_whereby(raw, normalized):
    assert normalize_prefix(raw) == normalized
    request = MeetingRequest(end_date=LATER, room_name_prefix=raw)
    assert request.to_json()["roomNamePrefix"] == normalized


def test_prefix_length_counts_after_normalising():
    assert prefix_problem("a" * 39) is None
    assert prefix_problem(" ".join("a" * 39)) is None  # spaces are removed first
    assert "40 characters" in prefix_problem("a" * 40)


@pytest.mark.parametrize("raw", ["café", "a_b", "a.b", "a/b", "ü"])
def test_prefix_characters(raw):
    problem = prefix_problem(raw)
    assert problem is not None and "a-z, 0-9 and '-'" in problem
    assert issue_fields(MeetingRequest(end_date=LATER, room_name_prefix=raw)) == ["roomNamePrefix"]


def test_unknown_enum_values_are_named():
    request = MeetingRequest(end_date=LATER, room_mode="huge", room_name_pattern="emoji")
    fields = issue_fields(request)
    assert fields == ["roomMode", "roomNamePattern"]
    assert "'huge' is not one of normal, group" in str(request.issues(NOW)[0])


def test_s3_destination_requires_bucket_and_keys():
    s3 = StorageDestination(provider=StorageProvider.S3)
    request = MeetingRequest(
        end_date=LATER, recording=RecordingOptions(type=RecordingType.CLOUD, destination=s3)
    )
    assert issue_fields(request) == [
        "recording.destination.bucket",
        "recording.destination.region",
        "recording.destination.accessKeyId",
        "recording.destination.accessKeySecret",
    ]


def test_role_based_s3_needs_role_arn_only():
    s3 = StorageDestination(
        provider=StorageProvider.S3,
        authentication_type=S3AuthenticationType.ROLE_BASED,
        bucket="b",
    )
    request = MeetingRequest(end_date=LATER, live_transcription=TranscriptionOptions(s3))
    assert issue_fields(request) == ["liveTranscription.destination.oidcRoleArn"]


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("rtmp://a.rtmp.youtube.com/live2/key", True),
        ("rtmps://live.example.com:443/app/key", True),
        ("https://example.com/live", False),
        ("rtmp://", False),
        ("", False),
    ],
)
def test_streaming_url_must_be_rtmp(url, ok):
    request = MeetingRequest(end_date=LATER, streaming=StreamingOptions(url=url))
    assert issue_fields(request) == ([] if ok else ["streaming.destination.url"])


def test_unknown_language_is_named():
    request = MeetingRequest(
        end_date=LATER, live_transcription=TranscriptionOptions(language="tlh")
    )
    assert issue_fields(request) == ["liveTranscription.language"]


def test_validate_raises_with_every_issue():
    request = MeetingRequest(end_date=NOW - timedelta(hours=1), room_name_prefix="a_b")
    with pytest.raises(RequestValidationError) as caught:
        request.validate(NOW)
    assert [issue.field for issue in caught.value.issues] == ["endDate", "roomNamePrefix"]


# -- building ---------------------------------------------------------------------------------


def test_viewer_mode_uses_template_and_both_links():
    request = MeetingRequest(end_date=LATER, viewer_mode=True, room_mode=RoomMode.NORMAL)
    body = request.to_json()
    assert body["templateType"] == "viewerMode"
    assert "roomMode" not in body and "isLocked" not in body
    assert body["fields"] == ["hostRoomUrl", "viewerRoomUrl"]
    assert request.effective_room_mode is RoomMode.GROUP


def test_full_request_round_trips():
    request = MeetingRequest(
        end_date=LATER,
        room_mode=RoomMode.GROUP,
        room_name_prefix="workshop",
        room_name_pattern=RoomNamePattern.HUMAN_SHORT,
        is_locked=True,
        fields=frozenset({Field.HOST_ROOM_URL}),
        recording=RecordingOptions(
            type=RecordingType.CLOUD,
            destination=StorageDestination(
                provider=StorageProvider.S3,
                bucket="rec/2026",
                region="eu-west-1",
                access_key_id="AKIA",
                access_key_secret="s3cret",
            ),
        ),
        live_transcription=TranscriptionOptions(language="en-GB", live_captions=True),
        streaming=StreamingOptions(
            url="rtmp://x.example/live", start_trigger=StreamingTrigger.PROMPT
        ),
    )
    body = request.to_json()
    assert body["recording"]["destination"]["accessKeySecret"] == "s3cret"
    assert body["liveTranscription"]["language"] == "en-GB"
    assert MeetingRequest.from_json(body) == request


def test_stored_options_hide_storage_secret():
    request = MeetingRequest(
        end_date=LATER,
        recording=RecordingOptions(
            destination=StorageDestination(
                provider=StorageProvider.S3,
                bucket="b",
                region="r",
                access_key_id="id",
                access_key_secret="s3cret",
            )
        ),
    )
    assert "s3cret" not in str(request.to_stored_options())
    assert request.to_json()["recording"]["destination"]["accessKeySecret"] == "s3cret"


def test_fields_param_is_sorted_form_style():
    assert fields_param([Field.VIEWER_ROOM_URL, Field.HOST_ROOM_URL]) == (
        "hostRoomUrl,viewerRoomUrl"
    )


# -- responses --------------------------------------------------------------------------------


def test_meeting_parses_required_and_optional_fields_ignoring_unknown():
    meeting = Meeting.from_json(
        {
            "meetingId": "123",
            "roomUrl": "https://x.whereby.com/r",
            "endDate": "2026-12-01T11:00:00.000Z",
            "startDate": "2026-12-01T10:00:00+01:00",
            "hostRoomUrl": "https://x.whereby.com/r?roomKey=k",
            "somethingNew": {"nested": True},
        }
    )
    assert meeting.end_date == datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
    assert meeting.start_date == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert meeting.viewer_room_url is None
    assert meeting.end_date.tzinfo is UTC


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        "meeting",
        {"roomUrl": "https://x.whereby.com/r", "endDate": "2026-12-01T11:00:00Z"},
        {"meetingId": "1", "endDate": "2026-12-01T11:00:00Z"},
        {"meetingId": "1", "roomUrl": "https://x.whereby.com/r"},
        {"meetingId": "1", "roomUrl": "https://x.whereby.com/r", "endDate": "tomorrow"},
        {"meetingId": "1", "roomUrl": "https://x.whereby.com/r", "endDate": 12345},
        {"meetingId": "1", "roomUrl": "javascript:alert(1)", "endDate": "2026-12-01T11:00:00Z"},
        {
            "meetingId": True,
            "roomUrl": "https://x.whereby.com/r",
            "endDate": "2026-12-01T11:00:00Z",
        },
        {"meetingId": 1.5, "roomUrl": "https://x.whereby.com/r", "endDate": "2026-12-01T11:00:00Z"},
        {"meetingId": "1", "roomUrl": "", "endDate": "2026-12-01T11:00:00Z"},
        {"meetingId": "1", "roomUrl": "https://x.whereby.com/r", "endDate": "2026-12-01T11:00:00Z"}
        | {"roomName": 5},
        {"meetingId": "1", "roomUrl": "https://x.whereby.com/r", "endDate": "2026-12-01T11:00:00Z"}
        | {"hostRoomUrl": "ftp://x/r"},
        {"meetingId": "1", "roomUrl": "https://x.whereby.com/r", "endDate": "2026-12-01T11:00:00Z"}
        | {"viewerRoomUrl": ["https://x.whereby.com/r"]},
    ],
)
def test_malformed_meetings_raise_typed_error(data):
    with pytest.raises(MalformedResponseError):
        Meeting.from_json(data)


_END = "2026-12-01T11:00:00Z"


def test_the_usual_meetings_short_path_gives_what_the_full_checks_give():
    variants = product(
        ["1", "93259794", 7],  # meetingId
        ["https://x.whereby.com/r", "HTTPS://X.Whereby.COM/r"],  # roomUrl
        [_END, "2026-12-01T12:00:00+01:00", "2026-12-01T11:00:00z"],  # endDate
        [None, _END, "2026-12-01T11:00:00"],  # startDate
        [None, "", "/r"],  # roomName
        [
            None,
            "https://x.whereby.com/r?roomKey=k",
            "Https://x.WHEREBY.com/r?roomKey=k",
        ],  # host and viewer links
    )
    for meeting_id, room_url, end, start, room_name, link in variants:
        data = {"meetingId": meeting_id, "roomUrl": room_url, "endDate": end}
        optional = {"startDate": start, "roomName": room_name, "hostRoomUrl": link}
        data |= {key: value for key, value in optional.items() if value is not None}
        data["viewerRoomUrl"] = link  # an explicit null as well as a link
        full, parsed = Meeting._checked(data), Meeting.from_json(data)
        assert parsed == full and type(parsed) is Meeting, data
        # Equal date-times may differ in zone: both must be in UTC itself.
        assert parsed.end_date.tzinfo is UTC, data
        assert parsed.start_date is None or parsed.start_date.tzinfo is UTC, data
        assert Meeting.from_json(MappingProxyType(data)) == full  # any mapping: the full checks
        assert full.meeting_id == str(meeting_id) and full.room_name == (room_name or None)


def test_page_parsing():
    page = MeetingsPage.from_json(
        {
            "results": [
                {
                    "meetingId": "1",
                    "roomUrl": "https://x.whereby.com/r",
                    "endDate": "2026-12-01T11:00:00Z",
                }
            ],
            "cursor": None,
        }
    )
    assert page.cursor is None and len(page.meetings) == 1
    with pytest.raises(MalformedResponseError):
        MeetingsPage.from_json({"results": {}, "cursor": None})
    with pytest.raises(MalformedResponseError):
        MeetingsPage.from_json({"results": [], "cursor": 7})


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-01T11:00:00Z",
        "2026-12-01T11:00:00z",
        " 2026-12-01T11:00:00.000Z ",
        "2026-12-01T12:00:00+01:00",
        "2026-12-01T06:00:00-05:00",
        "2026-12-01T11:00:00",
    ],
)
def test_api_datetimes_in_any_form_come_out_in_utc_alone_and_in_a_meeting(text):
    parsed = parse_api_datetime(text, "endDate")
    assert parsed == datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
    assert parsed.utcoffset() == timedelta(0)
    # A meeting's dates take a shorter path when they are in the usual form: the same result.
    meeting = Meeting.from_json(
        {"meetingId": 7, "roomUrl": "https://x.whereby.com/r", "endDate": text, "startDate": text}
    )
    assert meeting.end_date == meeting.start_date == parsed
    assert meeting.end_date.tzinfo is UTC and meeting.start_date.tzinfo is UTC
    assert meeting.meeting_id == "7"


@pytest.mark.parametrize("start", ["soon", 12345, ""])
def test_a_bad_start_date_is_named(start):
    with pytest.raises(MalformedResponseError, match="startDate"):
        Meeting.from_json(
            {
                "meetingId": "1",
                "roomUrl": "https://x.whereby.com/r",
                "endDate": "2026-12-01T11:00:00Z",
            }
            | {"startDate": start}
        )


def test_a_parsed_meeting_is_an_ordinary_immutable_meeting():
    data = {
        "meetingId": "1",
        "roomUrl": "https://x.whereby.com/r",
        "endDate": "2026-12-01T11:00:00Z",
        "roomName": "/r",
        "hostRoomUrl": "https://x.whereby.com/r?roomKey=k",
    }
    parsed = Meeting.from_json(data)
    built = Meeting(
        meeting_id="1",
        room_url="https://x.whereby.com/r",
        end_date=datetime(2026, 12, 1, 11, 0, tzinfo=UTC),
        room_name="/r",
        host_room_url="https://x.whereby.com/r?roomKey=k",
    )
    assert parsed == built and hash(parsed) == hash(built) and repr(parsed) == repr(built)
    with pytest.raises(AttributeError):
        parsed.room_url = "https://elsewhere.whereby.com/r"  # type: ignore[misc]


@pytest.mark.parametrize(
    "url",
    [
        "https://team.whereby.com/r",
        "HTTPS://Team.Whereby.COM/r?roomKey=k",
        "https://whereby.com/r",
        "https://a.b.whereby.com/r#x",
        "https://team.whereby.com",
    ],
)
def test_whereby_room_links_in_any_case_are_taken(url):
    meeting = Meeting.from_json({"meetingId": "1", "roomUrl": url, "endDate": "2026-12-01T11:00Z"})
    assert meeting.room_url == url
    assert room_link_problem(url) is None


HOSTILE_LINKS = [
    "http://evil.example/phish",
    "http://team.whereby.com/r",  # plain http
    "HTTP://localhost:8080/r",
    "https://",
    "https:///r",
    "HTTPS://evil.example/?roomKey=k",
    "https://evilwhereby.com/r",
    "https://team.whereby.com.evil.example/r",
    "https://whereby.com@evil.example/r",
    "https://team.whereby.com:8443/r",
    "https://team.whereby.com/r x",
    "https://team.whereby.com/r\x1b]0;x\x07",
    "https://team.whereby.com/r\n",
    "https://team.whereby.com/\u202eroom",
    "https://team.whereby.com/r\u00a0",
    " https://team.whereby.com/r",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "",
]


@pytest.mark.parametrize("url", HOSTILE_LINKS)
@pytest.mark.parametrize("key", ["roomUrl", "hostRoomUrl", "viewerRoomUrl"])
def test_links_that_are_not_whereby_rooms_are_refused_without_quoting_them(url, key):
    data = {"meetingId": "1", "roomUrl": "https://team.whereby.com/r", "endDate": _END}
    data[key] = url
    with pytest.raises(MalformedResponseError, match=f"{key} that is not a Whereby room") as info:
        Meeting.from_json(data)
    assert "evil" not in str(info.value) and "roomKey" not in str(info.value)
    assert room_link_problem(url) is not None


@pytest.mark.parametrize(
    ("meeting_id", "words"),
    [
        ("", "is empty"),
        ("  ", "is empty"),
        (".", "only dots"),
        ("..", "only dots"),
        ("a/b", "may only contain"),
        ("%2e%2e", "may only contain"),
        ("1 2", "may only contain"),
        ("1\n", "may only contain"),
        ("x" * 129, "too long"),
    ],
)
def test_meeting_ids_that_could_leave_their_path_are_refused(meeting_id, words):
    assert words in meeting_id_problem(meeting_id)
    with pytest.raises(MalformedResponseError, match=words):
        Meeting.from_json(
            {"meetingId": meeting_id, "roomUrl": "https://a.whereby.com/r"} | {"endDate": _END}
        )
    with pytest.raises(RequestValidationError, match=f"meetingId: .*{words}"):
        check_meeting_id(meeting_id)


@pytest.mark.parametrize("meeting_id", ["1", "93259794", "a-b_c.d~e", "..a", "x" * 128])
def test_ordinary_meeting_ids_are_taken(meeting_id):
    assert meeting_id_problem(meeting_id) is None
    assert check_meeting_id(meeting_id) == meeting_id


def test_a_page_skips_each_bad_meeting_naming_it_and_keeps_the_rest():
    good = {"meetingId": "1", "roomUrl": "https://a.whereby.com/r", "endDate": _END}
    page = MeetingsPage.from_json(
        {
            "results": [
                {**good, "meetingId": ".."},
                good,
                {**good, "meetingId": "2", "hostRoomUrl": "http://evil.example/?roomKey=k"},
                "not a meeting",
                {**good, "meetingId": "3"},
            ],
            "cursor": "next",
        }
    )
    assert [meeting.meeting_id for meeting in page.meetings] == ["1", "3"]
    assert page.cursor == "next"
    assert [item.meeting_id for item in page.skipped] == [None, "2", None]
    described = [item.describe() for item in page.skipped]
    assert "'..'" in described[0] and "only dots" in described[0]
    assert described[1].startswith("Skipped meeting 2 in Whereby's list: ")
    assert "evil" not in described[1] and "roomKey" not in described[1]
    assert "not an object" in described[2]


@pytest.mark.parametrize(
    "url", ["ftp://team.whereby.com/r", "https:team.whereby.com", "team.whereby.com/r", 42]
)
def test_room_links_that_are_not_web_addresses_are_refused(url):
    with pytest.raises(MalformedResponseError, match="hostRoomUrl that is not a Whereby room link"):
        Meeting.from_json(
            {
                "meetingId": "1",
                "roomUrl": "https://team.whereby.com/r",
                "endDate": "2026-12-01T11:00:00Z",
                "hostRoomUrl": url,
            }
        )


def test_stored_options_hide_stream_key():
    request = MeetingRequest(
        end_date=LATER,
        streaming=StreamingOptions(url="rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl"),
    )
    stored = request.to_stored_options()
    assert stored["streaming"]["destination"]["url"] == "rtmp://a.rtmp.youtube.com/live2/********"
    assert "abcd-efgh-ijkl" not in str(stored)


def test_a_page_gives_its_next_cursor_once_and_refuses_one_seen_before():
    seen: set[str] = set()
    first = MeetingsPage.from_json({"results": [], "cursor": "c1"})
    assert first.next_cursor(seen) == "c1" and seen == {"c1"}
    assert MeetingsPage.from_json({"results": [], "cursor": None}).next_cursor(seen) is None
    with pytest.raises(MalformedResponseError, match="same page cursor twice"):
        first.next_cursor(seen)


@pytest.mark.parametrize("url", HOSTILE_LINKS)
def test_a_known_origin_lets_nothing_through_that_the_whole_check_refuses(url):
    # Links on an origin seen before take a quicker path: it must refuse the same links.
    good = {"meetingId": "1", "roomUrl": "https://team.whereby.com/r", "endDate": _END}
    assert Meeting.from_json(good).room_url == good["roomUrl"]
    for hostile in (url, "https://team.whereby.com/" + url, "https://team.whereby.com/r\x00"):
        if room_link_problem(hostile) is None:
            continue  # a path that happens to be a fine link
        with pytest.raises(MalformedResponseError):
            Meeting.from_json({**good, "roomUrl": hostile})


def test_a_destination_sends_only_the_inputs_of_its_way_in():
    from roomdesk.api.requests import (
        S3AuthenticationType,
        StorageDestination,
        StorageProvider,
    )

    filled = dict(
        bucket="b", region="eu", access_key_id="id", access_key_secret="s", oidc_role_arn="arn"
    )
    assert StorageDestination(**filled).only_chosen() == StorageDestination()
    role = StorageDestination(
        provider=StorageProvider.S3, authentication_type=S3AuthenticationType.ROLE_BASED, **filled
    ).only_chosen()
    assert (role.bucket, role.oidc_role_arn, role.region, role.access_key_secret) == (
        "b",
        "arn",
        "",
        "",
    )
    keys = StorageDestination(provider=StorageProvider.S3, **filled).only_chosen()
    assert (keys.access_key_id, keys.access_key_secret, keys.region, keys.oidc_role_arn) == (
        "id",
        "s",
        "eu",
        "",
    )
