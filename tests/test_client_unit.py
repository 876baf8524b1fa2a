"""The client's error mapping, retries and headers, against a recording fake transport."""

from __future__ import annotations

import asyncio
import email.utils
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from roomdesk.api.client import (
    DEFAULT_BASE_URL,
    RetryPolicy,
    WherebyClient,
    resolve_base_url,
)
from roomdesk.api.errors import (
    ConnectFailedError,
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
    ServerError,
)
from roomdesk.api.requests import Field, MeetingRequest
from roomdesk.api.scheduler import RateLimitScheduler
from tests.samples import MEETING

KEY = "unit-test-key-7f3a9c"


class FakeServer:
    """Answers with scripted responses (or exceptions) and records every request."""

    def __init__(self, *answers: httpx.Response | Exception | Callable) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if callable(answer) and not isinstance(answer, httpx.Response):
            answer = answer(request)
        if isinstance(answer, Exception):
            raise answer
        return answer


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make_client(server: FakeServer, sleeps: Sleeps | None = None, **kwargs) -> WherebyClient:
    return WherebyClient(
        KEY,
        base_url="https://api.example.test/v1",
        transport=httpx.MockTransport(server),
        sleep=sleeps or Sleeps(),
        **kwargs,
    )


def run(coro):
    return asyncio.run(coro)


def future_request(**options) -> MeetingRequest:
    return MeetingRequest(end_date=datetime.now(UTC) + timedelta(hours=1), **options)


async def call_and_close(client: WherebyClient, coro_factory):
    async with client:
        return await coro_factory(client)


def test_requests_carry_auth_user_agent_and_json_body():
    server = FakeServer(httpx.Response(201, json=MEETING))
    client = make_client(server)
    meeting = run(call_and_close(client, lambda c: c.create_meeting(future_request())))
    assert meeting.meeting_id == "42"
    sent = server.requests[0]
    assert sent.method == "POST"
    assert sent.url.path == "/v1/meetings"
    assert sent.headers["Authorization"] == f"Bearer {KEY}"
    assert sent.headers["User-Agent"].startswith("roomdesk/")
    assert json.loads(sent.content)["endDate"].endswith("Z")


def test_a_client_closed_before_any_request_stays_closed():
    server = FakeServer(httpx.Response(200, json={"results": [], "cursor": None}))
    client = make_client(server)
    assert not client.closed
    run(client.aclose())
    assert client.closed
    with pytest.raises(RuntimeError, match="closed"):
        run(client.list_meetings_page())
    assert server.requests == []


def test_a_closed_client_that_has_sent_refuses_further_requests():
    server = FakeServer(httpx.Response(200, json={"results": [], "cursor": None}))
    client = make_client(server)
    run(call_and_close(client, lambda c: c.list_meetings_page()))
    assert client.closed and len(server.requests) == 1
    with pytest.raises(RuntimeError):
        run(client.list_meetings_page())
    assert len(server.requests) == 1


def test_fields_use_form_style_and_prefix_filter():
    server = FakeServer(httpx.Response(200, json={"results": [MEETING], "cursor": None}))
    client = make_client(server)
    run(
        call_and_close(
            client,
            lambda c: c.list_meetings_page(
                limit=10,
                fields=[Field.VIEWER_ROOM_URL, Field.HOST_ROOM_URL],
                room_name_prefix="team",
            ),
        )
    )
    query = server.requests[0].url.params
    assert query["fields"] == "hostRoomUrl,viewerRoomUrl"
    assert query["roomName[startsWith]"] == "/team"
    assert query["limit"] == "10"


def test_iteration_follows_cursor_and_stops_on_null_or_empty():
    pages = iter(
        [
            {"results": [dict(MEETING, meetingId="1")], "cursor": "c1"},
            {"results": [dict(MEETING, meetingId="2")], "cursor": "c2"},
            {"results": [dict(MEETING, meetingId="3")], "cursor": ""},
        ]
    )
    server = FakeServer(lambda request: httpx.Response(200, json=next(pages)))

    async def collect(client):
        return [m.meeting_id async for m in client.iter_meetings()]

    assert run(call_and_close(make_client(server), collect)) == ["1", "2", "3"]
    assert [r.url.params.get("cursor") for r in server.requests] == [None, "c1", "c2"]


