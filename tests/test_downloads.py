"""Downloads of recordings and transcripts: the service against the emulator over real sockets
(and a scripted server for what the emulator never does), every file compared byte for byte."""

from __future__ import annotations

import asyncio
import errno
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roomdesk.api.client import RetryPolicy, WherebyClient
from roomdesk.api.errors import ApiError, MalformedResponseError
from roomdesk.api.media_models import AccessLink
from roomdesk.api.recordings import RecordingsClient
from roomdesk.emulator import EmulatorServer, ManualClock
from roomdesk.emulator.storage import recording_bytes
from roomdesk.services.downloads import (
    MAX_NAME_BYTES,
    DownloadFileError,
    DownloadProgress,
    DownloadTuning,
    TargetExistsError,
    download,
    open_part_file,
    safe_file_name,
)
from tests.hostile_server import HostileServer, SeenRequest, http_answer

SIZE = 300_000
# Small writes, so a transfer of a few hundred kilobytes is written (and reported) many times.
QUICK = DownloadTuning(write_bytes=16 * 1024, retry_delay=0, progress_interval=0)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def server(clock: ManualClock) -> Iterator[EmulatorServer]:
    with EmulatorServer(api_key="test-key", clock=clock) as emulator:
        yield emulator


@pytest.fixture
def recording_id(server: EmulatorServer) -> str:
    session = server.add_room_session(server.add_meeting()["meetingId"])
    return server.add_recording(session["roomSessionId"], size_bytes=SIZE)["recordingId"]


def whole(recording_id: str) -> bytes:
    return recording_bytes(recording_id, 0, SIZE)


def storage_requests(server: EmulatorServer) -> list:
    return [r for r in server.received if r.path.startswith("/storage/")]


def run_download(aloop, server, recording_id, target, *, on_link=None, **options):
    """Download the recording into ``target``; ``on_link(count)`` runs after each link."""
    links = 0

    async def scenario():
        async with WherebyClient("test-key", base_url=server.base_url) as client:
            recordings = RecordingsClient(client)

            async def link_source() -> AccessLink:
                nonlocal links
                link = await recordings.recording_access_link(recording_id)
                links += 1
                if on_link is not None:
                    on_link(links)
                return link

            options.setdefault("tuning", QUICK)
            return await download(client, link_source, target, **options)

    return aloop.run(scenario()), links


def test_a_download_arrives_whole_under_its_name_with_progress(
    server, recording_id, tmp_path, aloop
) -> None:
    target = tmp_path / "session.mp4"
    seen: list[DownloadProgress] = []
    size, links = run_download(aloop, server, recording_id, target, progress=seen.append)
    assert size == SIZE and links == 1
    assert target.read_bytes() == whole(recording_id)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["session.mp4"]
    assert len(seen) > 2 and seen[-1].done == SIZE and seen[-1].total == SIZE
    assert [p.done for p in seen] == sorted(p.done for p in seen)
    (request,) = storage_requests(server)
    assert "authorization" not in request.headers  # the API key stays with the API


def test_a_cut_transfer_resumes_where_it_stopped(server, recording_id, tmp_path, aloop) -> None:
    target = tmp_path / "session.mp4"

    def cut_the_first_answer(count: int) -> None:
        server.faults.truncate_rate = 1.0

    def stop_cutting(step: DownloadProgress) -> None:
        server.faults.truncate_rate = 0.0

    run_download(
        aloop, server, recording_id, target, on_link=cut_the_first_answer, progress=stop_cutting
    )
    assert target.read_bytes() == whole(recording_id)
    first, second = storage_requests(server)
    assert "range" not in first.headers
    resumed_at = int(second.headers["range"].removeprefix("bytes=").removesuffix("-"))
    assert 0 < resumed_at < SIZE
    assert second.headers["if-range"].startswith('"')


