"""Typed response models for Whereby's meetings API, and the API's dates; the requests are in
:mod:`roomdesk.api.requests`, the rules for room modes, prefixes and times in
:mod:`roomdesk.domain`.

Everything here is pure: no I/O, no Qt. Responses are parsed strictly, and anything that does
not match the API's promises becomes :class:`MalformedResponseError`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from roomdesk.api.errors import MalformedResponseError, RequestValidationError
from roomdesk.domain.times import format_utc, parse_utc

# Stands in for storage secrets and stream keys in what is kept locally.
STORED_SECRET_MASK = "********"


def parse_api_datetime(value: Any, field_name: str) -> datetime:
    """An ISO 8601 date-time from the API, as an aware UTC datetime."""
    try:
        return parse_utc(value)
    except ValueError as exc:
        raise MalformedResponseError(f"the server sent {field_name} {exc}") from None


# ---------------------------------------------------------------------------------------------
# Responses


# A meeting id goes into request paths, so it may hold only URL-unreserved characters (RFC 3986:
# letters, digits, "-", ".", "_", "~"), which need no encoding, and may not be a dot segment
# ("." or ".."), which a URL resolver would turn into the collection or the API root. Whereby's
# ids are decimal numbers; the rule leaves room for others without letting one escape its path.
MEETING_ID_MAX_LENGTH = 128
_MEETING_ID = re.compile(rf"(?!\.*\Z)[A-Za-z0-9._~-]{{1,{MEETING_ID_MAX_LENGTH}}}")

# Room links: what Whereby's API documents is https://<subdomain>.whereby.com/<room>, the host
# link with ?roomKey=… (an organisation with its own domain serves its own pages, which embed
# these links; the API still returns whereby.com). So a link is accepted only with the https
# scheme, a host that is whereby.com or one of its subdomains, no port or credentials, and
# nothing after the host that is not printable (no white space, control or format characters,
# as str.isprintable() and the space test say), so that what is stored, copied and opened is a
# Whereby room and nothing else. Letters of the scheme and host may be capitals (URLs ignore it).
_ROOM_LINK_ORIGIN = re.compile(
    r"https://(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*whereby\.com(?=[/?#]|\Z)", re.IGNORECASE
)
# Origins ("https://team.whereby.com/") of links that passed the whole check. A list page holds
# up to 300 links, nearly all on one origin: a link on a known origin needs only the cheap test of
# its characters (memoization; the regular expression costs about a microsecond a link).
_KNOWN_ORIGINS_MAX = 32
_known_origins: tuple[str, ...] = ()


def meeting_id_problem(meeting_id: object) -> str | None:
    """Why ``meeting_id`` cannot be a meeting ID (a phrase such as "is empty"), or None."""
    if not isinstance(meeting_id, str):
        return f"is {type(meeting_id).__name__}, not text"
    if _MEETING_ID.fullmatch(meeting_id):
        return None
    if not meeting_id.strip():
        return "is empty"
    if len(meeting_id) > MEETING_ID_MAX_LENGTH:
        return f"is too long ({len(meeting_id)} characters; at most {MEETING_ID_MAX_LENGTH})"
    if not meeting_id.strip("."):
        return "cannot be only dots"
    return "may only contain letters, digits, '-', '.', '_' and '~'"


def check_meeting_id(meeting_id: str) -> str:
    """``meeting_id`` itself, or :class:`RequestValidationError` before anything is sent."""
    return check_path_id(meeting_id, "meetingId")


def check_path_id(value: str, field_name: str) -> str:
    """``value`` itself when it may go into a request path by the meeting id's rule (recording,
    transcription and summary ids do too), else :class:`RequestValidationError` naming
    ``field_name`` before anything is sent."""
    if problem := meeting_id_problem(value):
        shown = f"{value[:40]!r} " if isinstance(value, str) and value else ""
        raise RequestValidationError.single(field_name, f"{shown}{problem}")
    return value


def room_link_problem(url: object) -> str | None:
    """Why ``url`` is not a Whereby room link, or None when it is (see ``_ROOM_LINK_ORIGIN``)."""
    if isinstance(url, str) and url.isprintable() and " " not in url:
        origin = _ROOM_LINK_ORIGIN.match(url)
        if origin is not None:
            _remember_origin(url, origin.end())
            return None
    return "is not an https link to a whereby.com room"


def _remember_origin(url: str, host_end: int) -> None:
    global _known_origins
    if url[host_end : host_end + 1] == "/" and len(_known_origins) < _KNOWN_ORIGINS_MAX:
        origin = url[: host_end + 1]
        if origin not in _known_origins:
            _known_origins = (*_known_origins, origin)


def _is_room_link(url: str) -> bool:
    """:func:`room_link_problem` is None, for a str; quick for a link on a known origin."""
    if url.startswith(_known_origins) and url.isprintable() and " " not in url:
        return True
    return room_link_problem(url) is None


def _optional_url(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or room_link_problem(value) is not None:
        # The value is not quoted: a host link carries the room's key.
        raise MalformedResponseError(f"the server sent a {key} that is not a Whereby room link")
    return value


class Meeting(NamedTuple):
    """A meeting as the API describes it; dates are aware and in UTC.

    An immutable record. A named tuple rather than a frozen dataclass: Python makes one in a
    single step, where a frozen dataclass sets each of its seven fields by a call of its own,
    and a list page makes 100 (a third of the time spent reading a page went into that).
    """

    meeting_id: str
    room_url: str
    end_date: datetime
    room_name: str | None = None
    start_date: datetime | None = None
    host_room_url: str | None = None
    viewer_room_url: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Meeting:
        # A list page holds 100 of these, so the usual meeting (a dict; string id and name;
        # http(s) links; dates in UTC with a Z) is checked in one expression and made at once;
        # anything else goes on to the full checks, which name the problem.
        if type(data) is dict:
            get = data.get
            meeting_id, room_url, end = get("meetingId"), get("roomUrl"), get("endDate")
            room_name, start = get("roomName"), get("startDate")
            host, viewer = get("hostRoomUrl"), get("viewerRoomUrl")
            if (
                type(meeting_id) is str
                # Whereby's ids are decimal numbers: those need no regular expression.
                and (
                    (
                        meeting_id.isdigit()
                        and meeting_id.isascii()
                        and len(meeting_id) <= MEETING_ID_MAX_LENGTH
                    )
                    or _is_meeting_id(meeting_id)
                )
                and type(room_url) is str
                and _is_room_link(room_url)
                and type(end) is str
                and (room_name is None or type(room_name) is str)
                and (start is None or type(start) is str)
                and (host is None or (type(host) is str and _is_room_link(host)))
                and (viewer is None or (type(viewer) is str and _is_room_link(viewer)))
            ):
                try:
                    end_date = _fromisoformat(end)
                    start_date = None if start is None else _fromisoformat(start)
                except ValueError:
                    pass
                else:
                    if end_date.tzinfo is UTC and (start_date is None or start_date.tzinfo is UTC):
                        return _new_meeting(
                            cls,
                            (
                                meeting_id,
                                room_url,
                                end_date,
                                room_name or None,
                                start_date,
                                host,
                                viewer,
                            ),
                        )
        return cls._checked(data)

    @classmethod
    def _checked(cls, data: Any) -> Meeting:
        """:meth:`from_json` for any meeting, each part checked on its own, so that what is
        wrong is named."""
        if not isinstance(data, Mapping):
            raise MalformedResponseError(
                f"the server sent a meeting as {type(data).__name__}, not an object"
            )
        get = data.get
        meeting_id, room_url, end = get("meetingId"), get("roomUrl"), get("endDate")
        if meeting_id is None or end is None or room_url is None:
            missing = [key for key in ("meetingId", "roomUrl", "endDate") if get(key) is None]
            raise MalformedResponseError(f"the server's meeting lacks {', '.join(missing)}")
        if not isinstance(meeting_id, str):
            if not isinstance(meeting_id, int) or isinstance(meeting_id, bool):
                raise MalformedResponseError("the server sent a meetingId that is not a string")
            meeting_id = str(meeting_id)
        if problem := meeting_id_problem(meeting_id):
            raise MalformedResponseError(
                f"the server sent meetingId {meeting_id[:40]!r}, which {problem}"
            )
        room_name = get("roomName")
        if room_name is not None and not isinstance(room_name, str):
            raise MalformedResponseError("the server sent a roomName that is not a string")
        start = get("startDate")
        return cls(
            meeting_id,
            _optional_url(data, "roomUrl") or "",
            parse_api_datetime(end, "endDate"),
            room_name or None,
            None if start is None else parse_api_datetime(start, "startDate"),
            _optional_url(data, "hostRoomUrl"),
            _optional_url(data, "viewerRoomUrl"),
        )

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "meetingId": self.meeting_id,
            "roomUrl": self.room_url,
            "endDate": format_utc(self.end_date),
        }
        if self.room_name is not None:
            body["roomName"] = self.room_name
        if self.start_date is not None:
            body["startDate"] = format_utc(self.start_date)
        if self.host_room_url is not None:
            body["hostRoomUrl"] = self.host_room_url
        if self.viewer_room_url is not None:
            body["viewerRoomUrl"] = self.viewer_room_url
        return body


# For Meeting.from_json: a tuple subclass made in one step, the usual dates' reader, and the
# id check as a bound method (a page checks 100 ids).
_new_meeting = tuple.__new__
_fromisoformat = datetime.fromisoformat
_is_meeting_id = _MEETING_ID.fullmatch


class SkippedMeeting(NamedTuple):
    """A meeting of a list page that could not be read, so it was left out of the page.

    A named tuple: this module loads before the window's first frame, and Python builds one
    several times faster than a frozen dataclass."""

    meeting_id: str | None  # its id when that could be read
    reason: str

    def describe(self) -> str:
        what = f"meeting {self.meeting_id}" if self.meeting_id else "a meeting"
        return f"Skipped {what} in Whereby's list: {self.reason}."


@dataclass(frozen=True)
class MeetingsPage:
    meetings: tuple[Meeting, ...]
    cursor: str | None
    skipped: tuple[SkippedMeeting, ...] = ()

    @classmethod
    def from_json(cls, data: Any) -> MeetingsPage:
        if not isinstance(data, Mapping):
            raise MalformedResponseError("the server sent a meeting list that is not an object")
        results = data.get("results")
        if not isinstance(results, list):
            raise MalformedResponseError("the server's meeting list has no results array")
        cursor = data.get("cursor")
        if cursor is not None and not isinstance(cursor, str):
            raise MalformedResponseError("the server sent a cursor that is not a string")
        # The API documents null for "no more pages"; an empty string means the same.
        try:
            return cls(tuple(map(Meeting.from_json, results)), cursor or None)
        except MalformedResponseError:
            pass
        # One bad meeting must not cost the others: each is read on its own, the bad left out.
        meetings: list[Meeting] = []
        skipped: list[SkippedMeeting] = []
        for item in results:
            try:
                meetings.append(Meeting.from_json(item))
            except MalformedResponseError as exc:
                skipped.append(SkippedMeeting(_readable_id(item), str(exc)))
        return cls(tuple(meetings), cursor or None, tuple(skipped))

    def next_cursor(self, seen: set[str]) -> str | None:
        """The cursor of the next page (see :func:`follow_cursor`)."""
        return follow_cursor(self.cursor, seen)


def follow_cursor(cursor: str | None, seen: set[str]) -> str | None:
    """``cursor``, added to ``seen`` (the cursors followed so far); None after the last page. A
    cursor followed before would make the walk endless: refused."""
    if cursor is None:
        return None
    if cursor in seen:
        raise MalformedResponseError(
            "the server sent the same page cursor twice; the list would never end"
        )
    seen.add(cursor)
    return cursor


def _readable_id(item: Any) -> str | None:
    """A skipped meeting's id, when it is one that may be shown and stored."""
    if isinstance(item, Mapping):
        meeting_id = item.get("meetingId")
        if isinstance(meeting_id, int) and not isinstance(meeting_id, bool):
            meeting_id = str(meeting_id)
        if meeting_id_problem(meeting_id) is None:
            return str(meeting_id)
    return None