def test_repeated_cursor_is_reported_not_looped_forever():
    server = FakeServer(httpx.Response(200, json={"results": [], "cursor": "same"}))

    async def collect(client):
        return [m async for m in client.iter_meetings()]

    with pytest.raises(MalformedResponseError, match="same page cursor"):
        run(call_and_close(make_client(server), collect))


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, InvalidApiKeyError),
        (403, ForbiddenError),
        (404, NotFoundError),
        (400, RequestRejectedError),
        (422, RequestRejectedError),
    ],
)
def test_statuses_map_to_typed_errors(status, error):
    server = FakeServer(httpx.Response(status, json={"error": "endDate must be in the future"}))
    with pytest.raises(error) as caught:
        run(call_and_close(make_client(server), lambda c: c.get_meeting("42")))
    assert KEY not in str(caught.value)
    if status == 400:
        assert "endDate must be in the future" in str(caught.value)
        assert caught.value.server_text == "endDate must be in the future"


def test_server_text_is_redacted():
    body = {"error": f"bad token Bearer {KEY} for https://x.whereby.com/r?roomKey=secretroomkey"}
    server = FakeServer(httpx.Response(400, json=body))
    with pytest.raises(RequestRejectedError) as caught:
        run(call_and_close(make_client(server), lambda c: c.get_meeting("42")))
    assert KEY not in str(caught.value)
    assert "secretroomkey" not in str(caught.value)


def test_get_retries_5xx_then_succeeds():
    server = FakeServer(httpx.Response(503), httpx.Response(502), httpx.Response(200, json=MEETING))
    sleeps = Sleeps()
    meeting = run(call_and_close(make_client(server, sleeps), lambda c: c.get_meeting("42")))
    assert meeting.meeting_id == "42"
    assert len(server.requests) == 3
    assert len(sleeps.waits) == 2


def test_retries_are_bounded():
    server = FakeServer(httpx.Response(500))
    with pytest.raises(ServerError):
        run(
            call_and_close(
                make_client(server, retry=RetryPolicy(max_attempts=3)),
                lambda c: c.get_meeting("42"),
            )
        )
    assert len(server.requests) == 3


def test_total_time_bounds_rate_limit_waits():
    server = FakeServer(httpx.Response(429, headers={"Retry-After": "120"}))
    with pytest.raises(RateLimitedError) as caught:
        run(
            call_and_close(
                make_client(server, retry=RetryPolicy(total_seconds=60)),
                lambda c: c.get_meeting("42"),
            )
        )
    assert caught.value.retry_after == 120
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        ({"Retry-After": "7"}, {}, 7.0),
        ({}, {"error": "x", "data": {"msLeft": 2500}}, 2.5),
        ({}, {"error": "x", "data": {"ms_left": 1500}}, 1.5),
    ],
)
def test_rate_limit_wait_sources(headers, body, expected):
    server = FakeServer(
        httpx.Response(429, headers=headers, json=body), httpx.Response(200, json=MEETING)
    )
    sleeps = Sleeps()
    run(call_and_close(make_client(server, sleeps), lambda c: c.get_meeting("42")))
    assert sleeps.waits[0] >= expected
    assert sleeps.waits[0] < expected + 1


def test_rate_limit_wait_from_reset_date():
    reset = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    server = FakeServer(httpx.Response(429, headers={"X-RateLimit-Reset": reset}))
    with pytest.raises(RateLimitedError) as caught:
        run(
            call_and_close(
                make_client(server, retry=RetryPolicy(max_attempts=1)),
                lambda c: c.get_meeting("42"),
            )
        )
    assert 25 <= caught.value.retry_after <= 30


