"""Reading the answers of Whereby's recordings, transcriptions, summaries and insights calls:
their fields, one by one, and their cursor-paged lists.

Pure, like :mod:`roomdesk.api.models`: no I/O, no Qt. Fields the API does not promise are
ignored; a promised field of the wrong type is :class:`MalformedResponseError`, whose message
names the field and never quotes its value (some are links that work as passwords).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, NamedTuple, NoReturn, TypeVar

from roomdesk.api.errors import MalformedResponseError, RequestValidationError
from roomdesk.api.models import follow_cursor, meeting_id_problem, parse_api_datetime

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)

# Longer than any id, name or file name the API sends; past it a text is not one of those.
MAX_TEXT_LENGTH = 1_000
# GET /recordings, /transcriptions and /summaries take 1 to 100 items a page (default 50), the
# insights calls the same bounds (default 10).
PAGE_LIMIT_MAX = 100


class FieldReader:
    """The fields of one object of an answer, each checked as it is read.

    ``kind`` names the object in messages ("recording", "room session").
    """

    __slots__ = ("_data", "kind")

    def __init__(self, data: Any, kind: str) -> None:
        if not isinstance(data, Mapping):
            raise MalformedResponseError(
                f"the server sent a {kind} as {type(data).__name__}, not an object"
            )
        self._data: Mapping[str, Any] = data
        self.kind = kind

    def fail(self, key: str, problem: str) -> NoReturn:
        raise MalformedResponseError(f"the server sent a {self.kind} whose {key} {problem}")

    def _present(self, key: str) -> Any:
        value = self._data.get(key)
        if value is None:
            self.fail(key, "is missing")
        return value

    def text(self, key: str) -> str:
        value = self._present(key)
        if not isinstance(value, str):
            self.fail(key, "is not a string")
        if len(value) > MAX_TEXT_LENGTH:
            self.fail(key, f"is longer than {MAX_TEXT_LENGTH} characters")
        return value

    def optional_text(self, key: str) -> str | None:
        return None if self._data.get(key) is None else self.text(key)

    def identifier(self, key: str) -> str:
        """An id: text (a number is taken as its digits) that is printable and not empty."""
        value = self._present(key)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.fail(key, "is not a string")
        if not value.strip() or not value.isprintable() or len(value) > MAX_TEXT_LENGTH:
            self.fail(key, "is not a usable id")
        return value

    def path_id(self, key: str) -> str:
        """An id that later calls put into a request path, by the meeting id's rule."""
        value = self.identifier(key)
        if problem := meeting_id_problem(value):
            self.fail(key, problem)
        return value

    def moment(self, key: str) -> datetime:
        return parse_api_datetime(self._present(key), f"a {self.kind}'s {key}")

    def optional_moment(self, key: str) -> datetime | None:
        return None if self._data.get(key) is None else self.moment(key)

    def amount(self, key: str) -> float:
        """A number of zero or more (an int or a float, not true or false)."""
        value = self._present(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(key, "is not a number")
        try:
            number = float(value)
        except OverflowError:  # an int too large for a float
            self.fail(key, "is too large")
        if not math.isfinite(number) or number < 0:
            self.fail(key, "is not a number of zero or more")
        return number

    def optional_amount(self, key: str) -> float | None:
        return None if self._data.get(key) is None else self.amount(key)

    def count(self, key: str) -> int:
        """A whole number of zero or more; 3.0 is taken as 3, as JSON does not tell them apart."""
        number = self.amount(key)
        if not number.is_integer():
            self.fail(key, "is not a whole number")
        return int(number)

    def choice(self, key: str, kind: type[E], unknown: E) -> E:
        """A value of ``kind``; ``unknown`` for text the API did not list when this was written,
        so that a state Whereby adds later does not hide the whole item."""
        value = self.text(key)
        try:
            return kind(value)
        except ValueError:
            return unknown

    def texts(self, key: str) -> tuple[str, ...]:
        """A list of strings; empty when absent or null."""
        value = self._data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.fail(key, "is not a list of strings")
        return tuple(value)


class SkippedItem(NamedTuple):
    """An item of a list page that could not be read, so it was left out of the page."""

    kind: str  # "recording", "participant", ...
    item_id: str | None  # its id when that could be read
    reason: str

    def describe(self) -> str:
        what = f"{self.kind} {self.item_id}" if self.item_id else f"a {self.kind}"
        return f"Skipped {what} in Whereby's list: {self.reason}."


class Page(NamedTuple, Generic[T]):
    """One page of a cursor-paged list: the items read, the next page's cursor (None after
    the last page) and the items that could not be read."""

    items: tuple[T, ...]
    cursor: str | None
    skipped: tuple[SkippedItem, ...] = ()

    def next_cursor(self, seen: set[str]) -> str | None:
        """The cursor of the next page (see :func:`roomdesk.api.models.follow_cursor`)."""
        return follow_cursor(self.cursor, seen)


def parse_page(data: Any, parse: Callable[[Any], T], *, kind: str, id_key: str) -> Page[T]:
    """A list page, ``{"results": [...], "cursor": ...}``. One bad item must not cost the
    others: it is left out and named in ``skipped``."""
    if not isinstance(data, Mapping):
        raise MalformedResponseError(f"the server sent a {kind} list that is not an object")
    results = data.get("results")
    if not isinstance(results, list):
        raise MalformedResponseError(f"the server's {kind} list has no results array")
    cursor = data.get("cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise MalformedResponseError("the server sent a cursor that is not a string")
    items: list[T] = []
    skipped: list[SkippedItem] = []
    for item in results:
        try:
            items.append(parse(item))
        except MalformedResponseError as exc:
            skipped.append(SkippedItem(kind, _readable_id(item, id_key), str(exc)))
    # The API documents null for "no more pages"; an empty string means the same.
    return Page(tuple(items), cursor or None, tuple(skipped))


def _readable_id(item: Any, id_key: str) -> str | None:
    """A skipped item's id, when it is one that may be shown."""
    if isinstance(item, Mapping):
        value = item.get(id_key)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if meeting_id_problem(value) is None:
            return str(value)
    return None


# -- request parameters ---------------------------------------------------------------------


class Sort(NamedTuple):
    """``sortBy``: a field of the list and a direction, sent as ``field:asc`` or ``field:desc``."""

    field: str
    descending: bool = False

    def param(self, allowed: tuple[str, ...]) -> str:
        """The parameter's text, or :class:`RequestValidationError` for a field the list does
        not sort by."""
        if self.field not in allowed:
            raise RequestValidationError.single(
                "sortBy", f"{self.field[:40]!r} is not one of {', '.join(allowed)}"
            )
        return f"{self.field}:{'desc' if self.descending else 'asc'}"


def check_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= PAGE_LIMIT_MAX:
        raise RequestValidationError.single(
            "limit", f"must be a whole number between 1 and {PAGE_LIMIT_MAX}, not {limit!r}"
        )
    return limit


def check_room_name(room_name: str) -> str:
    """A room's name as the API writes it, with its leading slash ("/team-sync-ab12cd"); one
    given without it gets it. :class:`RequestValidationError` for anything that is no name."""
    if not isinstance(room_name, str):
        raise RequestValidationError.single("roomName", "is not text")
    name = room_name.strip()
    if not name.strip("/"):
        raise RequestValidationError.single("roomName", "is empty")
    if len(name) > MAX_TEXT_LENGTH or not name.isprintable() or " " in name:
        raise RequestValidationError.single(
            "roomName", "is not a room name (no spaces or control characters)"
        )
    return name if name.startswith("/") else f"/{name}"
