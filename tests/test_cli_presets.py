"""roomdesk-cli presets (save, list, show, delete) and create --preset, through ``run`` against
the emulator, with an in-memory keychain."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from roomdesk.api.requests import RecordingType
from roomdesk.cli import run
from roomdesk.paths import app_paths
from roomdesk.secrets import KeyStore, NamedSecrets
from roomdesk.services.preset_file import PresetFile
from roomdesk.services.presets import Preset
from tests.conftest import EMULATOR_TEST_KEY
from tests.preset_samples import s3_storage

OSLO = ZoneInfo("Europe/Oslo")


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


def sent_bodies(emulator) -> list[dict]:
    return [
        r.json for r in emulator.received if r.method == "POST" and r.path.endswith("/meetings")
    ]


def test_a_saved_preset_is_listed_shown_and_deleted(cli):
    code, out, err = cli(
        "presets", "save", "Workshop", "--mode", "group", "--viewer-link", "--locked",
        "--prefix", "workshop", "--duration", "2h30m", "--start", "09:30",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out == (
        "Preset “Workshop” saved: group room, 2 h 30 min, starting 09:30, viewer link, locked.\n"
    )
    code, out, _ = cli("presets", "list")
    assert out == "Workshop: group room, 2 h 30 min, starting 09:30, viewer link, locked\n"
    code, out, _ = cli("presets", "show", "workshop", "--json")
    data = json.loads(out)
    assert (data["version"], data["durationMinutes"], data["startTime"]) == (1, 150, "09:30")
    code, out, _ = cli("presets", "list", "--json")
    assert [p["name"] for p in json.loads(out)] == ["Workshop"]
    code, out, _ = cli("presets", "delete", "Workshop")
    assert (code, out) == (0, "Preset “Workshop” deleted.\n")
    assert cli("presets", "list")[1].startswith("No presets yet")


def test_an_unknown_preset_exits_2_naming_the_known_ones(cli):
    cli("presets", "save", "Coaching 1:1", "--duration", "1h")
    cli("presets", "save", "Workshop", "--duration", "2h")
    for argv in (("presets", "show", "Drop-in"), ("create", "--preset", "Drop-in")):
        code, _out, err = cli(*argv)
        assert code == 2
        assert err == (
            "error: There is no preset called “Drop-in”; the presets are “Coaching 1:1”, "
            "“Workshop”.\n"
        )


def test_saving_over_a_preset_needs_force(cli):
    cli("presets", "save", "Coaching", "--duration", "1h")
    code, _, err = cli("presets", "save", "coaching", "--duration", "2h")
    assert code == 2
    assert "already a preset called “Coaching”: add --force" in err
    code, out, _ = cli("presets", "save", "coaching", "--duration", "2h", "--force")
    assert (code, out) == (0, "Preset “coaching” replaced: normal room, 2 h.\n")


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (("presets", "save", " "), "A preset needs a name."),
        (("presets", "save", "X", "--start", "25:00"), "'25:00' is not a time of day"),
        (("presets", "save", "X", "--prefix", "Team Sync!"), "The prefix may only contain"),
        (("presets", "save", "X", "--duration", "0m"), "--duration must be longer than zero"),
        (("create", "--label", "No length"), "one of the arguments --end --duration is required"),
    ],
)
def test_bad_preset_input_is_one_line_and_exit_2(cli, argv, fragment):
    code, _, err = cli(*argv)
    assert code == 2
    assert err.count("\n") == 1 and fragment in err, err


def test_create_takes_the_presets_choices_and_options_given_override_them(cli, emulator):
    cli(
        "presets", "save", "Workshop", "--mode", "group", "--host-link", "--viewer-link",
        "--locked", "--prefix", "workshop", "--duration", "90m",
    )  # fmt: skip
    code, out, err = cli("create", "--preset", "Workshop", "--json")
    assert (code, err) == (0, "")
    room = json.loads(out)
    assert room["roomMode"] == "group" and room["viewerRoomUrl"]
    first = sent_bodies(emulator)[-1]
    assert first["isLocked"] is True and first["roomNamePrefix"] == "workshop"
    code, _, err = cli(
        "create", "--preset", "Workshop", "--no-locked", "--mode", "normal", "--duration", "20m"
    )
    assert (code, err) == (0, "")
    second = sent_bodies(emulator)[-1]
    assert (second["isLocked"], second["roomMode"]) == (False, "normal")
    assert set(second["fields"]) == {"hostRoomUrl", "viewerRoomUrl"}
    end = datetime.fromisoformat(second["endDate"].replace("Z", "+00:00"))
    assert timedelta(minutes=19) < end - datetime.now(UTC) <= timedelta(minutes=20)


def test_a_presets_start_time_plans_the_session_on_its_next_day(cli):
    cli("presets", "save", "Morning", "--duration", "45m", "--start", "09:30")
    code, out, err = cli("create", "--preset", "Morning", "--json")
    assert (code, err) == (0, "")
    room = json.loads(out)
    start = datetime.fromisoformat(room["plannedStart"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(room["endDate"].replace("Z", "+00:00"))
    assert start.astimezone(OSLO).time() == time(9, 30)
    assert timedelta(0) < start - datetime.now(UTC) <= timedelta(days=1)
    assert end - start == timedelta(minutes=45)


def s3_preset(keyring_backend) -> Preset:
    preset = Preset(
        name="Recorded",
        duration_minutes=60,
        recording_type=RecordingType.CLOUD,
        recording_storage=s3_storage("Recorded / recording S3 key"),
    )
    PresetFile(app_paths().ensure().presets_file).save([preset])
    return preset


def test_a_presets_keychain_secret_goes_with_the_create_and_nowhere_else(
    cli, emulator, keyring_backend
):
    s3_preset(keyring_backend)
    NamedSecrets(keyring_backend).set("Recorded / recording S3 key", "wJalr-s3cr3t")
    code, out, err = cli("create", "--preset", "Recorded")
    assert (code, err) == (0, "")
    destination = sent_bodies(emulator)[-1]["recording"]["destination"]
    assert destination["accessKeySecret"] == "wJalr-s3cr3t"
    assert "wJalr" not in out
    assert "wJalr" not in app_paths().presets_file.read_text(encoding="utf-8")


def test_a_removed_keychain_secret_stops_the_create_with_a_clear_message(
    cli, emulator, keyring_backend
):
    s3_preset(keyring_backend)
    code, _, err = cli("create", "--preset", "Recorded")
    assert code == 2
    assert "uses the recording's S3 secret key kept in the keychain as" in err
    assert "“Recorded / recording S3 key”, which is no longer there" in err
    assert sent_bodies(emulator) == []


def test_a_damaged_presets_file_is_moved_aside_with_a_warning(cli):
    path = app_paths().ensure().presets_file
    path.write_text("{not json", encoding="utf-8")
    code, out, err = cli("presets", "list")
    assert code == 0
    assert err.startswith(f"warning: The presets file {path} could not be read (")
    assert "It was moved to" in err
    assert out.startswith("No presets yet")
    assert len(list(path.parent.glob("presets.json.corrupt-*"))) == 1
