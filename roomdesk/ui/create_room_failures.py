"""What the create dialog says when a create fails or is cancelled."""

from __future__ import annotations

from roomdesk.api.errors import (
    CreateOutcomeUnknownError,
    ForbiddenError,
    InvalidApiKeyError,
    MalformedResponseError,
    NetworkError,
    RateLimitedError,
    RequestRejectedError,
    RequestValidationError,
    ServerError,
    TlsVerificationError,
    WherebyError,
    wait_in_words,
)
from roomdesk.store import StoreError

CANCELLED_AFTER_SEND = (
    "Cancelled — the room may still have been created; refresh the list to check."
)
CANCELLED_BEFORE_SEND = "Cancelled before the request was sent; no room was created."


def describe_failure(error: WherebyError | StoreError) -> str:
    """A headline for the kind of failure, then what the error itself says."""
    if isinstance(error, StoreError):
        # The request may have gone out before the write failed: a refresh finds the room.
        headline = (
            "roomdesk could not write to its room list. Once that is fixed, a refresh shows "
            "whether the room was made."
        )
    elif isinstance(error, InvalidApiKeyError):
        headline = "The API key was refused."
    elif isinstance(error, ForbiddenError):
        headline = "This API key may not create rooms."
    elif isinstance(error, RateLimitedError):
        wait = f" Try again in {wait_in_words(error.retry_after)}." if error.retry_after else ""
        headline = f"Too many requests: Whereby's rate limit was reached.{wait}"
    elif isinstance(error, CreateOutcomeUnknownError):
        headline = "The answer was lost: the room may have been created. Refresh the list."
    elif isinstance(error, TlsVerificationError):
        headline = "The secure connection could not be verified."
    elif isinstance(error, NetworkError):
        headline = "Whereby could not be reached."
    elif isinstance(error, ServerError):
        headline = "Whereby had a problem of its own."
    elif isinstance(error, RequestRejectedError):
        headline = "Whereby rejected the request."
    elif isinstance(error, RequestValidationError):
        headline = "The request is not valid; nothing was sent."
    elif isinstance(error, MalformedResponseError):
        headline = "Whereby answered with something unexpected."
    else:
        headline = "The room was not created."
    return f"{headline}\n{error}"
