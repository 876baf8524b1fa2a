"""Presets without a display: the model's checks, its dicts, the shared file and the form."""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest

from roomdesk.api.requests import (
    RecordingFileFormat,
    RecordingTrigger,
    RecordingType,
    RoomNamePattern,
    StorageProvider,
    StreamingTrigger,
)
from roomdesk.domain.rooms import RoomMode
from roomdesk.domain.times import next_wall_time
from roomdesk.paths import app_paths
from roomdesk.secrets import NamedSecrets
from roomdesk.services.preset_file import PresetFile, PresetFileError, save_presets
from roomdesk.services.presets import (
    NAME_MAX_LENGTH,
    Preset,
    PresetError,
    name_problem,
    presets_from_list,
    read_secrets,
)
from roomdesk.ui.create_room_form import (
    CreateRoomForm,
    FormDefaults,
    RecordingInputs,
    StorageInputs,
    StreamingInputs,
)
from roomdesk.ui.preset_form import form_with_preset, form_without_preset, preset_from_form
from tests.preset_samples import s3_storage

# 12:00:30 in Oslo (CEST, UTC+2) on a Tuesday.
NOW = datetime(2024, 5, 14, 10, 0, 30, tzinfo=UTC)
OSLO = "Europe/Oslo"

WORKSHOP = Preset(
    name="Workshop + breakouts",
    room_mode=RoomMode.GROUP,
    host_link=True,
    viewer_link=True,
    prefix="workshop",
    pattern=RoomNamePattern.HUMAN_SHORT,
    locked=True,
    recording_type=RecordingType.CLOUD,
    recording_storage=s3_storage("Workshop + breakouts / recording S3 key"),
    recording_file_format=RecordingFileFormat.MP4,
    recording_trigger=RecordingTrigger.AUTOMATIC,
    transcription=True,
    transcription_language="en-GB",
    streaming=True,
    stream_url="rtmp://live.example.com/app",
    stream_key_name="Workshop + breakouts / stream key",
    streaming_trigger=StreamingTrigger.PROMPT,
    duration_minutes=150,
    start_time=time(9, 30),
    invitation_template="Join {link}",
)


# -- the model -----------------------------------------------------------------------------------


def test_a_preset_survives_its_dict_and_json():
    data = json.loads(json.dumps(WORKSHOP.to_dict()))
    assert data["version"] == 1
    assert Preset.from_dict(data) == WORKSHOP


def test_no_secret_is_in_a_presets_dict():
    text = json.dumps(WORKSHOP.to_dict())
    assert "accessKeySecret" not in text
    assert WORKSHOP.secret_names == [
        "Workshop + breakouts / recording S3 key",
        "Workshop + breakouts / stream key",
    ]


def test_unknown_keys_are_ignored_and_missing_ones_take_defaults():
    preset = Preset.from_dict({"version": 2, "name": "Coaching 1:1", "colour": "teal"})
    assert preset == Preset(name="Coaching 1:1")


@pytest.mark.parametrize(
    ("name", "taken", "fragment"),
    [
        ("  ", (), "needs a name"),
        ("x" * (NAME_MAX_LENGTH + 1), (), f"at most {NAME_MAX_LENGTH}"),
        ("Two\nlines", (), "line breaks"),
        ("coaching 1:1", ("Coaching 1:1",), "already a preset called “coaching 1:1”"),
    ],
)
def test_names_are_checked(name, taken, fragment):
    problem = name_problem(name, taken)
    assert problem is not None and fragment in problem


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"duration_minutes": 0}, "between 1 minute and 366 days"),
        ({"duration_minutes": 366 * 24 * 60 + 1}, "between 1 minute and 366 days"),
        ({"prefix": "Team Sync!"}, "The prefix may only contain"),
        ({"transcription_language": "xx"}, "'xx' is not one Whereby offers"),
        ({"invitation_template": "Join {nonsense}"}, "The invitation template:"),
    ],
)
def test_values_out_of_range_are_named(changes, fragment):
    with pytest.raises(PresetError, match=re.escape(fragment)):
        replace(WORKSHOP, **changes).check()


def test_a_damaged_entry_is_skipped_with_a_warning_and_the_rest_kept():
    items = [
        Preset(name="Coaching 1:1").to_dict(),
        {"name": "Broken", "roomMode": "huge"},
        {"roomMode": "group"},
        Preset(name="coaching 1:1").to_dict(),
        "not even a dict",
        WORKSHOP.to_dict(),
    ]
    kept, warnings, skipped = presets_from_list(items)
    assert [p.name for p in kept] == ["Coaching 1:1", "Workshop + breakouts"]
    assert warnings[0] == (
        "Preset “Broken” was skipped: roomMode in the preset “Broken” is 'huge', "
        "not one of normal, group."
    )
    assert warnings[1] == "Preset #3 was skipped: it has no name."
    assert "already a preset called" in warnings[2]
    assert warnings[3].startswith("Preset #5 was skipped")
    assert skipped == [items[1], items[2], items[3], items[4]]