def test_an_expired_link_is_fetched_again(server, recording_id, clock, tmp_path, aloop) -> None:
    target = tmp_path / "session.mp4"

    def expire_the_first(count: int) -> None:
        if count == 1:
            clock.advance(timedelta(hours=2))

    _, links = run_download(aloop, server, recording_id, target, on_link=expire_the_first)
    assert links == 2 and target.read_bytes() == whole(recording_id)
    assert [r.status for r in storage_requests(server)] == [403, 200]


def test_a_link_expiring_mid_transfer_is_renewed_and_resumed(
    server, recording_id, clock, tmp_path, aloop
) -> None:
    target = tmp_path / "session.mp4"

    def cut_the_first_answer(count: int) -> None:
        if count == 1:
            server.faults.truncate_rate = 1.0

    def expire_and_stop_cutting(step: DownloadProgress) -> None:
        if server.faults.truncate_rate:
            server.faults.truncate_rate = 0.0
            clock.advance(timedelta(hours=2))

    _, links = run_download(
        aloop,
        server,
        recording_id,
        target,
        on_link=cut_the_first_answer,
        progress=expire_and_stop_cutting,
    )
    assert links == 2 and target.read_bytes() == whole(recording_id)
    requests = storage_requests(server)
    assert [r.status for r in requests] == [200, 403, 206]
    assert requests[1].headers["range"] == requests[2].headers["range"]


def test_a_refused_fresh_link_is_an_error_and_leaves_nothing(
    server, recording_id, clock, tmp_path, aloop
) -> None:
    with pytest.raises(ApiError, match="refused the download link"):
        run_download(
            aloop, server, recording_id, tmp_path / "a.mp4", on_link=lambda _: clock.advance(7200)
        )
    assert list(tmp_path.iterdir()) == []


def test_a_size_other_than_expected_is_an_error_and_leaves_nothing(
    server, recording_id, tmp_path, aloop
) -> None:
    with pytest.raises(MalformedResponseError, match="300,000 bytes, not the 300,001 expected"):
        run_download(aloop, server, recording_id, tmp_path / "a.mp4", expected_size=SIZE + 1)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_kept_unless_overwriting_is_asked(
    server, recording_id, tmp_path, aloop
) -> None:
    target = tmp_path / "session.mp4"
    target.write_bytes(b"mine")
    with pytest.raises(TargetExistsError, match="exists already"):
        run_download(aloop, server, recording_id, target)
    assert target.read_bytes() == b"mine" and storage_requests(server) == []
    run_download(aloop, server, recording_id, target, overwrite=True)
    assert target.read_bytes() == whole(recording_id)


class ThreadNoting:
    """A part file that notes the threads its data is synced to the disk from."""

    def __init__(self, path: Path, threads: list[str]) -> None:
        self.file = open_part_file(path)
        self.threads = threads

    def write(self, data: bytes) -> int:
        return self.file.write(data)

    def flush(self) -> None:
        self.threads.append(threading.current_thread().name)
        self.file.flush()

    def fileno(self) -> int:
        self.threads.append(threading.current_thread().name)
        return self.file.fileno()

    def close(self) -> None:
        self.file.close()


def test_the_whole_file_is_synced_to_the_disk_away_from_the_event_loop(
    server, recording_id, tmp_path, aloop
) -> None:
    """Syncing a large file takes long enough to stall a window whose loop it ran on."""
    threads: list[str] = []
    tuning = DownloadTuning(
        write_bytes=16 * 1024, retry_delay=0, open_file=lambda path: ThreadNoting(path, threads)
    )
    target = tmp_path / "a.mp4"
    run_download(aloop, server, recording_id, target, tuning=tuning)
    assert target.read_bytes() == whole(recording_id)
    assert threads and threading.main_thread().name not in threads


