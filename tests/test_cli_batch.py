"""roomdesk-cli create --labels, --roster and --repeat, and list --csv, end to end through ``run``
against the emulator."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from roomdesk.cli import run
from roomdesk.emulator import EmulatorServer
from roomdesk.secrets import KeyStore
from tests.memory_keyring import MemoryKeyring

KEY = "cli-batch-key-7f2a"


class Terminal(io.StringIO):
    """Standard input that is a terminal, with the answer already typed."""

    def isatty(self):
        return True


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Oslo")
    with EmulatorServer(api_key=KEY) as emulator:
        monkeypatch.setenv("ROOMDESK_API_URL", emulator.base_url)
        yield emulator


def cli(*argv: str, stdin: io.StringIO | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    keys = KeyStore(environ={"ROOMDESK_API_KEY": KEY}, keyring_backend=MemoryKeyring())
    code = run(list(argv), keys=keys, out=out, err=err, stdin=stdin or io.StringIO())
    assert "Traceback" not in err.getvalue()
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def tomorrow(hour: int = 14) -> str:
    return (datetime.now(UTC) + timedelta(days=1)).strftime(f"%Y-%m-%dT{hour:02d}:00")


def stored_labels() -> list[str]:
    code, out, _ = cli("list", "--json")
    assert code == 0
    return [room["label"] for room in json.loads(out)]


def test_labels_from_a_file_preview_then_report_each_room(server, tmp_path):
    labels = write(tmp_path, "labels.txt", b"Intro\n\nDeep dive\r\nWrap-up\n")
    start = tomorrow()
    code, out, err = cli(
        "create", "--labels", labels, "--start", start, "--duration", "90m",
        "--tz", "Europe/Oslo", "--prefix", "ws", "--yes",
    )  # fmt: skip
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "3 rooms:"
    assert lines[1].startswith("1. Intro — ") and lines[1].endswith(
        "14:00–15:30 Europe/Oslo — prefix ws"
    )
    assert lines[4] == (
        "3 rooms: 9 points, under a minute at the smallest plan's limit (100 points a minute; "
        "Whereby states yours on the first call), as an estimate."
    )
    # Each room is reported as it is made; rooms sent side by side may be made in any order.
    assert sorted(line.split(" https")[0] for line in lines[5:]) == [
        "[1/3] “Intro”: created,",
        "[2/3] “Deep dive”: created,",
        "[3/3] “Wrap-up”: created,",
    ]
    assert sorted(stored_labels()) == ["Deep dive", "Intro", "Wrap-up"]
    assert len(server.meeting_ids()) == 3


def test_a_roster_per_group_with_personal_links_as_json(server, tmp_path):
    roster = write(
        tmp_path, "roster.csv", "\ufeffNavn;Name;Group\nx;Åse;Blå\ny;Jon;Rød\nz;Kim;Blå\n".encode()
    )
    code, out, err = cli(
        "create", "--roster", roster, "--per", "group", "--personal-links", "--duration", "1h",
        "--yes", "--json",
    )  # fmt: skip
    assert code == 0, err
    # The preview goes to standard error, so that standard output is JSON alone.
    assert err.startswith("2 rooms, one per group:\n1. Blå — until ")
    rooms = json.loads(out)
    assert [room["label"] for room in rooms] == ["Blå", "Rød"]
    assert [link["name"] for link in rooms[0]["personalLinks"]] == ["Åse", "Kim"]
    assert rooms[0]["personalLinks"][0]["link"].startswith(rooms[0]["roomUrl"] + "?displayName=")
    assert "personalLinks" in rooms[1]


def test_one_room_for_everyone_on_a_roster(server, tmp_path):
    roster = write(tmp_path, "r.csv", b"name,group\nAna,A\nBo,B\n")
    code, out, _ = cli(
        "create", "--roster", roster, "--per", "all", "--label", "Plenary", "--duration", "1h",
        "--yes",
    )  # fmt: skip
    assert code == 0
    assert "1 room with a personal link for each of 2 people:" in out
    assert "    Ana: https://" in out and "displayName=Bo&externalId=bo" in out
    assert stored_labels() == ["Plenary"]


def test_a_daily_series_across_the_spring_change_says_which_session_moved(server, tmp_path):
    year = datetime.now(UTC).year + 1
    # The clocks go forward on the last Sunday of March in Oslo; a daily series at 02:30 meets it.
    last_sunday = max(
        datetime(year, 3, day) for day in range(25, 32) if datetime(year, 3, day).weekday() == 6
    )
    first = (last_sunday - timedelta(days=1)).strftime("%Y-%m-%dT02:30")
    ics = tmp_path / "course.ics"
    code, out, err = cli(
        "create", "--repeat", "daily", "--start", first, "--duration", "1h", "--times", "3",
        "--tz", "Europe/Oslo", "--label", "Course", "--yes", "--ics", str(ics),
    )  # fmt: skip
    assert code == 0, err
    assert out.startswith("3 rooms, every day at 02:30 (Europe/Oslo), 3 times:\n")
    assert "2. Course 2 — " in out and " 03:30–04:30 Europe/Oslo — " in out
    assert "does not exist in Europe/Oslo (the clocks go forward): starts at 03:30 CEST" in out
    assert sorted(stored_labels()) == ["Course 1", "Course 2", "Course 3"]
    events = [e for e in Calendar.from_ical(ics.read_bytes()).walk() if e.name == "VEVENT"]
    assert len(events) == 3 and all("RRULE" not in event for event in events)


def test_one_room_for_a_series_is_one_repeating_calendar_event(server, tmp_path):
    ics = tmp_path / "yoga.ics"
    code, out, err = cli(
        "create", "--repeat", "every-2-weeks", "--start", tomorrow(18), "--duration", "1h",
        "--until", (datetime.now(UTC) + timedelta(days=40)).date().isoformat(),
        "--one-room", "--label", "Yoga", "--yes", "--ics", str(ics),
    )  # fmt: skip
    assert code == 0, err
    assert "1 room for 3 sessions, every 2 weeks on " in out
    assert "Note: One room for the whole series: its links work between sessions too" in out
    assert "Calendar written to" in err
    [event] = [e for e in Calendar.from_ical(ics.read_bytes()).walk() if e.name == "VEVENT"]
    assert event["RRULE"]["COUNT"] == [3] and event["RRULE"]["INTERVAL"] == [2]
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=1)
    assert len(server.meeting_ids()) == 1


def test_nothing_is_sent_without_a_yes(server, tmp_path):
    labels = write(tmp_path, "labels.txt", b"A\nB\n")
    code, out, err = cli("create", "--labels", labels, "--duration", "1h")
    assert code == 2
    assert out.startswith("2 rooms:")
    assert err == (
        "error: not creating rooms without confirmation: add --yes when not running interactively\n"
    )
    code, _, err = cli("create", "--labels", labels, "--duration", "1h", stdin=Terminal("n\n"))
    assert (code, err) == (0, "Create 2 rooms on Whereby? [y/N] Nothing created.\n")
    assert server.received == []
    code, _, _ = cli("create", "--labels", labels, "--duration", "1h", stdin=Terminal("yes\n"))
    assert code == 0 and len(server.meeting_ids()) == 2


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--count", "2"], "--count cannot be combined with --labels, --roster or --repeat"),
        (["--per", "group"], "--per goes with --roster"),
        (["--times", "3"], "--times goes with --repeat"),
        (["--one-room"], "--one-room goes with --repeat"),
    ],
)
def test_options_of_another_kind_of_batch_are_refused(server, tmp_path, argv, expected):
    labels = write(tmp_path, "labels.txt", b"A\n")
    code, _, err = cli("create", "--labels", labels, "--duration", "1h", *argv)
    assert (code, err) == (2, f"error: {expected}\n")
    assert server.received == []


@pytest.mark.parametrize(
    "option", [["--times", "3"], ["--one-room"], ["--ics", "x.ics"], ["--yes"]]
)
def test_a_batch_option_without_a_batch_is_refused_not_left_out(server, option):
    code, _, err = cli("create", "--duration", "1h", *option)
    assert (code, err) == (2, f"error: {option[0]} goes with --labels, --roster or --repeat\n")
    assert server.received == []


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--repeat", "weekly", "--duration", "1h"], "--repeat needs --start"),
        (["--repeat", "weekly", "--start", "X", "--duration", "1h"], "--repeat needs --times N"),
        (["--repeat", "monthly", "--start", "X", "--duration", "1h", "--times", "2"], "monthly"),
        (["--roster", "r.csv", "--duration", "1h"], "--roster needs --per group"),
        (["--labels", "missing.txt", "--duration", "1h"], "missing.txt cannot be read"),
    ],
)
def test_a_batch_missing_what_it_needs_says_which(server, tmp_path, monkeypatch, argv, expected):
    monkeypatch.chdir(tmp_path)
    argv = [tomorrow() if arg == "X" else arg for arg in argv]
    code, _, err = cli("create", *argv)
    assert code == 2 and expected in err and err.startswith("error: ")
    assert server.received == []


def test_a_bad_roster_names_the_file_and_each_line(server, tmp_path):
    roster = write(tmp_path, "r.csv", b"name;group\nAna;A\n;B\nana;a\n")
    code, out, err = cli("create", "--roster", roster, "--per", "person", "--duration", "1h")
    assert (code, out) == (2, "")
    assert err == (
        f"error: {roster}: line 3: the name is empty; line 4: “ana” in group “a” is listed "
        "already on line 2\n"
    )
    assert server.received == []


def test_a_failure_every_room_would_meet_stops_the_batch_with_the_exit_code_of_create(
    server, tmp_path
):
    server.api_key = "rotated"
    labels = write(tmp_path, "labels.txt", b"A\nB\nC\n")
    code, _, err = cli("create", "--labels", labels, "--duration", "1h", "--yes")
    assert code == 3
    lines = err.splitlines()
    assert lines[0].startswith("error: [1/3] “A”: failed: The API key was refused")
    assert lines[1:] == [
        "error: “B” to “C” not sent: not attempted after an earlier failure.",
        "error: Of 3 rooms: 0 created, 1 failed, 2 not sent.",
    ]
    assert len(server.received) == 1


def test_rooms_that_may_exist_point_to_a_sync(server, tmp_path):
    server.faults.force_status = 503
    labels = write(tmp_path, "labels.txt", b"A\nB\n")
    code, _, err = cli("create", "--labels", labels, "--duration", "1h", "--yes")
    assert code == 4
    assert err.splitlines()[-1] == (
        "error: Of 2 rooms: 0 created, 2 may have been created; run 'roomdesk-cli sync'."
    )


def test_list_as_csv_with_host_links_only_when_asked_and_a_warning(server, tmp_path):
    labels = write(tmp_path, "labels.txt", b"=cmd|' /C calc'!A0\nPlain\n")
    assert cli("create", "--labels", labels, "--duration", "1h", "--host-link", "--yes")[0] == 0
    code, out, err = cli("list", "--csv")
    assert (code, err) == (0, "")
    table = list(csv.DictReader(io.StringIO(out)))
    assert sorted(row["label"] for row in table) == ["'=cmd|' /C calc'!A0", "Plain"]
    assert "hostRoomUrl" not in table[0] and "roomKey" not in out
    code, out, err = cli("list", "--csv", "--host-links")
    assert code == 0
    assert all("roomKey=" in row["hostRoomUrl"] for row in csv.DictReader(io.StringIO(out)))
    assert err.startswith("warning: the file holds host links: whoever opens one is a host")
    assert cli("list", "--host-links")[:3:2] == (2, "error: --host-links goes with --csv\n")
    code, out, _ = cli("list", "--json")
    assert code == 0 and len(json.loads(out)) == 2


def test_a_batch_takes_its_choices_from_a_preset(server, tmp_path):
    code, _, err = cli("presets", "save", "Breakouts", "--mode", "group", "--duration", "45m")
    assert (code, err) == (0, "")
    labels = write(tmp_path, "labels.txt", b"Group A\nGroup B\n")
    code, out, err = cli("create", "--labels", labels, "--preset", "Breakouts", "--yes")
    assert (code, err) == (0, "")
    code, out, _ = cli("list", "--json")
    rooms = json.loads(out)
    assert sorted(room["label"] for room in rooms) == ["Group A", "Group B"]
    assert {room["roomMode"] for room in rooms} == {"group"}