def test_a_removed_keychain_secret_is_named_when_the_preset_is_used():
    secrets = read_secrets(WORKSHOP, {"Workshop + breakouts / stream key": "live-123"}.get)
    assert secrets.stream_key == "live-123"
    assert secrets.recording_secret == ""
    assert secrets.missing == (
        "The preset “Workshop + breakouts” uses the recording's S3 secret key kept in the "
        "keychain as “Workshop + breakouts / recording S3 key”, which is no longer there: "
        "enter it again (and save the preset to keep it).",
    )


# -- the file -----------------------------------------------------------------------------------


def test_the_file_is_private_and_read_back(tmp_path):
    file = PresetFile(tmp_path / "config" / "presets.json")
    file.save([WORKSHOP, Preset(name="Coaching 1:1")])
    assert stat.S_IMODE(file.path.stat().st_mode) == 0o600
    loaded = file.load()
    assert loaded.presets == [WORKSHOP, Preset(name="Coaching 1:1")]
    assert loaded.warnings == []
    assert not [p for p in file.path.parent.iterdir() if p.name != "presets.json"]


def test_the_file_lives_in_the_config_folder():
    assert app_paths().presets_file == app_paths().config_dir / "presets.json"


def test_a_corrupt_file_is_moved_aside_with_a_warning(tmp_path):
    path = tmp_path / "presets.json"
    path.write_text('{"presets": [', encoding="utf-8")
    loaded = PresetFile(path).load()
    assert loaded.presets == []
    (moved,) = tmp_path.glob("presets.json.corrupt-*")
    assert moved.read_text(encoding="utf-8") == '{"presets": ['
    assert loaded.warnings[0].startswith(f"The presets file {path} could not be read (")
    assert (
        f"It was moved to {moved} and an empty list of presets was started." in (loaded.warnings[0])
    )
    assert not path.exists()


def test_damaged_entries_are_written_back_as_they_were(tmp_path):
    path = tmp_path / "presets.json"
    broken = {"name": "From a later version", "roomMode": "stadium"}
    path.write_text(json.dumps({"version": 1, "presets": [broken]}), encoding="utf-8")
    file = PresetFile(path)
    loaded = file.load()
    assert loaded.presets == [] and len(loaded.warnings) == 1
    file.save([Preset(name="New")], loaded.kept_raw)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["presets"][1] == broken


