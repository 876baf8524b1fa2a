"""Meeting lists and ids a careless user or a hostile server could hand roomdesk.

Ids that would leave their request path are refused before anything is sent; a list page with a
bad meeting skips it (naming it) and the sync goes on; a list that never ends is cut off with a
clear error, keeping what was stored and marking nothing missing.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest

from roomdesk.api.client import RetryPolicy, WherebyClient
from roomdesk.api.errors import RequestValidationError
from roomdesk.api.models import Meeting
from roomdesk.api.paging import ListWalkError, PagingLimits
from roomdesk.api.requests import MeetingRequest
from roomdesk.domain.times import format_utc
from roomdesk.services.rooms import RoomService
from roomdesk.services.sync import SyncService
from tests.hostile_server import HostileServer, SeenRequest, json_answer
from tests.test_cli import KEY, cli

FAST = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, total_seconds=5)
END = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)


def meeting(meeting_id, **extra):
    return {
        "meetingId": meeting_id,
        "roomName": f"/r{meeting_id}",
        "roomUrl": f"https://demo.whereby.com/r{meeting_id}",
        "startDate": format_utc(datetime.now(UTC)),
        "endDate": format_utc(END),
    } | extra


def run_sync(base_url, store, *, paging=None, body=None):
    async def main():
        async with WherebyClient("test-key", base_url=base_url, retry=FAST) as client:
            sync = SyncService(RoomService(client, store), paging=paging)
            return await (body(sync) if body else sync.sync())

    return asyncio.run(main())


# -- ids from the user ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["delete", ".", "--yes"],
        ["delete", "..", "--yes"],
        ["delete", "../..", "--yes"],
        ["delete", " ", "--yes"],
        ["show", "."],
        ["show", ".."],
        ["show", "a/b"],
    ],
)
def test_an_id_that_would_leave_its_path_is_refused_before_anything_is_sent(
    emulator, data_dir, args
):
    emulator.api_key = KEY
    result = cli(args, server=emulator, data_dir=data_dir)
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and "meeting" in line.lower(), line
    assert "Traceback" not in result.stderr
    assert emulator.received == []


def test_one_bad_id_among_good_ones_sends_nothing_and_deletes_nothing(emulator, data_dir):
    emulator.api_key = KEY
    created = cli(["create", "--duration", "1h", "--json"], server=emulator, data_dir=data_dir)
    assert created.returncode == 0, created.stderr
    [meeting_id] = emulator.meeting_ids()
    emulator.clear_received()
    result = cli(["delete", meeting_id, "..", "--yes"], server=emulator, data_dir=data_dir)
    assert result.returncode == 2 and "'..'" in result.stderr
    assert emulator.received == []
    assert emulator.meeting_ids() == {meeting_id}
    shown = cli(["show", meeting_id, "--json"], server=emulator, data_dir=data_dir)
    assert '"status": "deleted"' not in shown.stdout and meeting_id in shown.stdout


def test_the_service_refuses_bad_ids_before_any_delete(store):
    async def main():
        async with WherebyClient("k", base_url="http://127.0.0.1:9/v1", retry=FAST) as client:
            return await RoomService(client, store).delete_rooms(["1", "."])

    with pytest.raises(RequestValidationError, match="only dots"):
        asyncio.run(main())


# -- bad meetings in a list page ------------------------------------------------------------------


def test_bad_meetings_in_a_page_are_skipped_by_name_and_the_sync_goes_on(store, caplog):
    # Stored before: a room whose listing turns unreadable must not be taken for gone.
    store.upsert_imported(Meeting.from_json(meeting("7")))
    pages = {
        None: (
            [meeting("1"), meeting(""), meeting("."), meeting(".."), meeting("2")],
            "p2",
        ),
        "p2": (
            [meeting("7", hostRoomUrl="http://evil.example/?roomKey=secret"), meeting("3")],
            None,
        ),
    }

    def answer(request: SeenRequest) -> bytes:
        results, cursor = pages[request.query.get("cursor", [None])[0]]
        return json_answer(200, {"results": results, "cursor": cursor})

    with caplog.at_level(logging.INFO, "roomdesk.sync"), HostileServer(answer) as server:
        report = run_sync(server.base_url, store)
    assert sorted(report.imported) == ["1", "2", "3"]
    assert [item.meeting_id for item in report.skipped] == [None, None, None, "7"]
    assert report.missing == ()
    assert store.get("7").server_missing_at is None
    assert {room.meeting_id for room in store.list_rooms(include_past=True)} == {"1", "2", "3", "7"}
    assert "4 unreadable, skipped" in report.summary()
    warnings = [record.getMessage() for record in caplog.records]
    assert any("''" in text and "is empty" in text for text in warnings)
    assert any("'..'" in text and "only dots" in text for text in warnings)
    assert any("meeting 7" in text for text in warnings)
    assert not any("secret" in text or "evil" in text for text in warnings)


# -- lists that never end --------------------------------------------------------------------------


def endless(*, fresh: bool):
    """A server handing out a new cursor with every page: new meetings each time, or the same."""
    numbers = itertools.count(1)

    def answer(request: SeenRequest) -> bytes:
        page = next(numbers)
        first = page * 2 if fresh else 0
        results = [meeting(str(first)), meeting(str(first + 1))]
        return json_answer(200, {"results": results, "cursor": f"c{page}"})

    return answer


@pytest.mark.parametrize(
    ("fresh", "paging", "words"),
    [
        (True, PagingLimits(min_pages=6), "did not end after 6 pages"),
        (False, PagingLimits(stale_pages=3), "3 pages in a row without a meeting not listed"),
        (True, PagingLimits(seconds=0.0), "did not end within 0 minutes"),
    ],
    ids=["page-limit", "nothing-new", "time-budget"],
)
def test_a_list_that_never_ends_stops_with_a_clear_error_keeping_what_was_stored(
    store, fresh, paging, words
):
    kept = store.upsert_imported(Meeting.from_json(meeting("keep-me")))[0]
    with HostileServer(endless(fresh=fresh)) as server:
        with pytest.raises(ListWalkError, match=words):
            run_sync(server.base_url, store, paging=paging)
        asked = len(server.seen())
    stored = {room.meeting_id for room in store.list_rooms(include_past=True)}
    assert stored >= {"2", "3"} if fresh else stored >= {"0", "1"}
    assert store.get(kept.meeting_id).server_missing_at is None  # nothing marked missing
    assert asked <= max(paging.min_pages, paging.stale_pages) + 1


def test_the_page_limit_grows_with_the_rooms_the_store_knows():
    limits = PagingLimits(min_pages=10)
    assert limits.max_pages(0, 100) == 10
    assert limits.max_pages(100_000, 100) == 2_000
    assert limits.max_pages(501, 100) == 12


def test_the_cli_sync_against_an_endless_list_ends_with_one_error_line(data_dir):
    with HostileServer(endless(fresh=False)) as server:
        result = cli(["sync"], server=server, data_dir=data_dir, key="k")
    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and "would never end" in line
    assert "nothing was marked missing" in line


def test_a_pending_lookup_on_a_server_that_ignores_the_name_filter_is_bounded(store):
    # The server lists everything, whatever roomName[startsWith] says, and never ends.
    pending_id = store.add_pending_create(
        MeetingRequest(end_date=END, room_name_prefix="yoga").to_json(), "Yoga"
    )
    store.mark_pending(pending_id, "unknown", "The answer was lost")
    answer = endless(fresh=True)
    with HostileServer(answer) as server:
        with pytest.raises(ListWalkError, match="did not end after 4 pages"):
            run_sync(
                server.base_url,
                store,
                paging=PagingLimits(min_pages=4),
                body=lambda sync: sync.retry_pending(pending_id),
            )
        lists = server.seen("GET")
        assert len(lists) == 4 and server.seen("POST") == []
        assert parse_qs(lists[0].raw_query)["roomName[startsWith]"] == ["/yoga"]


@pytest.mark.parametrize(
    ("paging", "found"),
    [(None, True), (PagingLimits(min_pages=2), False)],
    ids=["within-bounds", "past-the-bound"],
)
def test_a_retry_on_an_emulator_that_ignores_the_name_filter_walks_a_bounded_list(
    emulator, store, paging, found
):
    emulator.ignore_room_name_filter = True
    emulator.seed(250)  # others, with no prefix: listed all the same
    end = END.replace(microsecond=0)
    made = emulator.add_meeting(end_date=end, room_name_prefix="yoga")
    pending_id = store.add_pending_create(
        MeetingRequest(end_date=end, room_name_prefix="yoga").to_json(), "Yoga"
    )
    store.mark_pending(pending_id, "unknown", "The answer was lost")
    emulator.clear_received()

    def retry(sync):
        return sync.retry_pending(pending_id)

    if found:
        outcome = run_sync(emulator.base_url, store, paging=paging, body=retry)
        assert outcome.found_existing and outcome.room.meeting_id == made["meetingId"]
        assert len([r for r in emulator.received if r.method == "GET"]) == 3  # 251 meetings
    else:
        with pytest.raises(ListWalkError, match="did not end after 2 pages"):
            run_sync(emulator.base_url, store, paging=paging, body=retry)
    assert [r for r in emulator.received if r.method == "POST"] == []


def test_the_cli_sync_warns_of_each_skipped_meeting_and_goes_on(data_dir):
    def answer(request: SeenRequest) -> bytes:
        results = [meeting("1"), meeting(".."), meeting("2", roomUrl="http://evil.example/x")]
        return json_answer(200, {"results": results, "cursor": None})

    with HostileServer(answer) as server:
        text = cli(["sync"], server=server, data_dir=data_dir, key="k")
        data = cli(["sync", "--json"], server=server, data_dir=data_dir, key="k")
    assert text.returncode == 0, text.stderr
    warnings = text.stderr.strip().splitlines()
    assert len(warnings) == 2 and all(line.startswith("warning: Skipped ") for line in warnings)
    assert "'..'" in warnings[0] and "meeting 2" in warnings[1] and "evil" not in text.stderr
    assert "New: 1" in text.stdout
    assert data.returncode == 0
    skipped = json.loads(data.stdout)["skipped"]
    assert [item["meetingId"] for item in skipped] == [None, "2"]
