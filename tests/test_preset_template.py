"""A preset's own invitation template stays with each room made from it: in the store (also
through a create settled by a sync or sent again), from the window's create dialog and from
``roomdesk-cli create --preset``, and in everything handed out for the room."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QComboBox, QLineEdit, QPushButton

from roomdesk.api.client import RetryPolicy, WherebyClient
from roomdesk.api.errors import CreateOutcomeUnknownError
from roomdesk.api.models import Meeting
from roomdesk.api.requests import MeetingRequest
from roomdesk.cli import run
from roomdesk.paths import app_paths
from roomdesk.secrets import KeyStore
from roomdesk.services.preset_file import PresetFile
from roomdesk.services.presets import Preset
from roomdesk.services.rooms import RoomService
from roomdesk.services.sync import SyncService
from roomdesk.store import RoomStore
from tests import test_hand_outs
from tests.conftest import EMULATOR_TEST_KEY
from tests.test_hand_outs import select

# The window's fixtures, as the hand-outs' own tests make them.
chooser, session, window = test_hand_outs.chooser, test_hand_outs.session, test_hand_outs.window

pytestmark = [
    pytest.mark.qt_log_ignore(
        r"This plugin does not support (propagateSizeHints\(\)|raise\(\)|grabbing the keyboard)"
    )
]

FAST = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, total_seconds=5)
TEMPLATE = "Coaching with {label}\nJoin at {link}\n"


def meeting(meeting_id: str, end: datetime) -> Meeting:
    url = f"https://team.whereby.com/{meeting_id}"
    return Meeting(meeting_id=meeting_id, room_url=url, end_date=end, room_name=f"/{meeting_id}")


def run_service(emulator, store, body):
    async def main():
        async with WherebyClient("test-key", base_url=emulator.base_url, retry=FAST) as client:
            rooms = RoomService(client, store)
            return await body(rooms, SyncService(rooms))

    return asyncio.run(main())


# -- the store ---------------------------------------------------------------------------------


def test_a_room_keeps_its_template_through_every_read_and_other_rooms_have_none(store):
    end = datetime.now(UTC) + timedelta(hours=2)
    store.add_created(
        meeting("own", end), room_mode="normal", options={}, invitation_template=TEMPLATE
    )
    store.add_created(meeting("usual", end), room_mode="normal", options={})
    assert store.get("own").invitation_template == TEMPLATE
    rooms = {room.meeting_id: room for room in store.list_rooms()}
    assert rooms["own"].invitation_template == TEMPLATE
    assert rooms["usual"].invitation_template is None


def test_a_create_with_a_template_keeps_it(emulator, store):
    end = datetime.now(UTC) + timedelta(hours=2)
    room = run_service(
        emulator,
        store,
        lambda rooms, _sync: rooms.create_room(
            MeetingRequest(end_date=end), label="Sam", invitation_template=TEMPLATE
        ),
    )
    assert room.invitation_template == TEMPLATE
    assert store.get(room.meeting_id).invitation_template == TEMPLATE


def test_a_lost_create_settled_by_a_sync_keeps_its_template(emulator, store):
    end = datetime.now(UTC) + timedelta(hours=2)
    emulator.faults.drop_rate = 1.0  # no answer reaches roomdesk
    with pytest.raises(CreateOutcomeUnknownError):
        run_service(
            emulator,
            store,
            lambda rooms, _sync: rooms.create_room(
                MeetingRequest(end_date=end), label="Lost", invitation_template=TEMPLATE
            ),
        )
    emulator.faults.drop_rate = 0.0
    [pending] = store.pending_creates()
    assert pending.invitation_template == TEMPLATE
    made = emulator.add_meeting(end_date=end)
    report = run_service(emulator, store, lambda _rooms, sync: sync.sync())
    [resolved] = report.resolved
    assert resolved.meeting_id == made["meetingId"]
    assert store.get(resolved.meeting_id).invitation_template == TEMPLATE


def test_a_create_sent_again_keeps_its_template(emulator, store):
    end = datetime.now(UTC) + timedelta(hours=2)
    pending_id = store.add_pending_create(
        MeetingRequest(end_date=end).to_stored_options(), "Retried", invitation_template=TEMPLATE
    )
    store.mark_pending(pending_id, "unknown", "The connection failed after it was sent")
    outcome = run_service(emulator, store, lambda _rooms, sync: sync.retry_pending(pending_id))
    assert outcome.room.invitation_template == TEMPLATE
    assert store.get(outcome.room.meeting_id).invitation_template == TEMPLATE


# -- the command line --------------------------------------------------------------------------


@pytest.fixture
def cli(emulator, monkeypatch, keyring_backend):
    monkeypatch.setenv("ROOMDESK_API_URL", emulator.base_url)
    monkeypatch.setenv("TZ", "Europe/Oslo")
    keys = KeyStore(
        environ={"ROOMDESK_API_KEY": EMULATOR_TEST_KEY}, keyring_backend=keyring_backend
    )

    def call(*argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = run(list(argv), keys=keys, out=out, err=err)
        return code, out.getvalue(), err.getvalue()

    return call


@pytest.fixture
def coaching(cli, tmp_path) -> str:
    """A saved preset "Coaching" with its own template; returns its name."""
    path = tmp_path / "coaching.txt"
    path.write_text(TEMPLATE, encoding="utf-8")
    code, _out, err = cli(
        "presets", "save", "Coaching", "--duration", "45m", "--template", str(path)
    )
    assert (code, err) == (0, "")
    return "Coaching"


def stored() -> dict[str, object]:
    with RoomStore(app_paths().ensure().store_file) as store:
        return {room.label: room for room in store.list_rooms(include_past=True)}


def test_create_with_a_preset_keeps_its_template_for_invite_and_ics(cli, coaching):
    code, out, err = cli("create", "--preset", coaching, "--label", "Sam", "--json")
    assert (code, err) == (0, "")
    meeting_id = json.loads(out)["meetingId"]
    room = stored()["Sam"]
    assert room.invitation_template == TEMPLATE
    code, out, err = cli("invite", meeting_id)
    assert (code, err) == (0, "")
    assert out == f"Coaching with Sam\nJoin at {room.room_url}\n"
    code, out, err = cli("ics", meeting_id)
    assert (code, err) == (0, "")
    [event] = Calendar.from_ical(out.encode()).walk("VEVENT")
    # No start was planned, which the description says first.
    assert str(event["DESCRIPTION"]).endswith(f"\n\nCoaching with Sam\nJoin at {room.room_url}")


def test_a_template_file_given_to_invite_and_ics_wins_over_the_rooms_own(cli, coaching, tmp_path):
    code, out, _ = cli("create", "--preset", coaching, "--label", "Sam", "--json")
    meeting_id = json.loads(out)["meetingId"]
    other = tmp_path / "other.txt"
    other.write_text("Other: {label}\n", encoding="utf-8")
    code, out, err = cli("invite", meeting_id, "--template", str(other))
    assert (code, out, err) == (0, "Other: Sam\n", "")
    code, out, err = cli("ics", meeting_id, "--template", str(other))
    [event] = Calendar.from_ical(out.encode()).walk("VEVENT")
    assert str(event["DESCRIPTION"]).endswith("\n\nOther: Sam")


def test_a_room_made_without_the_presets_template_gets_the_usual_invitation(cli, tmp_path):
    cli("presets", "save", "Plain", "--duration", "45m")
    code, out, _ = cli("create", "--preset", "Plain", "--label", "Kim", "--json")
    meeting_id = json.loads(out)["meetingId"]
    assert stored()["Kim"].invitation_template is None
    code, out, err = cli("invite", meeting_id)
    assert (code, err) == (0, "")
    assert "You're invited: Kim" in out


def test_create_count_with_a_preset_gives_each_room_its_template(cli, coaching):
    code, _out, err = cli("create", "--preset", coaching, "--label", "Group", "--count", "2")
    assert (code, err) == (0, "")
    rooms = stored()
    assert len(rooms) == 2
    assert {room.invitation_template for room in rooms.values()} == {TEMPLATE}


def test_a_batch_with_a_preset_gives_each_room_its_template(cli, coaching, tmp_path):
    labels = tmp_path / "labels.txt"
    labels.write_text("Intro\nWrap-up\n", encoding="utf-8")
    code, _out, err = cli(
        "create", "--preset", coaching, "--labels", str(labels), "--tz", "Europe/Oslo", "--yes"
    )
    assert code == 0, err
    rooms = stored()
    assert sorted(rooms) == ["Intro", "Wrap-up"]
    assert {room.invitation_template for room in rooms.values()} == {TEMPLATE}


def test_a_rooms_template_with_a_mistake_is_refused_naming_the_room(cli, tmp_path):
    with RoomStore(app_paths().ensure().store_file) as store:
        store.add_created(
            meeting("m-1", datetime.now(UTC) + timedelta(hours=2)),
            room_mode="normal",
            options={},
            label="Sam",
            invitation_template="Hi {lable}",
        )
    for argv in (("invite", "m-1"), ("ics", "m-1")):
        code, out, err = cli(*argv)
        assert (code, out) == (2, "")
        assert "the invitation template kept with “Sam” (from its preset) cannot be used" in err
        assert "{lable}" in err and "--template FILE" in err
    code, out, err = cli("invite", "m-1", "--template", "/nonexistent/x")
    assert "there is no such file" in err
    # What hands out no invitation is not held up by it.
    code, _out, err = cli("qr", "m-1", "-o", str(tmp_path / "sam.png"))
    assert (code, err) == (0, "")


# -- the window --------------------------------------------------------------------------------


def test_the_dialogs_preset_template_goes_to_the_hand_outs(
    session, window, aloop, qtbot, chooser, tmp_path
):
    PresetFile(session.paths.presets_file).save(
        [Preset(name="Coaching", duration_minutes=45, invitation_template=TEMPLATE)]
    )
    dialog = window.open_create_dialog()
    assert dialog is not None
    qtbot.waitExposed(dialog)
    combo = dialog.findChild(QComboBox, "presetCombo")
    combo.setCurrentIndex(combo.findText("Coaching"))
    dialog.findChild(QLineEdit, "labelEdit").setText("Sam")
    with qtbot.waitSignal(dialog.roomCreated) as created:
        aloop.act(dialog.findChild(QPushButton, "createButton").click)
        aloop.wait_until(lambda: created.signal_triggered)
    [room] = session.list_rooms()
    assert room.invitation_template == TEMPLATE

    select(window, room.meeting_id)
    window.copy_invitation_action.trigger()
    expected = f"Coaching with Sam\nJoin at {room.room_url}"
    assert QGuiApplication.clipboard().text() == expected + "\n"
    chooser.answers.append((tmp_path / "sam.ics", None))
    window.save_calendar_action.trigger()
    [event] = Calendar.from_ical((tmp_path / "sam.ics").read_bytes()).walk("VEVENT")
    assert str(event["DESCRIPTION"]).endswith(f"\n\n{expected}")


def test_a_room_without_a_template_follows_settings(session, window, aloop):
    end = datetime.now(UTC) + timedelta(hours=2)
    own = aloop.run(
        session.create_room(MeetingRequest(end_date=end), "Own", invitation_template=TEMPLATE)
    )
    usual = aloop.run(session.create_room(MeetingRequest(end_date=end), "Usual"))
    window.settings.invitation_template = "Settings: {label}"
    select(window, own.meeting_id, usual.meeting_id)
    window.copy_invitation_action.trigger()
    text = QGuiApplication.clipboard().text()
    assert text.startswith(f"Coaching with Own\nJoin at {own.room_url}")
    assert text.rstrip().endswith("Settings: Usual")
