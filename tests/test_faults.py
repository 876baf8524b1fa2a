"""The fault matrix: slow, failing, dropping, truncating, throttling and vanishing servers.

Each fault is injected by the emulator (seeded, so the same requests meet the same faults) and met
by the window's session and by the CLI. Whatever happens: no crash and no traceback, every room
that failed is named with its cause, safe calls are retried, a create whose answer was lost is
never sent again by itself, and the room store agrees with the server, or says what it cannot
know yet (an unknown pending create).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from roomdesk.api.client import RetryPolicy
from roomdesk.api.errors import (
    ConnectFailedError,
    CreatedUnreadableError,
    CreateOutcomeUnknownError,
    InvalidApiKeyError,
    RateLimitedError,
    ServerError,
    WherebyError,
)
from roomdesk.api.requests import MeetingRequest
from roomdesk.emulator import EmulatorServer
from roomdesk.emulator.server import RecordedRequest, RequestOutcome
from roomdesk.paths import app_paths
from roomdesk.secrets import ApiKey, KeyStore
from roomdesk.services.rooms import DELETE_CONCURRENCY, DeleteOutcome
from roomdesk.store import PendingState, RoomStore
from roomdesk.ui.app_settings import AppSettings
from roomdesk.ui.delete_progress import DeleteProgressDialog
from roomdesk.ui.main_window import MainWindow
from roomdesk.ui.session import AppSession
from tests.memory_keyring import MemoryKeyring

ROOT = Path(__file__).resolve().parents[1]
KEY = "test-key"
RETRY = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05, total_seconds=10)
CLOSED_PORT_URL = "http://127.0.0.1:9/v1"
UNRESOLVABLE_URL = "https://no-such-host.invalid/v1"


# -- what the server saw, and what the store says -------------------------------------------------


def requests_of(emulator: EmulatorServer, method: str) -> list[RecordedRequest]:
    return [record for record in emulator.received if record.method == method]


def answered(record: RecordedRequest) -> bool:
    return record.outcome is RequestOutcome.ANSWERED


def assert_store_agrees_with_server(emulator: EmulatorServer, lost_deletes=frozenset()) -> None:
    """Every room the store calls current exists; every room it calls deleted does not; a room
    the server has and the store lacks is one whose create answer was lost (an unknown pending).
    ``lost_deletes``: rooms whose DELETE reached the server but whose answer did not come back."""
    on_server = emulator.meeting_ids()
    with RoomStore(app_paths().store_file) as store:
        rooms = store.list_rooms(include_past=True)
        pending = store.pending_creates(states=tuple(PendingState))
    for room in rooms:
        if room.deleted_at is not None:
            assert room.meeting_id not in on_server, f"{room.meeting_id} marked deleted but exists"
        elif room.server_missing_at is None:
            assert room.meeting_id in on_server | lost_deletes, f"{room.meeting_id} is gone"
    assert not [row for row in pending if row.state is PendingState.PENDING], "left half-done"
    assert all(row.error for row in pending if row.state is not PendingState.RESOLVED)
    # Answers lost (unknown) or unreadable (created) are the creates a sync has yet to settle.
    unsettled = [
        row for row in pending if row.state in (PendingState.UNKNOWN, PendingState.CREATED)
    ]
    orphans = on_server - {room.meeting_id for room in rooms}
    assert len(orphans) <= len(unsettled), "the server has rooms the store cannot account for"


def pending_states() -> Counter:
    with RoomStore(app_paths().store_file) as store:
        return Counter(row.state for row in store.pending_creates(states=tuple(PendingState)))


# -- the window's session --------------------------------------------------------------------------


def new_session(api_url: str) -> AppSession:
    return AppSession(
        app_paths(),
        keys=KeyStore(environ={}, keyring_backend=MemoryKeyring()),
        api_url=api_url,
        # A modest timeout keeps the slow-server cases short.
        client_options={"timeout": httpx.Timeout(1.0), "retry": RETRY},
    )


@pytest.fixture
def session(emulator, aloop) -> Iterator[AppSession]:
    app_session = new_session(emulator.base_url)
    aloop.run(app_session.start_with_key(ApiKey(KEY)))
    yield app_session
    aloop.run(app_session.shutdown())


def show_window(session: AppSession, qtbot, aloop) -> MainWindow:
    main = MainWindow(session, AppSettings(app_paths()))
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    # The refresh that follows the first showing ends before any fault is set up, so the seeded
    # faults meet the test's own requests in a fixed order.
    aloop.wait_until(lambda: main.startup_refresh_done)
    return main


@pytest.fixture
def window(session, qtbot, aloop, emulator) -> MainWindow:
    main = show_window(session, qtbot, aloop)
    emulator.clear_received()
    return main


def request_number(index: int) -> MeetingRequest:
    # Distinct prefixes and end dates, so a sync can tell interrupted creates apart.
    end = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3, minutes=index)
    return MeetingRequest(end_date=end, room_name_prefix=f"fault-{index}")


def create_each(session: AppSession, aloop, count: int) -> list[object]:
    """Create ``count`` rooms one after the other; each result is a room or the error it met."""

    async def run() -> list[object]:
        results: list[object] = []
        for index in range(count):
            try:
                results.append(await session.create_room(request_number(index), f"Room {index}"))
            except WherebyError as error:
                results.append(error)
        return results

    return aloop.run(run(), timeout=60)


def delete_through_the_window(
    window: MainWindow, session: AppSession, aloop
) -> tuple[list[DeleteOutcome], list[str]]:
    """Select every room, press Delete and confirm, as a person would; returns the outcomes and
    what the progress window (opened for more than a few rooms) shows for each room."""
    window.proxy.setShowPast(False)
    window.table.selectAll()
    box = window.delete_selected()
    assert isinstance(box, QMessageBox)
    aloop.act(next(b for b in box.buttons() if "Delete" in b.text()).click)
    progress: list[DeleteProgressDialog] = []

    def finished() -> bool:
        progress[:] = window.findChildren(DeleteProgressDialog)
        return bool(progress) and not progress[0].running

    aloop.wait_until(finished, timeout=60)
    return list(progress[0].outcomes.values()), progress[0].outcome_texts()


def delete_a_few_through_the_window(
    window: MainWindow, session: AppSession, aloop
) -> tuple[list[DeleteOutcome], list[str]]:
    """As :func:`delete_through_the_window` for a few rooms, which are deleted together and
    reported in a message box when any failed."""
    outcomes: list[list[DeleteOutcome]] = []
    session.roomsDeleted.connect(outcomes.append)
    window.proxy.setShowPast(False)
    window.table.selectAll()
    box = window.delete_selected()
    assert isinstance(box, QMessageBox)
    aloop.act(next(b for b in box.buttons() if "Delete" in b.text()).click)
    aloop.wait_until(lambda: bool(outcomes), timeout=60)
    reports = [w.text() for w in window.findChildren(QMessageBox) if w is not box and w.isVisible()]
    return outcomes[0], reports


def assert_failures_named(outcomes: list[DeleteOutcome], shown_texts: list[str]) -> None:
    """Each failed room says why, in the progress window's row for it."""
    failed = [outcome for outcome in outcomes if not outcome.ok]
    for outcome in failed:
        text = outcome.describe()
        assert text.startswith(f"{outcome.room_name or outcome.meeting_id}: not deleted: ")
        assert str(outcome.error) in text
    shown = "\n".join(shown_texts)
    assert all(outcome.describe().partition(": ")[2] in shown for outcome in failed)


