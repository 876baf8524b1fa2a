"""The recordings, transcriptions, summaries and insights answers are read strictly: anything
at all the server sends becomes typed values or MalformedResponseError, never another error,
and a bad item costs only itself."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roomdesk.api.errors import MalformedResponseError, RequestValidationError
from roomdesk.api.insight_models import Participant, RoomSession, parse_participants
from roomdesk.api.media_models import (
    AccessLink,
    Recording,
    Summary,
    Transcription,
    TranscriptionState,
    check_valid_for,
    parse_recordings,
    parse_transcriptions,
)
from roomdesk.api.parsing import Sort, check_room_name

RECORDING = {
    "recordingId": "a56f6ad7-37fe-4a37-9319-3174630ba57a",
    "roomSessionId": "e2f29530-46ec-4cee-8b27-e565cb5bb2e9",
    "filename": "recording.mp4",
    "startDate": "2025-01-01T00:00:00.000Z",
    "endDate": "2025-01-01T00:45:00.000Z",
    "sizeInMegaBytes": 100,
}
TRANSCRIPTION = {
    "transcriptionId": "b438fda0-83e2-4835-92f9-c845ee3d5ea7",
    "roomSessionId": "e2f29530-46ec-4cee-8b27-e565cb5bb2e9",
    "roomName": "/room-prefix-793e9ec1",
    "createdAt": "2025-01-01T00:00:00.000Z",
    "startDate": "2025-01-01T00:00:00.000Z",
    "endDate": "2025-01-01T00:01:00.000Z",
    "state": "ready",
    "durationInSeconds": 60,
    "type": "LIVE_TRANSCRIPTION",
    "filename": "room.md",
    "storageType": "WHEREBY_HOSTED",
}
SUMMARY = {
    "summaryId": "c429ff78-9f03-49de-b427-546bcd848050",
    "transcriptionId": "b438fda0-83e2-4835-92f9-c845ee3d5ea7",
    "summary": {"summary": "This is a meeting summary"},
    "roomSessionId": "e2f29530-46ec-4cee-8b27-e565cb5bb2e9",
    "roomName": "/room-prefix-793e9ec1",
    "createdAt": "2025-01-01T00:00:00.000Z",
    "startDate": "2025-01-01T00:00:00.000Z",
    "endDate": "2025-01-01T00:01:00.000Z",
    "state": "completed",
    "modifiedAt": "2025-01-01T00:00:00.000Z",
    "template": "General Narrative",
}
SESSION = {
    "roomSessionId": "e2f29530-46ec-4cee-8b27-e565cb5bb2e9",
    "roomName": "/room-prefix-793e9ec1",
    "startedAt": "2025-01-01T00:00:00.000Z",
    "endedAt": None,
    "totalParticipantMinutes": 124,
    "totalRecorderMinutes": 120,
    "totalStreamerMinutes": 0,
    "totalUniqueParticipants": 4,
    "totalUniqueRecorders": 1,
    "totalUniqueStreamers": 0,
    "rating": 4.5,
}
PARTICIPANT = {
    "roomSessionId": "e2f29530-46ec-4cee-8b27-e565cb5bb2e9",
    "participantId": "/4b3bd908-cb88-11ec-9d64-0242ac120002",
    "deviceId": "d-1",
    "userId": "32ba120a-a691-4e8e-aec3-a610239271de",
    "roleName": "granted_visitor",
    "displayName": "John Doe",
    "joinedAt": "2025-01-01T00:00:00.000Z",
    "leftAt": "2025-01-01T01:00:00.000Z",
    "externalId": "student-17",
    "tags": ["audio-quality"],
}
PARSERS = [
    (Recording.from_json, RECORDING),
    (Transcription.from_json, TRANSCRIPTION),
    (Summary.from_json, SUMMARY),
    (RoomSession.from_json, SESSION),
    (Participant.from_json, PARTICIPANT),
]
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def test_the_documents_examples_are_read() -> None:
    recording = Recording.from_json(RECORDING)
    assert recording.size_in_megabytes == 100.0
    assert recording.duration.total_seconds() == 45 * 60
    assert recording.start_date == datetime(2025, 1, 1, tzinfo=UTC)
    assert recording.room_name is None
    assert Transcription.from_json(TRANSCRIPTION).is_ready
    assert Summary.from_json(SUMMARY).text == "This is a meeting summary"
    assert RoomSession.from_json(SESSION).ended_at is None
    participant = Participant.from_json(PARTICIPANT)
    assert participant.external_id == "student-17" and participant.tags == ("audio-quality",)
    assert participant.stayed is not None and participant.stayed.total_seconds() == 3600


def test_extra_fields_are_ignored_and_new_states_do_not_hide_an_item() -> None:
    later = {**TRANSCRIPTION, "state": "queued", "type": "NEW_KIND", "somethingNew": [1, 2]}
    transcription = Transcription.from_json(later)
    assert transcription.state is TranscriptionState.UNKNOWN
    assert not transcription.is_ready


@pytest.mark.parametrize(("parse", "valid"), PARSERS)
@given(key=st.sampled_from(["a", "b", "c", "d", "e", "f", "g"]), value=JSON)
@settings(max_examples=60, deadline=None)
def test_any_value_of_any_field_is_read_or_refused_by_name(parse, valid, key, value) -> None:
    fields = list(valid)
    name = fields[ord(key) % len(fields)]
    try:
        parse({**valid, name: value})
    except MalformedResponseError as exc:
        assert name in str(exc) or "the server sent" in str(exc)


@pytest.mark.parametrize(("parse", "_valid"), PARSERS)
@given(data=JSON)
@settings(max_examples=60, deadline=None)
def test_any_json_at_all_is_an_item_or_malformed(parse, _valid, data) -> None:
    with contextlib.suppress(MalformedResponseError):
        parse(data)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"recordingId": "../meetings"}, "recordingId"),
        ({"recordingId": ".."}, "recordingId"),
        ({"recordingId": None}, "recordingId"),
        ({"sizeInMegaBytes": "100"}, "sizeInMegaBytes"),
        ({"sizeInMegaBytes": True}, "sizeInMegaBytes"),
        ({"sizeInMegaBytes": -1}, "sizeInMegaBytes"),
        ({"startDate": "yesterday"}, "startDate"),
        ({"filename": 7}, "filename"),
    ],
)
def test_wrong_fields_are_named(change: dict[str, Any], field: str) -> None:
    with pytest.raises(MalformedResponseError, match=field):
        Recording.from_json({**RECORDING, **change})


@given(sizes=st.lists(st.one_of(st.integers(0, 10**6), st.text(max_size=3)), max_size=8))
@settings(max_examples=80, deadline=None)
def test_a_bad_item_is_skipped_and_named_and_the_others_kept(sizes: list[Any]) -> None:
    items = [
        {**RECORDING, "recordingId": f"rec-{index}", "sizeInMegaBytes": size}
        for index, size in enumerate(sizes)
    ]
    page = parse_recordings({"results": items, "cursor": None})
    good = [index for index, size in enumerate(sizes) if isinstance(size, int)]
    assert [r.recording_id for r in page.items] == [f"rec-{index}" for index in good]
    assert [s.item_id for s in page.skipped] == [
        f"rec-{index}" for index in range(len(sizes)) if index not in good
    ]
    for skipped in page.skipped:
        assert skipped.describe().startswith(f"Skipped recording {skipped.item_id}")


@pytest.mark.parametrize(
    "data",
    [[], {"cursor": None}, {"results": {}}, {"results": [], "cursor": 5}, "page"],
    ids=repr,
)
def test_a_page_that_is_no_page_is_malformed(data: Any) -> None:
    with pytest.raises(MalformedResponseError):
        parse_transcriptions(data)


def test_a_cursor_sent_twice_is_refused() -> None:
    page = parse_participants({"results": [PARTICIPANT], "cursor": "c1"})
    seen: set[str] = set()
    assert page.next_cursor(seen) == "c1"
    with pytest.raises(MalformedResponseError, match="same page cursor"):
        page.next_cursor(seen)


SECRET_LINK = "https://s3.example.com/rec.mp4?X-Amz-Signature=0123456789abcdef"


def test_an_access_link_never_shows_itself() -> None:
    link = AccessLink.from_json({"accessLink": SECRET_LINK, "expires": 1740819600000})
    assert link.url == SECRET_LINK
    assert link.expires_at == datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    for text in (repr(link), str(link), f"{link}", repr([link])):
        assert "0123456789abcdef" not in text and "s3.example.com" not in text
    assert link.expired(datetime(2025, 3, 1, 9, 0, tzinfo=UTC))
    assert not link.expired(datetime(2025, 3, 1, 8, 59, tzinfo=UTC))


@pytest.mark.parametrize(
    "url",
    [
        "http://s3.example.com/rec.mp4?X-Amz-Signature=0123456789abcdef",  # plain http
        "https://user:0123456789abcdef@s3.example.com/rec.mp4",  # credentials
        "https://s3.example.com/rec.mp4?X-Amz-Signature=0123456789abcdef\n",
        "javascript:alert(0123456789abcdef)",
        "https://s3.example.com:99999/0123456789abcdef",
    ],
)
def test_an_unsafe_access_link_is_refused_without_quoting_it(url: str) -> None:
    with pytest.raises(MalformedResponseError) as caught:
        AccessLink.from_json({"accessLink": url, "expires": 1740819600000})
    assert "0123456789abcdef" not in str(caught.value)


def test_a_link_to_this_machine_may_be_plain_http() -> None:
    link = AccessLink.from_json({"accessLink": "http://127.0.0.1:8765/f?s=1", "expires": 0})
    assert link.url.startswith("http://127.0.0.1")


@pytest.mark.parametrize("seconds", [0, 43_201, -5, 1.5, True, "60"])
def test_valid_for_seconds_outside_the_documents_bounds_is_refused(seconds: Any) -> None:
    with pytest.raises(RequestValidationError, match="validForSeconds"):
        check_valid_for(seconds)


def test_requests_are_checked_before_sending() -> None:
    assert check_valid_for(1) == 1 and check_valid_for(43_200) == 43_200
    assert check_room_name("team-sync") == "/team-sync"
    assert check_room_name("/team-sync") == "/team-sync"
    for bad in ("", "/", "a b", "a\tb"):
        with pytest.raises(RequestValidationError, match="roomName"):
            check_room_name(bad)
    assert Sort("startDate", descending=True).param(("startDate",)) == "startDate:desc"
    with pytest.raises(RequestValidationError, match="sortBy"):
        Sort("filename").param(("startDate",))
