"""The async client for Whereby's meetings API.

One :class:`WherebyClient` owns one long-lived ``httpx.AsyncClient``. It validates requests before
sending, maps every failure to a typed error from :mod:`roomdesk.api.errors`, retries what is safe
to retry, and reports the server's rate-limit figures after every call. Every attempt first waits
for its points in the account's :class:`~roomdesk.api.scheduler.RateLimitScheduler`.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import math
import os
import random
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote, urlsplit

from roomdesk import __version__
from roomdesk.api.errors import (
    ApiError,
    ConnectFailedError,
    CreatedUnreadableError,
    CreateOutcomeUnknownError,
    ForbiddenError,
    InvalidApiKeyError,
    InvalidBaseUrlError,
    MalformedResponseError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    RequestRejectedError,
    RequestValidationError,
    ResponseTooLargeError,
    ServerError,
    TlsVerificationError,
    WherebyError,
    wait_in_words,
)
from roomdesk.api.models import Meeting, MeetingsPage, check_meeting_id
from roomdesk.api.paging import PagingLimits, walk_pages
from roomdesk.api.requests import Field, MeetingRequest, fields_param
from roomdesk.api.scheduler import Permit, RateLimitScheduler
from roomdesk.redact import redact

# httpx, ssl and truststore are imported lazily, with the first request (see
# WherebyClient._http), so a window starting up does not wait for them.
if TYPE_CHECKING:
    import httpx

log = logging.getLogger("roomdesk.api")

DEFAULT_BASE_URL = "https://api.whereby.dev/v1"
API_URL_ENV = "ROOMDESK_API_URL"
PAGE_LIMIT_MAX = 100
USER_AGENT = f"roomdesk/{__version__}"
# Seconds added to the server's requested wait before retrying after a 429.
RATE_LIMIT_MARGIN = 0.2

# Points each kind of call costs against the organisation's per-minute budget.
POINT_COST = {"GET": 1, "DELETE": 2, "POST": 3}
# Far above the largest real answer (a full page of meetings with every field). Past it the
# server is broken or hostile, and reading stops there rather than holding whatever it sends in
# memory.
MAX_ANSWER_BYTES = 8 * 1024 * 1024
# httpx's timeouts bound each read, not the whole answer: a server sending a byte every few
# seconds would otherwise hold a request, and its place in the rate-limit queue, for ever.
ATTEMPT_SECONDS = 30.0
# The longest wait a server's rate-limit figures are taken at. Any wait this long fails the call
# at once anyway (see RetryPolicy), and the bound keeps the number readable wherever it is shown.
MAX_WAIT_SECONDS = 24 * 3600.0
# More points a minute than any plan has: a larger X-RateLimit figure is garbage, not a budget.
MAX_POINTS = 1_000_000
# Query parameters in the spec's form style without explode: one value, items split by commas.
COMMA_SEPARATED_PARAMS = frozenset({"fields"})


@dataclass(frozen=True)
class Subject:
    """What a call is about: the words of its failures, and whether a POST of it may be sent
    again (one that makes something may not: it may have made it already)."""

    noun: str = "meeting"
    request: str = "the create request"  # what was sent, in a lost answer's message
    missing: str = "it may have been deleted or expired."
    # Said when a POST's answer was lost, and when Whereby failed answering one.
    maybe_made: str = "the room may have been created"
    check_first: str = "Refresh the list before trying again."
    # A 2xx whose body could not be read; ``{reason}`` says why.
    unreadable: str = (
        "The room was created, but its details could not be read ({reason}); "
        "the next refresh will add it."
    )
    repeatable: bool = False  # a POST that does the same however often it is sent


MEETINGS = Subject()


class SecretKey(Protocol):
    def reveal(self) -> str: ...


def _is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def resolve_base_url(configured: str | None = None) -> str:
    """The API base URL: ``configured``, else ``ROOMDESK_API_URL``, else Whereby's.

    Plain ``http://`` is accepted only for a loopback host (the emulator); anything else must be
    ``https://`` so the key never crosses a network unencrypted.
    """
    raw = (configured or os.environ.get(API_URL_ENV) or DEFAULT_BASE_URL).strip()
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidBaseUrlError(
            f"API address {raw!r} is not an http(s) URL (expected e.g. {DEFAULT_BASE_URL})"
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise InvalidBaseUrlError(
            f"API address {raw!r} uses plain http; only https is allowed "
            "except for a local emulator on 127.0.0.1 or localhost"
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise InvalidBaseUrlError(
            f"API address {redact(raw)!r} must not carry a query, fragment or credentials"
        )
    return raw.rstrip("/")


@dataclass(frozen=True)
class RateLimitStatus:
    """The server's last word on the point budget (``X-RateLimit-*``)."""

    limit: int | None
    remaining: int | None
    reset_at: datetime | None

    def describe(self) -> str:
        if self.limit is None or self.remaining is None:
            return "rate limit unknown"
        return f"{self.remaining}/{self.limit} points left this minute"


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. ``total_seconds`` bounds the attempts and the waits between them.

    Time spent queued in the rate-limit scheduler does not count: a batch behind the budget, or
    behind another call's 429 pause, is not failing, just waiting its turn. Only a call's own
    429 wait counts, so a pause of a minute or more fails that one call with a clear message.
    """

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    total_seconds: float = 60.0


@dataclass(frozen=True)
class TransportLimits:
    """Bounds on one attempt: the answer's size once decoded, and the time from connecting to
    the answer's last byte. The defaults are far above what a real answer needs."""

    max_answer_bytes: int = MAX_ANSWER_BYTES
    attempt_seconds: float = ATTEMPT_SECONDS


