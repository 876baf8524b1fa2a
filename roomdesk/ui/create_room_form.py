"""The create-room dialog's inputs as plain values, and everything derived from them.

No Qt here: the dialog reads its widgets into a :class:`CreateRoomForm`, asks it for problems,
the summary line and the request, and writes quick adjustments back. Time-zone logic is
``zoneinfo``'s, through :func:`roomdesk.api.models.resolve_local_time`, so it can be tested
without a display.
"""

from __future__ import annotations

import contextlib
import json
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from roomdesk.api.errors import RequestValidationError
from roomdesk.api.requests import (
    Field,
    MeetingRequest,
    RecordingFileFormat,
    RecordingOptions,
    RecordingTrigger,
    RecordingType,
    RoomNamePattern,
    S3AuthenticationType,
    StorageDestination,
    StorageProvider,
    StreamingOptions,
    StreamingTrigger,
    TranscriptionOptions,
    TranscriptionTrigger,
    plan_ahead_problem,
)
from roomdesk.domain.errors import (
    AmbiguousLocalTimeError,
    FieldIssue,
    LocalTimeError,
    NonexistentLocalTimeError,
)
from roomdesk.domain.rooms import RoomMode, label_problem, normalize_prefix
from roomdesk.domain.sessions import START_FIELD, default_start, resolve_start, start_problem
from roomdesk.domain.status import ROOM_GRACE_PERIOD
from roomdesk.domain.times import get_zone, minutes_text, resolve_local_time

# A new room ends this long after "now", rounded up to the next step.
DEFAULT_DURATION = timedelta(hours=1)
ROUNDING_STEP = timedelta(minutes=5)
# "End of day" is 23:55 rather than 23:59 so the end stays on the same 5-minute grid as the
# defaults; the room still lives on for the grace period after it.
END_OF_DAY = time(23, 55)
SECRET_MASK = "********"
# Shell variables the curl command refers to instead of secrets.
API_KEY_VARIABLE = "WHEREBY_API_KEY"
S3_SECRET_VARIABLE = "S3_ACCESS_KEY_SECRET"
STREAM_KEY_VARIABLE = "WHEREBY_STREAM_KEY"
VIEWER_MODE_NOTE = "Viewer mode makes a locked group room with host and viewer links."
PREVIEW_HOST = "https://<your-subdomain>.whereby.com"

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# How each field is called when a message has to name it; the model's own messages are verb
# phrases ("is required for S3 storage") meant to follow such a name.
_FIELD_TITLES = {
    "label": "The label",
    START_FIELD: "The start",
    "endDate": "The end",
    "timeZone": "The time zone",
    "roomNamePrefix": "The prefix",
    "roomNamePattern": "The name style",
    "roomMode": "The room size",
    "recording.type": "The recording type",
    "recording.startTrigger": "The recording start",
    "liveTranscription.startTrigger": "The transcription start",
    "liveTranscription.language": "The language",
    "streaming.startTrigger": "The streaming start",
    "streaming.destination.url": "The stream address",
    "provider": "The storage",
    "authenticationType": "The S3 access type",
    "bucket": "The bucket",
    "region": "The region",
    "accessKeyId": "The access key ID",
    "accessKeySecret": "The secret access key",
    "oidcRoleArn": "The role ARN",
    "fileFormat": "The file format",
}


def _require_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("an aware datetime is required for 'now'")
    return moment


