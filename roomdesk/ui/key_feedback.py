"""Words for what went wrong when an API key was checked or saved."""

from __future__ import annotations

from roomdesk.api.errors import (
    ForbiddenError,
    InvalidApiKeyError,
    InvalidBaseUrlError,
    NetworkError,
    RateLimitedError,
    ServerError,
    WherebyError,
    wait_in_words,
)
from roomdesk.secrets import KeychainError


def describe_key_failure(error: BaseException) -> str:
    """A sentence for the person who just pasted a key, per kind of failure."""
    if isinstance(error, ValueError):
        return f"That does not look like an API key: {error}"
    if isinstance(error, InvalidApiKeyError):
        return (
            "Whereby refused this key. Copy it again from the Whereby dashboard "
            "(Configure → API) — the whole key, with nothing before or after it."
        )
    if isinstance(error, ForbiddenError):
        return f"Whereby accepted the key but does not allow it to manage meetings. {error}"
    if isinstance(error, RateLimitedError):
        wait = f" Try again in {wait_in_words(error.retry_after)}." if error.retry_after else ""
        return "Whereby is rate limiting this organisation right now." + wait
    if isinstance(error, NetworkError):
        return f"Could not reach Whereby to check the key. {error}"
    if isinstance(error, ServerError):
        return f"Whereby could not check the key just now. {error}"
    if isinstance(error, InvalidBaseUrlError):
        return f"The API address is not usable: {error}"
    if isinstance(error, KeychainError):
        return f"The key works, but it could not be saved in the keychain. {error}"
    if isinstance(error, WherebyError):
        return str(error)
    raise error