def assert_deletes_retried(emulator: EmulatorServer, outcomes: list[DeleteOutcome]) -> None:
    """Deleting is safe to repeat: a failed attempt is tried again, up to the policy's limit."""
    deletes = requests_of(emulator, "DELETE")
    for outcome in outcomes:
        tries = [r for r in deletes if r.path == f"/v1/meetings/{outcome.meeting_id}"]
        assert tries
        if outcome.ok:
            assert tries[-1].status == 204 and answered(tries[-1])
            assert all(not answered(t) or t.status >= 500 for t in tries[:-1])
        else:
            assert len(tries) == RETRY.max_attempts


def test_slow_server_keeps_the_window_alive_and_a_lost_answer_is_recorded(
    window, session, aloop, emulator
) -> None:
    emulator.faults.latency = 1.5  # the client gives up after 1 s
    ticks: list[int] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    with pytest.raises(CreateOutcomeUnknownError) as caught:
        aloop.run(session.create_room(request_number(0), "Slow"))
    timer.stop()
    assert "may have been created" in str(caught.value)
    # A frozen window would have ticked a few times at most in that second.
    assert len(ticks) > 40
    assert len(requests_of(emulator, "POST")) == 1  # never sent again by itself
    assert pending_states() == {PendingState.UNKNOWN: 1}
    aloop.wait_until(lambda: bool(emulator.meeting_ids()), timeout=5)  # it did get made
    assert_store_agrees_with_server(emulator)

    emulator.faults.latency = 0.0
    report = aloop.run(session.sync())
    assert [item.label for item in report.resolved] == ["Slow"]
    assert pending_states() == {PendingState.RESOLVED: 1}
    assert len(requests_of(emulator, "POST")) == 1
    assert_store_agrees_with_server(emulator)


