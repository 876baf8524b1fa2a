"""The API key and the rooms' host and viewer keys never reach a log, an error or a stray file.

A whole session runs at DEBUG level with a distinctive key, through the window and through the
CLI, including every kind of failure. Afterwards every file under the data directory (SQLite files
included, read as bytes) and every captured output is searched. Room keys may legitimately be in
the room store, on the clipboard after "Copy host link", and in CLI output whose purpose is to
show a link; nowhere else.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import stat
import subprocess
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from PySide6.QtGui import QGuiApplication

from roomdesk.api.client import RetryPolicy, WherebyClient
from roomdesk.api.errors import (
    CreateOutcomeUnknownError,
    InvalidApiKeyError,
    NetworkError,
    RateLimitedError,
    ServerError,
    WherebyError,
)
from roomdesk.api.requests import Field, MeetingRequest
from roomdesk.emulator import EmulatorServer
from roomdesk.logging_setup import configure_logging
from roomdesk.paths import app_paths
from roomdesk.secrets import ApiKey, KeyStore
from roomdesk.store.records import LinkKind
from roomdesk.ui.app_settings import AppSettings
from roomdesk.ui.main_window import MainWindow
from roomdesk.ui.session import AppSession
from roomdesk.ui.welcome_dialog import WelcomeDialog
from tests.memory_keyring import MemoryKeyring

API_KEY = "sk-LEAKCHECK-4f9d2a7c81e3b5a0"
# Pasted by mistake before the right one: a secret all the same.
WRONG_KEY = "sk-LEAKCHECK-WRONG-93b1e7d2"
SECRETS = (API_KEY, WRONG_KEY)
ROOT = Path(__file__).resolve().parents[1]
QUICK = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, total_seconds=1.0)


def encodings(secret: str) -> list[bytes]:
    """The forms a secret could take in a file: text, UTF-16 (Qt, Windows) and base64."""
    raw = secret.encode()
    return [raw, secret.encode("utf-16-le"), base64.b64encode(raw).rstrip(b"=")]


def room_keys(urls: Iterable[str | None]) -> set[str]:
    keys: set[str] = set()
    for url in urls:
        if url:
            keys.update(parse_qs(urlsplit(url).query).get("roomKey", []))
    return keys


def files_under(root: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def hits(haystack: bytes | str, needles: Iterable[str]) -> list[str]:
    data = haystack.encode("utf-8", "surrogateescape") if isinstance(haystack, str) else haystack
    return [needle for needle in needles if any(form in data for form in encodings(needle))]


def assert_files_clean(root: Path, keys_of_rooms: set[str]) -> dict[Path, bytes]:
    """No secret in any file; no room key in any log. Returns the files, for more checks."""
    log_dir = app_paths().log_dir
    found = files_under(root)
    assert found, "nothing was written: the search would prove nothing"
    for path, data in found.items():
        assert not hits(data, SECRETS), f"the API key is in {path}"
        if path.is_relative_to(log_dir):
            assert not hits(data, keys_of_rooms), f"a room key is in the log {path}"
    return found


def assert_private(path: Path) -> None:
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, f"{path} is readable by others"


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(api_key=API_KEY) as emulator:
        yield emulator


@pytest.fixture
def debug_log() -> Iterator[Path]:
    """The app's log file at DEBUG level; logging is put back as it was afterwards."""
    paths = app_paths().ensure()
    names = ("", "httpx", "httpcore", "qasync", "roomdesk")
    levels = {name: logging.getLogger(name).level for name in names}
    handler = configure_logging(paths.log_file, level=logging.DEBUG)
    try:
        yield paths.log_file
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def expect(error_type: type[WherebyError], call, aloop) -> WherebyError:
    with pytest.raises(error_type) as caught:
        aloop.run(call())
    return caught.value


