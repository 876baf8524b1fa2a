"""Checks requests and responses against Whereby's published OpenAPI document.

The document lives outside the repository (``../shared/whereby-openapi.json``); tests that need it
skip when it is absent, and fail when it is absent in CI (``CI=true``), so that the contract checks
cannot silently go unrun there. A few defects of the published document are patched on load, each
listed in :func:`_patch_known_defects`.

Usage::

    validate_request("POST", url, headers, body)          # raises SpecViolation
    declared = validate_response("GET", url, status, headers, body)
    # declared is False when the spec says nothing about this status for the operation: the body
    # cannot be checked by schema, so check it by hand (the emulator answers {"error": str}).
    declared = validate_exchange(httpx_response)          # both sides of an httpx exchange
"""

from __future__ import annotations

import copy
import functools
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.exceptions import OpenAPIError
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.templating.responses.exceptions import ResponseNotFound
from werkzeug.datastructures import Headers, ImmutableMultiDict

if TYPE_CHECKING:
    import httpx

SPEC_PATH = Path(__file__).resolve().parents[2] / "shared" / "whereby-openapi.json"
# The operations roomdesk uses; the rest of the document is dropped on load (see below).
MEETING_PATHS = ("/meetings", "/meetings/{meetingId}")
RECORDING_PATHS = (
    "/recordings",
    "/recordings/{recordingId}",
    "/recordings/{recordingId}/access-link",
    "/recordings/bulk-delete",
    "/transcriptions",
    "/transcriptions/{transcriptionId}",
    "/transcriptions/{transcriptionId}/access-link",
    "/summaries",
    "/summaries/{summaryId}",
)
INSIGHT_PATHS = ("/insights/room-sessions", "/insights/participants")
USED_PATHS = MEETING_PATHS + RECORDING_PATHS + INSIGHT_PATHS
LIST_PATHS = ("/meetings", "/recordings", "/transcriptions", "/summaries", *INSIGHT_PATHS)
_DATE_TIME = {"type": "string", "format": "date-time"}


class SpecViolation(AssertionError):
    """A request or response does not match the (patched) spec."""


def _json_schema(operation: dict[str, Any], status: str) -> dict[str, Any]:
    return operation["responses"][status]["content"]["application/json"]["schema"]


def _nullable_3_1_types(schema: Any) -> None:
    """``type: [X, "null"]`` (OpenAPI 3.1) as 3.0's ``type: X, nullable: true``, everywhere."""
    if isinstance(schema, dict):
        kind = schema.get("type")
        if isinstance(kind, list):
            (schema["type"],) = [item for item in kind if item != "null"]
            schema["nullable"] = "null" in kind
        for value in schema.values():
            _nullable_3_1_types(value)
    elif isinstance(schema, list):
        for value in schema:
            _nullable_3_1_types(value)


