"""Properties over arbitrary input: parsing, validation and the CLI fail only in their own words.

Each property runs 1000 examples, derandomized (the same examples every run) and without an
example database, so a failure here is reproducible and nothing is written into the repository.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import json
import re
import string
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import roomdesk.cli
import roomdesk.cli.commands
from roomdesk.api.client import RetryPolicy, WherebyClient
from roomdesk.api.errors import MalformedResponseError, RequestValidationError, WherebyError
from roomdesk.api.models import STORED_SECRET_MASK, Meeting, MeetingsPage
from roomdesk.api.requests import (
    Field,
    MeetingRequest,
    RecordingFileFormat,
    RecordingOptions,
    RecordingTrigger,
    RecordingType,
    RoomNamePattern,
    S3AuthenticationType,
    StorageDestination,
    StorageProvider,
    StreamingOptions,
    StreamingTrigger,
    TranscriptionOptions,
    TranscriptionTrigger,
)
from roomdesk.domain.errors import LocalTimeError
from roomdesk.domain.rooms import PREFIX_MAX_LENGTH, RoomMode, normalize_prefix
from roomdesk.domain.times import resolve_local_time
from roomdesk.secrets import KeyStore
from tests.memory_keyring import MemoryKeyring

PROPERTY = settings(max_examples=1000, deadline=None, derandomize=True, database=None)
NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)

# -- building blocks -------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)

offsets = st.builds(
    timezone,
    st.timedeltas(
        min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)
    ),
)
aware_datetimes = st.datetimes(timezones=st.just(UTC) | offsets | st.timezones())
any_datetimes = st.datetimes() | aware_datetimes

# Date texts at the edges of what datetime can hold, and near misses.
date_texts = st.one_of(
    aware_datetimes.map(lambda moment: moment.isoformat()),
    st.datetimes().map(lambda moment: moment.isoformat()),
    aware_datetimes.map(lambda moment: moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")),
    st.sampled_from(
        [
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
            "0001-01-01T00:00:00Z",
            "2030-02-30T10:00:00Z",
            "2030-01-01",
            "Z",
            "",
            " ",
        ]
    ),
    st.text(max_size=30),
)
url_texts = st.one_of(
    st.sampled_from(
        [
            "https://team.whereby.com/abc",
            "https://team.whereby.com/abc?roomKey=xyz",
            "http://[",
            "https://[::1",
            "http://[not-an-ip]/x",
            "https://",
            "ftp://team.whereby.com/abc",
            "",
        ]
    ),
    st.text(max_size=40),
    st.text(alphabet=string.ascii_letters + ":/?#[]@!$&'()*+,;=%", max_size=40).map(
        lambda rest: "https://" + rest
    ),
)


@st.composite
def near_valid_meetings(draw: st.DrawFn) -> dict[str, Any]:
    """A meeting as the API sends it, with some fields dropped or replaced by odd values."""
    meeting: dict[str, Any] = {
        "meetingId": draw(st.text(min_size=1, max_size=12) | st.integers()),
        "roomUrl": "https://team.whereby.com/abc",
        "roomName": "/abc",
        "startDate": "2030-01-01T10:00:00Z",
        "endDate": "2030-01-01T11:00:00.000Z",
        "hostRoomUrl": "https://team.whereby.com/abc?roomKey=k1",
        "viewerRoomUrl": "https://team.whereby.com/abc?roomKey=k2",
    }
    replacements = {
        "meetingId": json_values,
        "roomUrl": url_texts | json_values,
        "roomName": st.text(max_size=10) | json_values,
        "startDate": date_texts | json_values,
        "endDate": date_texts | json_values,
        "hostRoomUrl": url_texts | json_values,
        "viewerRoomUrl": url_texts | json_values,
    }
    for key, values in replacements.items():
        action = draw(st.sampled_from(["keep", "keep", "drop", "replace"]))
        if action == "drop":
            del meeting[key]
        elif action == "replace":
            meeting[key] = draw(values)
    return meeting


def assert_utc(moment: datetime | None) -> None:
    if moment is not None:
        assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)


# -- (a) parsing what the server sends -------------------------------------------------------------


@PROPERTY
@given(st.one_of(json_values, near_valid_meetings()))
@example(
    {"meetingId": "1", "roomUrl": "https://x.whereby.com/a", "endDate": "0001-01-01T00:00+01:00"}
)
@example({"meetingId": "1", "roomUrl": "http://[", "endDate": "2030-01-01T00:00:00Z"})
def test_any_meeting_json_parses_or_is_called_malformed(data: Any) -> None:
    try:
        meeting = Meeting.from_json(data)
    except MalformedResponseError:
        return
    assert isinstance(meeting.meeting_id, str) and meeting.meeting_id
    assert_utc(meeting.end_date)
    assert_utc(meeting.start_date)
    assert meeting.to_json()["endDate"].endswith("Z")


@PROPERTY
@given(
    st.one_of(
        json_values,
        st.fixed_dictionaries(
            {"results": st.lists(near_valid_meetings() | json_values, max_size=4)},
            optional={"cursor": st.none() | st.text(max_size=8) | json_values},
        ),
    )
)
@example({"results": [{"meetingId": "1", "roomUrl": "http://[x]/", "endDate": "2030-01-01"}]})
def test_any_meeting_list_parses_or_is_called_malformed(data: Any) -> None:
    try:
        page = MeetingsPage.from_json(data)
    except MalformedResponseError:
        return
    assert page.cursor is None or (isinstance(page.cursor, str) and page.cursor)
    for meeting in page.meetings:
        assert_utc(meeting.end_date)
        assert_utc(meeting.start_date)


header_names = st.sampled_from(
    [
        "Retry-After",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
        "Content-Type",
    ]
)
header_values = st.one_of(
    st.sampled_from(
        ["0", "1", "-1", "1.5", "inf", "-inf", "nan", "1e400", "9" * 30, "1e300", "1e12", "1e13"]
    ),
    st.sampled_from(["Wed, 21 Oct 2015 07:28:00 GMT", "2030-01-01T00:00:00Z", "application/json"]),
    st.integers().map(str),
    st.floats().map(str),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=30),
)
bodies = st.one_of(
    json_values.map(lambda value: json.dumps(value).encode()),
    near_valid_meetings().map(lambda value: json.dumps(value).encode()),
    st.fixed_dictionaries(
        {"results": st.lists(near_valid_meetings(), max_size=3), "cursor": st.none() | st.text()}
    ).map(lambda value: json.dumps(value).encode()),
    st.fixed_dictionaries({"data": st.fixed_dictionaries({"msLeft": json_values})}).map(
        lambda value: json.dumps(value).encode()
    ),
    st.binary(max_size=40),
)
statuses = st.one_of(
    st.sampled_from([200, 201, 204, 400, 401, 403, 404, 409, 429, 500, 502, 503]),
    st.integers(min_value=100, max_value=599),
)
OPERATIONS = ("create", "get", "list", "delete")


async def call_once(operation: str, response: httpx.Response) -> Any:
    """One client call answered by ``response``; one attempt, so no retry waits."""

    async def no_wait(_seconds: float) -> None:
        return None

    client = WherebyClient(
        "property-key",
        base_url="http://127.0.0.1:9/v1",
        transport=httpx.MockTransport(lambda request: response),
        retry=RetryPolicy(max_attempts=1, base_delay=0, max_delay=0, total_seconds=1),
        sleep=no_wait,
    )
    async with client:
        if operation == "create":
            end = datetime.now(UTC) + timedelta(days=1)  # the request is checked against now
            return await client.create_meeting(MeetingRequest(end_date=end))
        if operation == "get":
            return await client.get_meeting("m-1", fields=tuple(Field))
        if operation == "list":
            return await client.list_meetings_page(fields=tuple(Field))
        return await client.delete_meeting("m-1")


@PROPERTY
@given(
    st.sampled_from(OPERATIONS),
    statuses,
    st.lists(st.tuples(header_names, header_values), max_size=4),
    bodies,
)
@example("get", 200, [("X-RateLimit-Limit", "inf")], b"{}")
@example("get", 200, [("X-RateLimit-Reset", "1e300")], b"{}")
def test_any_answer_becomes_a_result_or_a_typed_error(
    operation: str, status: int, headers: list[tuple[str, str]], body: bytes
) -> None:
    raw_headers = [(name.encode(), value.encode("latin-1")) for name, value in headers]
    response = httpx.Response(status, headers=raw_headers, content=body)
    try:
        result = asyncio.run(call_once(operation, response))
    except WherebyError as error:
        assert str(error)  # always words for a person
        return
    expected = {"create": Meeting, "get": Meeting, "list": MeetingsPage, "delete": bool}
    assert isinstance(result, expected[operation])
    assert 200 <= status < 300 or (operation == "delete" and status == 404)


# -- (b) validating what the person asks for -------------------------------------------------------

enum_texts = st.text(max_size=12)
destinations = st.builds(
    StorageDestination,
    provider=st.sampled_from(StorageProvider) | enum_texts,
    authentication_type=st.none() | st.sampled_from(S3AuthenticationType) | enum_texts,
    bucket=st.text(max_size=12),
    region=st.text(max_size=12),
    access_key_id=st.text(max_size=12),
    access_key_secret=st.text(max_size=12),
    oidc_role_arn=st.text(max_size=12),
    file_format=st.none() | st.sampled_from(RecordingFileFormat) | enum_texts,
)
requests = st.builds(
    MeetingRequest,
    end_date=any_datetimes,
    room_mode=st.sampled_from(RoomMode) | enum_texts,
    room_name_prefix=st.text(max_size=45) | st.from_regex(r"\A[A-Za-z0-9 -]{0,42}\Z"),
    room_name_pattern=st.sampled_from(RoomNamePattern) | enum_texts,
    is_locked=st.booleans(),
    viewer_mode=st.booleans(),
    fields=st.frozensets(st.sampled_from(Field) | enum_texts, max_size=3),
    recording=st.none()
    | st.builds(
        RecordingOptions,
        type=st.sampled_from(RecordingType) | enum_texts,
        destination=destinations,
        start_trigger=st.sampled_from(RecordingTrigger) | enum_texts,
    ),
    live_transcription=st.none()
    | st.builds(
        TranscriptionOptions,
        destination=destinations,
        start_trigger=st.sampled_from(TranscriptionTrigger) | enum_texts,
        language=st.none() | st.sampled_from(["en", "de-CH", "xx", ""]) | enum_texts,
        live_captions=st.none() | st.booleans(),
    ),
    streaming=st.none()
    | st.builds(
        StreamingOptions,
        url=url_texts | st.text(max_size=20).map(lambda rest: "rtmp://" + rest),
        start_trigger=st.sampled_from(StreamingTrigger) | enum_texts,
    ),
)
ISSUE_FIELD = re.compile(r"[A-Za-z.]+")


@PROPERTY
@given(requests)
@example(MeetingRequest(end_date=datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))))
@example(
    MeetingRequest(end_date=datetime(9999, 12, 31, 23, 59, tzinfo=timezone(-timedelta(hours=1))))
)
@example(
    MeetingRequest(
        end_date=NOW + timedelta(days=1),
        streaming=StreamingOptions(url="rtmp://[", start_trigger="none"),
    )
)
def test_any_request_validates_or_names_its_faulty_fields(request: MeetingRequest) -> None:
    issues = request.issues(NOW)
    try:
        request.validate(NOW)
    except RequestValidationError as error:
        assert error.issues and all(ISSUE_FIELD.fullmatch(issue.field) for issue in error.issues)
        assert [str(issue) for issue in error.issues] == [str(issue) for issue in issues]
        return
    assert issues == []
    body = request.to_json()
    json.dumps(body)  # plain JSON all the way down
    prefix = body.get("roomNamePrefix", "")
    assert prefix == normalize_prefix(request.room_name_prefix)
    assert re.fullmatch(rf"[a-z0-9-]{{0,{PREFIX_MAX_LENGTH}}}", prefix)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["endDate"])
    assert ("templateType" in body) == request.viewer_mode
    stored = json.dumps(request.to_stored_options())
    for section in (request.recording, request.live_transcription):
        secret = section.destination.access_key_secret if section else ""
        if secret.strip() and secret != STORED_SECRET_MASK and section.destination.provider == "s3":
            assert json.dumps(secret)[1:-1] not in stored
    # A stored create can be sent again exactly as it was first sent.
    assert MeetingRequest.from_json(body).to_json() == body


zone_names = st.one_of(
    st.sampled_from(
        ["UTC", "Europe/Oslo", "America/New_York", "Asia/Tokyo", "Pacific/Kiritimati", "Etc/GMT+12"]
    ),
    st.timezone_keys(),
    st.text(max_size=20),
)


@PROPERTY
@given(st.datetimes(), zone_names, st.none() | st.sampled_from([0, 1]))
@example(datetime(1, 1, 1, 0, 0), "Asia/Tokyo", None)
@example(datetime(9999, 12, 31, 23, 59), "America/New_York", None)
def test_any_wall_time_resolves_or_is_refused_in_words(
    wall: datetime, zone_name: str, fold: int | None
) -> None:
    try:
        moment = resolve_local_time(wall, zone_name, fold=fold)
    except (LocalTimeError, RequestValidationError) as error:
        assert str(error)
        return
    assert moment.replace(tzinfo=None) == wall
    assert moment.utcoffset() is not None


# -- (c) the command line --------------------------------------------------------------------------

EXIT_CODES = {0, 1, 2, 3, 4, 5, 6, 130}
WORDS = [
    "create", "list", "show", "sync", "pending", "retry", "dismiss", "delete", "key", "set",
    "check", "clear", "status", "--end", "--duration", "--tz", "--ambiguous", "--mode",
    "--prefix", "--pattern", "--host-link", "--viewer-link", "--locked", "--viewer-mode",
    "--label", "--count", "--json", "--all", "--yes", "-y", "--help", "-h", "--version", "--",
    "earlier", "later", "normal", "group", "uuid", "human-short",
]  # fmt: skip
VALUES = [
    "90m", "1h30m", "2h", "0m", "45min", "1h", "99999999999999999999h", "8784h", "8785h",
    "2030-03-31T02:30", "2030-10-27T02:30", "2031-01-01T10:00Z", "2031-01-01T10:00+14:00",
    "0001-01-01T00:00", "9999-12-31T23:59", "0001-01-01T00:00+01:00", "2020-01-01T10:00Z",
    "Europe/Oslo", "Asia/Tokyo", "America/New_York", "Etc/GMT-14", "Mars/Base", "", " ",
    "Maths 101", "a_b", "x" * 40, "0", "1", "2", "100", "101", "-1", "1e3",
]  # fmt: skip
# Line breaks inside an argument would be echoed by argparse ("unrecognized arguments: a
# <newline> b"), splitting one error line in two; a shell user rarely passes them.
argument_texts = st.text(alphabet=st.characters(exclude_characters="\n\r"), max_size=20)
tokens = st.one_of(
    st.sampled_from(WORDS + VALUES),
    argument_texts,
    st.from_regex(r"\A--?[a-z-]{0,14}(=[ -~]{0,12})?\Z"),
)


@st.composite
def create_argvs(draw: st.DrawFn) -> list[str]:
    argv = ["create"]
    if draw(st.booleans()):
        argv += ["--duration", draw(st.sampled_from(VALUES) | argument_texts)]
    else:
        argv += ["--end", draw(st.sampled_from(VALUES) | date_texts)]
    for option, values in (
        ("--tz", zone_names),
        ("--prefix", st.text(max_size=45)),
        ("--label", argument_texts),
        ("--count", st.sampled_from(VALUES) | st.integers().map(str)),
        ("--ambiguous", st.sampled_from(["earlier", "later"])),
    ):
        if draw(st.booleans()):
            argv += [option, draw(values)]
    argv += draw(st.lists(st.sampled_from(["--json", "--host-link", "--viewer-mode"]), max_size=2))
    return argv


argvs = st.one_of(st.lists(tokens, max_size=8), create_argvs())


@pytest.fixture
def offline_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI with nothing to reach: a closed loopback port, and one attempt per call."""
    monkeypatch.setenv("ROOMDESK_API_URL", "http://127.0.0.1:9/v1")
    one_attempt = RetryPolicy(max_attempts=1, base_delay=0, max_delay=0, total_seconds=5)
    monkeypatch.setattr(
        roomdesk.cli.commands, "WherebyClient", functools.partial(WherebyClient, retry=one_attempt)
    )