def test_server_errors_on_a_third_of_requests(window, session, aloop, emulator) -> None:
    emulator.faults.seed, emulator.faults.error_rate = 1, 0.3
    results = create_each(session, aloop, 8)

    failures = [result for result in results if isinstance(result, WherebyError)]
    assert failures, "the seed should make some creates fail"
    assert all(isinstance(error, ServerError) and error.status >= 500 for error in failures)
    # A create that met a 5xx may have reached Whereby: it is never repeated blindly.
    assert len(requests_of(emulator, "POST")) == 8
    assert_store_agrees_with_server(emulator)

    outcomes, shown = delete_through_the_window(window, session, aloop)
    assert len(outcomes) == 8 - len(failures)
    assert_failures_named(outcomes, shown)
    deletes = requests_of(emulator, "DELETE")
    assert any(record.status and record.status >= 500 for record in deletes), "no fault met"
    assert_deletes_retried(emulator, outcomes)
    assert_store_agrees_with_server(emulator)


def test_dropped_connections(window, session, aloop, emulator) -> None:
    emulator.faults.seed, emulator.faults.drop_rate = 1, 0.2
    results = create_each(session, aloop, 8)

    lost = [result for result in results if isinstance(result, CreateOutcomeUnknownError)]
    assert lost, "the seed should drop some creates"
    assert all(
        isinstance(r, CreateOutcomeUnknownError) for r in results if isinstance(r, Exception)
    )
    posts = requests_of(emulator, "POST")
    assert len(posts) == 8
    assert sum(record.outcome is RequestOutcome.DROPPED for record in posts) == len(lost)
    assert pending_states()[PendingState.UNKNOWN] == len(lost)
    assert_store_agrees_with_server(emulator)

    # Listing is safe to repeat: the sync gets through the drops and finds nothing for them.
    report = aloop.run(session.sync())
    assert len(report.unresolved) == len(lost) and not report.resolved
    outcomes, shown = delete_through_the_window(window, session, aloop)
    assert_failures_named(outcomes, shown)
    assert any(r.outcome is RequestOutcome.DROPPED for r in requests_of(emulator, "DELETE"))
    assert_deletes_retried(emulator, outcomes)
    assert len(requests_of(emulator, "POST")) == 8
    assert_store_agrees_with_server(emulator)


def test_truncated_answers(session, aloop, emulator) -> None:
    emulator.faults.seed, emulator.faults.truncate_rate = 1, 0.1
    results = create_each(session, aloop, 6)

    cut = [record for record in requests_of(emulator, "POST") if not answered(record)]
    assert cut and all(record.outcome is RequestOutcome.TRUNCATED for record in cut)
    lost = [result for result in results if isinstance(result, CreatedUnreadableError)]
    assert len(lost) == len(cut)
    # The rooms exist; only their answers were cut off after the status said so. The store
    # keeps them as created, to be added by the next sync and never sent again.
    assert len(emulator.meeting_ids()) == 6
    assert pending_states()[PendingState.CREATED] == len(cut)
    assert_store_agrees_with_server(emulator)

    emulator.faults.truncate_rate = 0.0
    report = aloop.run(session.sync())
    assert sorted(item.label for item in report.resolved) == sorted(
        f"Room {index}" for index, result in enumerate(results) if result in lost
    )
    with RoomStore(app_paths().store_file) as store:
        assert {room.meeting_id for room in store.list_rooms()} == emulator.meeting_ids()
    assert len(requests_of(emulator, "POST")) == 6