def _patch_known_defects(document: dict[str, Any]) -> None:
    """Mend the published document's known mistakes in place."""
    paths = document["paths"]
    schemas = document["components"]["schemas"]
    # 1. The theme, room insights and single-participant operations (and the transcriptions'
    #    bulk delete) are not used by roomdesk, and some are not valid OpenAPI 3.0 either: keep
    #    only the operations roomdesk uses, each mended below.
    document["paths"] = paths = {path: paths[path] for path in USED_PATHS}
    # 2. Every list: the prose says the cursor is null on the last page (and the service does
    #    send null), but the schemas forgot `nullable: true`.
    # 3. GET /transcriptions and GET /summaries: `cursor` sits beside `properties` instead of
    #    inside it, so it is no property at all.
    for path in LIST_PATHS:
        page = _json_schema(paths[path]["get"], "200")
        if "cursor" in page:
            page["properties"]["cursor"] = page.pop("cursor")
        page["properties"]["cursor"]["nullable"] = True
    # 4. Query parameters with no schema (sortBy, the insights' roomName, roomSessionId,
    #    externalId and cursor), which OpenAPI requires: they are plain strings.
    for item in paths.values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and "schema" not in parameter:
                    parameter["schema"] = {"type": "string"}
    # 5. POST /transcriptions and POST /summaries declare a path parameter (recordingId,
    #    transcriptionId) that is not in their path; the id goes in the body, as their
    #    request schemas say.
    for path in ("/transcriptions", "/summaries"):
        paths[path]["post"].pop("parameters")
    # 6. Their 201 answers give the body's one property in place of a schema: an object with
    #    that property, as the descriptions ("the transcription ID") say.
    for path, key in (("/transcriptions", "transcriptionId"), ("/summaries", "summaryId")):
        content = paths[path]["post"]["responses"]["201"]["content"]["application/json"]
        content["schema"] = {"type": "object", "required": [key], "properties": content["schema"]}
    # 7. Recording and Summary list required fields but define no properties, so any value
    #    passes: their types, as their examples show them.
    schemas["Recording"]["properties"] = {
        "recordingId": {"type": "string"},
        "roomSessionId": {"type": "string"},
        "filename": {"type": "string"},
        "startDate": _DATE_TIME,
        "endDate": _DATE_TIME,
        "sizeInMegaBytes": {"type": "number", "minimum": 0},
    }
    schemas["Summary"]["properties"] = {
        "summaryId": {"type": "string"},
        "transcriptionId": {"type": "string"},
        "summary": {"type": "object", "additionalProperties": {"type": "string"}},
        "roomSessionId": {"type": "string"},
        "roomName": {"type": "string"},
        "startDate": _DATE_TIME,
        "endDate": _DATE_TIME,
        "state": {"type": "string"},
        "createdAt": _DATE_TIME,
        "modifiedAt": _DATE_TIME,
        "template": {"type": "string"},
    }
    # 8. The insights' ratings use OpenAPI 3.1's `type: [number, "null"]` in a 3.0 document.
    for path in INSIGHT_PATHS:
        _nullable_3_1_types(paths[path])
    # 9. GET /insights/room-sessions requires createdAt and endAt, which it does not define,
    #    and defines startedAt and endedAt: a session has started; it has no end while it runs.
    sessions = _json_schema(paths["/insights/room-sessions"]["get"], "200")
    session = sessions["properties"]["results"]["items"]
    session["required"] = [
        "startedAt" if name == "createdAt" else name
        for name in session["required"]
        if name != "endAt"
    ]
    session["properties"]["endedAt"]["nullable"] = True
    # 10. GET /insights/participants: roomSessionId is marked required, but the prose says
    #     "either roomSessionId or externalId is required". And each participant is required
    #     to have an externalId and a leftAt, which only one who passed an externalId when
    #     joining, and who has left, has: both may be null.
    participants = paths["/insights/participants"]["get"]
    for parameter in participants["parameters"]:
        if parameter["name"] == "roomSessionId":
            parameter["required"] = False
    participant = _json_schema(participants, "200")["properties"]["results"]["items"]
    participant["required"].remove("externalId")
    for name in ("externalId", "leftAt"):
        participant["properties"][name]["nullable"] = True
    # 11. POST /meetings: the liveTranscription.language enum values carry a stray trailing
    #     comma ("en," ...); the service takes the plain language codes.
    create_schema = paths["/meetings"]["post"]["requestBody"]["content"]["application/json"]
    language = create_schema["schema"]["properties"]["liveTranscription"]["properties"]["language"]
    language["enum"] = [code.rstrip(",") for code in language["enum"]]


