"""Every request sent to the emulator, and every answer it gives, checked against Whereby's spec.

Statuses the spec does not declare (400, 405, 415, 5xx, unknown paths) have no schema; for those
the answer must be the service's ``{"error": "<text>"}``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from roomdesk.api.requests import (
    TRANSCRIPTION_LANGUAGES,
    Field,
    RecordingFileFormat,
    RecordingTrigger,
    RecordingType,
    RoomNamePattern,
    S3AuthenticationType,
    StorageProvider,
    StreamingTrigger,
    TranscriptionTrigger,
)
from roomdesk.domain.rooms import RoomMode, TemplateType
from roomdesk.domain.times import format_utc
from roomdesk.emulator import EmulatorServer
from tests.spec_contract import (
    SpecViolation,
    is_json_error,
    patched_document,
    validate_exchange,
    validate_request,
    validate_response,
)

pytestmark = pytest.mark.usefixtures("spec")  # the whole module skips without the document

WHEREBY_STORAGE = {"provider": "whereby"}
S3_ACCESS_KEY = {
    "provider": "s3",
    "authenticationType": "accessKey",
    "bucket": "my-bucket/recordings",
    "region": "eu-north-1",
    "accessKeyId": "AKIAEXAMPLE",
    "accessKeySecret": "not-a-real-secret",
}
S3_DEFAULT_AUTH = {
    key: value for key, value in S3_ACCESS_KEY.items() if key != "authenticationType"
}
S3_ROLE_BASED = {
    "provider": "s3",
    "authenticationType": "roleBased",
    "bucket": "my-bucket",
    "oidcRoleArn": "arn:aws:iam::123456789012:role/whereby",
}
# An end inside the emulator's window (now to 10 years ahead), for refusals about other fields.
SOON = format_utc(datetime.now(UTC) + timedelta(days=30))


@pytest.fixture
def client(emulator: EmulatorServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": "Bearer test-key"}
    with httpx.Client(base_url=emulator.base_url, headers=headers, timeout=10) as http:
        yield http


def exchange(http: httpx.Client, method: str, path: str, **options: Any) -> httpx.Response:
    """Send a request the spec allows; check it, and check the answer against the spec."""
    response = http.request(method, path, **options)
    if not validate_exchange(response):
        assert is_json_error(response.content), (response.status_code, response.text)
    return response


def exchange_outside_spec(
    http: httpx.Client, method: str, path: str, **options: Any
) -> httpx.Response:
    """Send a request the spec forbids; the answer must be a JSON error outside the spec."""
    response = http.request(method, path, **options)
    request = response.request
    with pytest.raises(SpecViolation):
        validate_request(request.method, str(request.url), dict(request.headers), request.content)
    declared = validate_response(
        request.method,
        str(request.url),
        response.status_code,
        dict(response.headers),
        response.content,
        request_body=request.content or None,
    )
    assert not declared, f"{response.status_code} is declared; use exchange()"
    assert is_json_error(response.content), (response.status_code, response.text)
    return response


def end_date(emulator: EmulatorServer, hours: float = 2) -> str:
    return format_utc(emulator.now() + timedelta(hours=hours))


def create(http: httpx.Client, emulator: EmulatorServer, **options: Any) -> httpx.Response:
    response = exchange(http, "POST", "/meetings", json={"endDate": end_date(emulator), **options})
    assert response.status_code == 201, response.text
    return response


# -- the spec's enums are the ones roomdesk (and so the emulator) uses ------------------------


def _create_properties() -> dict[str, Any]:
    body = patched_document()["paths"]["/meetings"]["post"]["requestBody"]
    return body["content"]["application/json"]["schema"]["properties"]


@pytest.mark.parametrize(
    ("path", "ours"),
    [
        (("roomMode",), RoomMode),
        (("roomNamePattern",), RoomNamePattern),
        (("templateType",), TemplateType),
        (("recording", "type"), RecordingType),
        (("recording", "startTrigger"), RecordingTrigger),
        (("recording", "destination", "provider"), StorageProvider),
        (("recording", "destination", "authenticationType"), S3AuthenticationType),
        (("recording", "destination", "fileFormat"), RecordingFileFormat),
        (("liveTranscription", "startTrigger"), TranscriptionTrigger),
        (("liveTranscription", "destination", "provider"), StorageProvider),
        (("liveTranscription", "language"), TRANSCRIPTION_LANGUAGES),
        (("streaming", "startTrigger"), StreamingTrigger),
    ],
)
def test_our_enums_are_the_specs(path: tuple[str, ...], ours: Any) -> None:
    schema: dict[str, Any] = {"properties": _create_properties()}
    for key in path:
        schema = schema["properties"][key]
    assert {str(value) for value in ours} == set(schema["enum"])


def test_fields_enum_is_the_specs() -> None:
    fields = patched_document()["components"]["schemas"]["Fields"]["items"]["enum"]
    assert {item.value for item in Field} == set(fields)


# -- POST /meetings -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"roomMode": "normal", "isLocked": False},
        {"roomMode": "group", "isLocked": True},
        {"roomNamePrefix": "example-prefix", "roomNamePattern": "uuid"},
        {"roomNamePrefix": "team42", "roomNamePattern": "human-short"},
        {"roomNamePattern": "human-short"},
        {"roomNamePrefix": "a" * 39},
        {"templateType": "viewerMode"},
        {"templateType": "viewerMode", "fields": ["hostRoomUrl"]},
        {"fields": []},
        {"fields": ["hostRoomUrl"]},
        {"fields": ["viewerRoomUrl"]},
        {"fields": ["hostRoomUrl", "viewerRoomUrl"]},
        {"startDate": "2000-01-01T00:00:00Z"},  # deprecated and ignored
    ],
    ids=repr,
)
def test_create_room_options(client: httpx.Client, emulator: EmulatorServer, options) -> None:
    create(client, emulator, **options)


def test_create_with_an_offset_end_date(client: httpx.Client, emulator: EmulatorServer) -> None:
    new_york_winter = timezone(timedelta(hours=-5))
    local = (emulator.now() + timedelta(hours=3)).astimezone(new_york_winter)
    local = local.isoformat(timespec="seconds")  # e.g. 2030-01-01T09:00:00-05:00
    response = exchange(client, "POST", "/meetings", json={"endDate": local})
    assert response.status_code == 201


@pytest.mark.parametrize("kind", list(RecordingType))
@pytest.mark.parametrize("trigger", list(RecordingTrigger))
def test_create_recording_kinds_and_triggers(client, emulator, kind, trigger) -> None:
    recording = {"type": kind.value, "destination": WHEREBY_STORAGE, "startTrigger": trigger.value}
    create(client, emulator, recording=recording)


@pytest.mark.parametrize(
    "destination",
    [
        WHEREBY_STORAGE,
        {"provider": "whereby", "fileFormat": "mkv"},
        {"provider": "whereby", "fileFormat": "mp4"},
        S3_ACCESS_KEY,
        S3_DEFAULT_AUTH,
        {**S3_ACCESS_KEY, "fileFormat": "mp4"},
        S3_ROLE_BASED,
    ],
    ids=repr,
)
def test_create_recording_destinations(client, emulator, destination) -> None:
    recording = {"type": "cloud", "destination": destination, "startTrigger": "prompt"}
    create(client, emulator, recording=recording)


@pytest.mark.parametrize("trigger", list(TranscriptionTrigger))
@pytest.mark.parametrize(
    "destination", [WHEREBY_STORAGE, S3_ACCESS_KEY, S3_ROLE_BASED], ids=["whereby", "s3", "role"]
)
def test_create_transcription_triggers_and_destinations(
    client, emulator, trigger, destination
) -> None:
    transcription = {"destination": destination, "startTrigger": trigger.value}
    create(client, emulator, liveTranscription=transcription)


@pytest.mark.parametrize("language", TRANSCRIPTION_LANGUAGES)
@pytest.mark.parametrize("captions", [True, False])
def test_create_transcription_languages(client, emulator, language, captions) -> None:
    transcription = {
        "destination": WHEREBY_STORAGE,
        "startTrigger": "manual",
        "language": language,
        "liveCaptions": captions,
    }
    create(client, emulator, liveTranscription=transcription)


@pytest.mark.parametrize("trigger", list(StreamingTrigger))
def test_create_streaming(client, emulator, trigger) -> None:
    streaming = {
        "destination": {"url": "rtmp://a.rtmp.youtube.com/live2/stream-key"},
        "startTrigger": trigger.value,
    }
    create(client, emulator, streaming=streaming)


def test_create_with_everything(client: httpx.Client, emulator: EmulatorServer) -> None:
    create(
        client,
        emulator,
        roomMode="group",
        isLocked=True,
        roomNamePrefix="all-options",
        roomNamePattern="human-short",
        fields=["hostRoomUrl", "viewerRoomUrl"],
        recording={"type": "cloud", "destination": S3_ROLE_BASED, "startTrigger": "automatic"},
        liveTranscription={
            "destination": S3_ACCESS_KEY,
            "startTrigger": "automatic-2nd-participant",
            "language": "pt-BR",
            "liveCaptions": True,
        },
        streaming={
            "destination": {"url": "rtmps://live.example.com/app/k"},
            "startTrigger": "none",
        },
    )


@pytest.mark.parametrize(
    "body",
    [
        {"endDate": "2000-01-01T00:00:00Z"},  # in the past
        {"endDate": "9999-12-31T23:59:59Z"},  # more than 10 years ahead
        {"endDate": "9999-12-31T23:59:59-01:00"},  # in the year 10000 in UTC
        {"endDate": SOON, "recording": {"type": "cloud", "startTrigger": "none",
         "destination": {"provider": "s3", "bucket": "b"}}},  # S3 without credentials
        {"endDate": SOON, "streaming": {"startTrigger": "none",
         "destination": {"url": "https://not-rtmp.example.com"}}},
    ],
    ids=["past", "too-far", "past-9999", "s3-without-keys", "streaming-not-rtmp"],
)  # fmt: skip
def test_create_refusals_the_schema_allows(client: httpx.Client, body) -> None:
    response = exchange(client, "POST", "/meetings", json=body)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {},  # endDate missing
        {"endDate": "tomorrow"},
        {"endDate": SOON, "roomNamePrefix": "p" * 40},
        {"endDate": SOON, "roomMode": "huge"},
        {"endDate": SOON, "roomNamePattern": "short"},
        {"endDate": SOON, "templateType": "webinar"},
        {"endDate": SOON, "isLocked": "yes"},
        {"endDate": SOON, "fields": ["roomKey"]},
        {"endDate": SOON, "recording": {"type": "cloud"}},
        {"endDate": SOON, "liveTranscription": {"startTrigger": "manual",
         "destination": WHEREBY_STORAGE, "language": "xx"}},
        {"endDate": SOON, "streaming": {"startTrigger": "later",
         "destination": {"url": "rtmp://x/y"}}},
    ],
    ids=["no-end", "bad-end", "long-prefix", "mode", "pattern", "template", "locked", "fields",
         "recording-shape", "language", "streaming-trigger"],
)  # fmt: skip
def test_create_refusals_the_schema_forbids(client: httpx.Client, body) -> None:
    response = exchange_outside_spec(client, "POST", "/meetings", json=body)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "content",
    [
        b'{"endDate": NaN}',
        b'{"endDate": "2030-01-01T00:00:00Z", "isLocked": 1e999}',
        b'{"endDate": "2030-01-01T00:00:00Z"',
    ],
    ids=["nan", "1e999", "cut-short"],
)  # Deep and UTF-16 bodies are in test_emulator_hostile.py: the spec checker cannot read them.
def test_create_with_a_malformed_body(client: httpx.Client, content: bytes) -> None:
    response = exchange_outside_spec(
        client, "POST", "/meetings", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400


def test_create_without_json_content_type(client: httpx.Client) -> None:
    response = exchange_outside_spec(
        client,
        "POST",
        "/meetings",
        content=b"endDate=2999-01-01T00:00:00Z",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415


# -- GET /meetings --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields", [None, "hostRoomUrl", "viewerRoomUrl", "hostRoomUrl,viewerRoomUrl"]
)
def test_list_pages_through_everything(client, emulator, fields) -> None:
    emulator.seed(4, room_name_prefix="other")
    emulator.seed(7, room_name_prefix="page")
    params: dict[str, Any] = {"limit": 3}
    if fields:
        params["fields"] = fields
    seen, pages, cursor = [], 0, None
    while True:
        response = exchange(client, "GET", "/meetings", params=params)
        assert response.status_code == 200
        pages += 1
        seen += response.json()["results"]
        cursor = response.json()["cursor"]
        if cursor is None:
            break
        params["cursor"] = cursor
    assert pages == 4 and len(seen) == 11


def test_list_with_name_filter_and_limits(client: httpx.Client, emulator: EmulatorServer) -> None:
    emulator.seed(3, room_name_prefix="kept")
    emulator.seed(2, room_name_prefix="skipped")
    response = exchange(
        client, "GET", "/meetings", params={"roomName[startsWith]": "/kept-", "limit": 100}
    )
    assert len(response.json()["results"]) == 3
    assert exchange(client, "GET", "/meetings", params={"limit": 1}).json()["cursor"]
    empty = exchange(client, "GET", "/meetings", params={"roomName[startsWith]": "/none"})
    assert empty.json() == {"results": [], "cursor": None}


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 101}, {"limit": "ten"}, {"fields": "roomKey"}], ids=repr
)
def test_list_refusals_the_schema_forbids(client: httpx.Client, params) -> None:
    assert exchange_outside_spec(client, "GET", "/meetings", params=params).status_code == 400


def test_list_with_an_unknown_cursor(client: httpx.Client) -> None:
    response = exchange(client, "GET", "/meetings", params={"cursor": "8f4031bfc7640c5f"})
    assert response.status_code == 400


# -- GET and DELETE /meetings/{meetingId} ---------------------------------------------------


@pytest.mark.parametrize(
    "fields", [None, "hostRoomUrl", "viewerRoomUrl", "hostRoomUrl,viewerRoomUrl"]
)
def test_get_meeting(client: httpx.Client, emulator: EmulatorServer, fields) -> None:
    meeting_id = emulator.add_meeting()["meetingId"]
    params = {"fields": fields} if fields else {}
    response = exchange(client, "GET", f"/meetings/{meeting_id}", params=params)
    assert response.status_code == 200


def test_get_unknown_meeting(client: httpx.Client) -> None:
    assert exchange(client, "GET", "/meetings/404404").status_code == 404


def test_delete_existing_and_unknown(client: httpx.Client, emulator: EmulatorServer) -> None:
    meeting_id = emulator.add_meeting()["meetingId"]
    assert exchange(client, "DELETE", f"/meetings/{meeting_id}").status_code == 204
    assert exchange(client, "DELETE", f"/meetings/{meeting_id}").status_code == 204
    assert exchange(client, "DELETE", "/meetings/never-existed").status_code == 204


# -- refusals common to all operations ------------------------------------------------------

OPERATIONS = [
    ("GET", "/meetings", {}),
    ("POST", "/meetings", {"json": {"endDate": SOON}}),
    ("GET", "/meetings/1", {}),
    ("DELETE", "/meetings/1", {}),
]


@pytest.mark.parametrize(("method", "path", "options"), OPERATIONS)
@pytest.mark.parametrize("authorization", [None, "Bearer wrong-key", "Basic dGVzdC1rZXk="])
def test_unauthorised(emulator, method, path, options, authorization) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    with httpx.Client(base_url=emulator.base_url, headers=headers) as anonymous:
        response = exchange(anonymous, method, path, **options)
    assert response.status_code == 401


@pytest.mark.parametrize(("method", "path", "options"), OPERATIONS)
def test_rate_limited(client, emulator, method, path, options) -> None:
    emulator.rate_limit_points = 3
    exchange(client, "POST", "/meetings", json={"endDate": end_date(emulator)})  # spends all 3
    response = exchange(client, method, path, **options)
    assert response.status_code == 429
    assert response.json()["data"]["msLeft"] > 0


def test_forced_rate_limit_storm(client: httpx.Client, emulator: EmulatorServer) -> None:
    emulator.faults.force_status = 429
    assert exchange(client, "GET", "/meetings").status_code == 429


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors(client: httpx.Client, emulator: EmulatorServer, status: int) -> None:
    emulator.faults.force_status = status
    assert exchange(client, "GET", "/meetings").status_code == status


def test_unknown_path_and_method(client: httpx.Client) -> None:
    assert exchange_outside_spec(client, "GET", "/rooms").status_code == 404
    assert exchange_outside_spec(client, "PATCH", "/meetings/1", json={}).status_code == 405
    assert exchange_outside_spec(client, "PUT", "/meetings", json={}).status_code == 405
    assert exchange_outside_spec(client, "TRACE", "/meetings").status_code == 405
    assert exchange_outside_spec(client, "FOO", "/meetings").status_code == 501
    assert exchange_outside_spec(client, "FOO", "/rooms").status_code == 501


# -- the helper itself ----------------------------------------------------------------------


def test_helper_tells_declared_undeclared_and_wrong_apart() -> None:
    url = "http://127.0.0.1:1/v1/meetings"
    json_headers = {"Content-Type": "application/json"}
    last_page = b'{"results": [], "cursor": null}'
    assert validate_response("GET", url, 200, json_headers, last_page) is True
    assert validate_response("GET", url, 400, json_headers, b'{"error": "x"}') is False
    assert validate_response("GET", url + "/1/extra", 404, json_headers, b"{}") is False
    wrong_id = b'{"results": [{"meetingId": 1, "roomUrl": "https://a.b/c", "endDate": "x"}],'
    with pytest.raises(SpecViolation, match="meetingId"):
        validate_response("GET", url, 200, json_headers, wrong_id + b' "cursor": null}')
    with pytest.raises(SpecViolation, match="limit"):
        validate_request("GET", url + "?limit=0")
    with pytest.raises(SpecViolation):
        validate_request("POST", url, json_headers, {"roomMode": "group"})  # no endDate
    validate_request("POST", url, json_headers, {"endDate": "2030-01-01T00:00:00Z"})