def test_rate_limit_storm_is_waited_out_and_a_throttled_create_is_sent_again(
    session, aloop, emulator
) -> None:
    emulator.faults.force_status, emulator.faults.forced_retry_after = 429, 1

    async def create_while_the_storm_passes():
        task = asyncio.ensure_future(session.create_room(request_number(0), "Patient"))
        while not any(record.status == 429 for record in emulator.received):
            await asyncio.sleep(0.01)
        emulator.faults.force_status = None
        return await task

    room = aloop.run(create_while_the_storm_passes())
    statuses = [record.status for record in requests_of(emulator, "POST")]
    # A throttled request was not processed, so sending it again cannot make a second room.
    assert statuses[-1] == 201 and set(statuses[:-1]) == {429}
    assert emulator.meeting_ids() == {room.meeting_id}

    emulator.clear_received()
    # And now a storm that outlasts the retries (short waits: only the count matters here).
    emulator.faults.force_status, emulator.faults.forced_retry_after = 429, 0
    with pytest.raises(RateLimitedError) as caught:
        aloop.run(session.create_room(request_number(1), "Unlucky"))
    assert "rate limit" in str(caught.value)
    statuses = [record.status for record in requests_of(emulator, "POST")]
    assert set(statuses) == {429} and 1 < len(statuses) <= RETRY.max_attempts
    assert pending_states()[PendingState.FAILED] == 1
    assert_store_agrees_with_server(emulator)


def test_server_going_away_in_the_middle_of_a_create_batch(session, aloop, emulator) -> None:
    emulator.faults.latency = 0.2

    async def batch_while_the_server_stops() -> list[object]:
        async def stop_after_two() -> None:
            while sum(answered(r) for r in requests_of(emulator, "POST")) < 2:
                await asyncio.sleep(0.01)
            await asyncio.get_running_loop().run_in_executor(None, emulator.stop)

        stopper = asyncio.ensure_future(stop_after_two())
        results = []
        for index in range(5):
            if index == 4:
                # The last one meets a server that is gone, however slowly it stopped.
                await stopper
            try:
                results.append(await session.create_room(request_number(index), f"Room {index}"))
            except WherebyError as error:
                results.append(error)
        return results

    results = aloop.run(batch_while_the_server_stops(), timeout=60)
    failures = [r for r in results if isinstance(r, WherebyError)]
    # How many rooms slip in while the server stops depends on the machine's speed; the
    # first two certainly succeed and the last is sent once it has stopped.
    assert all(not isinstance(r, WherebyError) for r in results[:2])
    assert failures
    assert isinstance(results[-1], ConnectFailedError)
    assert "Could not connect" in str(results[-1])
    # One POST per room at most: connection failures are retried only when nothing was sent.
    assert len(requests_of(emulator, "POST")) <= 5
    states = pending_states()
    # A room whose answer the stopping server cut after its status is kept as created.
    unsettled = states[PendingState.UNKNOWN] + states[PendingState.CREATED]
    assert states[PendingState.FAILED] + unsettled == len(failures)
    assert states[PendingState.CREATED] == sum(
        isinstance(r, CreatedUnreadableError) for r in results
    )
    assert session.connection_text == "Offline"
    assert_store_agrees_with_server(emulator)


def test_server_going_away_in_the_middle_of_a_delete_batch(window, session, aloop, emulator):
    # Deletes run a few at a time, and stopping the server answers the ones it holds: with
    # three times that many rooms, the last wave certainly meets a server that is gone.
    batch = 3 * DELETE_CONCURRENCY
    created = create_each(session, aloop, batch)
    assert all(not isinstance(room, WherebyError) for room in created)
    emulator.faults.latency = 0.3

    async def stop_after_first_delete() -> None:
        while not any(answered(r) for r in requests_of(emulator, "DELETE")):
            await asyncio.sleep(0.01)
        await asyncio.get_running_loop().run_in_executor(None, emulator.stop)

    stopper = aloop.loop.create_task(stop_after_first_delete())
    outcomes, shown = delete_through_the_window(window, session, aloop)
    aloop.run(stopper)

    assert len(outcomes) == batch
    failed = [outcome for outcome in outcomes if not outcome.ok]
    assert failed and any(outcome.ok for outcome in outcomes)
    assert_failures_named(outcomes, shown)
    # A delete carried out just as the server went away may have lost its answer.
    reached = {r.path.rsplit("/", 1)[1] for r in requests_of(emulator, "DELETE") if r.status}
    lost_deletes = {outcome.meeting_id for outcome in failed} & reached
    assert_store_agrees_with_server(emulator, lost_deletes=frozenset(lost_deletes))


