"""Sorted, cursor-paged lists for the emulator's recordings, transcriptions, summaries and
insights: ``sortBy``, ``limit`` and ``cursor`` as those calls take them.

A cursor holds the sort it was made for and the last item's place in it (its sort value and
creation number), so items deleted or added between pages neither repeat nor skip the others.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

from roomdesk.emulator.meetings import BadRequest

T = TypeVar("T")
SortValue = str | int | float
MAX_PAGE_SIZE = 100
_BAD_CURSOR = '"cursor" is not a cursor this API returned for this list and sort'


def single_value(query: Mapping[str, list[str]], name: str) -> str | None:
    """The query parameter ``name``, or None when absent; given twice is a bad request."""
    values = query.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise BadRequest(f'"{name}" may be given only once')
    return values[0]


def parse_sort(
    query: Mapping[str, list[str]], fields: Sequence[str], default: str
) -> tuple[str, bool]:
    """``sortBy`` as (field, descending): ``field:asc`` or ``field:desc``; ``default`` (asc)
    without one."""
    raw = single_value(query, "sortBy")
    if raw is None:
        return default, False
    field, _, direction = raw.partition(":")
    if field not in fields or direction not in ("", "asc", "desc"):
        raise BadRequest(f'"sortBy" must be one of {", ".join(fields)}, then ":asc" or ":desc"')
    return field, direction == "desc"


def parse_page_size(query: Mapping[str, list[str]], default: int) -> int:
    raw = single_value(query, "limit")
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise BadRequest(f'"limit" must be a whole number from 1 to {MAX_PAGE_SIZE}')
    return int(raw)


def _encode(sort: str, value: SortValue, sequence: int) -> str:
    text = json.dumps([sort, value, sequence], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor: str, sort: str) -> tuple[SortValue, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.b64decode(padded, altchars=b"-_", validate=True))
    except (binascii.Error, UnicodeDecodeError, ValueError, RecursionError):
        raise BadRequest(_BAD_CURSOR) from None
    if (
        not isinstance(decoded, list)
        or len(decoded) != 3
        or decoded[0] != sort
        or not isinstance(decoded[1], str | int | float)
        or isinstance(decoded[2], bool)
        or not isinstance(decoded[2], int)
    ):
        raise BadRequest(_BAD_CURSOR)
    return decoded[1], decoded[2]


def page(
    items: Iterable[T],
    *,
    value: Callable[[T], SortValue],
    sequence: Callable[[T], int],
    sort: str,
    descending: bool,
    limit: int,
    cursor: str | None,
) -> tuple[list[T], str | None]:
    """One page of ``items`` in the sort's order, and the next page's cursor (None at the end).

    ``sort`` names the sort (a cursor made for another is refused); ``value`` gives an item's
    sort value (all of one type), ``sequence`` its creation number, which breaks ties.
    """
    ordered = sorted(items, key=lambda item: (value(item), sequence(item)), reverse=descending)
    if cursor is not None:
        after = _decode(cursor, f"{sort}:{'desc' if descending else 'asc'}")
        try:
            if descending:
                ordered = [item for item in ordered if (value(item), sequence(item)) < after]
            else:
                ordered = [item for item in ordered if (value(item), sequence(item)) > after]
        except TypeError:  # a sort value of another type than this list's
            raise BadRequest(_BAD_CURSOR) from None
    found = ordered[:limit]
    if len(ordered) <= limit:
        return found, None
    last = found[-1]
    sort_text = f"{sort}:{'desc' if descending else 'asc'}"
    return found, _encode(sort_text, value(last), sequence(last))
