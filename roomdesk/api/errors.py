"""Typed errors raised by the Whereby client, each with a message fit to show a person.

Messages never contain the API key or a room key: the client builds them from status codes and
server text only, and redacts URLs before they are quoted.
"""

from __future__ import annotations

import math

from roomdesk.domain.errors import ShownError, ValidationProblem

# The domain's classes under the names the API layer has always used, not copies: a bad local
# time found by a domain rule is caught by ``except RequestValidationError`` and
# ``except WherebyError`` like a request check's (see roomdesk.domain.errors).
# Base of every error the API layer raises on purpose.
WherebyError = ShownError
# The request is invalid; nothing was sent. ``issues`` names each field at fault.
RequestValidationError = ValidationProblem


class ApiError(WherebyError):
    """The server answered, and the answer was a refusal. ``status`` is its HTTP status."""

    status: int | None = None

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


class InvalidApiKeyError(ApiError):
    status = 401


class ForbiddenError(ApiError):
    status = 403


class FeatureNotAvailableError(ForbiddenError):
    """The account may not use this feature (session summaries are a beta for selected
    customers). An answer to show as "not available for this account", not a failure."""


class NotWherebyHostedError(ForbiddenError):
    """Whereby gives download links only for files it stores, and this one is kept in the
    organisation's own storage."""


class NotFoundError(ApiError):
    status = 404


class RequestRejectedError(ApiError):
    """A 4xx other than those above; ``server_text`` is what the server said."""

    def __init__(self, message: str, *, status: int, server_text: str = "") -> None:
        super().__init__(message, status=status)
        self.server_text = server_text


def wait_in_words(seconds: float) -> str:
    """A wait in words a person can take in ("7 s", "about 25 min"): never a long number."""
    if seconds < 100:
        return f"{math.ceil(seconds)} s"
    if seconds < 90 * 60:
        return f"about {round(seconds / 60)} min"
    if seconds < 24 * 3600:
        return f"about {round(seconds / 3600)} h"
    return "a day or more"


class RateLimitedError(ApiError):
    """429. ``retry_after`` is how long the server asked us to wait, in seconds."""

    status = 429

    def __init__(self, message: str, *, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx: the service had a problem of its own."""


class NetworkError(WherebyError):
    """No usable answer arrived: the connection, the name lookup, TLS or a timeout failed."""


class ConnectFailedError(NetworkError):
    """The connection could not be opened, so the request certainly never reached the server."""


class TlsVerificationError(NetworkError):
    """The server's certificate could not be verified; retrying will not help."""


class CreateOutcomeUnknownError(NetworkError):
    """A create request was sent but its answer was lost: the room may have been created."""


class CreatedUnreadableError(CreateOutcomeUnknownError):
    """The server said it created the room (a 2xx) but its answer could not be read.

    The room exists: the next sync finds it, so the create must never be sent again.
    """


class MalformedResponseError(WherebyError):
    """The server answered with something that is not what the API promises."""


class InvalidBaseUrlError(WherebyError):
    """The configured API address is unusable or unsafe (plain http to a remote host)."""


class ResponseTooLargeError(MalformedResponseError):
    """The answer was larger than any real one could be, so it was not read to the end."""