def test_a_whole_window_session_keeps_every_secret(
    server, debug_log, aloop, qtbot, caplog, capsys
) -> None:
    caplog.set_level(logging.DEBUG)
    backend = MemoryKeyring()
    session = AppSession(
        app_paths(),
        keys=KeyStore(environ={}, keyring_backend=backend),
        api_url=server.base_url,
        client_options={"timeout": httpx.Timeout(2.0), "retry": QUICK},
    )
    shown: list[str] = []  # every text the person was shown

    # The key goes in through the welcome dialog, the wrong one first.
    welcome = WelcomeDialog(session.verify_key, session.start_demo)
    qtbot.addWidget(welcome)
    welcome.open()
    qtbot.keyClicks(welcome.key_edit, WRONG_KEY)
    aloop.act(welcome.save_button.click)
    aloop.wait_until(lambda: "refused" in welcome.feedback.text())
    shown.append(welcome.feedback.text())
    welcome.key_edit.clear()
    qtbot.keyClicks(welcome.key_edit, API_KEY)
    aloop.act(welcome.save_button.click)
    aloop.wait_until(lambda: not welcome.isVisible())
    assert backend.items[("roomdesk", "api-key")] == API_KEY
    assert welcome.key_edit.text() == ""

    window = MainWindow(session, AppSettings(app_paths()))
    qtbot.addWidget(window)
    window.statusBar().messageChanged.connect(shown.append)
    window.show()
    end = datetime.now(UTC) + timedelta(hours=2)
    rooms = [
        aloop.run(session.create_room(MeetingRequest(end_date=end, viewer_mode=True), "Webinar")),
        aloop.run(
            session.create_room(
                MeetingRequest(end_date=end, fields=frozenset({Field.HOST_ROOM_URL})), "Coaching"
            )
        ),
    ]
    if hasattr(session, "sync"):  # the list call, whose answers carry every link
        aloop.run(session.sync())
    keys_of_rooms = room_keys(
        url for room in rooms for url in (room.host_room_url, room.viewer_room_url)
    )
    assert len(keys_of_rooms) == 3

    # Copying a host link on request is the point of the button; the API key never goes there.
    clipboard: list[str] = []
    window.select_room(rooms[0].meeting_id)
    for action in (window.copy_host_action, window.copy_viewer_action, window.copy_room_action):
        action.trigger()
        clipboard.append(QGuiApplication.clipboard().text())
    assert clipboard[0] == rooms[0].links[LinkKind.HOST]

    # Each kind of failure, as the session meets it.
    errors: list[WherebyError] = []
    request = MeetingRequest(end_date=end, viewer_mode=True)
    server.api_key = "rotated-by-a-colleague"
    errors.append(expect(InvalidApiKeyError, lambda: session.create_room(request), aloop))
    errors.extend(o.error for o in aloop.run(session.delete_rooms([rooms[1].meeting_id])))
    server.api_key = API_KEY
    server.faults.force_status, server.faults.forced_retry_after = 429, 1
    errors.append(expect(RateLimitedError, lambda: session.create_room(request), aloop))
    server.faults.force_status = 503
    errors.append(expect(ServerError, lambda: session.create_room(request), aloop))
    server.faults.force_status = None
    server.faults.drop_rate = 1.0
    errors.append(expect(CreateOutcomeUnknownError, lambda: session.create_room(request), aloop))
    errors.extend(o.error for o in aloop.run(session.delete_rooms([rooms[1].meeting_id])))
    server.faults.drop_rate = 0.0
    server.faults.truncate_rate = 1.0  # the room is made, its answer cut off on the way back
    errors.append(expect(CreateOutcomeUnknownError, lambda: session.create_room(request), aloop))
    server.faults.truncate_rate = 0.0
    assert all(isinstance(error, WherebyError) for error in errors) and len(errors) == 7
    # Both keys of every room the server made, including the one whose answer was lost.
    keys_of_rooms |= room_keys(
        url
        for meeting_id in server.meeting_ids()
        for url in (server.meeting(meeting_id) or {}).values()
        if isinstance(url, str)
    )
    assert len(keys_of_rooms) == 6

    outcomes = aloop.run(session.delete_rooms([room.meeting_id for room in rooms]))
    assert all(outcome.ok for outcome in outcomes)
    for outcome in outcomes:
        shown.append(outcome.describe())
    for error in errors:
        shown.extend([str(error), repr(error)])
    shown.extend(
        [repr(session._client), str(session._client), session.account_text, window.windowTitle()]
    )
    window.close()
    aloop.run(session.shutdown())
    logging.getLogger().handlers[-1].flush()

    key = ApiKey(API_KEY)
    for text in (repr(key), str(key), f"{key}", f"{key!r:>40}"):
        assert API_KEY not in text
    for text in shown:
        assert not hits(text, SECRETS), text
        assert not hits(text, keys_of_rooms), text
    for text in clipboard:
        assert not hits(text, SECRETS)
    for record in server.received:
        assert not hits(repr(record), SECRETS)
    for record in caplog.records:
        assert not hits(record.getMessage(), SECRETS), record.getMessage()
    captured = capsys.readouterr()
    assert not hits(captured.out + captured.err, [*SECRETS, *keys_of_rooms])

    data_dir = app_paths().data_dir
    written = assert_files_clean(data_dir, keys_of_rooms)
    log_text = debug_log.read_text()
    assert "DEBUG" in log_text and "POST /meetings" in log_text  # it really logged in detail
    store_file = app_paths().store_file
    # The store keeps host links on purpose, which also shows the search finds what is there.
    assert hits(written[store_file], keys_of_rooms)
    assert_private(store_file)
    assert_private(debug_log)


