"""Recordings, transcriptions, summaries and insights: the client against the emulator over
real sockets, every API request it sends checked by the spec."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlencode

import httpx
import pytest

from roomdesk.api.client import RetryPolicy, WherebyClient
from roomdesk.api.errors import (
    CreateOutcomeUnknownError,
    FeatureNotAvailableError,
    NotFoundError,
    NotWherebyHostedError,
    RequestRejectedError,
    RequestValidationError,
)
from roomdesk.api.insights import InsightsClient
from roomdesk.api.media_models import SummaryTemplate, TranscriptionState
from roomdesk.api.parsing import Sort
from roomdesk.api.recordings import RecordingsClient
from roomdesk.emulator import EmulatorServer, ManualClock
from roomdesk.emulator.library import Person, Stay
from roomdesk.emulator.storage import recording_bytes
from tests.spec_contract import spec_or_skip, validate_request

FAST_RETRY = RetryPolicy(max_attempts=6, base_delay=0.01, max_delay=0.05, total_seconds=10)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def server(clock: ManualClock) -> Iterator[EmulatorServer]:
    with EmulatorServer(api_key="test-key", clock=clock) as emulator:
        yield emulator


@pytest.fixture
def run(aloop):
    return aloop.run


def clients(server: EmulatorServer, **options) -> tuple[WherebyClient, RecordingsClient]:
    options.setdefault("retry", FAST_RETRY)
    client = WherebyClient("test-key", base_url=server.base_url, **options)
    return client, RecordingsClient(client)


def assert_api_requests_follow_spec(server: EmulatorServer) -> None:
    spec_or_skip()
    origin = server.base_url.removesuffix("/v1")
    api = [r for r in server.received if r.path.startswith("/v1/")]
    assert api, "no API request was sent: the check would prove nothing"
    for recorded in api:
        query = urlencode(recorded.query, doseq=True)
        url = origin + recorded.path + (f"?{query}" if query else "")
        validate_request(recorded.method, url, recorded.headers, recorded.body or None)


def test_a_rooms_recordings_page_by_page_sorted_then_got_and_deleted(server, run) -> None:
    room = server.add_meeting()
    other = server.add_meeting()
    sizes = [400_000, 100_000, 250_000]
    for size in sizes:
        session = server.add_room_session(room["meetingId"])
        server.add_recording(session["roomSessionId"], size_bytes=size)
    elsewhere = server.add_room_session(other["meetingId"])
    server.add_recording(elsewhere["roomSessionId"])

    async def scenario():
        client, recordings = clients(server)
        async with client:
            listed = [
                r
                async for r in recordings.iter_recordings(
                    room_name=room["roomName"], limit=1, sort=Sort("sizeInMegaBytes", True)
                )
            ]
            fetched = await recordings.get_recording(listed[0].recording_id)
            gone = await recordings.delete_recording(listed[0].recording_id)
            with pytest.raises(NotFoundError, match="No such recording"):
                await recordings.get_recording(listed[0].recording_id)
            sent = await recordings.delete_recordings([r.recording_id for r in listed[1:]] * 2)
            left = [r async for r in recordings.iter_recordings()]
            return listed, fetched, gone, sent, left

    listed, fetched, gone, sent, left = run(scenario())
    assert [r.size_in_megabytes for r in listed] == [0.4, 0.25, 0.1]
    assert {r.room_name for r in listed} == {room["roomName"]}
    assert fetched == listed[0] and gone is True and sent == 2
    assert [r.room_session_id for r in left] == [elsewhere["roomSessionId"]]
    pages = [r for r in server.received if r.path == "/v1/recordings"]
    assert len(pages) == 4  # three recordings a page at a time, then the whole list
    assert pages[0].query["sortBy"] == ["sizeInMegaBytes:desc"]
    assert_api_requests_follow_spec(server)


def test_an_access_link_downloads_resumes_and_expires_on_the_emulators_clock(
    server, clock, run
) -> None:
    session = server.add_room_session(server.add_meeting()["meetingId"])
    recording = server.add_recording(session["roomSessionId"], size_bytes=300_000)

    async def scenario():
        client, recordings = clients(server)
        async with client:
            with pytest.raises(RequestValidationError, match="validForSeconds"):
                await recordings.recording_access_link(
                    recording["recordingId"], valid_for_seconds=0
                )
            assert server.received == []  # refused before anything was sent
            return await recordings.recording_access_link(
                recording["recordingId"], valid_for_seconds=600
            )

    link = run(scenario())
    assert link.expires_at == clock() + timedelta(seconds=600)
    with httpx.Client() as http:
        whole = http.get(link.url)
        assert whole.status_code == 200 and whole.headers["accept-ranges"] == "bytes"
        assert whole.content == recording_bytes(recording["recordingId"], 0, 300_000)
        rest = http.get(link.url, headers={"Range": "bytes=123456-"})
        assert rest.status_code == 206
        assert rest.headers["content-range"] == "bytes 123456-299999/300000"
        assert rest.content == whole.content[123456:]
        past_end = http.get(link.url, headers={"Range": "bytes=300000-"})
        assert past_end.status_code == 416
        clock.advance(timedelta(seconds=599))
        assert http.head(link.url).status_code == 200
        clock.advance(timedelta(seconds=1))
        expired = http.get(link.url)
        assert expired.status_code == 403 and b"Request has expired" in expired.content
        tampered = http.get(link.url.replace("Expires=", "Expires=9"))
        assert tampered.status_code == 403


def test_a_gigabyte_file_is_made_as_it_is_sent(server, run) -> None:
    session = server.add_room_session(server.add_meeting()["meetingId"])
    size = 1 << 30
    recording = server.add_recording(session["roomSessionId"], size_bytes=size)

    async def scenario():
        client, recordings = clients(server)
        async with client:
            return await recordings.recording_access_link(recording["recordingId"])

    link = run(scenario())
    with httpx.Client() as http:
        assert http.head(link.url).headers["content-length"] == str(size)
        tail = http.get(link.url, headers={"Range": f"bytes={size - 10}-"})
    assert tail.status_code == 206 and len(tail.content) == 10
    assert tail.content == recording_bytes(recording["recordingId"], size - 10, size)
    assert recording["sizeInMegaBytes"] == pytest.approx(1073.742)


def test_a_cut_download_resumes_where_it_stopped(server, run) -> None:
    session = server.add_room_session(server.add_meeting()["meetingId"])
    recording = server.add_recording(session["roomSessionId"], size_bytes=200_000)

    async def scenario():
        client, recordings = clients(server)
        async with client:
            return await recordings.recording_access_link(recording["recordingId"])

    link = run(scenario())
    server.faults.truncate_rate = 1.0
    received = bytearray()
    with (
        httpx.Client() as http,
        pytest.raises(httpx.RemoteProtocolError),
        http.stream("GET", link.url) as cut,
    ):
        for chunk in cut.iter_raw():
            received += chunk
    assert 0 < len(received) < 200_000
    server.faults.truncate_rate = 0.0
    with httpx.Client() as http:
        rest = http.get(link.url, headers={"Range": f"bytes={len(received)}-"})
    assert rest.status_code == 206
    assert bytes(received) + rest.content == recording_bytes(recording["recordingId"], 0, 200_000)


def test_a_self_hosted_recording_has_no_link(server, run) -> None:
    session = server.add_room_session(server.add_meeting()["meetingId"])
    recording = server.add_recording(session["roomSessionId"], self_hosted=True)

    async def scenario():
        client, recordings = clients(server)
        async with client:
            await recordings.recording_access_link(recording["recordingId"])

    with pytest.raises(NotWherebyHostedError, match="own storage"):
        run(scenario())


def test_a_transcription_goes_from_in_progress_to_ready_on_the_clock(server, clock, run) -> None:
    session = server.add_room_session(server.add_meeting()["meetingId"])
    recording = server.add_recording(session["roomSessionId"])
    server.processing_time = timedelta(minutes=2)

    async def start():
        client, recordings = clients(server)
        async with client:
            made = await recordings.start_transcription(recording["recordingId"])
            pending = await recordings.get_transcription(made)
            with pytest.raises(RequestRejectedError, match="in_progress"):
                await recordings.transcription_access_link(made)
            return made, pending

    made, pending = run(start())
    assert pending.state is TranscriptionState.IN_PROGRESS
    clock.advance(timedelta(minutes=2))

    async def finish():
        client, recordings = clients(server)
        async with client:
            listed = [t async for t in recordings.iter_transcriptions(room_name=pending.room_name)]
            link = await recordings.transcription_access_link(made, valid_for_seconds=60)
            async with httpx.AsyncClient() as http:
                transcript = await http.get(link.url)
            deleted = await recordings.delete_transcription(made)
            return listed, transcript, deleted

    listed, transcript, deleted = run(finish())
    assert [(t.transcription_id, t.state) for t in listed] == [(made, TranscriptionState.READY)]
    assert listed[0].duration_in_seconds == 45 * 60
    assert transcript.status_code == 200 and transcript.text.startswith("# Transcript of /")
    assert "**Ben Okafor**" in transcript.text
    assert deleted is True and made not in server.transcription_ids()
    assert_api_requests_follow_spec(server)


def test_a_transcription_whose_answer_was_lost_is_never_asked_for_twice(server, run) -> None:
    session = server.add_room_session(server.add_meeting()["meetingId"])
    recording = server.add_recording(session["roomSessionId"])
    server.faults.truncate_rate = 1.0

    async def scenario():
        client, recordings = clients(server)
        async with client:
            await recordings.start_transcription(recording["recordingId"])

    with pytest.raises(CreateOutcomeUnknownError, match="The transcription was started"):
        run(scenario())
    assert [r.method for r in server.received] == ["POST"]
    assert len(server.transcription_ids()) == 1


def test_a_bulk_delete_whose_answer_was_lost_is_sent_again(server, run) -> None:
    session = server.add_room_session(server.add_meeting()["meetingId"])
    recording = server.add_recording(session["roomSessionId"])
    server.faults.drop_rate, server.faults.seed = 0.5, 4  # the first dropped, the next not

    async def scenario():
        client, recordings = clients(server)
        async with client:
            return await recordings.delete_recordings([recording["recordingId"]])

    assert run(scenario()) == 1
    assert server.recording_ids() == set()
    assert len([r for r in server.received if r.path == "/v1/recordings/bulk-delete"]) > 1


def test_summaries_outside_the_beta_are_not_available_for_the_account(server, run) -> None:
    session = server.add_room_session(server.add_meeting()["meetingId"])
    transcription = server.add_transcription(session["roomSessionId"])

    async def scenario():
        client, recordings = clients(server)
        async with client:
            with pytest.raises(FeatureNotAvailableError, match="not available for this account"):
                await recordings.start_summary(transcription["transcriptionId"])
            with pytest.raises(FeatureNotAvailableError):
                await recordings.list_summaries_page()

    run(scenario())
    assert [r.status for r in server.received] == [403, 403]


def test_summaries_in_the_beta_are_made_from_a_ready_transcription(server, clock, run) -> None:
    server.summaries_enabled = True
    session = server.add_room_session(server.add_meeting()["meetingId"])
    transcription = server.add_transcription(session["roomSessionId"])

    async def scenario():
        client, recordings = clients(server)
        async with client:
            made = await recordings.start_summary(
                transcription["transcriptionId"], SummaryTemplate.SOAP
            )
            pending = await recordings.get_summary(made)
            clock.advance(server.processing_time)
            done = [s async for s in recordings.iter_summaries()]
            return pending, done

    pending, done = run(scenario())
    assert pending.state == "in_progress" and pending.sections == ()
    assert [s.state for s in done] == ["completed"]
    assert [name for name, _text in done[0].sections] == [
        "subjective",
        "objective",
        "assessment",
        "plan",
    ]
    assert_api_requests_follow_spec(server)


def test_a_rooms_sessions_and_who_came_and_went(server, clock, run) -> None:
    room = server.add_meeting()
    cast = (
        Person("Host", "host", "facilitator-1", (Stay(0, 30),)),
        Person("Back again", "visitor", None, (Stay(1, 5), Stay(10, 20), Stay(25, 30))),
    )
    first = server.add_room_session(
        room["meetingId"], started_at=clock() - timedelta(days=1), minutes=30, cast=cast
    )
    server.add_room_session(room["meetingId"], ongoing=True)

    async def scenario():
        client = WherebyClient("test-key", base_url=server.base_url, retry=FAST_RETRY)
        insights = InsightsClient(client)
        async with client:
            sessions = [s async for s in insights.iter_room_sessions(room["roomName"], limit=1)]
            stays = [
                p
                async for p in insights.iter_participants(
                    room_session_id=first["roomSessionId"], limit=2, sort=Sort("joinedAt")
                )
            ]
            by_person = [p async for p in insights.iter_participants(external_id="facilitator-1")]
            with pytest.raises(RequestValidationError, match="externalId"):
                await insights.participants_page()
            return sessions, stays, by_person

    sessions, stays, by_person = run(scenario())
    assert [s.ended_at is None for s in sessions] == [False, True]
    assert sessions[0].total_unique_participants == 2
    assert sessions[0].total_participant_minutes == 30 + 4 + 10 + 5
    back = [p for p in stays if p.display_name == "Back again"]
    assert len(back) == 3 and len({p.user_id for p in back}) == 1
    assert len({p.participant_id for p in back}) == 3
    assert {p.external_id for p in back} == {None}
    assert [p.joined_at for p in stays] == sorted(p.joined_at for p in stays)
    assert len(by_person) == 2  # the host of both sessions
    assert_api_requests_follow_spec(server)