@pytest.mark.parametrize("api_url", [CLOSED_PORT_URL, UNRESOLVABLE_URL], ids=["closed", "dns"])
def test_unreachable_service(aloop, qtbot, api_url) -> None:
    offline = new_session(api_url)
    aloop.run(offline.start_with_key(ApiKey(KEY)))
    try:
        window = show_window(offline, qtbot, aloop)
        with pytest.raises(ConnectFailedError) as caught:
            aloop.run(offline.create_room(request_number(0), "Nowhere"))
        assert "Could not connect" in str(caught.value)
        assert offline.connection_text == "Offline"
        assert window.connection_label.text() == "Offline"
        outcomes = aloop.run(offline.delete_rooms(["m-unknown"]))
        assert outcomes[0].describe().startswith("m-unknown: not deleted: Could not connect")
        assert pending_states() == {PendingState.FAILED: 1}  # certainly never sent
        with RoomStore(app_paths().store_file) as store:
            assert store.list_rooms(include_past=True) == []
    finally:
        aloop.run(offline.shutdown())


def test_key_rotated_in_the_middle_of_a_session(window, session, aloop, emulator) -> None:
    kept = create_each(session, aloop, 2)
    emulator.api_key = "rotated-by-a-colleague"
    emulator.clear_received()

    with pytest.raises(InvalidApiKeyError):
        aloop.run(session.create_room(request_number(5), "Refused"))
    assert [r.status for r in requests_of(emulator, "POST")] == [401]  # not retried
    outcomes, shown = delete_a_few_through_the_window(window, session, aloop)
    assert len(outcomes) == 2 and not any(outcome.ok for outcome in outcomes)
    assert all("refused" in outcome.describe() for outcome in outcomes)
    assert [r.status for r in requests_of(emulator, "DELETE")] == [401, 401]
    assert_failures_named(outcomes, shown)
    assert window.connection_label.text() == "Key refused"
    assert emulator.meeting_ids() == {room.meeting_id for room in kept}
    assert_store_agrees_with_server(emulator)


# -- the command line ------------------------------------------------------------------------------