# -- the command line ------------------------------------------------------------------------------


# Output whose purpose is to show a room's links (room keys expected): create, show, list --json.
def shows_links(args: list[str]) -> bool:
    command = args[0]
    return command in ("create", "show") or (command == "list" and "--json" in args)


def cli(args: list[str], server: EmulatorServer, data_dir: Path, *, stdin: str = ""):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROOMDESK_")}
    env.update(
        ROOMDESK_DATA_DIR=str(data_dir),
        ROOMDESK_API_URL=server.base_url,
        PYTHONPATH=str(ROOT),
        PYTHON_KEYRING_BACKEND="tests.memory_keyring.MemoryKeyring",
        TZ="Europe/Oslo",
    )
    if args[:2] != ["key", "set"]:
        env["ROOMDESK_API_KEY"] = API_KEY
    return subprocess.run(
        [sys.executable, "-m", "roomdesk.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_a_whole_cli_session_keeps_every_secret(server, data_dir) -> None:
    runs: list[tuple[list[str], subprocess.CompletedProcess]] = []

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        result = cli(list(args), server, data_dir, stdin=stdin)
        runs.append((list(args), result))
        assert "Traceback" not in result.stderr, result.stderr
        return result

    assert run("key", "set", stdin=API_KEY + "\n").returncode == 0
    assert run("key", "status").returncode == 0
    assert run("key", "check").returncode == 0
    made = run("create", "--duration", "1h", "--viewer-mode", "--label", "Webinar", "--json")
    assert made.returncode == 0, made.stderr
    webinar = json.loads(made.stdout)
    assert run("create", "--duration", "1h", "--host-link", "--label", "Coaching").returncode == 0
    assert run("create", "--duration", "1h", "--viewer-link", "--count", "2").returncode == 0
    for args in (["list"], ["list", "--all"], ["list", "--json"], ["sync"], ["sync", "--json"]):
        assert run(*args).returncode == 0
    assert run("show", webinar["meetingId"]).returncode == 0
    assert run("show", webinar["meetingId"], "--json").returncode == 0

    server.api_key = "rotated-by-a-colleague"
    assert run("key", "check").returncode == 3
    assert run("create", "--duration", "1h", "--host-link").returncode == 3
    server.api_key = API_KEY
    server.faults.force_status, server.faults.forced_retry_after = 429, 0
    assert run("sync").returncode == 5
    server.faults.force_status = 503
    assert run("create", "--duration", "1h", "--viewer-mode").returncode == 4
    server.faults.force_status = None
    server.faults.drop_rate = 1.0
    assert run("create", "--duration", "1h", "--viewer-mode").returncode == 4
    server.faults.drop_rate = 0.0
    server.faults.truncate_rate = 1.0
    assert run("create", "--duration", "1h", "--viewer-mode").returncode == 4
    server.faults.truncate_rate = 0.0
    assert run("pending").returncode == 0

    keys_of_rooms = room_keys(
        url
        for meeting_id in server.meeting_ids()
        for url in (server.meeting(meeting_id) or {}).values()
        if isinstance(url, str)
    )
    assert len(keys_of_rooms) >= 2 * 4 + 1  # viewer-mode rooms have two keys each
    assert run("delete", *sorted(server.meeting_ids()), "--yes").returncode == 0
    assert server.meeting_ids() == set()

    for args, result in runs:
        assert not hits(result.stdout + result.stderr, SECRETS), args
        assert not hits(result.stderr, keys_of_rooms), args
        if not shows_links(args):
            assert not hits(result.stdout, keys_of_rooms), args
    # The link-showing outputs did show links, so the search above could have found them.
    assert hits(made.stdout, keys_of_rooms)

    written = assert_files_clean(data_dir, keys_of_rooms)
    store_file = app_paths().store_file
    assert hits(written[store_file], keys_of_rooms)
    assert_private(store_file)


# -- objects that could be printed or logged -------------------------------------------------------


def test_objects_holding_the_key_never_show_it(aloop) -> None:
    key = ApiKey(API_KEY)
    client = WherebyClient(key, base_url="http://127.0.0.1:9/v1", retry=QUICK)
    try:
        texts = [repr(key), str(key), f"{key}", repr(client), str(client), repr([key, client])]
        with pytest.raises(NetworkError) as caught:
            aloop.run(client.check_key())
        error = caught.value
        texts += [str(error), repr(error), repr(error.__cause__), repr(error.__context__)]
        with pytest.raises(TypeError):
            import pickle

            pickle.dumps(key)
    finally:
        aloop.run(client.aclose())
    for text in texts:
        assert API_KEY not in text, text


# -- access links to recordings and transcripts ----------------------------------------------------


def signatures(urls: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for url in urls:
        found.update(parse_qs(urlsplit(url).query).get("Signature", []))
    return found


def test_access_links_never_reach_a_log_or_an_error(server, debug_log, aloop, caplog) -> None:
    from roomdesk.api.recordings import RecordingsClient

    caplog.set_level(logging.DEBUG)
    history = server.add_demo_history(server.add_meeting()["meetingId"])
    client = WherebyClient(API_KEY, base_url=server.base_url, retry=QUICK)
    recordings = RecordingsClient(client)
    recording_id = history[0]["recording"]["recordingId"]

    async def scenario() -> tuple[list, list[WherebyError]]:
        links = [
            await recordings.recording_access_link(session["recording"]["recordingId"])
            for session in history
        ]
        links.append(
            await recordings.transcription_access_link(
                history[0]["transcription"]["transcriptionId"]
            )
        )
        async with httpx.AsyncClient() as http:  # downloaded, as the app will
            for link in links:
                (await http.get(link.url, headers={"Range": "bytes=10-"})).raise_for_status()
        errors: list[WherebyError] = []
        for fault, value in (("force_status", 503), ("truncate_rate", 1.0), ("drop_rate", 1.0)):
            setattr(server.faults, fault, value)
            try:
                await recordings.recording_access_link(recording_id)
            except WherebyError as error:
                errors.append(error)
            setattr(server.faults, fault, type(value)())
        await client.aclose()
        return links, errors

    links, errors = aloop.run(scenario())
    assert len(errors) == 3
    secrets_of_links = signatures(link.url for link in links)
    assert len(secrets_of_links) == 3
    texts = [repr(links), str(links), *(f"{link}" for link in links)]
    texts += [text for error in errors for text in (str(error), repr(error))]
    texts += [record.getMessage() for record in caplog.records]
    texts += [repr(record) for record in server.received]
    logging.getLogger().handlers[-1].flush()
    texts.append(debug_log.read_text())
    assert "GET /recordings/" in texts[-1]  # it really logged the calls in detail
    for text in texts:
        assert not hits(text, secrets_of_links), text


def test_a_refusal_quoting_an_access_link_is_shown_without_its_signature(aloop) -> None:
    from roomdesk.api.recordings import RecordingsClient

    link = "https://s3.example.com/rec.mp4?X-Amz-Credential=AKIA-LEAK&X-Amz-Signature=LEAKSIG"

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": f"cannot sign {link} again"})

    client = WherebyClient(API_KEY, transport=httpx.MockTransport(answer), retry=QUICK)

    async def scenario() -> WherebyError:
        try:
            await RecordingsClient(client).recording_access_link("r-1")
        except WherebyError as error:
            return error
        finally:
            await client.aclose()
        raise AssertionError("the refusal was not reported")

    error = aloop.run(scenario())
    assert "cannot sign https://s3.example.com/rec.mp4" in str(error)
    assert not hits(str(error) + repr(error), ["LEAKSIG", "AKIA-LEAK"])


def test_downloads_keep_their_links_out_of_logs_and_errors(
    server, debug_log, aloop, caplog, tmp_path
) -> None:
    from roomdesk.api.recordings import RecordingsClient
    from roomdesk.services.downloads import DownloadTuning, download

    caplog.set_level(logging.DEBUG)
    history = server.add_demo_history(server.add_meeting()["meetingId"])
    recording_id = history[0]["recording"]["recordingId"]
    tuning = DownloadTuning(write_bytes=16 * 1024, retry_delay=0, max_failures=2)
    client = WherebyClient(API_KEY, base_url=server.base_url, retry=QUICK)
    links = []

    def fault_after_link(fault: str | None):
        async def link_source():
            links.append(await RecordingsClient(client).recording_access_link(recording_id))
            if fault is not None:
                setattr(server.faults, fault, 1.0)
            return links[-1]

        return link_source

    async def tampered_link():
        link = await fault_after_link(None)()
        return link._replace(url=link.url.replace("Expires=", "Expires=9"))

    def stop_cutting(_step) -> None:
        server.faults.truncate_rate = 0.0

    async def scenario() -> list[BaseException]:
        # Cut and resumed; dropped until it gives up; a link the storage refuses.
        cut = fault_after_link("truncate_rate")
        await download(client, cut, tmp_path / "a.mp4", tuning=tuning, progress=stop_cutting)
        errors: list[BaseException] = []
        for source in (fault_after_link("drop_rate"), tampered_link):
            try:
                await download(client, source, tmp_path / "b.mp4", tuning=tuning)
            except WherebyError as error:
                errors.append(error)
            server.faults.drop_rate = 0.0
        await client.aclose()
        return errors

    errors = aloop.run(scenario())
    assert [type(error).__name__ for error in errors] == ["NetworkError", "ApiError"]
    assert (tmp_path / "a.mp4").exists() and not (tmp_path / "b.mp4").exists()
    secrets_of_links = signatures(link.url for link in links)
    assert secrets_of_links and len(links) == 5  # links signed in the same second are alike
    texts = [text for error in errors for text in (str(error), repr(error))]
    texts += [record.getMessage() for record in caplog.records]
    logging.getLogger().handlers[-1].flush()
    texts.append(debug_log.read_text())
    assert "resuming" in texts[-1] and "fresh one" in texts[-1]  # it logged the transfers
    for text in texts:
        assert not hits(text, secrets_of_links), text