def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    file = PresetFile(tmp_path / "presets.json")
    file.save([Preset(name="Kept")])

    def disk_full(descriptor: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(PresetFileError, match=r"the disk is full.*saved before are unchanged"):
        file.save([Preset(name="Lost")])
    monkeypatch.undo()
    assert [p.name for p in file.load().presets] == ["Kept"]
    assert [path.name for path in tmp_path.iterdir()] == ["presets.json"]
    assert (tmp_path / "presets.json").stat().st_mode & 0o777 == 0o600


def test_secrets_go_to_the_keychain_and_leave_with_their_last_preset(tmp_path, keyring_backend):
    file = PresetFile(tmp_path / "presets.json")
    secrets = NamedSecrets(keyring_backend)
    name = "Workshop + breakouts / recording S3 key"
    save_presets(file, [WORKSHOP], secrets=secrets, new_secrets={name: "s3cr3t"})
    assert secrets.get(name) == "s3cr3t"
    assert "s3cr3t" not in file.path.read_text(encoding="utf-8")
    copy = WORKSHOP.renamed("Copy")
    save_presets(file, [WORKSHOP, copy], secrets=secrets, before=[WORKSHOP])
    save_presets(file, [copy], secrets=secrets, before=[WORKSHOP, copy])
    assert secrets.get(name) == "s3cr3t"  # the copy still uses it
    save_presets(file, [], secrets=secrets, before=[copy])
    assert secrets.get(name) is None


# -- the form ------------------------------------------------------------------------------------


def oslo_form(**changes) -> CreateRoomForm:
    return replace(CreateRoomForm.default(NOW, OSLO), label="Sam", **changes)


def test_a_preset_fills_the_form_but_keeps_its_label_and_zone():
    secrets = read_secrets(WORKSHOP, lambda name: f"secret of {name}")
    form = form_with_preset(oslo_form(), WORKSHOP, secrets, NOW)
    assert (form.label, form.zone_name) == ("Sam", OSLO)
    assert (form.room_mode, form.viewer_link, form.start_locked) == (RoomMode.GROUP, True, True)
    assert form.prefix == "workshop" and form.pattern == RoomNamePattern.HUMAN_SHORT
    assert form.recording.storage.access_key_secret == (
        "secret of Workshop + breakouts / recording S3 key"
    )
    assert form.streaming.url == (
        "rtmp://live.example.com/app/secret of Workshop + breakouts / stream key"
    )
    # 09:30 has passed in Oslo at noon: tomorrow, for two and a half hours.
    assert form.start_wall == datetime(2024, 5, 15, 9, 30)
    assert form.end_wall == datetime(2024, 5, 15, 12, 0)
    assert form.issues(NOW) == {}


def test_a_start_later_today_stays_today():
    preset = replace(WORKSHOP, start_time=time(18, 0), duration_minutes=60)
    form = form_with_preset(oslo_form(), preset, read_secrets(preset, str), NOW)
    assert (form.start_wall, form.end_wall) == (
        datetime(2024, 5, 14, 18),
        datetime(2024, 5, 14, 19),
    )


def test_a_start_the_clocks_skip_is_questioned_by_the_form():
    # Oslo skips 02:00-03:00 on 31 March 2024; at 03:00 on the 30th, 02:30 is next on the 31st.
    now = datetime(2024, 3, 30, 2, 0, tzinfo=UTC)
    preset = Preset(name="Night", start_time=time(2, 30), duration_minutes=60)
    form = form_with_preset(oslo_form(), preset, read_secrets(preset, str), now)
    assert form.start_wall == datetime(2024, 3, 31, 2, 30)
    assert "does not exist in Europe/Oslo" in form.issues(now)["plannedStart"]


def test_the_next_wall_time_takes_the_later_of_a_repeated_hour():
    # Oslo repeats 02:00-03:00 on 27 October 2024; at 02:45 CET (the second pass), 02:30 CEST
    # and CET have both passed: tomorrow.
    now = datetime(2024, 10, 27, 1, 45, tzinfo=UTC)
    assert next_wall_time(time(2, 30), OSLO, now) == datetime(2024, 10, 28, 2, 30)
    earlier = datetime(2024, 10, 27, 0, 45, tzinfo=UTC)  # 02:45 CEST: the CET 02:30 is ahead
    assert next_wall_time(time(2, 30), OSLO, earlier) == datetime(2024, 10, 27, 2, 30)


def test_a_preset_without_a_start_ends_its_length_from_now():
    preset = Preset(name="Drop-in", duration_minutes=90)
    form = form_with_preset(oslo_form(), preset, read_secrets(preset, str), NOW)
    assert form.start_wall is None
    assert form.end().astimezone(UTC) == datetime(2024, 5, 14, 11, 35, tzinfo=UTC)


def test_no_preset_brings_back_the_defaults_keeping_label_and_zone():
    filled = form_with_preset(oslo_form(), WORKSHOP, read_secrets(WORKSHOP, str), NOW)
    fresh = form_without_preset(filled, FormDefaults(), NOW)
    assert fresh == replace(CreateRoomForm.default(NOW, OSLO), label="Sam")


def test_a_form_kept_as_a_preset_gives_its_secrets_apart():
    storage = StorageInputs(
        provider=StorageProvider.S3,
        bucket="rec",
        region="eu-north-1",
        access_key_id="AKIAEXAMPLE",
        access_key_secret="wJalr/K7MDENG",
    )
    form = (
        oslo_form(
            room_mode=RoomMode.GROUP,
            recording=RecordingInputs(type=RecordingType.CLOUD, storage=storage),
            streaming=StreamingInputs(enabled=True, url="rtmp://live.example.com/app/key-42"),
        )
        .starting_at(datetime(2024, 5, 15, 7, 0, tzinfo=UTC))
        .ending_at(datetime(2024, 5, 15, 8, 30, tzinfo=UTC))
    )
    preset, secrets = preset_from_form("Coaching 1:1", form, NOW)
    assert secrets == {
        "Coaching 1:1 / recording S3 key": "wJalr/K7MDENG",
        "Coaching 1:1 / stream key": "key-42",
    }
    assert "wJalr" not in json.dumps(preset.to_dict())
    assert "key-42" not in json.dumps(preset.to_dict())
    assert (preset.start_time, preset.duration_minutes) == (time(9, 0), 90)
    back = form_with_preset(oslo_form(), preset, read_secrets(preset, secrets.get), NOW)
    assert back.recording == form.recording
    assert back.streaming == form.streaming
    assert (back.start_wall, back.end_wall) == (form.start_wall, form.end_wall)


def test_a_form_without_a_start_keeps_its_length_from_now():
    form = oslo_form().ending_at(NOW + timedelta(minutes=44))
    preset, _secrets = preset_from_form("Quick", form, NOW)
    assert (preset.start_time, preset.duration_minutes) == (None, 45)