class FullDisk:
    """A part file whose disk fills up after ``room`` bytes."""

    def __init__(self, path: Path, room: int) -> None:
        self.file = open_part_file(path)
        self.room = room

    def write(self, data: bytes) -> int:
        if len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)
        return self.file.write(data)

    def flush(self) -> None:
        self.file.flush()

    def fileno(self) -> int:
        return self.file.fileno()

    def close(self) -> None:
        self.file.close()


def test_a_full_disk_is_said_plainly_and_leaves_nothing(
    server, recording_id, tmp_path, aloop
) -> None:
    tuning = DownloadTuning(
        write_bytes=16 * 1024, retry_delay=0, open_file=lambda path: FullDisk(path, 100_000)
    )
    with pytest.raises(DownloadFileError, match=r"Could not write .*a\.mp4: the disk is full"):
        run_download(aloop, server, recording_id, tmp_path / "a.mp4", tuning=tuning)
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_is_said_plainly_before_anything_is_fetched(
    server, recording_id, tmp_path, aloop
) -> None:
    with pytest.raises(DownloadFileError, match="its folder does not exist"):
        run_download(aloop, server, recording_id, tmp_path / "nowhere" / "a.mp4")
    assert server.received == []


def test_cancelling_leaves_nothing(server, recording_id, tmp_path, aloop) -> None:
    target = tmp_path / "session.mp4"

    async def scenario():
        async with WherebyClient("test-key", base_url=server.base_url) as client:
            recordings = RecordingsClient(client)
            task: asyncio.Task | None = None

            def cancel_midway(step: DownloadProgress) -> None:
                assert task is not None
                assert (tmp_path / ".session.mp4.part").exists()
                task.cancel()

            task = asyncio.ensure_future(
                download(
                    client,
                    lambda: recordings.recording_access_link(recording_id),
                    target,
                    progress=cancel_midway,
                    tuning=QUICK,
                )
            )
            with pytest.raises(asyncio.CancelledError):
                await task

    aloop.run(scenario())
    assert list(tmp_path.iterdir()) == []


# -- what the emulator never does: a scripted storage ---------------------------------------------

DATA = bytes(range(256)) * 400


def hostile_link(server: HostileServer):
    async def link_source() -> AccessLink:
        url = server.base_url.removesuffix("/v1") + "/file.mp4?Signature=s3cr3t"
        return AccessLink(url, datetime.now(UTC) + timedelta(hours=1))

    return link_source


def run_hostile(handler, target: Path, aloop, **options) -> tuple[int, list[SeenRequest]]:
    with HostileServer(handler) as server:

        async def scenario() -> int:
            retry = RetryPolicy(max_attempts=1)
            async with WherebyClient("test-key", base_url=server.base_url, retry=retry) as client:
                return await download(client, hostile_link(server), target, tuning=QUICK, **options)

        return aloop.run(scenario()), server.seen()


