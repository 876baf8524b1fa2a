"""Following ``GET /meetings`` (and the other cursor-paged lists) from page to page, within
bounds.

A cursor-paged list ends when the server says so, and a server that never does (a bug, or a
hostile one handing out a new cursor every time) would keep a walk going for ever. So a walk
stops with :class:`ListWalkError` past a page limit sized from what is known of the list, past a
time budget, or after several pages in a row that bring no meeting not listed before. A cursor
sent twice is refused by :meth:`MeetingsPage.next_cursor`.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

from roomdesk.api.errors import MalformedResponseError
from roomdesk.api.models import MeetingsPage
from roomdesk.api.parsing import Page

if TYPE_CHECKING:
    from roomdesk.api.client import WherebyClient
    from roomdesk.api.requests import Field


class ListWalkError(MalformedResponseError):
    """The meeting list did not end within the walk's bounds; what was read stays read."""


@dataclass(frozen=True)
class PagingLimits:
    """How far a walk of the meeting list may go.

    ``min_pages`` holds whatever the store knows (200,000 meetings at 100 a page, twice the
    largest organisation roomdesk is measured with); a store that knows more rooms raises it to
    twice its size in pages, for rooms made elsewhere since. The time budget counts waits for
    the rate limit too, which at the smallest plan's budget are most of a long walk.
    """

    min_pages: int = 2_000
    seconds: float = 30 * 60
    stale_pages: int = 5  # pages in a row with nothing new

    def max_pages(self, known_meetings: int, page_size: int) -> int:
        return max(self.min_pages, 2 * math.ceil(known_meetings / max(1, page_size)))


class _ListPage(Protocol):
    def next_cursor(self, seen: set[str]) -> str | None: ...


P = TypeVar("P", bound=_ListPage)
T = TypeVar("T")


def walk_pages(
    client: WherebyClient,
    *,
    page_size: int,
    fields: Iterable[Field] = (),
    room_name_prefix: str | None = None,
    known_meetings: int = 0,
    limits: PagingLimits | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> AsyncGenerator[MeetingsPage]:
    """Every page of the meeting list, in order; raises :class:`ListWalkError` at a bound.

    A page is yielded before the bounds are checked again, so a caller keeps every page read.
    Close the iterator when leaving early (``contextlib.aclosing``).
    """
    limits = limits or PagingLimits()
    fields = tuple(fields)

    async def fetch(cursor: str | None) -> MeetingsPage:
        return await client.list_meetings_page(
            cursor=cursor, limit=page_size, fields=fields, room_name_prefix=room_name_prefix
        )

    return walk_list(
        fetch,
        lambda page: (meeting.meeting_id for meeting in page.meetings),
        what="meeting list",
        noun="meeting",
        max_pages=limits.max_pages(known_meetings, page_size),
        limits=limits,
        clock=clock,
    )


async def walk_list(
    fetch: Callable[[str | None], Awaitable[P]],
    item_ids: Callable[[P], Iterable[str]],
    *,
    what: str,
    noun: str,
    max_pages: int | None = None,
    limits: PagingLimits | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> AsyncGenerator[P]:
    """Every page of a cursor-paged list (``fetch(cursor)``, None for the first), within
    ``limits``; as :func:`walk_pages`. ``what`` names the list ("recording list") and ``noun``
    its items in messages."""
    limits = limits or PagingLimits()
    max_pages = limits.min_pages if max_pages is None else max_pages
    started = clock()
    cursor: str | None = None
    cursors: set[str] = set()
    listed: set[str] = set()
    pages = stale = 0
    while True:
        page = await fetch(cursor)
        pages += 1
        ids = set(item_ids(page))
        stale = 0 if ids - listed else stale + 1
        listed |= ids
        yield page
        cursor = page.next_cursor(cursors)
        if cursor is None:
            return
        if stale >= limits.stale_pages:
            raise ListWalkError(
                f"Whereby's {what} went on for {stale} pages in a row without a {noun} "
                "not listed before, so it would never end."
            )
        if pages >= max_pages:
            raise ListWalkError(
                f"Whereby's {what} did not end after {pages:,} pages, far more than "
                + ("the rooms known here." if noun == "meeting" else "any real list has.")
            )
        if clock() - started > limits.seconds:
            raise ListWalkError(
                f"Whereby's {what} did not end within {limits.seconds / 60:.0f} minutes."
            )


def walk_item_pages(
    fetch: Callable[[str | None], Awaitable[Page[T]]],
    item_id: Callable[[T], str],
    noun: str,
    limits: PagingLimits | None = None,
) -> AsyncGenerator[Page[T]]:
    """:func:`walk_list` over :class:`Page` values; ``noun`` names their items."""

    def ids(page: Page[T]) -> Iterable[str]:
        return map(item_id, page.items)

    return walk_list(fetch, ids, what=f"{noun} list", noun=noun, limits=limits)


async def items_of(pages: AsyncGenerator[Page[T]]) -> AsyncGenerator[T]:
    """The items of ``pages``, in order; ``pages`` is closed however the caller leaves."""
    async with contextlib.aclosing(pages):
        async for page in pages:
            for item in page.items:
                yield item
