"""The emulator's recordings, transcriptions, summaries and insights answers, and the requests
sent for them, checked against Whereby's (patched) spec, as the meetings' are in
test_emulator_contract.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from roomdesk.api.media_models import (
    StorageType,
    SummaryTemplate,
    TranscriptionState,
    TranscriptionType,
)
from roomdesk.emulator import EmulatorServer, ManualClock
from tests.spec_contract import patched_document
from tests.test_emulator_contract import exchange, exchange_outside_spec

pytestmark = pytest.mark.usefixtures("spec")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def server(clock: ManualClock) -> Iterator[EmulatorServer]:
    with EmulatorServer(api_key="test-key", clock=clock) as emulator:
        yield emulator


@pytest.fixture
def client(server: EmulatorServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": "Bearer test-key"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=10) as http:
        yield http


@pytest.fixture
def history(server: EmulatorServer) -> dict[str, Any]:
    """A room with two recorded sessions (one transcript ready, one in progress) and a
    self-hosted recording."""
    meeting = server.add_meeting()
    sessions = server.add_demo_history(meeting["meetingId"])
    self_hosted = server.add_recording(sessions[0]["roomSessionId"], self_hosted=True)
    return {"meeting": meeting, "sessions": sessions, "self_hosted": self_hosted}


def all_pages(http: httpx.Client, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    while True:
        response = exchange(http, "GET", path, params=params)
        assert response.status_code == 200, response.text
        results += response.json()["results"]
        cursor = response.json()["cursor"]
        if cursor is None:
            return results
        params = {**params, "cursor": cursor}


def test_our_enums_are_the_specs() -> None:
    document = patched_document()
    schemas = document["components"]["schemas"]
    properties = schemas["Transcription"]["properties"]
    for name, ours in (
        ("state", TranscriptionState),
        ("type", TranscriptionType),
        ("storageType", StorageType),
    ):
        assert {item.value for item in ours} - {"unknown"} == set(properties[name]["enum"])
    body = document["paths"]["/summaries"]["post"]["requestBody"]["content"]["application/json"]
    template = body["schema"]["properties"]["template"]["enum"]
    assert {item.value for item in SummaryTemplate} == set(template)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"limit": 1},
        {"limit": 2, "sortBy": "sizeInMegaBytes:desc"},
        {"limit": 1, "sortBy": "roomName:asc"},
        {"limit": 1, "sortBy": "duration:desc"},
        {"limit": 1, "sortBy": "startDate:asc"},
    ],
    ids=repr,
)
def test_recordings_list(client, history, params) -> None:
    listed = all_pages(client, "/recordings", params)
    assert len(listed) == 3
    by_room = all_pages(client, "/recordings", {"roomName": history["meeting"]["roomName"]})
    assert len(by_room) == 3
    assert all_pages(client, "/recordings", {"roomName": "/nobody"}) == []


def test_recording_get_link_and_delete(client, history) -> None:
    recording_id = history["sessions"][0]["recording"]["recordingId"]
    assert exchange(client, "GET", f"/recordings/{recording_id}").status_code == 200
    link = exchange(
        client, "GET", f"/recordings/{recording_id}/access-link", params={"validForSeconds": 1}
    )
    assert link.status_code == 200 and link.json()["accessLink"].startswith("http://127.0.0.1")
    self_hosted = history["self_hosted"]["recordingId"]
    assert exchange(client, "GET", f"/recordings/{self_hosted}/access-link").status_code == 403
    assert exchange(client, "DELETE", f"/recordings/{recording_id}").status_code == 204
    assert exchange(client, "DELETE", f"/recordings/{recording_id}").status_code == 204
    assert exchange(client, "GET", f"/recordings/{recording_id}").status_code == 404
    assert exchange(client, "GET", f"/recordings/{recording_id}/access-link").status_code == 404
    others = [history["sessions"][1]["recording"]["recordingId"], self_hosted, "never-was"]
    response = exchange(client, "POST", "/recordings/bulk-delete", json={"recordingIds": others})
    assert response.status_code == 204
    assert all_pages(client, "/recordings", {}) == []


@pytest.mark.parametrize(
    ("method", "path", "options"),
    [
        ("GET", "/recordings", {"params": {"limit": 0}}),
        ("GET", "/recordings/r/access-link", {"params": {"validForSeconds": 0}}),
        ("GET", "/recordings/r/access-link", {"params": {"validForSeconds": 43_201}}),
        ("POST", "/recordings/bulk-delete", {"json": {}}),
        ("POST", "/recordings/bulk-delete", {"json": {"recordingIds": "r"}}),
        ("POST", "/transcriptions", {"json": {}}),
        ("GET", "/insights/participants", {"params": {"limit": 101}}),
        ("GET", "/insights/room-sessions", {}),  # no roomName
    ],
    ids=repr,
)
def test_refusals_the_schema_forbids(client, history, method, path, options) -> None:
    assert exchange_outside_spec(client, method, path, **options).status_code == 400


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/recordings", {"sortBy": "filename:asc"}),
        ("/recordings", {"cursor": "not-one-of-ours"}),
        ("/insights/participants", {}),  # neither roomSessionId nor externalId
    ],
    ids=repr,
)
def test_refusals_the_schema_allows(client, path, params) -> None:
    assert exchange(client, "GET", path, params=params).status_code == 400


def test_a_cursor_is_for_its_own_sort(client, history) -> None:
    first = exchange(client, "GET", "/recordings", params={"limit": 1, "sortBy": "roomName:asc"})
    cursor = first.json()["cursor"]
    other_sort = {"limit": 1, "sortBy": "roomName:desc", "cursor": cursor}
    assert exchange(client, "GET", "/recordings", params=other_sort).status_code == 400


def test_transcriptions(client, server, clock, history) -> None:
    listed = all_pages(client, "/transcriptions", {"limit": 1, "sortBy": "startDate:desc"})
    assert [t["state"] for t in listed] == ["in_progress", "ready"]
    assert all_pages(client, "/transcriptions", {"roomName": "/nobody"}) == []
    recording_id = history["sessions"][0]["recording"]["recordingId"]
    made = exchange(client, "POST", "/transcriptions", json={"recordingId": recording_id})
    assert made.status_code == 201
    transcription_id = made.json()["transcriptionId"]
    pending = exchange(client, "GET", f"/transcriptions/{transcription_id}")
    assert pending.json()["state"] == "in_progress"
    assert pending.json()["type"] == "RECORDING_TRANSCRIPTION"
    link_path = f"/transcriptions/{transcription_id}/access-link"
    assert exchange(client, "GET", link_path).status_code == 400  # nothing to download yet
    clock.advance(server.processing_time)
    assert exchange(client, "GET", link_path, params={"validForSeconds": 60}).status_code == 200
    assert exchange(client, "DELETE", f"/transcriptions/{transcription_id}").status_code == 204
    assert exchange(client, "GET", f"/transcriptions/{transcription_id}").status_code == 404
    missing = exchange(client, "POST", "/transcriptions", json={"recordingId": "gone"})
    assert missing.status_code == 404
    self_hosted = {"recordingId": history["self_hosted"]["recordingId"]}
    assert exchange(client, "POST", "/transcriptions", json=self_hosted).status_code == 400


def test_summaries_refused_outside_the_beta(client, history) -> None:
    ready = history["sessions"][0]["transcription"]["transcriptionId"]
    for method, path, options in (
        ("GET", "/summaries", {}),
        ("POST", "/summaries", {"json": {"transcriptionId": ready}}),
        ("GET", "/summaries/s", {}),
        ("DELETE", "/summaries/s", {}),
    ):
        assert exchange(client, method, path, **options).status_code == 403


@pytest.mark.parametrize("template", [None, *SummaryTemplate])
def test_summaries_in_the_beta(client, server, clock, history, template) -> None:
    server.summaries_enabled = True
    body = {"transcriptionId": history["sessions"][0]["transcription"]["transcriptionId"]}
    if template is not None:
        body["template"] = template.value
    made = exchange(client, "POST", "/summaries", json=body)
    assert made.status_code == 201
    summary_id = made.json()["summaryId"]
    assert exchange(client, "GET", f"/summaries/{summary_id}").json()["state"] == "in_progress"
    clock.advance(server.processing_time + timedelta(seconds=1))
    done = exchange(client, "GET", f"/summaries/{summary_id}").json()
    assert done["state"] == "completed" and done["summary"]
    assert len(all_pages(client, "/summaries", {"limit": 1, "sortBy": "roomName:desc"})) == 1
    assert exchange(client, "DELETE", f"/summaries/{summary_id}").status_code == 204
    assert exchange(client, "GET", f"/summaries/{summary_id}").status_code == 404
    pending = {"transcriptionId": history["sessions"][1]["transcription"]["transcriptionId"]}
    clock_now_ready = exchange(client, "POST", "/summaries", json=pending)
    assert clock_now_ready.status_code == 201  # its processing time has passed as well
    assert exchange(client, "POST", "/summaries", json={"transcriptionId": "x"}).status_code == 404


@pytest.mark.parametrize("sort", [None, "startedAt:desc", "totalParticipantMinutes:asc"])
def test_room_sessions_and_participants(client, server, history, sort) -> None:
    room = history["meeting"]["roomName"]
    server.add_room_session(history["meeting"]["meetingId"], ongoing=True)
    params: dict[str, Any] = {"roomName": room, "limit": 1}
    if sort:
        params["sortBy"] = sort
    sessions = all_pages(client, "/insights/room-sessions", params)
    assert len(sessions) == 3 and sum(s["endedAt"] is None for s in sessions) == 1
    one = {"roomName": room, "roomSessionId": sessions[0]["roomSessionId"]}
    assert len(all_pages(client, "/insights/room-sessions", one)) == 1
    for session in sessions:
        stays = all_pages(
            client,
            "/insights/participants",
            {"roomSessionId": session["roomSessionId"], "limit": 3, "sortBy": "leftAt:desc"},
        )
        assert len(stays) == 8  # five people, two of whom came back (once and twice)
        assert {s["externalId"] is None for s in stays} == {True, False}
    by_person = all_pages(client, "/insights/participants", {"externalId": "student-17"})
    assert len(by_person) == 2 * 3  # Ben left and came back in each of the three sessions


OPERATIONS = [
    ("GET", "/recordings", {}),
    ("GET", "/recordings/r", {}),
    ("DELETE", "/recordings/r", {}),
    ("GET", "/recordings/r/access-link", {}),
    ("POST", "/recordings/bulk-delete", {"json": {"recordingIds": []}}),
    ("GET", "/transcriptions", {}),
    ("POST", "/transcriptions", {"json": {"recordingId": "r"}}),
    ("GET", "/transcriptions/t", {}),
    ("DELETE", "/transcriptions/t", {}),
    ("GET", "/transcriptions/t/access-link", {}),
    ("GET", "/summaries", {}),
    ("GET", "/insights/room-sessions", {"params": {"roomName": "/r"}}),
    ("GET", "/insights/participants", {"params": {"roomSessionId": "s"}}),
]


@pytest.mark.parametrize(("method", "path", "options"), OPERATIONS)
def test_unauthorised(server, method, path, options) -> None:
    with httpx.Client(base_url=server.base_url) as anonymous:
        assert exchange(anonymous, method, path, **options).status_code == 401


@pytest.mark.parametrize(("method", "path", "options"), OPERATIONS)
def test_rate_limited_with_the_meetings_points(client, server, method, path, options) -> None:
    server.rate_limit_points = 3
    exchange(client, "POST", "/recordings/bulk-delete", json={"recordingIds": []})  # 3 points
    response = exchange(client, method, path, **options)
    assert response.status_code == 429 and response.json()["data"]["msLeft"] > 0
