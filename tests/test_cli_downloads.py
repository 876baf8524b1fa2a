"""roomdesk-cli recordings download and transcripts download, end to end through ``run``
against the emulator over real sockets."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from roomdesk.cli import run
from roomdesk.emulator import EmulatorServer, ManualClock
from roomdesk.emulator.storage import recording_bytes
from roomdesk.secrets import KeyStore
from roomdesk.services.downloads import DownloadTuning, open_part_file, safe_file_name
from tests.memory_keyring import MemoryKeyring
from tests.test_downloads import FullDisk

KEY = "cli-download-key-8c2f"
SIZE = 300_000
# With truncate_rate 0.5, this seed cuts the third request only of the first six: the
# recording's details, its link, then the file's first transfer.
CUT_THIRD = 30


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def server(clock: ManualClock, monkeypatch, tmp_path) -> Iterator[EmulatorServer]:
    with EmulatorServer(api_key=KEY, clock=clock) as emulator:
        monkeypatch.setenv("ROOMDESK_API_URL", emulator.base_url)
        monkeypatch.chdir(tmp_path)
        yield emulator


@pytest.fixture
def recording(server: EmulatorServer) -> dict:
    session = server.add_room_session(server.add_meeting()["meetingId"])
    return server.add_recording(session["roomSessionId"], size_bytes=SIZE)


def cli(*argv: str, tuning: DownloadTuning | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    keys = KeyStore(environ={"ROOMDESK_API_KEY": KEY}, keyring_backend=MemoryKeyring())
    code = run(list(argv), keys=keys, out=out, err=err, download_tuning=tuning)
    return code, out.getvalue(), err.getvalue()


def files(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def storage_statuses(server: EmulatorServer) -> list[int | None]:
    return [r.status for r in server.received if r.path.startswith("/storage/")]


def test_a_recording_downloads_under_its_safe_name_in_the_current_folder(
    server, recording, tmp_path
) -> None:
    code, out, err = cli("recordings", "download", recording["recordingId"])
    name = safe_file_name(recording["filename"])
    assert (code, err) == (0, "")
    assert files(tmp_path) == [name]
    assert (tmp_path / name).read_bytes() == recording_bytes(recording["recordingId"], 0, SIZE)
    assert out == f"Downloaded 300 kB to {tmp_path / name}.\n"


def test_an_existing_file_is_refused_unless_forced(server, recording, tmp_path) -> None:
    target = tmp_path / "mine.mp4"
    target.write_bytes(b"keep me")
    code, _, err = cli("recordings", "download", recording["recordingId"], "-o", str(target))
    assert code == 2 and "exists already: add --force" in err
    assert target.read_bytes() == b"keep me" and storage_statuses(server) == []
    code, _, err = cli(
        "recordings", "download", recording["recordingId"], "-o", str(target), "--force"
    )
    assert (code, err) == (0, "")
    assert target.read_bytes() == recording_bytes(recording["recordingId"], 0, SIZE)


def test_a_truncated_transfer_resumes(server, recording, tmp_path) -> None:
    server.faults.truncate_rate, server.faults.seed = 0.5, CUT_THIRD
    code, _, err = cli("recordings", "download", recording["recordingId"], "-o", "cut.mp4")
    assert (code, err) == (0, "")
    assert (tmp_path / "cut.mp4").read_bytes() == recording_bytes(recording["recordingId"], 0, SIZE)
    assert storage_statuses(server) == [200, 206]


class ClockMover:
    """A part file whose first write moves the emulator's clock past the link's expiry."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock

    def open(self, path: Path):
        file = open_part_file(path)
        clock = self.clock

        class Moving:
            moved = False

            def write(self, data: bytes) -> int:
                if not Moving.moved:
                    Moving.moved = True
                    clock.advance(timedelta(hours=2))
                return file.write(data)

            flush, fileno, close = file.flush, file.fileno, file.close

        return Moving()


def test_an_expired_link_is_fetched_again(server, recording, clock, tmp_path) -> None:
    server.faults.truncate_rate, server.faults.seed = 0.5, CUT_THIRD
    tuning = DownloadTuning(write_bytes=16 * 1024, retry_delay=0, open_file=ClockMover(clock).open)
    code, _, err = cli("recordings", "download", recording["recordingId"], tuning=tuning)
    assert (code, err) == (0, "")
    (name,) = files(tmp_path)
    assert (tmp_path / name).read_bytes() == recording_bytes(recording["recordingId"], 0, SIZE)
    assert storage_statuses(server) == [200, 403, 206]
    links = [r for r in server.received if r.path.endswith("/access-link")]
    assert len(links) == 2


def test_a_full_disk_leaves_no_file(server, recording, tmp_path) -> None:
    tuning = DownloadTuning(write_bytes=16 * 1024, open_file=lambda path: FullDisk(path, 50_000))
    code, out, err = cli("recordings", "download", recording["recordingId"], tuning=tuning)
    assert code == 2 and out == ""
    assert err.startswith("error: Could not write ") and err.endswith(": the disk is full\n")
    assert files(tmp_path) == []


def test_a_transcript_downloads_once_ready(server, clock, tmp_path) -> None:
    session = server.add_room_session(server.add_meeting()["meetingId"])
    later = server.add_transcription(session["roomSessionId"], ready_in=timedelta(minutes=5))
    code, _, err = cli("transcripts", "download", later["transcriptionId"])
    assert code == 1 and "in progress: it has no file to download yet" in err
    clock.advance(timedelta(minutes=5))
    code, _, err = cli("transcripts", "download", later["transcriptionId"], "-o", str(tmp_path))
    assert (code, err) == (0, "")
    (name,) = files(tmp_path)
    assert name.endswith(".md") and (tmp_path / name).read_text(encoding="utf-8").strip()


def test_an_unknown_recording_is_said_and_nothing_is_written(server, tmp_path) -> None:
    code, _, err = cli("recordings", "download", "no-such-recording")
    assert code == 1 and "No such recording" in err
    assert files(tmp_path) == []


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_one_updating_line_on_a_terminal_only(server, recording, tmp_path) -> None:
    tuning = DownloadTuning(write_bytes=16 * 1024, progress_interval=0)
    err = Terminal()
    keys = KeyStore(environ={"ROOMDESK_API_KEY": KEY}, keyring_backend=MemoryKeyring())
    argv = ["recordings", "download", recording["recordingId"]]
    assert run(argv, keys=keys, out=io.StringIO(), err=err, download_tuning=tuning) == 0
    lines = err.getvalue().split("\r")[1:]
    assert len(lines) > 2 and err.getvalue().count("\n") == 1
    assert lines[-1].startswith("100% of 300 kB") and lines[-1].endswith("\n")
    assert all("% of 300 kB" in line for line in lines)
