"""After the session, through the service: a stored room's recordings, transcriptions, sessions
and attendance fetched from the emulator and kept in the store."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest

from roomdesk.api.client import RetryPolicy, WherebyClient
from roomdesk.api.media_models import TranscriptionState
from roomdesk.api.models import Meeting
from roomdesk.emulator import EmulatorServer, ManualClock
from roomdesk.services.media import MediaService, TranscriptionWaitTimeout, UnknownRoomError
from roomdesk.store import RoomStore
from roomdesk.store.media import MediaKind

FAST_RETRY = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05, total_seconds=5)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def server(clock: ManualClock) -> Iterator[EmulatorServer]:
    with EmulatorServer(api_key="test-key", clock=clock) as emulator:
        yield emulator


def stored_meeting(server: EmulatorServer, store: RoomStore) -> str:
    meeting = server.add_meeting()
    store.upsert_imported(Meeting.from_json(meeting))
    return meeting["meetingId"]


def run_with(server, store, clock, scenario):
    async def main():
        async with WherebyClient("test-key", base_url=server.base_url, retry=FAST_RETRY) as client:
            return await scenario(MediaService(client, store, clock=clock))

    return asyncio.run(main())


def test_recordings_are_kept_and_one_deleted_elsewhere_leaves_on_the_next_fetch(
    server, store, clock
):
    meeting_id = stored_meeting(server, store)
    other = server.add_meeting()
    ids = []
    for _ in range(3):
        session = server.add_room_session(meeting_id)
        ids.append(server.add_recording(session["roomSessionId"])["recordingId"])
    server.add_recording(server.add_room_session(other["meetingId"])["roomSessionId"])

    async def first(service: MediaService):
        return await service.fetch_recordings(meeting_id)

    assert {r.recording_id for r in run_with(server, store, clock, first)} == set(ids)
    assert store.media.last_fetched(meeting_id, MediaKind.RECORDINGS) == clock()

    # Deleted from another computer: gone from the list on the next fetch.
    asyncio.run(_delete_elsewhere(server, ids[0]))
    clock.advance(60)
    assert {r.recording_id for r in run_with(server, store, clock, first)} == set(ids[1:])
    assert store.media.last_fetched(meeting_id, MediaKind.RECORDINGS) == clock()

    async def delete_both(service: MediaService):
        return await service.delete_recordings(ids[1:])

    assert run_with(server, store, clock, delete_both) == 2
    assert store.media.recordings(meeting_id) == []
    assert not set(ids) & server.recording_ids()


async def _delete_elsewhere(server: EmulatorServer, recording_id: str) -> None:
    from roomdesk.api.recordings import RecordingsClient

    async with WherebyClient("test-key", base_url=server.base_url, retry=FAST_RETRY) as client:
        assert await RecordingsClient(client).delete_recording(recording_id)


def test_transcriptions_of_the_room_only_and_a_new_one_is_waited_for_on_the_emulators_clock(
    server, store, clock
):
    meeting_id = stored_meeting(server, store)
    history = server.add_demo_history(meeting_id)
    elsewhere = server.add_room_session(server.add_meeting()["meetingId"])
    server.add_transcription(elsewhere["roomSessionId"])
    recording_id = history[0]["recording"]["recordingId"]
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)
        clock.advance(seconds)

    async def scenario(service: MediaService):
        await service.fetch_recordings(meeting_id)
        listed = await service.fetch_transcriptions(meeting_id)
        started = await service.start_transcription(recording_id)
        done = await service.wait_for_transcription(
            started, recording_id=recording_id, interval=timedelta(seconds=10), sleep=sleep
        )
        return listed, started, done

    listed, started, done = run_with(server, store, clock, scenario)
    assert {t.transcription_id for t in listed} == {
        session["transcription"]["transcriptionId"] for session in history
    }
    assert started.state is TranscriptionState.IN_PROGRESS
    assert (
        done.state is TranscriptionState.READY and done.transcription_id == started.transcription_id
    )
    assert waited == [10.0, 10.0, 10.0]  # the emulator takes 30 seconds
    kept = {t.transcription_id: t for t in store.media.transcriptions(meeting_id)}
    assert kept[done.transcription_id] == done


def test_a_wait_that_runs_out_says_whereby_goes_on(server, store, clock):
    meeting_id = stored_meeting(server, store)
    session = server.add_room_session(meeting_id)
    recording_id = server.add_recording(session["roomSessionId"])["recordingId"]

    async def sleep(seconds: float) -> None:
        clock.advance(seconds)

    async def scenario(service: MediaService):
        started = await service.start_transcription(recording_id)
        return await service.wait_for_transcription(
            started, interval=timedelta(seconds=5), timeout=timedelta(seconds=15), sleep=sleep
        )

    with pytest.raises(TranscriptionWaitTimeout, match="Whereby goes on") as caught:
        run_with(server, store, clock, scenario)
    assert caught.value.transcription.state is TranscriptionState.IN_PROGRESS


def test_attendance_is_fetched_when_asked_and_kept(server, store, clock):
    meeting_id = stored_meeting(server, store)
    session = server.add_room_session(meeting_id)
    server.add_room_session(meeting_id, started_at=clock() - timedelta(days=2))

    async def scenario(service: MediaService):
        everything = await service.attendance(meeting_id)
        one = await service.attendance(meeting_id, session["roomSessionId"])
        with pytest.raises(UnknownRoomError, match="no session"):
            await service.attendance(meeting_id, "no-such-session")
        return everything, one

    everything, one = run_with(server, store, clock, scenario)
    assert len(everything) == 2 and everything[0] == one[0]
    (latest,) = one
    # Five people: Ben (by externalId) and Dev (by name) rejoined and are counted once each.
    assert [p.display_name for p in latest.people] == [
        "Ada Lovelace", "Dev Patel", "Ben Okafor", "Eun-ji Park", "Chloé Martin"
    ]  # fmt: skip
    assert latest.recent  # it ended just now
    assert len(store.media.participants(session["roomSessionId"])) == 8
    assert (
        store.media.last_fetched(meeting_id, MediaKind.PARTICIPANTS, session["roomSessionId"])
        == clock()
    )


def test_summaries_outside_the_beta_are_an_ordinary_answer(server, store, clock):
    meeting_id = stored_meeting(server, store)

    async def scenario(service: MediaService):
        return await service.summaries(meeting_id)

    result = run_with(server, store, clock, scenario)
    assert not result.available and "not available for this account" in result.message
    server.summaries_enabled = True
    assert run_with(server, store, clock, scenario).available


def test_an_unknown_room_is_named(server, store, clock):
    async def scenario(service: MediaService):
        return await service.fetch_recordings("m-unknown")

    with pytest.raises(UnknownRoomError, match="“m-unknown”"):
        run_with(server, store, clock, scenario)
    assert server.received == []