class PipedStdin(io.StringIO):
    def isatty(self) -> bool:
        return False


# The environment (data directory, API address) is deliberately the same for every example:
# the room store they share grows as a real one would.
@settings(PROPERTY, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argvs, st.booleans(), st.text(max_size=30))
@example(["create", "--duration", "99999999999999999999h"], False, "")
@example(["create", "--end", "0001-01-01T00:00", "--tz", "Asia/Tokyo"], False, "")
@example(["create", "--end", "0001-01-01T00:00+01:00"], False, "")
@example(["create", "--duration", ""], False, "")
@example(["delete", "m-1", "--yes"], True, "")
@example(["create", "--end", "9999-12-31T23:59:59-01:00"], True, "")
def test_any_command_line_ends_with_a_documented_exit_code_and_no_traceback(
    offline_cli: None, argv: list[str], has_key: bool, stdin_text: str
) -> None:
    environ = {"ROOMDESK_API_KEY": "property-key"} if has_key else {}
    keys = KeyStore(environ=environ, keyring_backend=MemoryKeyring())
    out, err, stray_out, stray_err = (io.StringIO() for _ in range(4))
    with contextlib.redirect_stdout(stray_out), contextlib.redirect_stderr(stray_err):
        code = roomdesk.cli.run(argv, keys=keys, out=out, err=err, stdin=PipedStdin(stdin_text))
    assert code in EXIT_CODES
    errors = err.getvalue() + stray_err.getvalue()
    assert "Traceback" not in errors
    for line in errors.rstrip("\n").split("\n") if errors else []:
        assert line.startswith(("error: ", "warning: ")), (argv, errors)
    if code != 0:
        assert errors.strip(), f"exit {code} without saying why"