def test_post_is_retried_after_429_and_connect_failure_only():
    server = FakeServer(
        httpx.Response(429, headers={"Retry-After": "1"}),
        httpx.ConnectError("refused"),
        httpx.Response(201, json=MEETING),
    )
    run(call_and_close(make_client(server), lambda c: c.create_meeting(future_request())))
    assert len(server.requests) == 3


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("peer closed connection"),
        httpx.ReadError("reset"),
    ],
)
def test_post_lost_answer_is_reported_as_maybe_created(failure):
    server = FakeServer(failure, httpx.Response(201, json=MEETING))
    with pytest.raises(CreateOutcomeUnknownError, match="may have been created"):
        run(call_and_close(make_client(server), lambda c: c.create_meeting(future_request())))
    assert len(server.requests) == 1


def test_post_5xx_is_not_repeated():
    server = FakeServer(httpx.Response(500), httpx.Response(201, json=MEETING))
    with pytest.raises(ServerError, match="may have been created"):
        run(call_and_close(make_client(server), lambda c: c.create_meeting(future_request())))
    assert len(server.requests) == 1


def test_get_retries_dropped_connection():
    server = FakeServer(httpx.RemoteProtocolError("dropped"), httpx.Response(200, json=MEETING))
    meeting = run(call_and_close(make_client(server), lambda c: c.get_meeting("42")))
    assert meeting.meeting_id == "42"


def test_connect_failure_after_retries_is_network_error():
    server = FakeServer(httpx.ConnectError("Name or service not known"))
    with pytest.raises(ConnectFailedError, match="Could not connect"):
        run(
            call_and_close(
                make_client(server, retry=RetryPolicy(max_attempts=2)),
                lambda c: c.get_meeting("42"),
            )
        )
    assert len(server.requests) == 2


def test_delete_404_counts_as_gone():
    server = FakeServer(httpx.Response(404))
    assert run(call_and_close(make_client(server), lambda c: c.delete_meeting("42"))) is False
    server = FakeServer(httpx.Response(204))
    assert run(call_and_close(make_client(server), lambda c: c.delete_meeting("42"))) is True
    assert server.requests[0].method == "DELETE"


def test_a_meeting_id_goes_into_its_path_as_it_is():
    server = FakeServer(httpx.Response(204))
    run(call_and_close(make_client(server), lambda c: c.delete_meeting("a-1_b.c~d")))
    assert server.requests[0].url.raw_path == b"/v1/meetings/a-1_b.c~d"


@pytest.mark.parametrize("meeting_id", ["", " ", ".", "..", "a/b?c", "../..", "1 2", "%2e"])
@pytest.mark.parametrize("call", ["get_meeting", "delete_meeting"])
def test_a_meeting_id_that_would_leave_its_path_is_refused_before_sending(meeting_id, call):
    server = FakeServer(httpx.Response(204))
    with pytest.raises(RequestValidationError, match="meetingId"):
        run(call_and_close(make_client(server), lambda c: getattr(c, call)(meeting_id)))
    assert server.requests == []


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b'{"meetingId": "1"}', b'{"meetingId": "1", "roomUrl": 5}'],
)
def test_malformed_bodies_are_typed_errors(body):
    server = FakeServer(httpx.Response(200, content=body))
    with pytest.raises(MalformedResponseError):
        run(call_and_close(make_client(server), lambda c: c.get_meeting("42")))


