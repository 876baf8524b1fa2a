"""The planned start in the create form and dialog: optional, in the form's zone, the end moving
with it, refused after the end, and kept with the room the dialog creates."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtWidgets import QCheckBox, QDateTimeEdit, QLabel, QPushButton, QRadioButton

from roomdesk.api.errors import RequestValidationError
from roomdesk.domain.errors import AmbiguousLocalTimeError, NonexistentLocalTimeError
from roomdesk.domain.sessions import START_FIELD
from roomdesk.paths import app_paths
from roomdesk.secrets import ApiKey
from roomdesk.ui.app_settings import AppSettings
from roomdesk.ui.create_room_dialog import CreateRoomDialog
from roomdesk.ui.create_room_form import CreateRoomForm, FormDefaults
from roomdesk.ui.main_window import MainWindow
from roomdesk.ui.timezone_picker import TimeZonePicker

pytestmark = [
    pytest.mark.qt_log_ignore(
        r"This plugin does not support (propagateSizeHints\(\)|raise\(\)|grabbing the keyboard)"
    )
]

# 12:00:30 in Oslo (CEST, UTC+2) on a Tuesday.
NOW = datetime(2024, 5, 14, 10, 0, 30, tzinfo=UTC)
OSLO = "Europe/Oslo"
PLANNED = FormDefaults(plan_start=True)


def planned_form(**changes) -> CreateRoomForm:
    return replace(CreateRoomForm.default(NOW, OSLO, PLANNED), **changes)


# -- the form ----------------------------------------------------------------------------------


def test_without_a_planned_start_the_form_is_as_before():
    form = CreateRoomForm.default(NOW, OSLO)
    assert (form.start_wall, form.start(), form.time_zone) == (None, None, None)
    assert form.end_wall == datetime(2024, 5, 14, 13, 5)
    assert form.start_summary(NOW) == ""


def test_a_planned_start_defaults_to_the_next_quarter_hour_and_the_end_an_hour_later():
    form = planned_form()
    assert form.start_wall == datetime(2024, 5, 14, 12, 15)
    assert form.end_wall == datetime(2024, 5, 14, 13, 15)
    assert form.start() == datetime(2024, 5, 14, 10, 15, tzinfo=UTC)
    assert form.time_zone == OSLO
    assert form.issues(NOW) == {}
    assert form.start_summary(NOW) == (
        "Starts Tue 14 May 2024, 12:15 CEST (10:15 UTC) — in 15 min; the session lasts 1 h."
    )


def test_moving_the_start_moves_the_end_and_keeps_the_length():
    form = planned_form(end_wall=datetime(2024, 5, 14, 13, 45))  # 90 minutes
    later = form.with_start(datetime(2024, 5, 15, 9, 0))
    assert (later.start_wall, later.end_wall) == (
        datetime(2024, 5, 15, 9, 0),
        datetime(2024, 5, 15, 10, 30),
    )
    # Across the clocks going forward: still 90 minutes of elapsed time.
    spring = planned_form(
        start_wall=datetime(2024, 3, 30, 23, 0), end_wall=datetime(2024, 3, 31, 0, 30)
    ).with_start(datetime(2024, 3, 31, 1, 0))
    assert spring.end_wall == datetime(2024, 3, 31, 3, 30)
    assert spring.end().astimezone(UTC) - spring.start().astimezone(UTC) == timedelta(minutes=90)
    # Moving into the repeated hour counts elapsed time too.
    autumn = planned_form(
        start_wall=datetime(2024, 10, 27, 0, 30), end_wall=datetime(2024, 10, 27, 1, 30)
    ).with_start(datetime(2024, 10, 27, 4, 0))
    assert autumn.end_wall == datetime(2024, 10, 27, 5, 0)
    # Editing the end alone changes the length instead.
    assert planned_form().with_end(datetime(2024, 5, 14, 14, 15)).start_wall == form.start_wall


def test_a_start_after_the_end_is_refused_naming_both_times():
    form = planned_form(start_wall=datetime(2024, 5, 14, 14, 0))  # the end is 13:15
    issues = form.issues(NOW)
    assert list(issues) == [START_FIELD]
    assert "Tue 14 May 2024 14:00 CEST" in issues[START_FIELD]
    assert "Tue 14 May 2024 13:15 CEST" in issues[START_FIELD]
    assert form.blocking_reason(NOW).startswith("Fix: the planned start (Tue 14 May 2024 14:00")
    with pytest.raises(RequestValidationError):
        form.build(NOW)
    assert planned_form(start_wall=datetime(2024, 5, 14, 13, 15)).issues(NOW) == {}


def test_a_start_in_a_clock_change_follows_the_rules_for_wall_times():
    skipped = planned_form(
        start_wall=datetime(2024, 3, 31, 2, 30), end_wall=datetime(2024, 3, 31, 5, 0)
    )
    assert "does not exist in Europe/Oslo" in skipped.issues(NOW)[START_FIELD]
    assert skipped.start_summary(NOW) == "02:30 is skipped that day in Europe/Oslo."
    assert skipped.start_fold_choices() == []
    with pytest.raises(NonexistentLocalTimeError):
        skipped.build(NOW)

    repeated = planned_form(
        start_wall=datetime(2024, 10, 27, 2, 30), end_wall=datetime(2024, 10, 27, 5, 0)
    )
    assert "occurs twice" in repeated.issues(NOW)[START_FIELD]
    assert repeated.start_fold_choices() == [
        (0, "first (CEST, UTC+02:00)"),
        (1, "second (CET, UTC+01:00)"),
    ]
    with pytest.raises(AmbiguousLocalTimeError):
        repeated.build(NOW)
    second = replace(repeated, start_fold=1)
    assert second.issues(NOW) == {}
    assert second.start().astimezone(UTC) == datetime(2024, 10, 27, 1, 30, tzinfo=UTC)


def test_an_unknown_zone_is_reported_once():
    form = planned_form(zone_name="Europe/Atlantis")
    assert list(form.issues(NOW)) == ["timeZone"]


# -- the dialog --------------------------------------------------------------------------------


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class FakeCreate:
    def __init__(self) -> None:
        self.plans: list[tuple[datetime | None, str | None]] = []

    async def __call__(self, request, label, *, planned_start, time_zone, invitation_template=None):
        self.plans.append((planned_start, time_zone))
        return {"meetingId": "1", "roomUrl": "https://x.whereby.com/r"}


@pytest.fixture
def fake() -> FakeCreate:
    return FakeCreate()


@pytest.fixture
def make_dialog(qtbot, qapp, aloop, fake):
    quits = qapp.quitOnLastWindowClosed()
    qapp.setQuitOnLastWindowClosed(False)

    def make(**options) -> CreateRoomDialog:
        dialog = CreateRoomDialog(
            fake,
            zone_name=OSLO,
            base_url="https://api.example.test/v1",
            clock=Clock(NOW),
            **options,
        )
        qtbot.addWidget(dialog)
        dialog.open()
        qtbot.waitExposed(dialog)
        return dialog

    yield make
    qapp.setQuitOnLastWindowClosed(quits)


def child(dialog, kind, name):
    found = dialog.findChild(kind, name)
    assert found is not None, name
    return found


def set_wall(edit: QDateTimeEdit, wall: datetime) -> None:
    edit.setDate(wall.date())
    edit.setTime(wall.time())


def wall_of(edit: QDateTimeEdit) -> datetime:
    day, clock = edit.date(), edit.time()
    return datetime(day.year(), day.month(), day.day(), clock.hour(), clock.minute())


def shown_text(label: QLabel, dialog) -> str | None:
    return label.text() if label.isVisibleTo(dialog) else None


def test_no_start_is_planned_unless_asked_and_the_create_has_none(make_dialog, fake, aloop):
    dialog = make_dialog()
    check = child(dialog, QCheckBox, "planStartCheck")
    start = child(dialog, QDateTimeEdit, "startEdit")
    assert not check.isChecked() and not start.isEnabled() and not dialog.plansStart()
    assert wall_of(start) == datetime(2024, 5, 14, 12, 15)  # offered once it is ticked
    aloop.act(child(dialog, QPushButton, "createButton").click)
    aloop.wait_until(lambda: bool(fake.plans))
    assert fake.plans == [(None, None)]


def test_the_end_follows_the_start_and_a_start_after_the_end_blocks_the_create(
    make_dialog, fake, aloop
):
    dialog = make_dialog(defaults=PLANNED)
    start = child(dialog, QDateTimeEdit, "startEdit")
    end = child(dialog, QDateTimeEdit, "endEdit")
    create = child(dialog, QPushButton, "createButton")
    assert dialog.plansStart() and start.isEnabled()
    assert (wall_of(start), wall_of(end)) == (
        datetime(2024, 5, 14, 12, 15),
        datetime(2024, 5, 14, 13, 15),
    )
    set_wall(start, datetime(2024, 5, 15, 9, 30))
    assert wall_of(end) == datetime(2024, 5, 15, 10, 30)  # an hour, as before
    summary = child(dialog, QLabel, "startSummaryLabel")
    assert "Starts Wed 15 May 2024, 09:30 CEST" in shown_text(summary, dialog)

    set_wall(end, datetime(2024, 5, 15, 9, 0))  # the end edited to before the start
    error = shown_text(child(dialog, QLabel, "startRowError"), dialog)
    assert error is not None
    assert "Wed 15 May 2024 09:30 CEST" in error and "Wed 15 May 2024 09:00 CEST" in error
    assert not create.isEnabled()
    assert "the planned start" in child(dialog, QLabel, "reasonLabel").text()

    set_wall(end, datetime(2024, 5, 15, 11, 0))
    assert create.isEnabled()
    assert "the session lasts 1 h 30 min" in shown_text(summary, dialog)
    aloop.act(create.click)
    aloop.wait_until(lambda: bool(fake.plans))
    assert fake.plans == [(datetime(2024, 5, 15, 7, 30, tzinfo=UTC), OSLO)]


def test_a_repeated_start_asks_which_one(make_dialog, fake, aloop):
    dialog = make_dialog(defaults=PLANNED)
    set_wall(child(dialog, QDateTimeEdit, "endEdit"), datetime(2024, 10, 27, 6, 0))
    set_wall(child(dialog, QDateTimeEdit, "startEdit"), datetime(2024, 10, 27, 2, 30))
    row = child(dialog, QLabel, "startRowError")
    assert "occurs twice" in shown_text(row, dialog)
    assert child(dialog, QRadioButton, "startFold1Button").isVisibleTo(dialog)
    assert not child(dialog, QPushButton, "createButton").isEnabled()
    child(dialog, QRadioButton, "startFold1Button").click()
    assert shown_text(row, dialog) is None
    aloop.act(child(dialog, QPushButton, "createButton").click)
    aloop.wait_until(lambda: bool(fake.plans))
    [(start, zone)] = fake.plans
    assert (start.astimezone(UTC), zone) == (datetime(2024, 10, 27, 1, 30, tzinfo=UTC), OSLO)


def test_the_window_creates_the_room_with_its_planned_start(
    app_session, aloop, qtbot, emulator, qapp
):
    aloop.run(app_session.start_with_key(ApiKey("test-key")))
    main = MainWindow(app_session, AppSettings(app_paths()))
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    aloop.wait_until(lambda: main.startup_refresh_done)
    dialog = main.open_create_dialog()
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert child(dialog, TimeZonePicker, "zonePicker").setZoneName("Asia/Tokyo")
    child(dialog, QCheckBox, "planStartCheck").setChecked(True)
    in_tokyo = datetime.now(UTC).astimezone(tokyo()).replace(tzinfo=None, second=0, microsecond=0)
    start_wall = in_tokyo + timedelta(hours=3)
    set_wall(child(dialog, QDateTimeEdit, "startEdit"), start_wall)
    set_wall(child(dialog, QDateTimeEdit, "endEdit"), start_wall + timedelta(hours=1))
    assert child(dialog, QPushButton, "createButton").isEnabled()
    with qtbot.waitSignal(dialog.roomCreated) as created:
        aloop.act(child(dialog, QPushButton, "createButton").click)
        aloop.wait_until(lambda: created.signal_triggered)
    [stored] = app_session.list_rooms()
    room = stored
    assert stored.time_zone == "Asia/Tokyo"
    assert stored.planned_start is not None
    assert stored.planned_start.astimezone(tokyo()).replace(tzinfo=None) == start_wall
    assert emulator.meeting(room.meeting_id) is not None


def tokyo():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Tokyo")


def test_the_next_new_room_offers_a_planned_start_as_the_last_was_left(
    app_session, aloop, qtbot, emulator, qapp
):
    aloop.run(app_session.start_with_key(ApiKey("test-key")))
    main = MainWindow(app_session, AppSettings(app_paths()))
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    aloop.wait_until(lambda: main.startup_refresh_done)

    def create_with(planned: bool) -> None:
        dialog = main.open_create_dialog()
        assert dialog is not None
        qtbot.waitExposed(dialog)
        check = child(dialog, QCheckBox, "planStartCheck")
        assert check.isChecked() is not planned  # as the last one was left
        check.setChecked(planned)
        with qtbot.waitSignal(dialog.finished), qtbot.waitSignal(dialog.roomCreated) as created:
            aloop.act(child(dialog, QPushButton, "createButton").click)
            aloop.wait_until(lambda: created.signal_triggered)

    create_with(True)
    assert AppSettings(app_paths()).plan_start
    create_with(False)
    assert not AppSettings(app_paths()).plan_start