def _round_up(moment: datetime, step: timedelta) -> datetime:
    """``moment`` rounded up to a whole ``step`` since the epoch (exact, no float)."""
    since_epoch = moment - _EPOCH
    steps = -(-since_epoch // step)  # ceiling division of timedeltas
    return _EPOCH + steps * step


def _offset_text(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def repeated_time_choices(wall: datetime, zone_name: str) -> list[tuple[int, str]]:
    """For a wall time that occurs twice in the zone (clocks going back): both occurrences,
    ``[(0, "first (CEST, UTC+02:00)"), (1, "second (CET, UTC+01:00)")]``; else empty."""
    try:
        zone = get_zone(zone_name)
    except RequestValidationError:
        return []
    first, second = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return []
    try:
        placed = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    except OverflowError:
        return []
    if placed != wall:
        return []  # skipped by the clocks (a gap), not repeated
    return [
        (fold, f"{word} ({moment.tzname()}, {_offset_text(moment)})")
        for fold, word, moment in ((0, "first", first), (1, "second", second))
    ]


def _day_text(day: date) -> str:
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def relative_text(end: datetime, now: datetime) -> str:
    """``in 1 h 5 min`` / ``right now`` / ``5 min ago``, counted in whole clock minutes."""
    # Counting from the start of the current minute matches what a clock on screen shows.
    start_of_minute = now.astimezone(UTC).replace(second=0, microsecond=0)
    minutes = (end.astimezone(UTC) - start_of_minute) // timedelta(minutes=1)
    if minutes > 0:
        return f"in {minutes_text(minutes)}"
    if minutes == 0:
        return "right now"
    return f"{minutes_text(-minutes)} ago"


def issue_sentence(key: str, message: str) -> str:
    """The model's message for ``key`` as a sentence that can stand next to the field."""
    if message[:1].islower():
        title = _FIELD_TITLES.get(key) or _FIELD_TITLES.get(key.rsplit(".", 1)[-1], key)
        return f"{title} {message}"
    return message[:1].upper() + message[1:]


@dataclass(frozen=True)
class FormDefaults:
    """What Settings say a new room looks like.

    ``zone_name`` is only a fallback: the dialog's own ``zone_name`` argument (the last-used
    zone, usually) wins when it names a known zone.
    """

    zone_name: str | None = None
    host_link: bool = True
    viewer_link: bool = False
    room_mode: RoomMode = RoomMode.NORMAL
    plan_start: bool = False  # whether a new room starts with a planned session


@dataclass(frozen=True)
class StorageInputs:
    """Where a recording or transcript goes, as typed; fields of the other choices are kept."""

    provider: StorageProvider = StorageProvider.WHEREBY
    authentication_type: S3AuthenticationType = S3AuthenticationType.ACCESS_KEY
    bucket: str = ""
    region: str = ""
    access_key_id: str = ""
    access_key_secret: str = ""
    oidc_role_arn: str = ""

    @property
    def is_s3(self) -> bool:
        return self.provider == StorageProvider.S3

    @property
    def uses_access_key(self) -> bool:
        return self.is_s3 and self.authentication_type == S3AuthenticationType.ACCESS_KEY

    @property
    def uses_role(self) -> bool:
        return self.is_s3 and self.authentication_type == S3AuthenticationType.ROLE_BASED

    def destination(self, file_format: RecordingFileFormat | None = None) -> StorageDestination:
        return StorageDestination(
            provider=self.provider,
            authentication_type=self.authentication_type,
            bucket=self.bucket,
            region=self.region,
            access_key_id=self.access_key_id,
            access_key_secret=self.access_key_secret,
            oidc_role_arn=self.oidc_role_arn,
            file_format=file_format,
        ).only_chosen()


@dataclass(frozen=True)
class RecordingInputs:
    """``type`` NONE means recording is off: the request carries no recording section."""

    type: RecordingType = RecordingType.NONE
    storage: StorageInputs = field(default_factory=StorageInputs)
    file_format: RecordingFileFormat | None = None  # None: the service's default
    start_trigger: RecordingTrigger = RecordingTrigger.NONE

    @property
    def enabled(self) -> bool:
        return self.type != RecordingType.NONE

    @property
    def is_cloud(self) -> bool:
        return self.type == RecordingType.CLOUD

    def options(self) -> RecordingOptions | None:
        if not self.enabled:
            return None
        # A local recording is saved by the host's browser: no storage or file format.
        destination = (
            self.storage.destination(self.file_format) if self.is_cloud else StorageDestination()
        )
        return RecordingOptions(
            type=self.type, destination=destination, start_trigger=self.start_trigger
        )


@dataclass(frozen=True)
class TranscriptionInputs:
    enabled: bool = False
    storage: StorageInputs = field(default_factory=StorageInputs)
    start_trigger: TranscriptionTrigger = TranscriptionTrigger.MANUAL
    language: str | None = None  # None: the service's default
    live_captions: bool = False

    def options(self) -> TranscriptionOptions | None:
        if not self.enabled:
            return None
        return TranscriptionOptions(
            destination=self.storage.destination(),
            start_trigger=self.start_trigger,
            language=self.language or None,
            live_captions=True if self.live_captions else None,
        )


@dataclass(frozen=True)
class StreamingInputs:
    enabled: bool = False
    url: str = ""
    start_trigger: StreamingTrigger = StreamingTrigger.NONE

    def options(self) -> StreamingOptions | None:
        if not self.enabled:
            return None
        return StreamingOptions(url=self.url, start_trigger=self.start_trigger)


@dataclass(frozen=True)
class CreateRoomForm:
    """Every input of the create-room dialog.

    ``end_wall`` is a naive wall-clock time (minutes only) in the IANA zone ``zone_name``;
    ``fold`` says which of two equal wall times is meant when clocks go back (0 the first,
    1 the second) and is ignored otherwise. ``start_wall`` (with ``start_fold``) is the planned
    start in the same zone, None when no session is planned: it stays on this computer and is
    not part of the request. Link, size and lock choices are kept as the user made them even in
    viewer mode; the ``effective_*`` properties give what is sent.
    """

    end_wall: datetime
    zone_name: str
    fold: int | None = None
    start_wall: datetime | None = None
    start_fold: int | None = None
    label: str = ""
    host_link: bool = True
    viewer_link: bool = False
    room_mode: RoomMode = RoomMode.NORMAL
    prefix: str = ""
    pattern: RoomNamePattern = RoomNamePattern.UUID
    start_locked: bool = False
    viewer_mode: bool = False
    recording: RecordingInputs = field(default_factory=RecordingInputs)
    transcription: TranscriptionInputs = field(default_factory=TranscriptionInputs)
    streaming: StreamingInputs = field(default_factory=StreamingInputs)

    def __post_init__(self) -> None:
        if self.end_wall.tzinfo is not None:
            raise ValueError("end_wall is a naive wall-clock time; the zone is zone_name")
        if self.fold not in (None, 0, 1) or self.start_fold not in (None, 0, 1):
            raise ValueError("fold is 0, 1 or None")
        object.__setattr__(self, "end_wall", self.end_wall.replace(second=0, microsecond=0))
        if self.start_wall is not None:
            if self.start_wall.tzinfo is not None:
                raise ValueError("start_wall is a naive wall-clock time; the zone is zone_name")
            start_wall = self.start_wall.replace(second=0, microsecond=0)
            object.__setattr__(self, "start_wall", start_wall)

    # -- construction and quick adjustments ---------------------------------------------------

    @classmethod
    def default(
        cls, now: datetime, zone_name: str, defaults: FormDefaults | None = None
    ) -> CreateRoomForm:
        """A form ending one hour after ``now``, rounded up to the next 5 minutes, in the zone;
        with a planned start (``defaults.plan_start``), starting at the next quarter hour and
        ending an hour after that.

        Raises :class:`RequestValidationError` (field ``timeZone``) for an unknown zone.
        """
        defaults = defaults or FormDefaults()
        end = _round_up(_require_aware(now) + DEFAULT_DURATION, ROUNDING_STEP)
        form = cls(
            end_wall=datetime(2000, 1, 1),
            zone_name=zone_name,
            host_link=defaults.host_link,
            viewer_link=defaults.viewer_link,
            room_mode=defaults.room_mode,
        )
        if defaults.plan_start:
            start = default_start(now)
            return form.starting_at(start).ending_at(start + DEFAULT_DURATION)
        return form.ending_at(end)

    def _wall_and_fold(self, moment: datetime) -> tuple[datetime, int | None]:
        zone = get_zone(self.zone_name)
        local = _require_aware(moment).astimezone(UTC).astimezone(zone)
        wall = local.replace(tzinfo=None)
        return wall, local.fold if self._ambiguous(wall) else None

    def ending_at(self, moment: datetime) -> CreateRoomForm:
        """The form ending at the instant ``moment``, expressed as wall time in its zone."""
        wall, fold = self._wall_and_fold(moment)
        return replace(self, end_wall=wall, fold=fold)

    def starting_at(self, moment: datetime) -> CreateRoomForm:
        """The form with a planned start at the instant ``moment``, as wall time in its zone;
        the end is left where it is."""
        wall, fold = self._wall_and_fold(moment)
        return replace(self, start_wall=wall, start_fold=fold)

    def with_end(self, wall: datetime, fold: int | None = None) -> CreateRoomForm:
        return replace(self, end_wall=wall, fold=fold)

    def with_start(self, wall: datetime | None, fold: int | None = None) -> CreateRoomForm:
        """The start moved to ``wall`` (None: no planned start), the end moved with it so the
        session keeps its length: elapsed time when both starts and the end can be placed,
        else the same change on the wall clock."""
        moved = replace(self, start_wall=wall, start_fold=fold)
        if wall is None or self.start_wall is None:
            return moved
        try:
            old_start, new_start, end = self.start(), moved.start(), self.end()
        except RequestValidationError:
            return moved.with_end(self.end_wall + (wall - self.start_wall), self.fold)
        assert old_start is not None and new_start is not None  # both walls are set
        # In UTC: aware datetimes sharing a zone subtract by wall time, ignoring clock changes.
        shift = new_start.astimezone(UTC) - old_start.astimezone(UTC)
        return moved.ending_at(end.astimezone(UTC) + shift)

    def plus(self, minutes: int) -> CreateRoomForm:
        """The end moved by ``minutes`` of elapsed time (so +1 h across a clock change is
        still sixty minutes later). An end that cannot be placed moves on the wall clock."""
        try:
            end = self.end()
        except RequestValidationError:
            return self.with_end(self.end_wall + timedelta(minutes=minutes), self.fold)
        return self.ending_at(end.astimezone(UTC) + timedelta(minutes=minutes))

    def end_of_day(self, now: datetime) -> CreateRoomForm:
        """The end at 23:55 local time: on the end's day, or the first later day on which
        23:55 is neither before the current end nor in the past. Unchanged for an unknown zone.
        """
        try:
            zone = get_zone(self.zone_name)
        except RequestValidationError:
            return self
        # Compared in UTC: aware datetimes sharing a zone compare by wall time, ignoring fold.
        not_before = _require_aware(now).astimezone(UTC)
        with contextlib.suppress(RequestValidationError):
            not_before = max(self.end().astimezone(UTC), not_before)
        day = max(self.end_wall.date(), not_before.astimezone(zone).date())
        for _ in range(4):
            wall = datetime.combine(day, END_OF_DAY)
            candidate = self._place(wall, fold=1)
            if candidate is not None and candidate.astimezone(UTC) >= not_before:
                return self.ending_at(candidate)
            day += timedelta(days=1)
        return self

    # -- time --------------------------------------------------------------------------------

    def end(self) -> datetime:
        """The end as an aware datetime in the zone; raises :class:`LocalTimeError` for a
        skipped or unresolved repeated wall time, :class:`RequestValidationError` for an
        unknown zone."""
        return resolve_local_time(self.end_wall, self.zone_name, fold=self.fold)

    def start(self) -> datetime | None:
        """The planned start as an aware datetime in the zone, None when none is planned;
        raises as :meth:`end` does, with the start's problems on ``plannedStart``."""
        if self.start_wall is None:
            return None
        return resolve_start(self.start_wall, self.zone_name, fold=self.start_fold)

    @property
    def time_zone(self) -> str | None:
        """The zone the start is planned in, to keep with the room; None without a start."""
        return None if self.start_wall is None else self.zone_name

    def _place(self, wall: datetime, *, fold: int) -> datetime | None:
        try:
            return resolve_local_time(wall, self.zone_name, fold=fold)
        except RequestValidationError:
            return None

    def _ambiguous(self, wall: datetime) -> bool:
        zone = get_zone(self.zone_name)
        return (
            wall.replace(tzinfo=zone, fold=0).utcoffset()
            != wall.replace(tzinfo=zone, fold=1).utcoffset()
        )

    @property
    def is_ambiguous(self) -> bool:
        """Whether the end's wall time occurs twice in the zone, so a fold must be chosen."""
        try:
            return self._ambiguous(self.end_wall) and self._place(self.end_wall, fold=0) is not None
        except RequestValidationError:
            return False

    def fold_choices(self) -> list[tuple[int, str]]:
        """For a repeated wall time: ``[(0, "first (CEST, UTC+02:00)"), (1, "second …")]``."""
        if not self.is_ambiguous:
            return []
        return repeated_time_choices(self.end_wall, self.zone_name)

    def start_fold_choices(self) -> list[tuple[int, str]]:
        """:meth:`fold_choices` for the planned start."""
        if self.start_wall is None:
            return []
        return repeated_time_choices(self.start_wall, self.zone_name)

    # -- viewer mode -------------------------------------------------------------------------

    @property
    def effective_room_mode(self) -> RoomMode:
        return RoomMode.GROUP if self.viewer_mode else self.room_mode

    @property
    def effective_locked(self) -> bool:
        return True if self.viewer_mode else self.start_locked

    @property
    def effective_host_link(self) -> bool:
        return True if self.viewer_mode else self.host_link

    @property
    def effective_viewer_link(self) -> bool:
        return True if self.viewer_mode else self.viewer_link

    # -- room name ---------------------------------------------------------------------------

    @property
    def normalized_prefix(self) -> str:
        return normalize_prefix(self.prefix)

    @property
    def prefix_preview(self) -> str:
        """The shape of the room's address, e.g. ``…whereby.com/teamsync-ab3k9x``."""
        token = "ab3k9x" if self.pattern == RoomNamePattern.HUMAN_SHORT else "1a2b3c4d-…"
        name = f"{self.normalized_prefix}-{token}" if self.normalized_prefix else token
        return f"{PREVIEW_HOST}/{name}"

    # -- validation and the request ----------------------------------------------------------

    def _request(self, end: datetime) -> MeetingRequest:
        fields = set()
        if self.effective_host_link:
            fields.add(Field.HOST_ROOM_URL)
        if self.effective_viewer_link:
            fields.add(Field.VIEWER_ROOM_URL)
        return MeetingRequest(
            end_date=end,
            room_mode=self.effective_room_mode,
            room_name_prefix=self.normalized_prefix,
            room_name_pattern=self.pattern,
            is_locked=self.effective_locked,
            viewer_mode=self.viewer_mode,
            fields=frozenset(fields),
            recording=self.recording.options(),
            live_transcription=self.transcription.options(),
            streaming=self.streaming.options(),
        )

    def _check(self, now: datetime) -> tuple[dict[str, str], type[RequestValidationError]]:
        found: dict[str, list[str]] = {}
        error_type: type[RequestValidationError] = RequestValidationError

        def add(key: str, message: str) -> None:
            found.setdefault(key, []).append(issue_sentence(key, message))

        label_issue = label_problem(self.label)
        if label_issue:
            add("label", label_issue)
        end: datetime | None
        try:
            end = self.end()
        except RequestValidationError as exc:
            end = None
            if isinstance(exc, LocalTimeError):
                error_type = type(exc)
            for issue in exc.issues:
                add(issue.field, issue.message)
        # Without a usable end, a stand-in one still lets every other field be checked.
        stand_in = end or _require_aware(now) + timedelta(days=1)
        for issue in self._request(stand_in).issues(now):
            if issue.field == "endDate":
                if end is not None:
                    too_far = plan_ahead_problem(end, _require_aware(now))
                    add("endDate", too_far or "is in the past; pick a later time")
                continue
            add(issue.field, issue.message)
        start_type = self._check_start(end, add)
        if error_type is RequestValidationError:
            error_type = start_type
        # The start's row comes before the end's, and so do its problems.
        order = sorted(found, key=lambda key: (key != "label", key != START_FIELD))
        return {key: " ".join(found[key]) for key in order}, error_type

    def _check_start(
        self, end: datetime | None, add: Callable[[str, str], None]
    ) -> type[RequestValidationError]:
        """Report the planned start's problems through ``add``; the error type they make."""
        if self.start_wall is None or not zone_is_known(self.zone_name):
            return RequestValidationError  # no start, or the zone's problem is reported already
        try:
            start = self.start()
        except RequestValidationError as exc:
            for issue in exc.issues:
                add(issue.field, issue.message)
            return type(exc) if isinstance(exc, LocalTimeError) else RequestValidationError
        if start is not None and end is not None:
            problem = start_problem(start, end, get_zone(self.zone_name))
            if problem is not None:
                add(START_FIELD, problem)
        return RequestValidationError

    def issues(self, now: datetime) -> dict[str, str]:
        """Field key → message for each problem, in the dialog's order; empty when valid.

        Keys are the API's field paths (``endDate``, ``roomNamePrefix``,
        ``recording.destination.bucket`` …) plus ``timeZone`` and ``label``.
        """
        return self._check(now)[0]

    def blocking_reason(self, now: datetime) -> str:
        """One line saying why the form cannot be sent ("Fix: …"), or an empty string."""
        found = list(self.issues(now).values())
        if not found:
            return ""
        first = found[0]
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        return f"Fix: {first[:1].lower()}{first[1:]}{more}"

    def build(self, now: datetime) -> MeetingRequest:
        """The request to send; :class:`RequestValidationError` (or the specific
        :class:`LocalTimeError`) naming every problem otherwise."""
        found, error_type = self._check(now)
        if found:
            raise error_type([FieldIssue(key, message) for key, message in found.items()])
        return self._request(self.end())

    def _body(self, secret_replacement: str, stream_key_replacement: str) -> dict[str, Any]:
        # Shown even while other fields have problems; only the end must be placeable.
        body = self._request(self.end()).to_json()
        for section in ("recording", "liveTranscription"):
            destination = body.get(section, {}).get("destination", {})
            if destination.get("accessKeySecret"):
                destination["accessKeySecret"] = secret_replacement
        if "streaming" in body:
            # The last part of an RTMP address is the stream key: as secret as a password.
            destination = body["streaming"]["destination"]
            base, _, key = destination["url"].rstrip("/").rpartition("/")
            if key and "://" in base and base.split("://", 1)[1]:
                destination["url"] = f"{base}/{stream_key_replacement}"
        return body

    def request_json(self, now: datetime) -> str:
        """The JSON body, pretty-printed, with the S3 secret masked (for "Show request").

        Raises :class:`RequestValidationError` only when the end cannot be placed in time.
        """
        del now  # the body does not depend on the time; kept for a uniform signature
        return json.dumps(self._body(SECRET_MASK, SECRET_MASK), indent=2, ensure_ascii=False)

    def curl(self, now: datetime, base_url: str) -> str:
        """A one-line ``curl`` command sending this request.

        The API key and any S3 secret are shell variables (``$WHEREBY_API_KEY``,
        ``$S3_ACCESS_KEY_SECRET``), never values; everything else is single-quoted.
        """
        del now
        secret, stream_key = f"${S3_SECRET_VARIABLE}", f"${STREAM_KEY_VARIABLE}"
        text = json.dumps(self._body(secret, stream_key), separators=(",", ":"), ensure_ascii=False)
        # Placeholders sit outside the single quotes, in double quotes, so a shell expands them.
        pieces = re.split(f"({re.escape(secret)}|{re.escape(stream_key)})", text)
        data = "".join(
            f'"{piece}"' if piece in (secret, stream_key) else shlex.quote(piece)
            for piece in pieces
            if piece
        )
        url = shlex.quote(base_url.rstrip("/") + "/meetings")
        return (
            f"curl -X POST {url} "
            f'-H "Authorization: Bearer ${API_KEY_VARIABLE}" '
            f"-H 'Content-Type: application/json' "
            f"--data {data}"
        )

    def start_summary(self, now: datetime) -> str:
        """The line under the planned start: its local and UTC time, how far away it is and
        how long the session lasts until the end; empty without a start or a known zone."""
        if self.start_wall is None:
            return ""
        try:
            start = self.start()
        except AmbiguousLocalTimeError:
            return f"{self.start_wall:%H:%M} happens twice that day in {self.zone_name}; say which."
        except NonexistentLocalTimeError:
            return f"{self.start_wall:%H:%M} is skipped that day in {self.zone_name}."
        except RequestValidationError:
            return ""
        assert start is not None
        parts = [f"Starts {_day_text(start.date())}, {start:%H:%M} {start.tzname()}"]
        utc = start.astimezone(UTC)
        if start.utcoffset() != timedelta(0) or start.tzname() != "UTC":
            on_day = f" on {_day_text(utc.date())}" if utc.date() != start.date() else ""
            parts.append(f" ({utc:%H:%M} UTC{on_day})")
        parts.append(f" — {relative_text(start, _require_aware(now))}")
        with contextlib.suppress(RequestValidationError):
            length = self.end().astimezone(UTC) - utc
            if length > timedelta(0):
                parts.append(f"; the session lasts {minutes_text(length // timedelta(minutes=1))}")
        return "".join(parts) + "."

    def summary(self, now: datetime) -> str:
        """The live line under the end: local and UTC time, how far away, and when the room
        is deactivated (one hour after the end)."""
        try:
            end = self.end()
        except AmbiguousLocalTimeError:
            return f"{self.end_wall:%H:%M} happens twice that day in {self.zone_name}; say which."
        except NonexistentLocalTimeError:
            return f"{self.end_wall:%H:%M} is skipped that day in {self.zone_name}."
        except RequestValidationError:
            return "Choose a known time zone."
        zone = end.tzinfo
        local_day = end.date()
        parts = [f"Ends {_day_text(local_day)}, {end:%H:%M} {end.tzname()}"]
        utc = end.astimezone(UTC)
        if end.utcoffset() != timedelta(0) or end.tzname() != "UTC":
            on_day = f" on {_day_text(utc.date())}" if utc.date() != local_day else ""
            parts.append(f" ({utc:%H:%M} UTC{on_day})")
        parts.append(f" — {relative_text(end, _require_aware(now))}.")
        off = (utc + ROOM_GRACE_PERIOD).astimezone(zone)
        on_day = f" on {_day_text(off.date())}" if off.date() != local_day else ""
        parts.append(f" The room is deactivated at {off:%H:%M} {off.tzname()}{on_day}.")
        return "".join(parts)


def zone_is_known(name: str) -> bool:
    """Whether ``name`` is an IANA zone zoneinfo can load."""
    if not name or name != name.strip():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


__all__ = [
    "API_KEY_VARIABLE",
    "END_OF_DAY",
    "S3_SECRET_VARIABLE",
    "SECRET_MASK",
    "VIEWER_MODE_NOTE",
    "CreateRoomForm",
    "FormDefaults",
    "RecordingInputs",
    "StorageInputs",
    "StreamingInputs",
    "TranscriptionInputs",
    "issue_sentence",
    "relative_text",
    "repeated_time_choices",
    "zone_is_known",
]