def _size_text(size: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


def _bounded_wait(seconds: float) -> float | None:
    """A wait the server asked for, within [0, a day]; None when it is no number at all."""
    if math.isnan(seconds):
        return None
    return min(max(0.0, seconds), MAX_WAIT_SECONDS)


def _query_string(params: Mapping[str, Any]) -> str:
    """Every name and value percent-encoded in full, except the commas between the items of a
    comma-separated parameter: ``fields=hostRoomUrl,viewerRoomUrl``, as the spec's form style
    asks. A cursor is the server's text and may hold anything, so it is encoded whole."""
    parts = []
    for name, value in params.items():
        if name in COMMA_SEPARATED_PARAMS:
            encoded = ",".join(quote(item, safe="") for item in str(value).split(","))
        else:
            encoded = quote(str(value), safe="")
        parts.append(f"{quote(name, safe='')}={encoded}")
    return "&".join(parts)


def _header_int(headers: httpx.Headers, name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return int(number) if 0 <= number <= MAX_POINTS else None


def _parse_reset(value: str | None) -> datetime | None:
    """``X-RateLimit-Reset`` as a UTC datetime: accepts an HTTP date, ISO 8601 or epoch seconds."""
    if not value:
        return None
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        pass
    else:
        # Large numbers are epoch seconds (or milliseconds); small ones are seconds from now.
        # Values beyond what a datetime holds mean nothing usable, like text that is no date.
        try:
            if number > 1e12:
                return datetime.fromtimestamp(number / 1000, UTC)
            if number > 1e9:
                return datetime.fromtimestamp(number, UTC)
            return datetime.fromtimestamp(time.time() + number, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    import email.utils

    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _rate_limit_wait(response: httpx.Response, body: Any) -> float | None:
    """Seconds the server asked us to wait after a 429, from the first source that says."""
    retry_after = response.headers.get("Retry-After")
    if retry_after:
        try:
            seconds = float(retry_after)
        except ValueError:
            when = _parse_reset(retry_after)
            if when is not None:
                return _bounded_wait((when - datetime.now(UTC)).total_seconds())
        else:
            wait = _bounded_wait(seconds)
            if wait is not None:
                return wait
    if isinstance(body, Mapping) and isinstance(body.get("data"), Mapping):
        data = body["data"]
        for key in ("msLeft", "ms_left"):
            value = data.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                try:
                    seconds = value / 1000
                except OverflowError:  # an int too large for a float
                    seconds = math.inf
                wait = _bounded_wait(seconds)
                if wait is not None:
                    return wait
    reset = _parse_reset(response.headers.get("X-RateLimit-Reset"))
    if reset is not None:
        return _bounded_wait((reset - datetime.now(UTC)).total_seconds())
    return None


def _server_text(content: bytes, body: Any) -> str:
    if isinstance(body, Mapping):
        for key in ("error", "message", "detail"):
            text = body.get(key)
            if isinstance(text, str) and text.strip():
                return text.strip()[:300]
    return content[:1200].decode("utf-8", "replace").strip()[:300]


def _parse_json(content: bytes) -> Any:
    """The body as JSON; None when empty. MalformedResponseError for anything else.

    ``json.loads`` also refuses integers of more than 4300 digits (ValueError) and nesting
    deeper than the interpreter's stack (RecursionError): both are answers no API sends.
    """
    if not content:
        return None
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        raise MalformedResponseError("the answer is not JSON") from None


class _BoundedBody:
    """An answer's body as it arrives, decoded from gzip or deflate, refused past ``cap`` bytes.

    zlib is only asked for the room left under the cap, so a small compressed answer cannot
    unfold into gigabytes in memory (httpx's own decoding has no such bound).
    """

    def __init__(self, content_encoding: str | None, cap: int) -> None:
        self._cap = cap
        self._data = bytearray()
        coding = (content_encoding or "").strip().lower()
        if coding in ("", "identity"):
            self._inflater = None
        elif coding in ("gzip", "x-gzip", "deflate"):
            # 32 + MAX_WBITS reads whichever header comes first, gzip's or zlib's.
            self._inflater = zlib.decompressobj(32 + zlib.MAX_WBITS)
        else:
            raise MalformedResponseError(
                f"the answer is compressed as {coding[:40]!r}, which was not asked for"
            )

    def add(self, chunk: bytes) -> None:
        if self._inflater is None:
            self._data += chunk
        else:
            try:
                self._data += self._inflater.decompress(chunk, self._cap + 1 - len(self._data))
            except zlib.error:
                raise MalformedResponseError("the answer's compression is broken") from None
        if len(self._data) > self._cap:
            raise ResponseTooLargeError(self.too_large(self._cap))

    def content(self) -> bytes:
        if self._inflater is not None and self._data and not self._inflater.eof:
            raise MalformedResponseError("the answer's compressed data ends early")
        return bytes(self._data)

    @staticmethod
    def too_large(cap: int) -> str:
        return f"the answer is larger than {_size_text(cap)}, far more than any real answer"


async def _read_into(body: _BoundedBody, response: httpx.Response) -> None:
    """Stream ``response`` into ``body``; when ``body`` refuses more, close the connection.

    httpx reads through a chain of async generators, and leaving them mid-way would leave them
    to the garbage collector, which (qasync sets no async generator hooks) cannot close them
    cleanly. So the connection is closed first, and the chain then ends by itself, at once,
    with a read error on the closed connection.
    """
    import httpx

    chunks = response.aiter_raw()
    try:
        async for chunk in chunks:
            body.add(chunk)
    except MalformedResponseError:
        await response.aclose()
        with contextlib.suppress(httpx.HTTPError):
            async for _chunk in chunks:
                pass
        raise


@dataclass
class _Exchange:
    """One attempt's progress: the answer's head (status and headers) once it arrived, then
    its body."""

    response: httpx.Response | None = None
    content: bytes = b""


def _is_tls_failure(exc: BaseException) -> bool:
    import ssl

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return "CERTIFICATE_VERIFY_FAILED" in str(exc)


class FileAnswer:
    """A download link's answer: its status and headers, then its body as it arrives (``async
    for chunk in answer``), undecoded. A failed read is a :class:`NetworkError` naming only
    the host, never the link."""

    def __init__(self, response: httpx.Response, host: str) -> None:
        self.status = response.status_code
        self.headers: Mapping[str, str] = response.headers
        self._response = response
        self._chunks = response.aiter_raw()
        self._host = host
        self._started = False
        self.finished = False

    def __aiter__(self) -> FileAnswer:
        return self

    async def __anext__(self) -> bytes:
        import httpx

        self._started = True
        try:
            return await anext(self._chunks)
        except StopAsyncIteration:
            self.finished = True
            raise
        except httpx.HTTPError as exc:
            self.finished = True
            reason = WherebyClient._describe(exc)
            raise NetworkError(f"The connection to {self._host} failed: {reason}.") from None

    async def close(self) -> None:
        """Close the connection; a body left mid-way is ended as :func:`_read_into` ends one."""
        import httpx

        await self._response.aclose()
        if self._started and not self.finished:
            with contextlib.suppress(httpx.HTTPError, httpx.StreamError):
                async for _chunk in self._chunks:
                    pass


class WherebyClient:
    """Async access to ``/meetings``. Use as ``async with WherebyClient(key) as client``."""

    def __init__(
        self,
        api_key: SecretKey | str,
        *,
        base_url: str | None = None,
        timeout: httpx.Timeout | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_rate_limit: Callable[[RateLimitStatus], None] | None = None,
        scheduler: RateLimitScheduler | None = None,
        limits: TransportLimits | None = None,
    ) -> None:
        """``scheduler``: share one between the clients of one account (same organisation);
        by default the client makes its own. ``RateLimitScheduler.disabled()`` turns it off.
        ``limits``: how large an answer and how long an attempt may be."""
        secret = api_key if isinstance(api_key, str) else api_key.reveal()
        if not secret or not secret.strip():
            raise InvalidApiKeyError("No API key is set. Add one with 'roomdesk-cli key set'.")
        self._secret = secret.strip()
        self.base_url = resolve_base_url(base_url)
        self.retry = retry or RetryPolicy()
        self.limits = limits or TransportLimits()
        self._sleep = sleep
        self._on_rate_limit = on_rate_limit
        self.rate_limit = RateLimitStatus(None, None, None)
        if scheduler is None:
            # An injected sleep (tests) comes without a clock: time then passes only by sleeping.
            real = sleep is asyncio.sleep
            scheduler = RateLimitScheduler() if real else RateLimitScheduler.simulated(sleep)
        self.scheduler = scheduler
        self._timeout = timeout  # None: 15 s, 5 s to connect (made with the HTTP client)
        self._transport = transport
        self._http_client: httpx.AsyncClient | None = None
        self._closed = False

    @property
    def _http(self) -> httpx.AsyncClient:
        """The one HTTP client, made for the first request: making it loads httpcore and reads
        the system's certificates, which a window that is starting need not wait for.
        """
        if self._http_client is None:
            if self._closed:
                raise RuntimeError("the Whereby client has been closed")
            import ssl

            import httpx
            import truststore

            # The OS trust store, so a corporate CA installed on the machine is honoured.
            verify = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            # A loopback API (the emulator) is never reached through a proxy: over plain http the
            # proxy would read the key. With a verify context of our own, httpx 0.28's trust_env
            # only decides whether the *_PROXY variables are read, so nothing else is lost. A
            # remote API is https, which an http proxy only tunnels (CONNECT), unread.
            loopback = _is_loopback(urlsplit(self.base_url).hostname or "")
            self._http_client = httpx.AsyncClient(
                base_url=self.base_url + "/",
                headers={
                    "Authorization": f"Bearer {self._secret}",
                    "User-Agent": USER_AGENT,
                    "Accept": "application/json",
                    # Only what _BoundedBody decodes, within the answer size cap.
                    "Accept-Encoding": "gzip, deflate",
                },
                timeout=self._timeout or httpx.Timeout(15.0, connect=5.0),
                verify=verify,
                transport=self._transport,
                follow_redirects=False,
                trust_env=not loopback,
            )
        return self._http_client

    def __repr__(self) -> str:
        return f"WherebyClient(base_url={self.base_url!r})"

    async def __aenter__(self) -> WherebyClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self._closed = True
        if self._http_client is not None:
            await self._http_client.aclose()

    @property
    def closed(self) -> bool:
        return self._closed or (self._http_client is not None and self._http_client.is_closed)

    # -- operations -----------------------------------------------------------------------------

    async def create_meeting(
        self, request: MeetingRequest, *, on_send: Callable[[], None] | None = None
    ) -> Meeting:
        """``POST /meetings``; :class:`CreateOutcomeUnknownError` when the answer was lost.

        ``on_send`` is called when the request leaves the rate-limit queue (see :meth:`call`).
        """
        request.validate()
        body = await self.call("POST", "meetings", json_body=request.to_json(), on_send=on_send)
        try:
            return Meeting.from_json(body)
        except MalformedResponseError as exc:
            raise CreatedUnreadableError(MEETINGS.unreadable.format(reason=exc)) from None

    async def get_meeting(self, meeting_id: str, fields: Iterable[Field] = ()) -> Meeting:
        params = {"fields": fields_param(fields)} if fields else None
        body = await self.call("GET", self._meeting_path(meeting_id), params=params)
        return Meeting.from_json(body)

    async def list_meetings_page(
        self,
        *,
        cursor: str | None = None,
        limit: int = PAGE_LIMIT_MAX,
        fields: Iterable[Field] = (),
        room_name_prefix: str | None = None,
    ) -> MeetingsPage:
        """One page of ``GET /meetings``; ``room_name_prefix`` filters on ``/prefix…`` names."""
        if not 1 <= limit <= PAGE_LIMIT_MAX:
            raise RequestValidationError.single(
                "limit", f"must be between 1 and {PAGE_LIMIT_MAX}, not {limit}"
            )
        params: dict[str, str | int] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        fields = tuple(fields)
        if fields:
            params["fields"] = fields_param(fields)
        if room_name_prefix:
            params["roomName[startsWith]"] = "/" + room_name_prefix.lstrip("/")
        body = await self.call("GET", "meetings", params=params)
        return MeetingsPage.from_json(body)

    async def iter_meetings(
        self,
        *,
        limit: int = PAGE_LIMIT_MAX,
        fields: Iterable[Field] = (),
        room_name_prefix: str | None = None,
        limits: PagingLimits | None = None,
    ) -> AsyncIterator[Meeting]:
        """Every meeting, following the cursor from page to page within ``limits``."""
        pages = walk_pages(
            self, page_size=limit, fields=fields, room_name_prefix=room_name_prefix, limits=limits
        )
        async with contextlib.aclosing(pages):
            async for page in pages:
                for meeting in page.meetings:
                    yield meeting

    async def delete_meeting(self, meeting_id: str) -> bool:
        """``DELETE /meetings/{id}``. True when deleted now, False when it was already gone."""
        try:
            await self.call("DELETE", self._meeting_path(meeting_id))
        except NotFoundError:
            return False
        return True

    async def check_key(self) -> RateLimitStatus:
        """The cheapest authenticated call, to tell whether the key works."""
        await self.list_meetings_page(limit=1)
        return self.rate_limit

    @contextlib.asynccontextmanager
    async def open_file(self, url: str, headers: Mapping[str, str]) -> AsyncIterator[FileAnswer]:
        """GET a download link (a recording's or transcript's access link), its body streamed.

        It shares the client's connections but not its API key: the link is signed on its own,
        and its host is not Whereby's API. Storage costs no API points, so nothing is queued.
        Failures are typed errors naming the host only: the link itself is a secret.
        """
        import httpx

        host = urlsplit(url).hostname or "the storage"
        try:
            # Anything but the raw bytes would break ranges: a resumed range counts stored bytes.
            wanted = {"Accept": "*/*", "Accept-Encoding": "identity", **headers}
            request = self._http.build_request("GET", url, headers=wanted)
            del request.headers["Authorization"]
            response = await self._http.send(request, stream=True)
        except (ImportError, ValueError):  # the proxy set in the environment, as in _attempt
            raise ConnectFailedError(
                f"Could not connect to {host}: the proxy set in the environment is not an http "
                "or https proxy."
            ) from None
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.ProxyError) as exc:
            if _is_tls_failure(exc):
                raise TlsVerificationError(
                    f"The secure connection to {host} could not be verified (TLS certificate "
                    "problem). Check the system's certificates or proxy."
                ) from None
            raise ConnectFailedError(
                f"Could not connect to {host}: {self._describe(exc)}. Check the network connection."
            ) from None
        except httpx.HTTPError as exc:
            raise NetworkError(f"The connection to {host} failed: {self._describe(exc)}.") from None
        log.debug("download from %s -> %d", host, response.status_code)
        answer = FileAnswer(response, host)
        try:
            yield answer
        finally:
            await answer.close()

    # -- transport ------------------------------------------------------------------------------

    @staticmethod
    def _meeting_path(meeting_id: str) -> str:
        """``meetings/{id}``, refusing an id that would leave that path (``.``, ``..``)."""
        check_meeting_id(meeting_id)
        return "meetings/" + quote(meeting_id, safe="")

    def _note_rate_limit(self, response: httpx.Response) -> None:
        limit = _header_int(response.headers, "X-RateLimit-Limit")
        remaining = _header_int(response.headers, "X-RateLimit-Remaining")
        if limit is None and remaining is None:
            return
        # A 429's "Remaining: 0" is handled by the pause; as a ledger figure it would hold the
        # queue a whole window, even when the refusal was brief.
        throttled = response.status_code == 429
        self.scheduler.observe(limit=limit, remaining=None if throttled else remaining)
        self.rate_limit = RateLimitStatus(
            limit=limit,
            remaining=remaining,
            reset_at=_parse_reset(response.headers.get("X-RateLimit-Reset")),
        )
        if self._on_rate_limit is not None:
            self._on_rate_limit(self.rate_limit)

    def _backoff(self, attempt: int) -> float:
        delay = min(self.retry.max_delay, self.retry.base_delay * (2.0 ** (attempt - 1)))
        return delay * random.uniform(0.5, 1.0)

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        subject: Subject = MEETINGS,
        on_send: Callable[[], None] | None = None,
    ) -> Any:
        """One call of Whereby's API (``path`` below the base URL) through this client's
        rate-limit queue, with retries and typed errors; the parsed JSON body (None for an
        empty answer). The other API modules send theirs through it too.

        Each attempt first waits in the scheduler for its points. ``retry.total_seconds`` counts
        the attempts and the waits this call asked for (a 429's wait included), not its time in
        the scheduler's queue.

        ``on_send`` is called as each attempt leaves the scheduler's queue, before anything is
        sent: until then, cancelling the call is certain to have sent nothing.
        """
        is_create = method == "POST" and not subject.repeatable
        cost = POINT_COST[method]
        counted = 0.0
        attempt = 0
        permit: Permit | None = None
        while True:
            attempt += 1
            permit = await self.scheduler.acquire(cost, retry_of=permit)
            started = time.monotonic()
            retry_wait: float | None = None
            try:
                if on_send is not None:
                    on_send()  # inside the try, so the permit is closed even if it fails
                return await self._attempt(
                    method, path, permit, params=params, json_body=json_body, subject=subject
                )
            except RateLimitedError as exc:
                # A throttled request was not processed, so even a create may be sent again.
                # The margin covers timers that fire early and clocks that differ slightly.
                failure: WherebyError = exc
                retry_wait = max(
                    (exc.retry_after or 0.0) + RATE_LIMIT_MARGIN, self._backoff(attempt)
                )
                # Holds every request of the account, this one's retry included, until then.
                permit.throttled(retry_wait)
            except (TlsVerificationError, CreateOutcomeUnknownError):
                raise
            except ConnectFailedError as exc:
                failure = exc
                retry_wait = self._backoff(attempt)
            except ResponseTooLargeError:
                raise  # no real answer is that large, so the next one would be as well
            except (ServerError, NetworkError, MalformedResponseError) as exc:
                # A create that reached the server is never repeated blindly: it may exist.
                # A read's garbled or cut answer is as passing as a dropped connection.
                if is_create:
                    raise
                failure = exc
                retry_wait = self._backoff(attempt)
            finally:
                # No-op when already closed; otherwise the request may have reached the server.
                permit.settle()
                counted += time.monotonic() - started
            if attempt >= self.retry.max_attempts:
                raise failure
            if counted + retry_wait > self.retry.total_seconds:
                raise failure
            counted += retry_wait
            log.info(
                "%s /%s failed (%s); retry %d in %.1f s",
                method,
                path,
                type(failure).__name__,
                attempt,
                retry_wait,
            )
            if not isinstance(failure, RateLimitedError):
                await self._sleep(retry_wait)

    async def _attempt(
        self,
        method: str,
        path: str,
        permit: Permit,
        *,
        params: Mapping[str, Any] | None,
        json_body: Any,
        subject: Subject = MEETINGS,
    ) -> Any:
        import httpx  # already loaded by self._http; bound here for the except clauses

        host = urlsplit(self.base_url).hostname
        try:
            http = self._http
        except (ImportError, ValueError):
            # httpx refuses a proxy from the environment it cannot use (socks, another scheme);
            # its message may quote the proxy's address with a password, so it is not shown.
            permit.refund()
            raise ConnectFailedError(
                f"Could not connect to {host}: the proxy set in the environment (HTTPS_PROXY, "
                "ALL_PROXY) is not an http or https proxy."
            ) from None
        url = path + (f"?{_query_string(params)}" if params else "")
        exchange = _Exchange()
        problem: tuple[str, WherebyError] | None = None
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.limits.attempt_seconds):
                await self._exchange(http, method, url, json_body, exchange)
        except TimeoutError:
            reason = f"no complete answer within {self.limits.attempt_seconds:g} s"
            problem = (reason, NetworkError(f"The connection to {host} failed: {reason}."))
        except (
            httpx.ConnectError,
            httpx.ConnectTimeout,
            httpx.PoolTimeout,
            httpx.ProxyError,
        ) as exc:
            # No connection (or no tunnel through the proxy): the request never left.
            permit.refund()
            if _is_tls_failure(exc):
                raise TlsVerificationError(
                    f"The secure connection to {host} could not be "
                    "verified (TLS certificate problem). Check the system's certificates or proxy."
                ) from None
            raise ConnectFailedError(
                f"Could not connect to {host}: {self._describe(exc)}. Check the network connection."
            ) from None
        except httpx.HTTPError as exc:
            reason = self._describe(exc)
            problem = (reason, NetworkError(f"The connection to {host} failed: {reason}."))
        except MalformedResponseError as exc:  # from _BoundedBody: a head arrived, then this
            status = exchange.response.status_code if exchange.response is not None else 0
            reason = str(exc)
            problem = (reason, type(exc)(f"the server answered {status}, but {reason}"))
        response = exchange.response
        if response is None:
            assert problem is not None
            reason, error = problem
            if method == "POST" and not subject.repeatable:
                raise CreateOutcomeUnknownError(
                    f"The connection failed after {subject.request} was sent ({reason}): "
                    f"{subject.maybe_made}. {subject.check_first}"
                ) from None
            raise error from None
        log.debug(
            "%s /%s -> %d in %.0f ms",
            method,
            path,
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        if response.status_code != 429:
            permit.settle()  # before the figures below, so they are compared with it booked
        self._note_rate_limit(response)
        if problem is not None:
            reason, error = problem
            if response.is_success:
                if method == "POST" and not subject.repeatable:
                    raise CreatedUnreadableError(subject.unreadable.format(reason=reason)) from None
                raise error from None
            # A refusal's status says what happened; its text is a nicety that did not come.
            exchange.content = b""
        return self._interpret(method, response, exchange.content, subject)

    async def _exchange(
        self,
        http: httpx.AsyncClient,
        method: str,
        url: str,
        json_body: Any,
        exchange: _Exchange,
    ) -> None:
        """Send the request and read its answer into ``exchange``, the body streamed under the
        size cap: a ``Content-Length`` over it is refused before anything is read."""
        request = http.build_request(method, url, json=json_body)
        response = await http.send(request, stream=True)
        try:
            exchange.response = response
            if method == "DELETE" and response.is_success:
                # The 2xx is the whole answer: the room is gone, whatever follows. An empty body
                # (the usual 204) is still read to its end: a response closed unread takes its
                # connection with it, and the next request would have to open a new one.
                if response.status_code == 204 or response.headers.get("Content-Length") == "0":
                    await response.aread()
                return
            cap = self.limits.max_answer_bytes
            declared = response.headers.get("Content-Length", "").strip()
            # Counted in digits first: int() refuses texts of more than 4300 digits.
            digits = declared.isascii() and declared.isdigit()
            if digits and (len(declared) > 18 or int(declared) > cap):
                raise ResponseTooLargeError(_BoundedBody.too_large(cap))
            if response.is_stream_consumed:
                # An answer made whole in memory (a mock transport's) is read and decoded already.
                body = _BoundedBody(None, cap)
                body.add(response.content)
            else:
                body = _BoundedBody(response.headers.get("Content-Encoding"), cap)
                await _read_into(body, response)
            exchange.content = body.content()
        finally:
            await response.aclose()

    @staticmethod
    def _describe(exc: httpx.HTTPError) -> str:
        import httpx

        if isinstance(exc, httpx.TimeoutException):
            return "no answer in time"
        if isinstance(exc, httpx.RemoteProtocolError):
            return "the server closed the connection mid-answer"
        if isinstance(exc, httpx.ProxyError):
            return "the proxy refused to connect"
        if isinstance(exc, httpx.ConnectError):
            return "connection refused or host not found"
        return type(exc).__name__

    def _interpret(
        self, method: str, response: httpx.Response, content: bytes, subject: Subject = MEETINGS
    ) -> Any:
        makes = method == "POST" and not subject.repeatable
        status = response.status_code
        if 200 <= status < 300:
            if method == "DELETE":
                return None
            try:
                return _parse_json(content)
            except MalformedResponseError:
                if makes:
                    raise CreatedUnreadableError(
                        subject.unreadable.format(reason="the answer is not JSON")
                    ) from None
                raise MalformedResponseError(
                    f"the server answered {status} with a body that is not JSON"
                ) from None
        try:
            body = _parse_json(content)
        except MalformedResponseError:
            body = None
        text = redact(_server_text(content, body), self._secret)
        if status == 401:
            raise InvalidApiKeyError(
                "The API key was refused (401). Check that it is your organisation's current "
                "key from the Whereby dashboard."
            )
        if status == 403:
            raise ForbiddenError(
                "This API key may not do that (403 Forbidden)"
                + (f": {text}" if text else ". Check the plan and the key's permissions.")
            )
        if status == 404:
            raise NotFoundError(f"No such {subject.noun} (404): {subject.missing}")
        if status == 429:
            wait = _rate_limit_wait(response, body)
            shown = f"; the server asks to wait {wait_in_words(wait)}" if wait is not None else ""
            raise RateLimitedError(f"Whereby's rate limit was reached{shown}.", retry_after=wait)
        if status >= 500:
            raise ServerError(
                f"Whereby had a problem of its own ({status})"
                + (f": {text}" if text else "")
                + (
                    f". {subject.maybe_made.capitalize()}; {subject.check_first.lower()}"
                    if makes
                    else ". Try again in a moment."
                ),
                status=status,
            )
        raise RequestRejectedError(
            f"The request was rejected ({status})" + (f": {text}" if text else "."),
            status=status,
            server_text=text,
        )


__all__ = [
    "API_URL_ENV",
    "DEFAULT_BASE_URL",
    "POINT_COST",
    "ApiError",
    "RateLimitStatus",
    "RetryPolicy",
    "TransportLimits",
    "WherebyClient",
    "resolve_base_url",
]
