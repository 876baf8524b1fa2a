"""The emulated REST surface: routing, authentication, the point budget and the JSON answers.

Transport-free: :meth:`MeetingsApi.handle` takes a parsed request and returns a :class:`Reply`.
"""

from __future__ import annotations

import hmac
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import parse_qs, unquote, urlsplit

from roomdesk.emulator.clock import later
from roomdesk.emulator.listing import single_value
from roomdesk.emulator.meetings import LINK_FIELDS, BadRequest, MeetingBook
from roomdesk.emulator.ratelimit import POINTS_PER_METHOD, PointBudget
from roomdesk.emulator.storage import STORAGE_PREFIX, BodyStream, Storage

if TYPE_CHECKING:
    from roomdesk.emulator.media_routes import MediaApi

API_PREFIX = "/v1"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
THROTTLE_MESSAGE = "Rate limit active for throttle key: organization:1"
_MEETING_PATH = re.compile(rf"{API_PREFIX}/meetings/([^/]+)")
# Far deeper than any create body (recording.destination.bucket is three levels), and shallow
# enough that copying or walking a body can never exhaust the interpreter's recursion limit.
MAX_JSON_DEPTH = 32
# The methods HTTP defines. Others are ones this server does not implement at all (501); these
# are answered 405 on the API's paths that do not take them.
HTTP_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}
)


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    stream: BodyStream | None = None  # a body made as it is sent, in place of ``body``

    def with_headers(self, *extra: tuple[str, str]) -> Reply:
        return replace(self, headers=self.headers + extra)


def json_reply(status: int, payload: Any, *headers: tuple[str, str]) -> Reply:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Reply(status, body, (("Content-Type", "application/json"), *headers))


def error_reply(status: int, message: str, *headers: tuple[str, str]) -> Reply:
    return json_reply(status, {"error": message}, *headers)


def status_error_reply(status: int) -> Reply:
    """A JSON error for an injected ``status``; no body where HTTP allows none."""
    if status < 200 or status in (HTTPStatus.NO_CONTENT, HTTPStatus.NOT_MODIFIED):
        return Reply(status)
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return error_reply(status, phrase)


def throttle_reply(limit: int, wait_seconds: float, now: datetime) -> Reply:
    # Rounding first drops float noise (0.8 s is 800 ms, not 801).
    ms_left = max(1, math.ceil(round(wait_seconds * 1000, 3)))
    reset_at = later(now.astimezone(UTC), timedelta(milliseconds=ms_left))
    if reset_at.microsecond:
        # HTTP dates have whole seconds; round up so a client waiting for it is never early.
        reset_at = later(reset_at.replace(microsecond=0), timedelta(seconds=1))
    return json_reply(
        HTTPStatus.TOO_MANY_REQUESTS,
        {"error": THROTTLE_MESSAGE, "data": {"msLeft": ms_left}},
        ("Retry-After", str(math.ceil(ms_left / 1000))),
        ("X-RateLimit-Limit", str(limit)),
        ("X-RateLimit-Remaining", "0"),
        ("X-RateLimit-Reset", format_datetime(reset_at, usegmt=True)),
    )


def split_target(target: str) -> tuple[str, dict[str, list[str]]]:
    """The path and query parameters of a request target, or BadRequest."""
    try:
        parts = urlsplit(target)
    except ValueError:  # e.g. "//[" reads as a broken IPv6 host
        raise BadRequest("the request target is not a valid path") from None
    return parts.path, parse_qs(parts.query, keep_blank_values=True)


def parse_fields(query: Mapping[str, list[str]]) -> frozenset[str]:
    """``fields`` as the spec sends it (``a,b``, form style not exploded) or repeated."""
    names = {part.strip() for raw in query.get("fields", []) for part in raw.split(",")}
    names.discard("")
    if unknown := names - LINK_FIELDS:
        raise BadRequest(
            f'"fields" may only name {", ".join(sorted(LINK_FIELDS))}; '
            f"got {', '.join(sorted(unknown))}"
        )
    return frozenset(names)


def parse_limit(query: Mapping[str, list[str]]) -> int:
    raw = single_value(query, "limit")
    if raw is None:
        return DEFAULT_PAGE_SIZE
    try:
        limit = int(raw)
    except ValueError:
        raise BadRequest('"limit" must be a whole number') from None
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise BadRequest(f'"limit" must be between 1 and {MAX_PAGE_SIZE}')
    return limit


def _refuse_constant(name: str) -> NoReturn:
    raise BadRequest(f"the request body is not valid JSON: {name} is not a JSON value")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise BadRequest(f"the request body has a number too large to use: {text[:40]}")
    return value


def _bounded_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # more digits than Python converts
        raise BadRequest(
            f"the request body has a number too large to use: {len(text)} digits"
        ) from None


def _too_deep(value: Any) -> bool:
    """Whether ``value`` nests lists and objects more than MAX_JSON_DEPTH levels deep."""
    pending = [(value, 1)]  # a walk without recursion, so depth itself cannot break it
    while pending:
        item, depth = pending.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


