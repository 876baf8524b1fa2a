"""A room's session facts: when it starts, in which zone, and the one link that is handed out."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roomdesk.sessions.facts import VIEWER_MODE, facts_for, shared_link, without_room_key
from tests.session_samples import END, HOST_LINK, LINK, OSLO, START, VIEWER_LINK, session, stored

UTC_ZONE = ZoneInfo("UTC")


def test_without_a_planned_start_the_session_runs_from_when_the_room_was_made():
    room = stored()
    facts = facts_for(room, fallback_zone=UTC_ZONE)
    assert facts.start == room.created_at and facts.end == END
    assert facts.planned is False
    assert facts.zone is UTC_ZONE


def test_a_planned_start_and_the_rooms_zone_are_taken_as_they_are():
    facts = facts_for(stored(planned_start=START, time_zone="Europe/Oslo"), fallback_zone=UTC_ZONE)
    assert (facts.start, facts.planned, facts.zone) == (START, True, OSLO)
    assert facts.label == "Coaching with Sam" and facts.meeting_id == "m-101"


def test_a_zone_this_computer_does_not_know_falls_back():
    facts = facts_for(stored(time_zone="Mars/Olympus"), fallback_zone=OSLO)
    assert facts.zone is OSLO


def test_a_planned_start_needs_a_time_zone():
    with pytest.raises(ValueError, match="aware"):
        facts_for(stored(planned_start=datetime(2026, 12, 8, 14)), fallback_zone=OSLO)


def test_a_room_first_recorded_after_its_end_does_not_start_after_it_ends():
    room = stored(created_at=END + timedelta(days=3))
    facts = facts_for(room, fallback_zone=OSLO)
    assert facts.start == facts.end == END


def test_a_viewer_mode_room_shares_its_viewer_link_and_others_their_participant_link():
    room = stored(
        options={"templateType": "viewerMode"}, room_mode="group", viewer_room_url=VIEWER_LINK
    )
    facts = facts_for(room, fallback_zone=OSLO)
    assert facts.room_mode == VIEWER_MODE
    assert shared_link(facts) == VIEWER_LINK
    plain = facts_for(stored(viewer_room_url=VIEWER_LINK), fallback_zone=OSLO)
    assert plain.room_mode == "normal"
    assert shared_link(plain) == LINK


def test_the_shared_link_is_never_the_host_link():
    # A participant link that somehow holds the host's key is handed out without it.
    assert shared_link(session(room_url=HOST_LINK)) == LINK
    facts = session(room_mode=VIEWER_MODE, viewer_room_url=f"{VIEWER_LINK}?roomKey=abc&x=1")
    assert shared_link(facts) == f"{VIEWER_LINK}?x=1"


query_part = st.text(alphabet="abcXYZ019-_.~%", min_size=1, max_size=8)


@given(
    before=st.lists(st.tuples(query_part, query_part), max_size=3),
    after=st.lists(st.tuples(query_part, query_part), max_size=3),
    key_name=st.sampled_from(["roomKey", "ROOMKEY", "roomkey", "room%4Bey", " roomKey"]),
    key=st.text(alphabet="abcdef0123456789", min_size=1, max_size=20),
)
def test_a_room_key_anywhere_in_the_query_goes_and_everything_else_stays(
    before, after, key_name, key
):
    items = [f"{k}={v}" for k, v in before] + [f"{key_name}={key}"] + [f"{k}={v}" for k, v in after]
    link = f"{LINK}?{'&'.join(items)}#top"
    cleaned = without_room_key(link)
    kept = [f"{k}={v}" for k, v in before + after]
    assert urlsplit(cleaned).query == "&".join(kept)
    assert urlsplit(cleaned).fragment == "top"
    assert all(name.strip().lower() != "roomkey" for name, _ in parse_qsl(urlsplit(cleaned).query))


def test_a_link_without_a_query_is_left_alone():
    assert without_room_key(LINK) == LINK
    assert without_room_key(f"{LINK}?a=1&b=2") == f"{LINK}?a=1&b=2"