def cli_env(api_url: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROOMDESK_")}
    env.update(
        ROOMDESK_DATA_DIR=str(data_dir),
        ROOMDESK_API_URL=api_url,
        ROOMDESK_API_KEY=KEY,
        PYTHONPATH=str(ROOT),
        PYTHON_KEYRING_BACKEND="tests.memory_keyring.MemoryKeyring",
        TZ="UTC",
    )
    return env


def cli(args: list[str], api_url: str, data_dir: Path) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "roomdesk.cli", *args],
        capture_output=True,
        text=True,
        env=cli_env(api_url, data_dir),
        timeout=60,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def cli_while(args, api_url, data_dir, until, then) -> subprocess.CompletedProcess:
    """Run the CLI; once ``until()`` holds, do ``then()`` while it keeps running."""
    child = subprocess.Popen(
        [sys.executable, "-m", "roomdesk.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(api_url, data_dir),
    )
    try:
        done = False
        while not done:
            try:
                child.wait(timeout=0.02)
                done = True
            except subprocess.TimeoutExpired:
                pass
            if until():
                then()
                break
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert "Traceback" not in err, err
    return subprocess.CompletedProcess(child.args, child.returncode, out, err)


def batch_labels(count: int) -> list[str]:
    return [f"Batch {number}" for number in range(1, count + 1)]


def assert_each_room_accounted_for(result, count: int) -> None:
    """Every room of a batch shows up: made (stdout) or named with the reason (stderr)."""
    made = {room["label"] for room in json.loads(result.stdout)}
    for label in batch_labels(count):
        if label not in made:
            assert f"“{label}”" in result.stderr, (label, result.stderr)


@pytest.mark.parametrize(
    ("fault", "setting"),
    [("server errors", "error_rate"), ("drops", "drop_rate"), ("truncation", "truncate_rate")],
)
def test_cli_batch_under_faults(emulator, data_dir, fault, setting) -> None:
    emulator.faults.seed = 1
    setattr(emulator.faults, setting, {"error_rate": 0.3, "drop_rate": 0.2}.get(setting, 0.1))
    result = cli(
        ["create", "--duration", "2h", "--count", "6", "--label", "Batch", "--json"],
        emulator.base_url,
        data_dir,
    )

    assert result.returncode == 4, result.stderr  # some failed: the service was unavailable
    assert_each_room_accounted_for(result, 6)
    # A room whose answer was cut after its 2xx status counts as made, though its details are
    # not in the output; a lost answer counts as "may have been created".
    unread = result.stderr.count("was created, but its details could not be read")
    assert f"Of 6 rooms: {len(json.loads(result.stdout)) + unread} created" in result.stderr
    assert len(requests_of(emulator, "POST")) == 6  # nothing sent twice
    assert_store_agrees_with_server(emulator)
    if setting != "error_rate":  # answers lost: the CLI says so and points to the way out
        assert "roomdesk-cli sync" in result.stderr


def test_cli_slow_server(emulator, data_dir) -> None:
    emulator.faults.latency = 1.5
    result = cli(["create", "--duration", "1h", "--json"], emulator.base_url, data_dir)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["meetingId"] in emulator.meeting_ids()
    assert emulator.received[0].injected_delay == 1.5


def test_cli_waits_out_a_rate_limit_storm(emulator, data_dir) -> None:
    emulator.faults.force_status, emulator.faults.forced_retry_after = 429, 1

    def storm_over() -> None:
        emulator.faults.force_status = None

    result = cli_while(
        ["create", "--duration", "1h", "--json"],
        emulator.base_url,
        data_dir,
        until=lambda: any(record.status == 429 for record in emulator.received),
        then=storm_over,
    )
    assert result.returncode == 0, result.stderr
    statuses = [record.status for record in requests_of(emulator, "POST")]
    assert statuses[-1] == 201 and set(statuses[:-1]) == {429}
    assert len(emulator.meeting_ids()) == 1


def test_cli_server_going_away_in_the_middle_of_a_batch(emulator, data_dir) -> None:
    emulator.faults.latency = 0.2
    result = cli_while(
        ["create", "--duration", "2h", "--count", "5", "--label", "Batch", "--json"],
        emulator.base_url,
        data_dir,
        until=lambda: sum(answered(r) for r in requests_of(emulator, "POST")) >= 2,
        then=emulator.stop,
    )
    assert result.returncode == 4, result.stderr
    assert_each_room_accounted_for(result, 5)
    assert "not attempted after that failure" in result.stderr or "Could not" in result.stderr
    assert len(requests_of(emulator, "POST")) <= 5
    assert_store_agrees_with_server(emulator)


def test_cli_server_going_away_in_the_middle_of_a_delete(emulator, data_dir) -> None:
    # Deletes run a few at a time, and stopping the server answers the ones it holds: with
    # three times that many rooms, the last wave certainly meets a server that is gone.
    count = 3 * DELETE_CONCURRENCY
    made = cli(
        ["create", "--duration", "2h", "--count", str(count), "--json"],
        emulator.base_url,
        data_dir,
    )
    ids = [room["meetingId"] for room in json.loads(made.stdout)]
    assert len(ids) == count
    emulator.faults.latency = 0.3
    result = cli_while(
        ["delete", *ids, "--yes"],
        emulator.base_url,
        data_dir,
        until=lambda: any(answered(r) for r in requests_of(emulator, "DELETE")),
        then=emulator.stop,
    )
    assert result.returncode == 4, result.stderr
    failed = [
        line.removeprefix("error: ")
        for line in result.stderr.splitlines()
        if ": not deleted: " in line
    ]
    reached = {r.path.rsplit("/", 1)[1] for r in requests_of(emulator, "DELETE") if r.status}
    assert_store_agrees_with_server(emulator, lost_deletes=frozenset(reached))
    with RoomStore(app_paths().store_file) as store:
        kept = [room for room in store.list_rooms() if room.meeting_id in ids]
    # Each room the store still holds was named on a line of its own, with the cause.
    assert kept and len(failed) == len(kept)
    for room in kept:
        (line,) = [line for line in failed if line.startswith(f"{room.room_name}: not deleted:")]
        assert "Could not connect" in line or "connection" in line, line


@pytest.mark.parametrize("api_url", [CLOSED_PORT_URL, UNRESOLVABLE_URL], ids=["closed", "dns"])
def test_cli_unreachable_service(data_dir, api_url) -> None:
    result = cli(["create", "--duration", "1h"], api_url, data_dir)
    assert result.returncode == 4
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: Could not connect"), result.stderr
    assert pending_states() == {PendingState.FAILED: 1}


def test_cli_key_rotated_in_the_middle_of_a_batch(emulator, data_dir) -> None:
    assert cli(["create", "--duration", "1h"], emulator.base_url, data_dir).returncode == 0
    emulator.api_key = "rotated-by-a-colleague"
    emulator.clear_received()
    result = cli(
        ["create", "--duration", "2h", "--count", "3", "--label", "Batch", "--json"],
        emulator.base_url,
        data_dir,
    )
    assert result.returncode == 3
    assert "“Batch 1” was not created: The API key was refused" in result.stderr
    assert "“Batch 2” to “Batch 3” not attempted" in result.stderr
    assert [r.status for r in requests_of(emulator, "POST")] == [401]
    assert_store_agrees_with_server(emulator)