@functools.cache
def _patched_document(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        document = json.load(handle)
    _patch_known_defects(document)
    return document


@functools.cache
def _load_spec(path: Path) -> OpenAPI:
    return OpenAPI.from_dict(copy.deepcopy(_patched_document(path)))


def spec_or_skip(path: Path = SPEC_PATH, environ: Mapping[str, str] | None = None) -> OpenAPI:
    """The patched spec; when the document is not at ``path``, skip the calling test, or fail it
    when ``environ`` (the process environment by default) says this is CI."""
    if not path.is_file():
        missing = (
            f"Whereby's OpenAPI document is not at {path}; contract checks need it (it is kept "
            "outside the repository, next to it in ../shared/; `python3 .ci/fetch-openapi.py` "
            "downloads the pinned version there)"
        )
        environ = os.environ if environ is None else environ
        if environ.get("CI", "").strip().lower() in ("true", "1"):
            pytest.fail(f"{missing}. In CI the contract tests must run, not skip.", pytrace=False)
        pytest.skip(missing)
    return _load_spec(path)


def _server_origin() -> str:
    # The spec names only the production server; validate by path as if the call went there.
    server = urlsplit(_patched_document(SPEC_PATH)["servers"][0]["url"])
    return f"{server.scheme}://{server.netloc}"


def _content_type(headers: Mapping[str, str]) -> str:
    for name, value in headers.items():
        if name.lower() == "content-type":
            return value.lower()
    return ""


class _SpecRequest:
    """openapi-core's Request protocol over plain values."""

    def __init__(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> None:
        parts = urlsplit(url)
        self.method = method.lower()
        self.host_url = _server_origin()
        self.path = parts.path
        self.body = body or None
        self.content_type = _content_type(headers)
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(parts.query, keep_blank_values=True)),
            header=Headers(list(headers.items())),
        )


class _SpecResponse:
    """openapi-core's Response protocol over plain values."""

    def __init__(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.status_code = status
        self.headers = Headers(list(headers.items()))
        self.data = body
        self.content_type = _content_type(headers)


def _as_bytes(body: bytes | str | Any | None) -> bytes | None:
    if body is None or isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body).encode()


def validate_request(
    method: str,
    url: str,
    headers: Mapping[str, str] | None = None,
    body: bytes | str | Any | None = None,
) -> None:
    """Raise :class:`SpecViolation` unless the request is one the spec allows.

    ``body`` may be bytes, text, or a JSON-able value.
    """
    spec = spec_or_skip()
    request = _SpecRequest(method, url, headers or {}, _as_bytes(body))
    try:
        spec.validate_request(request)
    except OpenAPIError as problem:
        raise SpecViolation(f"{method} {urlsplit(url).path}: {_describe(problem)}") from problem


def validate_response(
    method: str,
    url: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes | str | Any | None,
    request_body: bytes | str | Any | None = None,
) -> bool:
    """Check a response against the spec.

    Returns True when the spec declares ``status`` for this operation and the response matches
    it; False when the spec declares no such response (an unknown path or method, or a status
    like 400 or 5xx the document leaves out), so there is no schema to check against. Raises
    :class:`SpecViolation` when the spec declares the response and it does not match.
    """
    spec = spec_or_skip()
    request_headers = {"Content-Type": "application/json"} if request_body is not None else {}
    request = _SpecRequest(method, url, request_headers, _as_bytes(request_body))
    response = _SpecResponse(status, headers, _as_bytes(body) or b"")
    try:
        spec.validate_response(request, response)
    except (PathNotFound, OperationNotFound, ResponseNotFound):
        return False
    except OpenAPIError as problem:
        raise SpecViolation(
            f"{method} {urlsplit(url).path} -> {status}: {_describe(problem)}"
        ) from problem
    return True


def validate_exchange(response: httpx.Response) -> bool:
    """Validate both the request httpx sent and the response it got; as validate_response."""
    request = response.request
    validate_request(request.method, str(request.url), dict(request.headers), request.content)
    return validate_response(
        request.method,
        str(request.url),
        response.status_code,
        dict(response.headers),
        response.content,
        request_body=request.content or None,
    )


def _describe(problem: BaseException) -> str:
    """The validator's message with the schema errors it wraps (its own text omits them)."""
    details = [str(problem)]
    cause = problem.__cause__
    for error in getattr(cause, "schema_errors", ()) or ():
        details.append(
            f"  - {'/'.join(str(part) for part in error.absolute_path)}: {error.message}"
        )
    return "\n".join(details)


def is_json_error(body: bytes) -> bool:
    """Whether ``body`` is ``{"error": "<text>"}``, the form of errors the spec leaves out."""
    try:
        payload = json.loads(body)
    except ValueError:
        return False
    return (
        isinstance(payload, dict)
        and isinstance(payload.get("error"), str)
        and bool(payload["error"])
    )


def patched_document() -> dict[str, Any]:
    """A copy of the patched document, e.g. to take enum values from its schemas."""
    spec_or_skip()
    return copy.deepcopy(_patched_document(SPEC_PATH))