def cut(status: int, body: bytes, headers: dict[str, str]) -> bytes:
    """An answer that promises ``body`` but stops halfway."""
    return http_answer(status, body[: len(body) // 2], headers=headers, content_length=len(body))


def test_a_server_ignoring_the_range_starts_the_file_over(tmp_path, aloop) -> None:
    def handler(request: SeenRequest) -> bytes:
        if len(server_seen) == 0:
            server_seen.append(request)
            return cut(200, DATA, {"ETag": '"v1"'})
        server_seen.append(request)
        return http_answer(200, DATA, headers={"ETag": '"v1"'})  # the whole file, not a range

    server_seen: list[SeenRequest] = []
    size, seen = run_hostile(handler, tmp_path / "f.mp4", aloop)
    assert size == len(DATA) and (tmp_path / "f.mp4").read_bytes() == DATA
    assert seen[1].headers["range"].startswith("bytes=") and len(seen) == 2


def test_a_part_of_another_version_starts_the_file_over(tmp_path, aloop) -> None:
    new = DATA[::-1]

    def handler(request: SeenRequest) -> bytes:
        count = len(server_seen)
        server_seen.append(request)
        if count == 0:
            return cut(200, DATA, {"ETag": '"v1"'})
        if "range" in request.headers:  # a server that ignores If-Range: a part of v2
            start = int(request.headers["range"][6:-1])
            rest = new[start:]
            headers = {"ETag": '"v2"', "Content-Range": f"bytes {start}-{len(new) - 1}/{len(new)}"}
            return http_answer(206, rest, headers=headers)
        return http_answer(200, new, headers={"ETag": '"v2"'})

    server_seen: list[SeenRequest] = []
    _, seen = run_hostile(handler, tmp_path / "f.mp4", aloop)
    assert (tmp_path / "f.mp4").read_bytes() == new
    assert [("range" in r.headers) for r in seen] == [False, True, False]
    assert seen[1].headers["if-range"] == '"v1"'


def test_a_body_longer_than_reported_is_refused_and_leaves_nothing(tmp_path, aloop) -> None:
    def handler(request: SeenRequest) -> bytes:
        return http_answer(200, DATA + b"more", content_length=len(DATA) + 4, headers={}).replace(
            f"Content-Length: {len(DATA) + 4}".encode(), f"Content-Length: {len(DATA)}".encode()
        )

    # The size is what the caller expected: the body may not go past it.
    with pytest.raises(MalformedResponseError, match="not the 10 expected"):
        run_hostile(handler, tmp_path / "f.mp4", aloop, expected_size=10)
    assert list(tmp_path.iterdir()) == []


# -- progress and names ---------------------------------------------------------------------------


def test_speed_and_time_left_come_from_the_clock_over_a_moving_window() -> None:
    from roomdesk.services.downloads import _Meter

    now = [0.0]
    meter = _Meter(lambda: now[0], window=5.0)
    meter.progress(0, 1_000_000)
    now[0] = 1.0
    assert meter.progress(100_000, 1_000_000) == DownloadProgress(100_000, 1_000_000, 1e5, 9.0)
    now[0] = 10.0  # slower since: the window forgets the fast start
    step = meter.progress(200_000, 1_000_000)
    assert step.speed == pytest.approx(100_000 / 9)
    now[0] = 20.0
    step = meter.progress(250_000, 1_000_000)
    assert step.speed == pytest.approx(5_000) and step.seconds_left == pytest.approx(150.0)
    assert step.describe() == "25% of 1 MB, 5 kB/s, 2:30 left"
    assert DownloadProgress(5, None, 0.0, None).describe() == "5 bytes"


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("session 2024-05-01.mp4", "session 2024-05-01.mp4"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("..\\..\\boot.ini", "_.._boot.ini"),
        (".hidden.mp4", "hidden.mp4"),
        ("CON.mp4", "_CON.mp4"),
        ("lpt1", "_lpt1"),
        ("a\x1b[2Jb\u202e.mp4", "a_[2Jb_.mp4"),
        ("what?.mp4 ", "what_.mp4"),
        ("...", "recording.mp4"),
        ("", "recording.mp4"),
        ("é" * 150 + ".mp4", "é" * 98 + ".mp4"),
    ],
)
def test_names_from_the_server_become_safe_file_names(name: str, safe: str) -> None:
    assert safe_file_name(name, "recording.mp4") == safe


@given(st.text(), st.text(max_size=30))
def test_any_name_becomes_one_safe_file_name(name: str, fallback: str) -> None:
    safe = safe_file_name(name, fallback)
    encoded = safe.encode("utf-8")  # no lone surrogates
    assert 0 < len(encoded) <= MAX_NAME_BYTES
    assert not safe.startswith(".") and safe == safe.strip() and not safe.endswith(".")
    assert not set(safe) & set('/\\<>:"|?*') and safe.isprintable()
    assert Path(safe).name == safe and Path(safe).parent == Path(".")
    assert safe.split(".")[0].lower() not in {"con", "prn", "aux", "nul", "com1", "lpt1"}
    assert safe_file_name(safe, fallback) == safe