def parse_json_body(body: bytes) -> Any:
    """A request body as JSON, or BadRequest saying what is wrong with it."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the request body is not UTF-8 text") from None
    too_deep = f"the request body nests more than {MAX_JSON_DEPTH} levels deep"
    try:
        value = json.loads(
            text, parse_constant=_refuse_constant, parse_float=_finite_float, parse_int=_bounded_int
        )
    except RecursionError:  # the parser's own limit, reached long before MAX_JSON_DEPTH is checked
        raise BadRequest(too_deep) from None
    except ValueError:
        raise BadRequest("the request body is not valid JSON") from None
    if _too_deep(value):
        raise BadRequest(too_deep)
    return value


@dataclass(frozen=True)
class Call:
    """One parsed request; ``headers`` has lower-cased names."""

    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    meeting_id: str = ""  # from /meetings/{meetingId}
    item_id: str = ""  # from /recordings/{recordingId} and the like


class MeetingsApi:
    def __init__(
        self,
        *,
        book: MeetingBook,
        budget: PointBudget,
        api_key: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.book = book
        self.budget = budget
        self.api_key = api_key
        # GET /meetings' roomName[startsWith] is not in Whereby's spec; this makes the list
        # behave like a service that does not know it (the whole list, paged as usual).
        self.ignore_room_name_filter = False
        self._clock = clock
        self._collection: dict[str, Callable[[Call], Reply]] = {
            "GET": self._list,
            "POST": self._create,
        }
        self._item: dict[str, Callable[[Call], Reply]] = {"GET": self._get, "DELETE": self._delete}
        # Recordings, transcriptions, summaries and insights, and the files they link to.
        self.media: MediaApi | None = None
        self.storage: Storage | None = None

    def _authorised(self, headers: Mapping[str, str]) -> bool:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        # compare_digest: the emulator should not teach clients timing-unsafe habits either.
        return scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), self.api_key.encode()
        )

    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: bytes,
    ) -> Reply:
        """Answer one request. ``headers`` has lower-cased names."""
        call = Call(method, path, query, headers, body)
        if method not in HTTP_METHODS:
            shown = method if len(method) <= 20 else f"{method[:20]}…"
            return error_reply(
                HTTPStatus.NOT_IMPLEMENTED, f"this server does not implement the method {shown}"
            )
        if self.storage is not None and path.startswith(f"{STORAGE_PREFIX}/"):
            # A file's link: the link itself is the permission, and it costs no points.
            status, file_headers, content = self.storage.serve(method, path, query, headers)
            if isinstance(content, BodyStream):
                return Reply(status, b"", file_headers, content)
            return Reply(status, content, file_headers)
        if path == f"{API_PREFIX}/meetings":
            handlers = self._collection
        elif match := _MEETING_PATH.fullmatch(path):
            handlers = self._item
            call = replace(call, meeting_id=unquote(match.group(1)))
        elif self.media is not None and (found := self.media.route(path)) is not None:
            handlers, item_id = found
            call = replace(call, item_id=item_id)
        else:
            return error_reply(HTTPStatus.NOT_FOUND, f"No such endpoint: {path}")
        handler = handlers.get(method)
        if handler is None:
            allow = ", ".join(handlers)
            return error_reply(
                HTTPStatus.METHOD_NOT_ALLOWED,
                f"{method} is not allowed here; use {allow}",
                ("Allow", allow),
            )
        if not self._authorised(headers):
            return error_reply(HTTPStatus.UNAUTHORIZED, "Access token is missing or invalid")
        charge = self.budget.charge(POINTS_PER_METHOD[method])
        if not charge.allowed:
            return throttle_reply(charge.limit, charge.wait_seconds, self._clock())
        try:
            reply = handler(call)
        except BadRequest as problem:
            reply = error_reply(HTTPStatus.BAD_REQUEST, problem.message)
        return reply.with_headers(
            ("X-RateLimit-Limit", str(charge.limit)),
            ("X-RateLimit-Remaining", str(charge.remaining)),
        )

    def _create(self, call: Call) -> Reply:
        media_type = call.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media_type != "application/json":
            return error_reply(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json"
            )
        meeting, fields = self.book.create(parse_json_body(call.body))
        return json_reply(HTTPStatus.CREATED, meeting.to_api_json(fields))

    def _list(self, call: Call) -> Reply:
        fields = parse_fields(call.query)
        prefix = None
        if not self.ignore_room_name_filter:
            prefix = single_value(call.query, "roomName[startsWith]")
        meetings, cursor = self.book.page(
            limit=parse_limit(call.query),
            cursor=single_value(call.query, "cursor"),
            room_name_prefix=prefix,
        )
        results = [meeting.to_api_json(fields) for meeting in meetings]
        return json_reply(HTTPStatus.OK, {"results": results, "cursor": cursor})

    def _get(self, call: Call) -> Reply:
        fields = parse_fields(call.query)
        meeting = self.book.get(call.meeting_id)
        if meeting is None:
            return error_reply(HTTPStatus.NOT_FOUND, "Meeting not found")
        return json_reply(HTTPStatus.OK, meeting.to_api_json(fields))

    def _delete(self, call: Call) -> Reply:
        self.book.delete(call.meeting_id)  # idempotent: unknown ids are answered the same way
        return Reply(HTTPStatus.NO_CONTENT)
