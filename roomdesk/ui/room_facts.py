"""The one place the window turns a stored room into the facts of its session, for the details
pane and everything handed out from the window, so that they all agree on its start and zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from roomdesk.domain.times import get_zone
from roomdesk.sessions.facts import SessionFacts, facts_for
from roomdesk.store import StoredRoom
from roomdesk.ui.app_settings import AppSettings


def user_zone(settings: AppSettings) -> ZoneInfo:
    """The zone the person reads times in: the list's display zone."""
    return get_zone(settings.default_zone)


def facts_of(room: StoredRoom, settings: AppSettings) -> SessionFacts:
    """``room``'s session facts: from its planned start in the zone it was planned in, or, when
    none was planned, from when it was made; a room without a zone of its own in the person's."""
    return facts_for(room, fallback_zone=user_zone(settings))