def test_rate_limit_headers_are_exposed_after_every_call():
    seen = []
    server = FakeServer(
        httpx.Response(
            200, json=MEETING, headers={"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "97"}
        )
    )
    client = make_client(server, on_rate_limit=seen.append)
    run(call_and_close(client, lambda c: c.get_meeting("42")))
    assert (client.rate_limit.limit, client.rate_limit.remaining) == (100, 97)
    assert seen == [client.rate_limit]


def test_invalid_request_is_refused_before_sending():
    server = FakeServer(httpx.Response(201, json=MEETING))
    past = MeetingRequest(end_date=datetime.now(UTC) - timedelta(minutes=5))
    with pytest.raises(RequestValidationError, match="endDate"):
        run(call_and_close(make_client(server), lambda c: c.create_meeting(past)))
    assert server.requests == []


def test_limit_is_validated():
    server = FakeServer(httpx.Response(200, json={"results": [], "cursor": None}))
    with pytest.raises(RequestValidationError, match="limit"):
        run(call_and_close(make_client(server), lambda c: c.list_meetings_page(limit=101)))


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://api.whereby.dev/v1", True),
        ("http://127.0.0.1:8000/v1", True),
        ("http://localhost:8000/v1", True),
        ("http://[::1]:8000/v1", True),
        ("http://api.whereby.dev/v1", False),
        ("http://192.168.1.5/v1", False),
        ("ftp://example.com", False),
        ("https://user:pw@api.whereby.dev/v1", False),
        ("not a url", False),
    ],
)
def test_base_url_rules(url, ok):
    if ok:
        assert resolve_base_url(url) == url
    else:
        with pytest.raises(InvalidBaseUrlError):
            resolve_base_url(url)


def test_base_url_from_environment(monkeypatch):
    monkeypatch.delenv("ROOMDESK_API_URL", raising=False)
    assert resolve_base_url() == DEFAULT_BASE_URL
    monkeypatch.setenv("ROOMDESK_API_URL", "http://127.0.0.1:9/v1/")
    assert resolve_base_url() == "http://127.0.0.1:9/v1"


def test_client_repr_hides_key():
    client = make_client(FakeServer(httpx.Response(204)))
    assert KEY not in repr(client)
    run(client.aclose())


def test_empty_key_is_refused():
    with pytest.raises(InvalidApiKeyError):
        WherebyClient("  ")


def test_network_error_is_base_of_transport_failures():
    assert issubclass(CreateOutcomeUnknownError, NetworkError)
    assert issubclass(ConnectFailedError, NetworkError)


# --- the rate-limit scheduler in the client ---


def limited(remaining: int, limit: int = 1) -> httpx.Response:
    headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining)}
    return httpx.Response(200, json=MEETING, headers=headers)


def test_time_queued_for_the_budget_does_not_count_as_retrying():
    # One point per 0.3 s: each call after the first waits about 0.3 s (real time) in the queue,
    # longer than the whole retry allowance, and still gets its retry after a 503.
    server = FakeServer(limited(0), httpx.Response(503), limited(0))
    client = make_client(
        server,
        retry=RetryPolicy(base_delay=0.01, max_delay=0.02, total_seconds=0.2),
        scheduler=RateLimitScheduler(window_seconds=0.3),
    )

    async def twice(c):
        await c.get_meeting("42")
        return await c.get_meeting("42")

    assert run(call_and_close(client, twice)).meeting_id == "42"
    assert [r.url.path for r in server.requests] == ["/v1/meetings/42"] * 3


def test_a_429_holds_every_request_of_the_account_not_only_its_own_retry():
    server = FakeServer(httpx.Response(429, headers={"Retry-After": "30"}), limited(99, limit=100))
    sleeps = Sleeps()
    client = make_client(server, sleeps)

    async def scenario(c):
        first = asyncio.ensure_future(c.get_meeting("42"))
        await asyncio.sleep(0)
        second = asyncio.ensure_future(c.get_meeting("43"))
        await asyncio.wait_for(asyncio.gather(first, second), 1)
        return c.scheduler

    scheduler = run(call_and_close(client, scenario))
    # The other call waited out the pause too, behind the throttled call's retry.
    paths = [request.url.path for request in server.requests]
    assert paths == ["/v1/meetings/42", "/v1/meetings/42", "/v1/meetings/43"]
    assert len(sleeps.waits) == 1 and 30 <= sleeps.waits[0] < 31  # one pause for both
    assert scheduler.queued == 0


def test_a_refused_connection_costs_no_points():
    server = FakeServer(httpx.ConnectError("refused"), httpx.Response(200, json=MEETING))
    client = make_client(server)
    run(call_and_close(client, lambda c: c.get_meeting("42")))
    assert len(server.requests) == 2
    assert client.scheduler.available == 98 - 1  # assumed budget less reserve, one GET spent


