"""Many rooms at once in the window, against the emulator: New rooms… (preview, create, cancel,
retry), Export rooms… and deleting many with their progress shown."""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget
from shiboken6 import isValid

from roomdesk.api.requests import (
    Field,
    MeetingRequest,
)
from roomdesk.domain.rooms import RoomMode
from roomdesk.paths import app_paths
from roomdesk.secrets import ApiKey
from roomdesk.services.preset_file import PresetFile, PresetLibrary
from roomdesk.services.presets import Preset
from roomdesk.ui.app_settings import AppSettings
from roomdesk.ui.batch_dialog import BatchDialog
from roomdesk.ui.batch_inputs import BatchInputs
from roomdesk.ui.create_room_presets import PresetChoices
from roomdesk.ui.delete_progress import DeleteProgressDialog
from roomdesk.ui.export_rooms import ExportDialog, export_summary
from roomdesk.ui.main_window import MainWindow
from roomdesk.ui.wall_time_input import read_wall
from tests.memory_keyring import GatedKeyring
from tests.preset_samples import RECORDING_SECRET_NAME
from tests.preset_samples import WORKSHOP as SHARED_WORKSHOP


class Chooser:
    """Answers "which file?" and "where to save?" with the paths given, as a person would."""

    def __init__(self) -> None:
        self.paths: list[Path] = []

    def open(self, parent, title, filters, chosen) -> None:
        chosen(self.paths.pop(0))

    def save(self, window, title, suggested, filters, chosen) -> None:
        path = self.paths.pop(0)
        chosen(path, filters[0])


@pytest.fixture
def chooser() -> Chooser:
    return Chooser()


@pytest.fixture
def session(app_session, aloop):
    aloop.run(app_session.start_with_key(ApiKey("test-key")))
    return app_session


@pytest.fixture
def window(session, qtbot, aloop, chooser):
    main = MainWindow(
        session,
        AppSettings(app_paths()),
        choose_save_path=chooser.save,
        choose_open_path=chooser.open,
    )
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    aloop.wait_until(lambda: main.startup_refresh_done)
    return main


def open_batch(window) -> BatchDialog:
    window.new_batch_action.trigger()
    return next(d for d in window._open_dialogs if isinstance(d, BatchDialog))


def labels_of(window) -> set[str]:
    return {room.label for room in window.session.list_rooms()}


def test_pasted_labels_are_previewed_with_their_cost_before_anything_is_sent(
    window, aloop, emulator
):
    dialog = open_batch(window)
    dialog.inputs.labels_radio.setChecked(True)
    dialog.inputs.labels_edit.setPlainText("Group A\n\nGroup B\nGroup C\n")
    dialog.inputs.prefix_edit.setText("Workshop")
    aloop.act(dialog.preview_button.click)
    aloop.wait_until(dialog.on_preview)
    assert dialog.table.rowCount() == 3
    assert [dialog.table.item(r, 0).text() for r in range(3)] == ["Group A", "Group B", "Group C"]
    assert dialog.table.item(0, 3).text() == "workshop"
    assert dialog.cost_label.text().startswith("3 rooms: 9 points")
    assert emulator.meeting_ids() == set()  # a preview sends nothing

    aloop.act(dialog.create_button.click)
    aloop.wait_until(lambda: not dialog._running and dialog.run is not None)
    assert len(emulator.meeting_ids()) == 3
    assert all(text.startswith("created: https://") for text in dialog.state_texts())
    assert dialog.progress.value() == 3
    assert labels_of(window) == {"Group A", "Group B", "Group C"}  # in the list as made
    assert window.model.rowCount() == 3
    assert "3 created" in dialog.summary_label.text()


def test_bad_labels_are_named_and_nothing_is_previewed(aloop, window, emulator):
    dialog = open_batch(window)
    dialog.inputs.labels_radio.setChecked(True)
    dialog.inputs.labels_edit.setPlainText("Team\nOther\nteam\n")
    assert not aloop.run(dialog.preview())
    assert not dialog.on_preview()
    assert "line 3: “team” is on line 1 already" in dialog.problems_label.text()
    assert emulator.meeting_ids() == set()


