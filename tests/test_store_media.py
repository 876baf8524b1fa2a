"""The store's copy of recordings, transcriptions, room sessions and participants."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from roomdesk.api.insight_models import Participant, RoomSession
from roomdesk.api.media_models import (
    Recording,
    StorageType,
    Transcription,
    TranscriptionState,
    TranscriptionType,
)
from roomdesk.store import RoomStore, StoreWriteError
from roomdesk.store.media import MediaKind

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
START = datetime(2030, 6, 1, 10, 0, 0, 250_000, tzinfo=UTC)


def recording(rid: str, minutes: int = 0, session: str = "s-1") -> Recording:
    start = START + timedelta(minutes=minutes)
    return Recording(rid, session, f"{rid}.mp4", start, start + timedelta(minutes=30), 1.5, "/r")


def transcription(tid: str, state: TranscriptionState = TranscriptionState.READY) -> Transcription:
    return Transcription(
        tid,
        "s-1",
        "/r",
        START,
        START + timedelta(minutes=30),
        state,
        NOW,
        TranscriptionType.RECORDING,
        f"{tid}.md",
        1800.0,
        StorageType.WHEREBY_HOSTED,
    )


def session(sid: str, hours_ago: int = 1, ended: bool = True) -> RoomSession:
    start = NOW - timedelta(hours=hours_ago)
    return RoomSession(
        sid, "/r", start, start + timedelta(minutes=45) if ended else None, 90, 45, 0, 3, 1, 0
    )


def participant(sid: str, pid: str, name: str = "Ada", left: bool = True) -> Participant:
    joined = START + timedelta(seconds=1.5)
    return Participant(
        sid,
        pid,
        "d-1",
        "u-1",
        "visitor",
        name,
        joined,
        joined + timedelta(minutes=5) if left else None,
        "ext-1",
        4.5,
        ("a", "b"),
        "fine",
    )


def test_recordings_are_read_back_as_they_were_fetched_and_replaced_whole(store: RoomStore):
    media = store.media
    first = [recording("r-2", 5), recording("r-1", 0)]
    media.replace_recordings("m-1", first, NOW)
    media.replace_recordings("m-2", [recording("r-9")], NOW)
    assert media.recordings("m-1") == [first[1], first[0]]  # oldest first, microseconds kept
    assert media.last_fetched("m-1", MediaKind.RECORDINGS) == NOW
    assert media.recording("r-2") == ("m-1", first[0])

    # r-2 was deleted elsewhere: the next fetch leaves it out, and so does the list.
    later = NOW + timedelta(minutes=3)
    media.replace_recordings("m-1", [first[1]], later)
    assert media.recordings("m-1") == [first[1]]
    assert media.recording("r-2") is None
    assert media.last_fetched("m-1", MediaKind.RECORDINGS) == later
    assert media.recordings("m-2") == [recording("r-9")]  # other meetings untouched
    assert media.last_fetched("m-1", MediaKind.TRANSCRIPTIONS) is None

    assert media.forget_recordings(["r-1", "r-unknown"]) == 1
    assert media.recordings("m-1") == []


def test_a_replace_that_fails_half_way_keeps_the_list_as_it_was(tmp_path):
    path = tmp_path / "rooms.sqlite3"
    RoomStore(path).close()
    pages = sqlite3.connect(path).execute("PRAGMA page_count").fetchone()[0]
    # A disk that fills up after the old rows are deleted and some new ones written.
    with RoomStore(path, max_page_count=pages + 4) as store:
        media = store.media
        media.replace_recordings("m-1", [recording("r-1")], NOW)
        many = [recording(f"r-{n:04d}-" + "x" * 200) for n in range(500)]
        with pytest.raises(StoreWriteError):
            media.replace_recordings("m-1", many, NOW + timedelta(minutes=1))
        assert media.recordings("m-1") == [recording("r-1")]
        assert media.last_fetched("m-1", MediaKind.RECORDINGS) == NOW


def test_transcriptions_keep_their_state_and_an_unknown_state_reads_as_unknown(store: RoomStore):
    media = store.media
    ready, running = transcription("t-1"), transcription("t-2", TranscriptionState.IN_PROGRESS)
    media.replace_transcriptions("m-1", [ready, running], NOW)
    assert media.transcriptions("m-1") == [ready, running]
    done = running._replace(state=TranscriptionState.READY)
    media.put_transcription("m-1", done, NOW)
    assert media.transcriptions("m-1") == [ready, done]
    # A state a later roomdesk wrote (or Whereby added) is read as unknown, not as an error.
    other = sqlite3.connect(store.path, isolation_level=None)
    try:
        other.execute("UPDATE transcriptions SET state = 'queued' WHERE transcription_id = 't-1'")
    finally:
        other.close()
    assert media.transcriptions("m-1")[0].state is TranscriptionState.UNKNOWN


def test_sessions_and_participants_round_trip_and_leave_with_their_session(store: RoomStore):
    media = store.media
    old, live = session("s-1", 3), session("s-2", 1, ended=False)
    media.replace_room_sessions("m-1", [old, live], NOW)
    assert media.room_sessions("m-1") == [live, old]  # the latest first
    people = [participant("s-1", "p-1"), participant("s-1", "p-2", "Ben", left=False)]
    media.replace_participants("m-1", "s-1", people, NOW)
    media.replace_participants("m-1", "s-2", [participant("s-2", "p-3")], NOW)
    assert media.participants("s-1") == people
    assert media.last_fetched("m-1", MediaKind.PARTICIPANTS, "s-1") == NOW

    # s-1 is no longer listed: its people and their fetch time go with it.
    media.replace_room_sessions("m-1", [live], NOW + timedelta(minutes=1))
    assert media.room_sessions("m-1") == [live]
    assert media.participants("s-1") == []
    assert media.last_fetched("m-1", MediaKind.PARTICIPANTS, "s-1") is None
    assert media.participants("s-2") == [participant("s-2", "p-3")]


def test_no_access_link_column_exists(store: RoomStore):
    conn = sqlite3.connect(store.path)
    try:
        columns = {
            row[1]
            for table in ("recordings", "transcriptions", "room_sessions", "participants")
            for row in conn.execute(f"PRAGMA table_info({table})")
        }
    finally:
        conn.close()
    assert "fetched_at" in columns
    assert not {name for name in columns if "link" in name or "url" in name}


def test_a_room_forgotten_locally_takes_its_media_with_it(store: RoomStore):
    from roomdesk.api.models import Meeting

    for meeting_id in ("m-1", "m-2"):
        store.add_created(
            Meeting(meeting_id, f"https://a.whereby.com/{meeting_id}", NOW + timedelta(days=1)),
            room_mode="normal",
            options={},
        )
        media = store.media
        media.replace_recordings(meeting_id, [recording(f"r-{meeting_id}")], NOW)
        media.replace_transcriptions(meeting_id, [transcription(f"t-{meeting_id}")], NOW)
        media.replace_room_sessions(meeting_id, [session(f"s-{meeting_id}")], NOW)
        media.replace_participants(
            meeting_id, f"s-{meeting_id}", [participant(f"s-{meeting_id}", "p-1")], NOW
        )
    assert store.delete_local(["m-1"]) == 1
    media = store.media
    assert media.recordings("m-1") == [] and media.transcriptions("m-1") == []
    assert media.room_sessions("m-1") == [] and media.participants("s-m-1") == []
    assert media.last_fetched("m-1", MediaKind.RECORDINGS) is None
    # The other room's stay.
    assert [item.recording_id for item in media.recordings("m-2")] == ["r-m-2"]
    assert len(media.participants("s-m-2")) == 1
