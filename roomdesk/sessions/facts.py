"""The facts about one room that everything handed out is made from, and the one link it shares.

A session runs in the room's own time zone. When no start was planned, the room is open from the
moment it was made, and everything made from these facts says so rather than invent a start.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple
from urllib.parse import unquote_plus, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from roomdesk.domain.rooms import TemplateType
from roomdesk.domain.series import RoomSeries
from roomdesk.domain.times import require_aware
from roomdesk.store.records import StoredRoom

# What ``SessionFacts.room_mode`` holds for a room made from Whereby's viewer-mode template: its
# participant link knocks on a locked room, so the viewer link is the one to share.
VIEWER_MODE = TemplateType.VIEWER_MODE.value


class SessionFacts(NamedTuple):
    meeting_id: str
    label: str
    notes: str
    room_url: str
    viewer_room_url: str | None
    host_room_url: str | None
    room_mode: str | None  # "normal", "group", VIEWER_MODE, or None when not known
    start: datetime  # aware
    end: datetime  # aware
    planned: bool  # False: no start was planned, so ``start`` is when the room was made
    zone: ZoneInfo  # the room's zone: times are shown and written in it
    # One room for a whole series of sessions: the series (``start`` is its first session's,
    # ``end`` still the room's); None for every other room.
    series: RoomSeries | None = None
    # The template of the preset the room was made from, when it had one of its own; None:
    # the usual one (Settings', or the default).
    invitation_template: str | None = None

    def template(self, usual: str) -> str:
        """The invitation template for this room: its own, else ``usual``."""
        return self.invitation_template or usual


def _zone(name: str | None, fallback: ZoneInfo) -> ZoneInfo:
    if not name:
        return fallback
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # A name this computer does not know (an older time zone database): times still read
        # right in the fallback zone, which says its offset alongside.
        return fallback


def facts_for(room: StoredRoom, *, fallback_zone: ZoneInfo) -> SessionFacts:
    """The facts of ``room``, starting at its planned start or, when none was planned, when the
    room was made; in the zone it was planned in, else ``fallback_zone``."""
    planned_start = room.planned_start
    planned = planned_start is not None
    start = room.created_at
    if planned_start is not None:
        start = require_aware(planned_start, "planned_start")
    # A room first recorded after it ended (found by a sync) has no earlier moment to offer; a
    # session may not end before it starts.
    start = min(start, room.end_date)
    options = room.options or {}
    viewer_mode = options.get("templateType") == VIEWER_MODE
    return SessionFacts(
        meeting_id=room.meeting_id,
        label=room.label,
        notes=room.notes,
        room_url=room.room_url,
        viewer_room_url=room.viewer_room_url,
        host_room_url=room.host_room_url,
        room_mode=VIEWER_MODE if viewer_mode else room.room_mode,
        start=start,
        end=room.end_date,
        planned=planned,
        zone=_zone(room.time_zone, fallback_zone),
        series=room.series if planned else None,
        invitation_template=room.invitation_template,
    )


def without_room_key(link: str) -> str:
    """``link`` with every ``roomKey`` query parameter removed: that key makes whoever opens the
    link a host, so nothing handed out may carry it, whatever the stored link holds."""
    parts = urlsplit(link)
    if not parts.query:
        return link
    kept = [
        item
        for item in parts.query.split("&")
        if unquote_plus(item.partition("=")[0]).strip().lower() != "roomkey"
    ]
    return urlunsplit(parts._replace(query="&".join(kept)))


def shared_link(facts: SessionFacts) -> str:
    """The link to hand out: the viewer link of a viewer-mode room, else the participant link;
    never the host link."""
    link = facts.room_url
    if facts.room_mode == VIEWER_MODE and facts.viewer_room_url:
        link = facts.viewer_room_url
    return without_room_key(link)