def test_clients_of_one_account_can_share_a_scheduler():
    shared = RateLimitScheduler()
    one = make_client(FakeServer(httpx.Response(204)), scheduler=shared)
    two = make_client(FakeServer(httpx.Response(204)), scheduler=shared)
    assert one.scheduler is two.scheduler is shared
    own = make_client(FakeServer(httpx.Response(204)))
    assert own.scheduler is not shared
    for client in (one, two, own):
        run(client.aclose())


# --- what a server may ask for ---

LONG_NUMBER = re.compile(r"\d{6,}")
FAR_FUTURE = "Fri, 31 Dec 9999 23:59:59 GMT"


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"Retry-After": "1e308"}, {}),
        ({"Retry-After": "inf"}, {}),
        ({"Retry-After": "9" * 400}, {}),
        ({"Retry-After": FAR_FUTURE}, {}),
        ({"X-RateLimit-Reset": FAR_FUTURE}, {}),
        ({}, {"data": {"msLeft": 10**400}}),
        ({}, {"data": {"msLeft": 1e300}}),
    ],
)
def test_an_endless_wait_fails_at_once_in_words(headers, body):
    server = FakeServer(httpx.Response(429, headers=headers, content=json.dumps(body).encode()))
    sleeps = Sleeps()
    with pytest.raises(RateLimitedError) as caught:
        run(call_and_close(make_client(server, sleeps), lambda c: c.get_meeting("42")))
    assert len(server.requests) == 1 and sleeps.waits == []
    assert "a day or more" in str(caught.value)
    assert not LONG_NUMBER.search(str(caught.value))
    assert caught.value.retry_after == 24 * 3600


@pytest.mark.parametrize(
    ("seconds", "words"), [("7", "7 s"), ("1500", "about 25 min"), ("10800", "about 3 h")]
)
def test_a_long_wait_is_shown_in_readable_units(seconds, words):
    server = FakeServer(httpx.Response(429, headers={"Retry-After": seconds}))
    with pytest.raises(RateLimitedError, match=f"wait {words}"):
        run(
            call_and_close(
                make_client(server, retry=RetryPolicy(max_attempts=1)),
                lambda c: c.get_meeting("42"),
            )
        )


@pytest.mark.parametrize("value", ["-5", "-inf", "nan", "1e-400"])
def test_a_negative_or_meaningless_wait_is_no_wait(value):
    server = FakeServer(
        httpx.Response(429, headers={"Retry-After": value}), httpx.Response(200, json=MEETING)
    )
    sleeps = Sleeps()
    run(call_and_close(make_client(server, sleeps), lambda c: c.get_meeting("42")))
    assert len(server.requests) == 2
    assert 0 <= sleeps.waits[0] < 1


@pytest.mark.parametrize("value", ["1e300", "-1e300", "nan", "inf", "9" * 5000, "-3"])
def test_absurd_rate_limit_figures_are_not_shown_or_believed(value):
    headers = {"X-RateLimit-Limit": value, "X-RateLimit-Remaining": value}
    server = FakeServer(httpx.Response(200, json=MEETING, headers=headers))
    client = make_client(server)
    run(call_and_close(client, lambda c: c.get_meeting("42")))
    assert client.rate_limit.describe() == "rate limit unknown"
    assert client.scheduler.budget == 100


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0.2, "1 s"),
        (30, "30 s"),
        (99.5, "100 s"),
        (120, "about 2 min"),
        (5400, "about 2 h"),
        (86_400, "a day or more"),
        (1e308, "a day or more"),
        (float("inf"), "a day or more"),
    ],
)
def test_a_wait_is_said_in_words_never_in_a_long_number(seconds, words):
    from roomdesk.api.errors import wait_in_words
    from roomdesk.ui.key_feedback import describe_key_failure

    assert wait_in_words(seconds) == words
    error = RateLimitedError("Whereby's rate limit was reached.", retry_after=seconds)
    assert describe_key_failure(error).endswith(f"Try again in {words}.")