def test_a_roster_without_a_name_column_is_refused_with_its_line(aloop, window, chooser, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("who;team\nAda;Blue\n", encoding="utf-8")
    chooser.paths.append(path)
    dialog = open_batch(window)
    dialog.inputs.roster_radio.setChecked(True)
    dialog.inputs.open_button.click()
    found = dialog.inputs.roster_found.text()
    assert "line 1: the header has no name column" in found
    assert not aloop.run(dialog.preview())
    assert "open a roster file first" in dialog.problems_label.text()


def test_a_roster_makes_a_room_per_group_and_says_what_it_found(window, chooser, tmp_path, aloop):
    path = tmp_path / "people.csv"
    path.write_bytes(b"\xef\xbb\xbfName;Group\nAda;Blue\nBo;Red\nCy;Blue\n")
    chooser.paths.append(path)
    dialog = open_batch(window)
    dialog.inputs.roster_radio.setChecked(True)
    dialog.inputs.open_button.click()
    text = dialog.inputs.roster_found.text()
    assert "3 people in 2 groups (semicolon-separated)" in text
    assert "byte-order mark" in text
    dialog.inputs.personal_links_check.setChecked(True)
    assert aloop.run(dialog.preview())
    assert [dialog.table.item(r, 0).text() for r in range(2)] == ["Blue", "Red"]
    assert dialog.table.item(0, 4).text() == "2 personal links"


def test_a_series_shows_the_session_a_clock_change_moved(aloop, window, session):
    dialog = open_batch(window)
    inputs = dialog.inputs
    inputs.zone_picker.setZoneName("Europe/Oslo")
    inputs.repeat_box.setChecked(True)
    inputs.label_edit.setText("Yoga")
    inputs.frequency_combo.setCurrentIndex(0)  # daily
    inputs.times_spin.setValue(5)
    # Daily at 02:30 across the night Oslo's clocks go forward, next spring.
    year = session.now().year + 1
    from roomdesk.ui.wall_time_input import write_wall

    write_wall(inputs.start_edit, datetime(year, 3, 27, 2, 30))
    assert aloop.run(dialog.preview()), dialog.problems_label.text()
    notes = [dialog.table.item(r, 4).text() for r in range(5)]
    assert any("the clocks go forward" in note for note in notes)
    assert dialog.table.item(0, 0).text() == "Yoga 1"


WORKSHOP = dataclasses.replace(SHARED_WORKSHOP, invitation_template="Workshop {label}: {link}")


def keep_presets(session, *presets: Preset) -> None:
    PresetFile(session.paths.presets_file).save(list(presets))


def choose_preset(dialog: BatchDialog, name: str) -> None:
    combo = dialog.inputs.preset_combo
    combo.setCurrentIndex(combo.findText(name))
    combo.activated.emit(combo.currentIndex())  # as a person's pick sends it


def test_a_preset_fills_the_page_and_goes_with_every_room(window, session, aloop, emulator):
    keep_presets(session, Preset(name="Coaching 1:1", duration_minutes=45), WORKSHOP)
    session.keys.named_secrets().set(RECORDING_SECRET_NAME, "wJalr-s3cr3t")
    dialog = open_batch(window)
    inputs = dialog.inputs
    assert [inputs.preset_combo.itemText(i) for i in range(3)] == [
        "No preset",
        "Coaching 1:1",
        "Workshop",
    ]
    choose_preset(dialog, "Workshop")
    assert window.settings.last_preset == "Workshop"  # offered first next time
    assert inputs.mode_combo.currentData() == RoomMode.GROUP.value
    assert (inputs.host_check.isChecked(), inputs.viewer_check.isChecked()) == (True, True)
    assert inputs.prefix_edit.text() == "workshop"
    assert inputs.duration_spin.value() == 90
    assert inputs.plan_start.isChecked() and inputs.start_edit.time().toString("HH:mm") == "09:30"
    note = inputs.preset_note.text()
    assert "locked" in note and "cloud recording" in note and "its invitation" in note

    inputs.count_spin.setValue(2)
    inputs.label_edit.setText("Breakout")
    assert aloop.run(dialog.preview()), dialog.problems_label.text()
    assert "as the preset “Workshop” makes them" in dialog.title_label.text()
    assert "as the preset “Workshop” makes them" in dialog.title_label.text()
    assert emulator.meeting_ids() == set()
    aloop.act(dialog.create_button.click)
    aloop.wait_until(lambda: not dialog._running and dialog.run is not None)
    posts = [r.json for r in emulator.received if r.method == "POST" and r.status == 201]
    assert len(posts) == 2
    for body in posts:
        assert body["isLocked"] is True and body["roomMode"] == "group"
        assert body["roomNamePrefix"] == "workshop"
        assert body["recording"]["type"] == "cloud"
        assert body["recording"]["destination"]["accessKeySecret"] == "wJalr-s3cr3t"
    made = [r for r in session.list_rooms() if r.label.startswith("Breakout")]
    assert len(made) == 2
    assert {room.invitation_template for room in made} == {WORKSHOP.invitation_template}


def test_the_last_preset_chosen_is_offered_first_and_no_preset_changes_nothing(window, session):
    keep_presets(session, Preset(name="Coaching 1:1", duration_minutes=45, prefix="coach"))
    window.settings.last_preset = "Coaching 1:1"
    dialog = open_batch(window)
    inputs = dialog.inputs
    assert inputs.preset_combo.currentText() == "Coaching 1:1"
    assert (inputs.duration_spin.value(), inputs.prefix_edit.text()) == (45, "coach")
    assert not inputs.plan_start.isChecked()  # it has no time of day: no start planned
    inputs.prefix_edit.setText("mine")  # the page's own value wins over the preset's
    choose_preset(dialog, "No preset")
    assert inputs.prefix_edit.text() == "mine"
    assert window.settings.last_preset == ""
    assert inputs.read().preset is None


def test_a_presets_start_is_the_next_one_from_when_it_is_chosen(qtbot, tmp_path):
    # The dialog opens at 08:00 UTC; the preset is chosen at 10:00, past its 09:30.
    moments = [datetime(2031, 5, 6, 8, 0, tzinfo=UTC)]
    PresetFile(tmp_path / "presets.json").save([WORKSHOP])
    library = PresetLibrary(PresetFile(tmp_path / "presets.json"), None)
    parent = QWidget()
    qtbot.addWidget(parent)
    inputs = BatchInputs(
        zone_name="UTC",
        clock=lambda: moments[0],
        choose_file=lambda *_args: None,
        parent=parent,
        presets=PresetChoices(library),
    )
    inputs.zone_picker.setZoneName("UTC")
    moments[0] = datetime(2031, 5, 6, 10, 0, tzinfo=UTC)
    inputs.preset_combo.setCurrentIndex(inputs.preset_combo.findText(WORKSHOP.name))
    inputs.preset_combo.activated.emit(inputs.preset_combo.currentIndex())
    assert read_wall(inputs.start_edit) == datetime(2031, 5, 7, 9, 30)  # tomorrow's


@pytest.fixture
def keyring_backend() -> GatedKeyring:
    """This module's keychain answers at once until a test closes its gate."""
    return GatedKeyring(open_gate=True)


def test_a_presets_secrets_are_read_off_the_gui_thread_while_the_page_waits(
    aloop, window, session, emulator, keyring_backend
):
    keep_presets(session, WORKSHOP)
    session.keys.named_secrets().set(RECORDING_SECRET_NAME, "wJalr-s3cr3t")
    dialog = open_batch(window)
    choose_preset(dialog, "Workshop")
    dialog.inputs.count_spin.setValue(2)
    dialog.inputs.label_edit.setText("Breakout")
    keyring_backend.gate.clear()  # a keychain waiting to be unlocked
    aloop.act(dialog.preview_button.click)
    aloop.wait_until(lambda: keyring_backend.readers)
    assert threading.main_thread() not in keyring_backend.readers
    assert not dialog.inputs.widget.isEnabled() and not dialog.preview_button.isEnabled()
    assert "Reading the preset's secrets" in dialog.problems_label.text()
    assert not dialog.on_preview()
    keyring_backend.gate.set()
    aloop.wait_until(dialog.on_preview)
    assert dialog.inputs.widget.isEnabled() and dialog.problems_label.isHidden()
    assert "as the preset “Workshop” makes them" in dialog.title_label.text()
    assert emulator.meeting_ids() == set()


def test_closing_new_rooms_while_the_keychain_is_asked_leaves_no_error(
    aloop, window, session, keyring_backend
):
    keep_presets(session, WORKSHOP)
    dialog = open_batch(window)
    choose_preset(dialog, "Workshop")
    keyring_backend.gate.clear()
    previews = []
    aloop.act(lambda: previews.append(asyncio.ensure_future(dialog.preview())))
    aloop.wait_until(lambda: keyring_backend.readers)
    dialog.reject()  # and the window deletes it
    keyring_backend.gate.set()
    aloop.wait_until(previews[0].done)
    assert previews[0].result() is False


def test_a_preset_whose_secret_is_gone_is_named_and_nothing_is_sent(
    aloop, window, session, emulator
):
    keep_presets(session, WORKSHOP)  # its S3 key is not in the keychain
    dialog = open_batch(window)
    choose_preset(dialog, "Workshop")
    assert not aloop.run(dialog.preview())
    problems = dialog.problems_label.text()
    assert "“Workshop” uses the recording's S3 secret key" in problems
    assert "no longer there" in problems
    assert emulator.meeting_ids() == set()


def test_without_presets_the_page_says_where_they_come_from(window):
    dialog = open_batch(window)
    assert dialog.inputs.preset_combo.count() == 1
    assert "saved from the New room dialog" in dialog.inputs.preset_note.text()


def test_cancel_sends_nothing_more_and_retry_sends_what_was_left(window, aloop, emulator):
    dialog = open_batch(window)
    dialog.inputs.count_spin.setValue(4)
    dialog.inputs.label_edit.setText("Desk")
    assert aloop.run(dialog.preview())

    def create_then_cancel() -> None:
        dialog.create_button.click()
        dialog.cancel_run_button.click()  # before the first is sent

    aloop.act(create_then_cancel)
    aloop.wait_until(lambda: not dialog._running)
    assert emulator.meeting_ids() == set()
    assert all(text.startswith("not sent: cancelled") for text in dialog.state_texts())
    assert dialog.retry_button.isVisible()

    aloop.act(dialog.retry_button.click)
    aloop.wait_until(lambda: not dialog._running)
    assert len(emulator.meeting_ids()) == 4
    assert all(text.startswith("created") for text in dialog.state_texts())
    assert not dialog.retry_button.isVisible()


def test_closing_while_creating_cancels_instead(window, aloop, emulator):
    dialog = open_batch(window)
    dialog.inputs.count_spin.setValue(3)
    assert aloop.run(dialog.preview())

    def create_then_close() -> None:
        dialog.create_button.click()
        dialog.reject()

    aloop.act(create_then_close)
    assert dialog.isVisible()  # still shows what happened
    aloop.wait_until(lambda: not dialog._running)
    assert emulator.meeting_ids() == set()


def test_a_scheduler_passed_in_shows_its_queue_in_the_status_bar(aloop, qtbot, keyring_backend):
    from roomdesk.api.scheduler import RateLimitScheduler
    from roomdesk.emulator import EmulatorServer
    from roomdesk.secrets import KeyStore
    from roomdesk.ui.session import AppSession

    # 7 points a second: the start-up refresh (1) and one create (3) fit, the next create waits.
    with EmulatorServer(api_key="test-key", rate_limit_points=7, rate_window_seconds=1.0) as emu:
        session = AppSession(
            app_paths(),
            keys=KeyStore(environ={}, keyring_backend=keyring_backend),
            api_url=emu.base_url,
            client_options={"scheduler": RateLimitScheduler(window_seconds=1.0)},
        )
        heard: list[str] = []
        session.throttleChanged.connect(heard.append)
        aloop.run(session.start_with_key(ApiKey("test-key")))
        main = MainWindow(session, AppSettings(app_paths()))
        qtbot.addWidget(main)
        main.show()
        qtbot.waitExposed(main)
        aloop.wait_until(lambda: main.startup_refresh_done)
        dialog = main.open_batch_dialog()
        assert dialog is not None
        dialog.inputs.count_spin.setValue(2)
        assert aloop.run(dialog.preview())
        aloop.act(dialog.create_button.click)
        aloop.wait_until(lambda: "waiting for the rate limit" in main.rate_label.text())
        aloop.wait_until(lambda: not dialog._running)
        assert "1 request waiting for the rate limit" in heard
        assert len(emu.meeting_ids()) == 2
        aloop.run(session.shutdown())


# -- export --------------------------------------------------------------------------------------


def make_room(session, aloop, label: str):
    request = MeetingRequest(
        end_date=datetime.now(UTC) + timedelta(hours=2), fields=frozenset({Field.HOST_ROOM_URL})
    )
    return aloop.run(session.create_room(request, label))


def open_export(window) -> ExportDialog:
    window.export_action.trigger()
    return next(d for d in window._open_dialogs if isinstance(d, ExportDialog))


@pytest.mark.parametrize(
    ("count", "selected", "said"),
    [
        (7, False, "Export the 7 rooms shown in the list."),
        (1, False, "Export the room shown in the list."),
        (0, False, "No room is shown in the list: nothing to export."),
        (1_200, True, "Export the 1,200 selected rooms."),
        (1, True, "Export the selected room."),
    ],
)
def test_export_says_which_rooms_it_writes(count, selected, said):
    assert export_summary(count, selected=selected) == said


def test_export_writes_every_room_shown_without_host_links(
    window, session, aloop, chooser, tmp_path
):
    rooms = [make_room(session, aloop, f"Room {i}") for i in range(3)]
    window.table.selectionModel().clearSelection()
    dialog = open_export(window)
    assert not dialog.host_links.isChecked()
    path = tmp_path / "rooms"  # the suffix comes from the kind chosen
    chooser.paths.append(path)
    dialog.export_button.click()
    text = (tmp_path / "rooms.csv").read_text(encoding="utf-8-sig")
    records = list(csv.DictReader(io.StringIO(text)))
    assert sorted(r["label"] for r in records) == ["Room 0", "Room 1", "Room 2"]
    assert "hostRoomUrl" not in records[0]
    assert rooms[0].host_room_url not in text


def test_export_with_host_links_warns_and_writes_them_as_json(
    window, session, aloop, chooser, tmp_path
):
    room = make_room(session, aloop, "Board")
    make_room(session, aloop, "Other")
    window.select_room(room.meeting_id)
    dialog = open_export(window)
    assert not dialog.warning.isVisibleTo(dialog)
    dialog.host_links.setChecked(True)
    assert dialog.warning.isVisibleTo(dialog)
    assert "host" in dialog.warning.text()
    chooser.paths.append(tmp_path / "board.json")
    dialog.export_button.click()
    records = json.loads((tmp_path / "board.json").read_text(encoding="utf-8"))
    assert [r["label"] for r in records] == ["Board"]
    assert records[0]["hostRoomUrl"] == room.host_room_url


def test_an_unwritable_export_path_is_named_and_nothing_is_left(
    window, session, aloop, chooser, tmp_path
):
    make_room(session, aloop, "Room")
    dialog = open_export(window)
    target = tmp_path / "missing-folder" / "rooms.csv"
    chooser.paths.append(target)
    dialog.export_button.click()
    box = next(d for d in window._open_dialogs if isinstance(d, QMessageBox))
    assert "its folder does not exist" in box.text()
    assert not target.exists()
    box.close()


# -- deleting many -------------------------------------------------------------------------------


def test_deleting_many_shows_each_outcome(window, session, aloop, emulator):
    rooms = [make_room(session, aloop, f"Slot {i}") for i in range(6)]
    window.select_ids(rooms[0].meeting_id, [room.meeting_id for room in rooms])
    box = window.delete_selected()
    assert isinstance(box, QMessageBox)
    aloop.act(next(b for b in box.buttons() if b.text() == "&Delete").click)
    dialog = window.room_actions.last_delete_dialog
    assert isinstance(dialog, DeleteProgressDialog)
    aloop.wait_until(lambda: not dialog.running)
    assert emulator.meeting_ids() == set()
    assert dialog.outcome_texts() == ["deleted"] * 6
    assert dialog.progress.value() == 6
    assert "6 deleted" in dialog.summary_label.text()


def test_cancelling_deletes_starts_no_further_one(window, session, aloop, emulator):
    rooms = [make_room(session, aloop, f"Slot {i}") for i in range(8)]
    ids = [room.meeting_id for room in rooms]

    def start_then_cancel() -> None:
        dialog = window.room_actions.delete_with_progress(ids, [r.label for r in rooms])
        dialog.cancel_button.click()

    aloop.act(start_then_cancel)
    dialog = window.room_actions.last_delete_dialog
    aloop.wait_until(lambda: not dialog.running)
    assert len(emulator.meeting_ids()) == 8
    assert set(dialog.outcome_texts()) == {"not deleted: cancelled before it was sent"}
    assert "8 not sent" in dialog.summary_label.text()


def test_a_few_rooms_are_deleted_without_the_progress_dialog(window, session, aloop, emulator):
    rooms = [make_room(session, aloop, f"Slot {i}") for i in range(3)]
    window.select_ids(rooms[0].meeting_id, [room.meeting_id for room in rooms])
    box = window.delete_selected()
    aloop.act(next(b for b in box.buttons() if b.text() == "&Delete").click)
    aloop.wait_until(lambda: "Deleted 3 of 3" in window.statusBar().currentMessage())
    assert window.room_actions.last_delete_dialog is None


def test_closing_the_window_while_deleting_many_leaves_no_error(window, session, aloop, emulator):
    """The deletes on their way finish after the window (and the progress window with it) is
    gone; their outcomes have nowhere to show, and that is no error."""
    rooms = [make_room(session, aloop, f"Slot {i}") for i in range(6)]
    ids = [room.meeting_id for room in rooms]
    emulator.faults.latency = 0.2
    aloop.act(lambda: window.room_actions.delete_with_progress(ids, ids))
    dialog = window.room_actions.last_delete_dialog
    aloop.wait_until(lambda: any(text == "deleting…" for text in dialog.outcome_texts()))
    window.close()
    dialog.deleteLater()  # as the closed window's children go
    aloop.wait_until(lambda: not isValid(dialog))
    aloop.wait_until(lambda: not dialog.running, timeout=10)
    assert len(emulator.meeting_ids()) < 6  # those on their way were deleted
