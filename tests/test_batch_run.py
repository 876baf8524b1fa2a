"""Sending a batch plan to the emulator over sockets: progress per row, cancel, stop, retry."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from roomdesk.api.client import RetryPolicy, WherebyClient
from roomdesk.api.errors import InvalidApiKeyError, RequestValidationError, ServerError
from roomdesk.api.requests import Field, MeetingRequest
from roomdesk.domain.roster import parse_roster
from roomdesk.services.batch import Per, PlanError, Timing, plan_from_labels, plan_from_roster
from roomdesk.services.batch_run import CANCELLED, STOPPED, BatchRun, BatchTuning, RowState
from roomdesk.services.rooms import RoomService
from roomdesk.sessions.facts import without_room_key
from roomdesk.store import PendingState

FAST = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, total_seconds=5)
OSLO = ZoneInfo("Europe/Oslo")


def timing() -> Timing:
    start = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    return Timing(start + timedelta(hours=1), start, "Europe/Oslo")


def send(emulator, store, plan, *, act=None, again=False, template=None, tuning=None):
    """Runs the plan (and, with ``again``, its retry) on a fresh client; returns the run and
    each progress report as (row number, state)."""
    seen: list[tuple[int, RowState]] = []

    async def go() -> BatchRun:
        async with WherebyClient("test-key", base_url=emulator.base_url, retry=FAST) as client:
            run = BatchRun(
                RoomService(client, store),
                plan,
                template or MeetingRequest(end_date=plan.rows[0].end),
                progress=lambda outcome: (
                    seen.append((outcome.number, outcome.state)),
                    act and act(run, outcome),
                ),
                tuning=tuning,
            )
            # Far shorter than a rate-limit window: a row left waiting for points fails here.
            async with asyncio.timeout(20):
                await run.run()
            if again:
                emulator.api_key = "test-key"
                emulator.faults.force_status = None
                await run.retry_failed()
            return run

    return asyncio.run(go()), seen


def test_each_row_goes_through_the_crash_safe_create_and_reports_as_it_goes(emulator, store):
    plan = plan_from_labels(["Intro", "Deep dive", "Wrap-up"], timing(), prefix="ws")
    run, seen = send(emulator, store, plan)
    # Rows go side by side, so only each row's own reports keep their order.
    for number in (1, 2, 3):
        assert [state for n, state in seen if n == number] == [RowState.SENT, RowState.CREATED]
    rooms = [outcome.room for outcome in run.outcomes]
    assert {room.meeting_id for room in rooms} == emulator.meeting_ids()
    assert [room.label for room in rooms] == ["Intro", "Deep dive", "Wrap-up"]
    assert all(room.room_name.startswith("/ws-") for room in rooms)
    assert all(room.planned_start == plan.rows[0].planned_start for room in rooms)
    assert all(room.time_zone == "Europe/Oslo" for room in rooms)
    assert store.pending_creates() == []
    assert run.summary().describe() == "Of 3 rooms: 3 created"


def most_at_once(emulator) -> int:
    """The most creates the emulator was working on at one moment (arrival to answer)."""
    spans = [
        (r.time.timestamp(), r.time.timestamp() + r.duration)
        for r in emulator.received
        if r.method == "POST"
    ]
    return max(sum(start <= moment < end for start, end in spans) for moment, _ in spans)


def test_rows_go_out_side_by_side_as_many_as_the_tuning_allows(emulator, store):
    emulator.faults.latency = 0.2
    plan = plan_from_labels([f"Room {n}" for n in range(1, 7)], timing())
    run, _ = send(emulator, store, plan)
    assert run.summary().describe() == "Of 6 rooms: 6 created"
    # The first create goes alone (it learns the budget); the other five go together.
    assert most_at_once(emulator) == 5

    emulator.clear_received()
    run, _ = send(emulator, store, plan, tuning=BatchTuning(concurrency=2))
    assert run.summary().describe() == "Of 6 rooms: 6 created"
    assert most_at_once(emulator) == 2
    with pytest.raises(ValueError, match="at least one"):
        BatchTuning(concurrency=0)


def test_rows_start_no_closer_together_than_the_tuning_says(emulator, store):
    plan = plan_from_labels([f"Room {n}" for n in range(1, 6)], timing())
    started: list[float] = []

    def note_start(run, outcome):
        if outcome.state is RowState.SENT:
            started.append(asyncio.get_running_loop().time())

    run, _ = send(emulator, store, plan, act=note_start, tuning=BatchTuning(start_spacing=0.1))
    assert run.summary().describe() == "Of 5 rooms: 5 created"
    # A row reports itself sent after its store write, which takes a varying millisecond or so
    # after its start; unpaced, rows two to five would be sent about that far apart.
    gaps = [later - earlier for earlier, later in itertools.pairwise(sorted(started))]
    assert len(gaps) == 4 and min(gaps) >= 0.08
    with pytest.raises(ValueError, match="no time apart"):
        BatchTuning(start_spacing=-0.001)


def test_a_cancel_withdraws_the_rows_waiting_for_the_rate_limit_and_records_none_as_maybe_made(
    emulator, store
):
    # Ten points a minute: three creates (3 points each) fit, the rest wait for the window.
    emulator.rate_limit_points = 10
    plan = plan_from_labels([f"Room {n}" for n in range(1, 9)], timing())

    def cancel_once_the_budget_is_spent(run, outcome):
        created = sum(o.state is RowState.CREATED for o in run.outcomes)
        if created == 3 and run.service.client.scheduler.queued and not run.cancelled:
            run.cancel()

    run, seen = send(emulator, store, plan, act=cancel_once_the_budget_is_spent)
    states = [o.state for o in run.outcomes]
    assert states.count(RowState.CREATED) == 3
    assert states.count(RowState.NOT_SENT) == 5
    assert {o.reason for o in run.outcomes if o.state is RowState.NOT_SENT} == {CANCELLED}
    assert len(emulator.received) == 3
    assert sum(state is RowState.SENT for _, state in seen) == 3
    # The withdrawn rows' intents are closed as certainly not made: nothing for a sync to ask.
    assert store.pending_creates() == []
    recorded = store.pending_creates(states=tuple(PendingState))
    assert {row.state for row in recorded} <= {PendingState.FAILED, PendingState.RESOLVED}
    assert run.summary().describe() == "Of 8 rooms: 3 created, 5 not sent"
    assert run.retryable() == [o for o in run.outcomes if o.state is RowState.NOT_SENT]


def test_a_group_room_gets_a_personal_link_for_each_member(emulator, store):
    roster = parse_roster(b"name,group\nAna Lund,Blue\nBo,Red\nCy,Blue\n")
    plan = plan_from_roster(roster, Per.GROUP, timing(), personal_links=True)
    template = MeetingRequest(end_date=plan.rows[0].end, viewer_mode=True)
    run, _ = send(emulator, store, plan, template=template)
    blue = run.outcomes[0]
    assert [link.name for link in blue.links] == ["Ana Lund", "Cy"]
    # A viewer-mode room hands out its viewer link, never the host's.
    assert blue.links[0].link.startswith(without_room_key(blue.room.viewer_room_url) + "?")
    assert "displayName=Ana%20Lund&externalId=ana-lund" in blue.links[0].link
    assert all("roomKey" not in link.link for link in blue.links)
    assert Field.HOST_ROOM_URL in template.effective_fields


def test_a_cancel_sends_nothing_more_keeps_what_was_made_and_a_retry_sends_the_rest(
    emulator, store
):
    plan = plan_from_labels(["A", "B", "C", "D"], timing())

    def cancel_after_the_first(run, outcome):
        if (outcome.number, outcome.state) == (1, RowState.CREATED):
            run.cancel()

    run, _ = send(emulator, store, plan, act=cancel_after_the_first)
    assert [o.state for o in run.outcomes] == [RowState.CREATED] + [RowState.NOT_SENT] * 3
    assert {o.reason for o in run.outcomes[1:]} == {CANCELLED}
    assert len(emulator.meeting_ids()) == 1
    assert len(emulator.received) == 1  # nothing after the cancel went out
    assert run.summary().describe() == "Of 4 rooms: 1 created, 3 not sent"
    assert store.pending_creates() == []

    async def retry() -> None:
        async with WherebyClient("test-key", base_url=emulator.base_url, retry=FAST) as client:
            run.service = RoomService(client, store)
            await run.retry_failed()

    asyncio.run(retry())
    assert [o.state for o in run.outcomes] == [RowState.CREATED] * 4
    assert len(emulator.meeting_ids()) == 4  # the first one was not made twice
    assert sorted(o.room.label for o in run.outcomes) == ["A", "B", "C", "D"]


def test_a_failure_every_room_would_meet_stops_the_batch_and_the_retry_sends_them(emulator, store):
    emulator.api_key = "rotated"
    plan = plan_from_labels(["A", "B", "C"], timing())
    run, seen = send(emulator, store, plan, again=False)
    assert [o.state for o in run.outcomes] == [
        RowState.FAILED,
        RowState.NOT_SENT,
        RowState.NOT_SENT,
    ]
    assert isinstance(run.first_error(), InvalidApiKeyError)
    assert {o.reason for o in run.outcomes[1:]} == {STOPPED}
    assert len(emulator.received) == 1
    assert (3, RowState.NOT_SENT) in seen
    assert (3, RowState.SENT) not in seen
    assert store.pending_creates() == []  # the rows that waited are not "may have been made"

    emulator.api_key = "rotated"
    run, _ = send(emulator, store, plan, again=True)
    assert [o.state for o in run.outcomes] == [RowState.CREATED] * 3
    assert len(emulator.meeting_ids()) == 3


def test_rooms_that_may_have_been_made_are_never_sent_again(emulator, store):
    emulator.faults.force_status = 503
    plan = plan_from_labels(["A", "B"], timing())
    run, _ = send(emulator, store, plan)
    # A 5xx stops nothing: the next room may well work. Each may exist: a sync tells.
    assert [o.state for o in run.outcomes] == [RowState.UNKNOWN, RowState.UNKNOWN]
    assert isinstance(run.first_error(), ServerError)
    assert run.summary().describe() == "Of 2 rooms: 0 created, 2 may have been created"
    assert run.retryable() == []
    with pytest.raises(PlanError, match="nothing to send again"):
        asyncio.run(run.retry_failed())
    states = {row.state for row in store.pending_creates(states=tuple(PendingState))}
    assert states == {PendingState.UNKNOWN}


def test_a_row_that_could_not_be_sent_stops_the_whole_plan_before_anything_goes(emulator, store):
    plan = plan_from_labels(["A", "B"], timing(), prefix="Not a prefix!")
    with pytest.raises(RequestValidationError, match="may only contain"):
        send(emulator, store, plan)
    assert emulator.received == []
    assert store.pending_creates(states=tuple(PendingState)) == []
