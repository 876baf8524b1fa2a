"""``roomdesk-cli create`` for many rooms at once: from a list of labels (``--labels``), a
roster (``--roster`` with ``--per``) or a series of sessions (``--repeat``).

Each prints the plan (every room, its session, the rate-limit points) and asks before sending
anything; ``--yes`` skips the question, and without a terminal to ask on nothing is sent unless
``--yes`` is given. Then each room is reported as it is made or fails, and the exit code is the
first failure's, as for ``create --count``. Bad input exits 2 with every problem named.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from roomdesk.api.requests import MeetingRequest
from roomdesk.cli.base import EXIT_BAD_INPUT, EXIT_OK, CliError, say_error, visible
from roomdesk.cli.output import room_json
from roomdesk.cli.parsing import parse_duration
from roomdesk.cli.plan import checked_start, parse_moment
from roomdesk.domain.labels import LabelListError, parse_label_list
from roomdesk.domain.roster import RosterError, decode_roster, parse_roster
from roomdesk.domain.series import SeriesError, SeriesRule, expand_series, parse_repeat
from roomdesk.domain.times import get_zone
from roomdesk.services.batch import (
    BatchPlan,
    Per,
    PlanError,
    Timing,
    estimate_cost,
    plan_from_labels,
    plan_from_roster,
    plan_from_series,
    preview_lines,
)
from roomdesk.services.batch_run import BatchRun, RowOutcome, RowState
from roomdesk.services.rooms import RoomService
from roomdesk.sessions.facts import facts_for
from roomdesk.sessions.files import OutputFileError, write_atomically
from roomdesk.sessions.invitation import DEFAULT_TEMPLATE
from roomdesk.timezones import system_zone_name

if TYPE_CHECKING:
    from roomdesk.cli.commands import Context

# Far more than a roster of the largest batch takes; a bigger file is the wrong file.
MAX_FILE_BYTES = 4 * 1024 * 1024


class CreateHooks(NamedTuple):
    """What ``create`` shares with a batch: its request, its exit codes and the preset's own
    invitation template (None: the preset has none, or no preset was given)."""

    build_request: Callable[[argparse.Namespace, str, datetime, datetime | None], MeetingRequest]
    exit_code_for: Callable[[BaseException], int]
    invitation_template: str | None = None


def wants_batch(args: argparse.Namespace) -> bool:
    """Whether ``create`` makes a batch; CliError for a batch's option given without one, which
    would otherwise be left out without a word."""
    if args.labels or args.roster or args.repeat:
        return True
    given = [
        option
        for option, value in (
            ("--per", args.per),
            ("--personal-links", args.personal_links),
            ("--times", args.times),
            ("--until", args.until),
            ("--one-room", args.one_room),
            ("--ics", args.ics),
            ("--yes", args.yes),
        )
        if value not in (None, False)
    ]
    if given:
        raise _bad(f"{given[0]} goes with --labels, --roster or --repeat")
    return False


def _bad(message: str) -> CliError:
    return CliError(message, EXIT_BAD_INPUT)


def _check_options(args: argparse.Namespace) -> None:
    """Options that belong to another kind of batch, or are missing for this one."""
    if args.count is not None:
        raise _bad("--count cannot be combined with --labels, --roster or --repeat")
    if args.roster and args.per is None:
        raise _bad("--roster needs --per group, --per person or --per all")
    if args.per is not None and not args.roster:
        raise _bad("--per goes with --roster")
    if args.personal_links and args.per not in ("group", "person"):
        raise _bad("--personal-links goes with --roster and --per group or person")
    series_only = [
        name
        for name, value in (("--times", args.times), ("--until", args.until))
        if value is not None
    ] + (["--one-room"] if args.one_room else [])
    if series_only and not args.repeat:
        raise _bad(f"{series_only[0]} goes with --repeat")
    if args.repeat:
        if args.start is None or args.duration is None:
            raise _bad("--repeat needs --start (the first session) and --duration")
        if args.times is None and args.until is None:
            raise _bad("--repeat needs --times N or --until DATE")


def _read(path_text: str) -> bytes:
    path = Path(path_text)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _bad(f"{path_text} is {size:,} bytes: too large for a list of rooms")
        return path.read_bytes()
    except IsADirectoryError:
        raise _bad(f"{path_text} is a folder, not a file") from None
    except OSError as exc:
        raise _bad(f"{path_text} cannot be read: {exc.strerror or exc}") from None


def _until(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise _bad(f"--until {text!r} is not a date such as 2027-03-31") from None


def build_plan(
    args: argparse.Namespace, zone_name: str, now: datetime, hooks: CreateHooks
) -> tuple[BatchPlan, MeetingRequest]:
    """The plan ``args`` ask for and the request its rooms share; CliError for bad input."""
    start = (
        None
        if args.start is None
        else parse_moment("--start", args.start, zone_name, args.ambiguous)
    )
    request = hooks.build_request(args, zone_name, now, start)
    if start is not None:
        checked_start(start, request.end_date, zone_name)
    timing = Timing(request.end_date, start, zone_name if start is not None else None)
    try:
        if args.labels:
            labels = parse_label_list(decode_roster(_read(args.labels)))
            return plan_from_labels(labels, timing, prefix=args.prefix), request
        if args.roster:
            roster = parse_roster(_read(args.roster))
            plan = plan_from_roster(
                roster,
                Per(args.per),
                timing,
                prefix=args.prefix,
                personal_links=args.personal_links,
                label=args.label,
            )
            return plan, request
        assert start is not None  # _check_options asked for it
        frequency, interval = parse_repeat(args.repeat)
        rule = SeriesRule(
            first_wall=start.astimezone(get_zone(zone_name)).replace(tzinfo=None),
            duration=parse_duration(args.duration),
            zone_name=zone_name,
            frequency=frequency,
            interval=interval,
            times=args.times,
            until=None if args.until is None else _until(args.until),
        )
        sessions = expand_series(rule, now=now)
        plan = plan_from_series(
            rule, sessions, label=args.label, prefix=args.prefix, one_room=args.one_room
        )
        return plan, request
    except (RosterError, LabelListError, SeriesError, PlanError) as exc:
        source = args.labels or args.roster or "--repeat"
        raise _bad(f"{source}: {exc}") from None


def _ask(question: str, ctx: Context) -> bool:
    if not ctx.stdin.isatty():
        raise _bad(
            "not creating rooms without confirmation: add --yes when not running interactively"
        )
    print(question + " [y/N] ", end="", file=ctx.err, flush=True)
    return ctx.stdin.readline().strip().lower() in ("y", "yes")


def _show_outcome(outcome: RowOutcome, total: int, ctx: Context, quiet: bool) -> None:
    if outcome.state in (RowState.QUEUED, RowState.SENT, RowState.NOT_SENT):
        return  # the rooms left unsent are named together at the end
    place = f"[{outcome.number}/{total}]"
    if outcome.state is RowState.CREATED:
        if not quiet:
            print(visible(f"{place} {outcome.describe()}"), file=ctx.out)
            for link in outcome.links:
                print(visible(f"    {link.name}: {link.link}"), file=ctx.out)
            ctx.out.flush()  # each room shows as it is made
        return
    kind = "warning" if outcome.state is RowState.UNREAD else "error"
    say_error(f"{place} {outcome.describe()}", ctx.err, kind=kind)


def _outcome_json(outcome: RowOutcome, now: datetime) -> dict[str, Any]:
    assert outcome.room is not None
    data = room_json(outcome.room, now)
    if outcome.links:
        data["personalLinks"] = [
            {"name": link.name, "externalId": link.external_id, "link": link.link}
            for link in outcome.links
        ]
    return data


def _write_calendar(path: str, run: BatchRun, ctx: Context) -> None:
    # Imported here: the other commands start without the calendar library.
    from roomdesk.sessions.calendar import calendar_bytes

    rooms = [o.room for o in run.outcomes if o.room is not None]
    if not rooms:
        return
    zone = get_zone(rooms[0].time_zone or "UTC")
    # A one-room series' room keeps its series, so its facts make the repeating event.
    data = calendar_bytes(
        [facts_for(room, fallback_zone=zone) for room in rooms],
        invitation_template=DEFAULT_TEMPLATE,
        alarm_minutes=None,
    )
    try:
        write_atomically(Path(path), data)
    except OutputFileError as exc:
        say_error(f"the calendar file was not written: {exc}", ctx.err)
        return
    print(visible(f"Calendar written to {path}."), file=ctx.err)


async def cmd_create_batch(args: argparse.Namespace, ctx: Context, hooks: CreateHooks) -> int:
    _check_options(args)
    if args.tz is not None and not args.tz.strip():
        raise _bad("--tz is empty: give an IANA time zone such as Europe/Oslo")
    zone_name = args.tz.strip() if args.tz is not None else system_zone_name()
    now = datetime.now(UTC)
    plan, template = build_plan(args, zone_name, now, hooks)
    shown_to = ctx.err if args.json else ctx.out
    cost = estimate_cost(len(plan.rows))
    for line in preview_lines(plan, cost, default_zone=get_zone(zone_name)):
        print(visible(line), file=shown_to)
    shown_to.flush()
    if not args.yes and not _ask(f"Create {len(plan.rows):,} rooms on Whereby?", ctx):
        print("Nothing created.", file=ctx.err)
        return EXIT_OK
    total = len(plan.rows)
    with ctx.open_store() as store:
        async with ctx.client() as client:
            run = BatchRun(
                RoomService(client, store),
                plan,
                template,
                progress=lambda outcome: _show_outcome(outcome, total, ctx, args.json),
                invitation_template=hooks.invitation_template,
            )
            summary = await run.run()
    if args.json:
        made = [_outcome_json(o, datetime.now(UTC)) for o in run.outcomes if o.room is not None]
        print(json.dumps(made, indent=2), file=ctx.out)
    if args.ics:
        _write_calendar(args.ics, run, ctx)
    unsent = [o for o in run.outcomes if o.state is RowState.NOT_SENT]
    if unsent:
        first, last = unsent[0].row.label, unsent[-1].row.label
        shown = f"“{first}”" if len(unsent) == 1 else f"“{first}” to “{last}”"
        say_error(f"{shown} not sent: {unsent[0].reason}.", ctx.err)
    error = run.first_error()
    if error is None and summary.not_sent == 0:
        return EXIT_OK
    hint = (
        "; run 'roomdesk-cli sync'"
        if any(o.state in (RowState.UNKNOWN, RowState.UNREAD) for o in run.outcomes)
        else ""
    )
    say_error(f"{summary.describe()}{hint}.", ctx.err)
    return hooks.exit_code_for(error) if error is not None else EXIT_BAD_INPUT
