"""Whereby's insights calls: the sessions held in a room, and who took part in each.

``InsightsClient(client)`` sends every call through ``client``, as
:class:`~roomdesk.api.recordings.RecordingsClient` does.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

from roomdesk.api.client import Subject, WherebyClient
from roomdesk.api.errors import RequestValidationError
from roomdesk.api.insight_models import (
    PARTICIPANT_SORT_FIELDS,
    ROOM_SESSION_SORT_FIELDS,
    Participant,
    RoomSession,
    parse_participants,
    parse_room_sessions,
)
from roomdesk.api.paging import PagingLimits, items_of, walk_item_pages
from roomdesk.api.parsing import (
    MAX_TEXT_LENGTH,
    PAGE_LIMIT_MAX,
    Page,
    Sort,
    check_limit,
    check_room_name,
)

ROOM = Subject(noun="room")
ROOM_SESSION = Subject(noun="room session")


def _text_param(value: str, field_name: str) -> str:
    """An id sent as a query parameter (encoded there, so any printable text is safe)."""
    if not isinstance(value, str) or not value.strip():
        raise RequestValidationError.single(field_name, "is empty")
    if len(value) > MAX_TEXT_LENGTH or not value.isprintable():
        raise RequestValidationError.single(field_name, "is not an id")
    return value


class InsightsClient:
    def __init__(self, client: WherebyClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"InsightsClient({self._client!r})"

    async def room_sessions_page(
        self,
        room_name: str,
        *,
        room_session_id: str | None = None,
        cursor: str | None = None,
        limit: int = PAGE_LIMIT_MAX,
        sort: Sort | None = None,
    ) -> Page[RoomSession]:
        """One page of ``GET /insights/room-sessions``: the sessions of the room ``room_name``
        ("/team-sync-ab12cd"), or the one session ``room_session_id`` of it."""
        params: dict[str, str | int] = {
            "roomName": check_room_name(room_name),
            "limit": check_limit(limit),
        }
        if room_session_id is not None:
            params["roomSessionId"] = _text_param(room_session_id, "roomSessionId")
        if sort is not None:
            params["sortBy"] = sort.param(ROOM_SESSION_SORT_FIELDS)
        if cursor:
            params["cursor"] = cursor
        body = await self._client.call("GET", "insights/room-sessions", params=params, subject=ROOM)
        return parse_room_sessions(body)

    def walk_room_sessions(
        self,
        room_name: str,
        *,
        sort: Sort | None = None,
        limit: int = PAGE_LIMIT_MAX,
        limits: PagingLimits | None = None,
    ) -> AsyncGenerator[Page[RoomSession]]:
        """Every page of a room's sessions; close it when leaving early."""
        check_room_name(room_name)
        check_limit(limit)
        if sort is not None:
            sort.param(ROOM_SESSION_SORT_FIELDS)

        async def fetch(cursor: str | None) -> Page[RoomSession]:
            return await self.room_sessions_page(room_name, cursor=cursor, limit=limit, sort=sort)

        return walk_item_pages(fetch, lambda item: item.room_session_id, "room session", limits)

    async def iter_room_sessions(
        self, room_name: str, **options: Any
    ) -> AsyncIterator[RoomSession]:
        async for session in items_of(self.walk_room_sessions(room_name, **options)):
            yield session

    async def participants_page(
        self,
        *,
        room_session_id: str | None = None,
        external_id: str | None = None,
        cursor: str | None = None,
        limit: int = PAGE_LIMIT_MAX,
        sort: Sort | None = None,
    ) -> Page[Participant]:
        """One page of ``GET /insights/participants``: everyone who joined the session
        ``room_session_id``, or every stay of the person who joined with ``external_id``."""
        params: dict[str, str | int] = {"limit": check_limit(limit)}
        if room_session_id is not None:
            params["roomSessionId"] = _text_param(room_session_id, "roomSessionId")
        if external_id is not None:
            params["externalId"] = _text_param(external_id, "externalId")
        if room_session_id is None and external_id is None:
            raise RequestValidationError.single(
                "roomSessionId", "or externalId is needed to say whose participants to list"
            )
        if sort is not None:
            params["sortBy"] = sort.param(PARTICIPANT_SORT_FIELDS)
        if cursor:
            params["cursor"] = cursor
        body = await self._client.call(
            "GET", "insights/participants", params=params, subject=ROOM_SESSION
        )
        return parse_participants(body)

    def walk_participants(
        self,
        *,
        room_session_id: str | None = None,
        external_id: str | None = None,
        sort: Sort | None = None,
        limit: int = PAGE_LIMIT_MAX,
        limits: PagingLimits | None = None,
    ) -> AsyncGenerator[Page[Participant]]:
        """Every page of a session's (or a person's) participants; close it when leaving early."""
        check_limit(limit)
        if room_session_id is None and external_id is None:
            raise RequestValidationError.single(
                "roomSessionId", "or externalId is needed to say whose participants to list"
            )
        if sort is not None:
            sort.param(PARTICIPANT_SORT_FIELDS)

        async def fetch(cursor: str | None) -> Page[Participant]:
            return await self.participants_page(
                room_session_id=room_session_id,
                external_id=external_id,
                cursor=cursor,
                limit=limit,
                sort=sort,
            )

        return walk_item_pages(fetch, lambda item: item.participant_id, "participant", limits)

    async def iter_participants(self, **options: Any) -> AsyncIterator[Participant]:
        async for participant in items_of(self.walk_participants(**options)):
            yield participant
