"""``roomdesk-cli`` commands for what a facilitator hands out about a stored room: ``invite``
(the invitation text), ``ics`` (a calendar file), ``qr`` (a QR code of the link) and ``links``
(a personal link per person).

They read the room list and change nothing in it; output files are written whole or not at all.
Bad input (an unknown meeting id, a template with a typo, a path that cannot be written, an
unknown language, names that collide) exits 2 with a message saying which.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from roomdesk.cli.base import EXIT_BAD_INPUT, EXIT_OK, CliError, visible
from roomdesk.domain.times import get_zone
from roomdesk.sessions.facts import SessionFacts, facts_for, shared_link
from roomdesk.sessions.files import OutputFileError, write_atomically
from roomdesk.sessions.invitation import DEFAULT_TEMPLATE, TemplateError, render, template_problems
from roomdesk.sessions.personal_links import (
    LinkOptions,
    PersonalLink,
    PersonalLinkError,
    as_csv,
    as_tsv,
    parse_names,
    personal_links,
)
from roomdesk.store import RoomStore, StoredRoom
from roomdesk.timezones import system_zone_name

if TYPE_CHECKING:
    from roomdesk.cli.commands import Context

Command = Callable[[argparse.Namespace, "Context"], Coroutine[Any, Any, int]]
Parser = TypeVar("Parser", bound=argparse.ArgumentParser)


def add_commands(commands: argparse._SubParsersAction[Parser]) -> None:
    """Add ``invite``, ``ics``, ``qr`` and ``links`` to ``roomdesk-cli``'s commands."""
    invite = commands.add_parser("invite", help="print the invitation to a room's session")
    invite.add_argument("meeting_id", metavar="ID")
    invite.add_argument(
        "--template", type=Path, metavar="FILE", help="a UTF-8 template with {label}, {link}, …"
    )
    invite.add_argument("--notes", action="store_true", help="include the room's notes")

    ics = commands.add_parser("ics", help="write rooms as a calendar file (iCalendar)")
    ics.add_argument("meeting_ids", metavar="ID", nargs="+")
    ics.add_argument("-o", "--output", type=Path, metavar="FILE", help="default: standard output")
    ics.add_argument(
        "--alarm", type=int, metavar="MINUTES", help="a reminder this many minutes before"
    )
    ics.add_argument(
        "--template", type=Path, metavar="FILE", help="the invitation template for descriptions"
    )

    qr = commands.add_parser("qr", help="save a QR code of a room's link (PNG or SVG)")
    qr.add_argument("meeting_id", metavar="ID")
    qr.add_argument("-o", "--output", type=Path, metavar="FILE", required=True)

    links = commands.add_parser("links", help="print a personal link for each person")
    links.add_argument("meeting_id", metavar="ID")
    links.add_argument(
        "--name", action="append", required=True, metavar="NAME", help="a person (repeatable)"
    )
    links.add_argument("--lang", metavar="CODE", help="the room's language, e.g. en, nb, de")
    links.add_argument("--camera-off", action="store_true", help="join with the camera off")
    links.add_argument("--microphone-off", action="store_true", help="join with the microphone off")
    links.add_argument("--csv", action="store_true", help="comma-separated, not tab-separated")


# -- finding the room ----------------------------------------------------------------------------


def _room(store: RoomStore, meeting_id: str, now: datetime) -> StoredRoom:
    wanted = meeting_id.strip()
    if not wanted:
        raise CliError("a meeting ID is empty", EXIT_BAD_INPUT)
    room = store.get(wanted)
    if room is None:
        raise CliError(
            f"no stored room has the meeting ID “{wanted}”: 'roomdesk-cli list --all' lists "
            "the stored rooms, and 'roomdesk-cli sync' adds rooms made elsewhere",
            EXIT_BAD_INPUT,
        )
    status = room.status(now)
    if not status.is_usable:
        raise CliError(
            f"the room “{room.label or room.meeting_id}” is {status.label.lower()}: "
            "nobody can join it any more",
            EXIT_BAD_INPUT,
        )
    return room


def _facts(room: StoredRoom) -> SessionFacts:
    # A room planned without a zone of its own runs in this computer's zone.
    return facts_for(room, fallback_zone=get_zone(system_zone_name()))


def _read_facts(ctx: Context, meeting_ids: list[str]) -> list[SessionFacts]:
    """The facts of each room, in the order asked, each once; nothing in the store changes."""
    now = datetime.now(UTC)
    with ctx.open_store() as store:
        rooms = [_room(store, meeting_id, now) for meeting_id in dict.fromkeys(meeting_ids)]
    return [_facts(room) for room in rooms]


def _invitation_facts(facts_list: list[SessionFacts], template: Path | None) -> list[SessionFacts]:
    """``facts_list`` for an invitation: a ``--template`` given wins over a room's own template
    (from its preset), which is checked here so that a mistake in it names the room."""
    if template is not None:
        return [facts._replace(invitation_template=None) for facts in facts_list]
    for facts in facts_list:
        own = facts.invitation_template
        if own and (problems := template_problems(own)):
            raise CliError(
                f"the invitation template kept with “{facts.label or facts.meeting_id}” (from "
                f"its preset) cannot be used: {'; '.join(problems)}; give --template FILE to "
                "use another",
                EXIT_BAD_INPUT,
            )
    return facts_list


def _template(path: Path | None) -> str:
    if path is None:
        return DEFAULT_TEMPLATE
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(f"--template {path}: there is no such file", EXIT_BAD_INPUT) from None
    except IsADirectoryError:
        raise CliError(f"--template {path}: it is a folder, not a file", EXIT_BAD_INPUT) from None
    except UnicodeDecodeError:
        raise CliError(f"--template {path}: it is not UTF-8 text", EXIT_BAD_INPUT) from None
    except OSError as exc:
        raise CliError(
            f"--template {path}: it could not be read ({exc.strerror or exc})", EXIT_BAD_INPUT
        ) from None


def _template_error(path: Path | None, error: TemplateError) -> CliError:
    where = f"the template {path}" if path is not None else "the template"
    return CliError(f"{where} cannot be used: {error}", EXIT_BAD_INPUT)


# -- commands ------------------------------------------------------------------------------------


async def cmd_invite(args: argparse.Namespace, ctx: Context) -> int:
    template = _template(args.template)
    (facts,) = _invitation_facts(_read_facts(ctx, [args.meeting_id]), args.template)
    try:
        invitation = render(facts, facts.template(template), include_notes=args.notes)
    except TemplateError as exc:
        raise _template_error(args.template, exc) from None
    for line in invitation.text.rstrip("\n").split("\n"):
        print(visible(line), file=ctx.out)
    return EXIT_OK


async def cmd_ics(args: argparse.Namespace, ctx: Context) -> int:
    # Here, not at the top: every other command starts without loading the calendar library.
    from roomdesk.sessions.calendar import alarm_problem, calendar_bytes

    if problem := alarm_problem(args.alarm):
        raise CliError(f"--alarm {args.alarm}: {problem}", EXIT_BAD_INPUT)
    template = _template(args.template)
    facts = _invitation_facts(_read_facts(ctx, args.meeting_ids), args.template)
    try:
        data = calendar_bytes(facts, invitation_template=template, alarm_minutes=args.alarm)
    except TemplateError as exc:
        raise _template_error(args.template, exc) from None
    if args.output is None:
        # The file's own line ends (CRLF, as RFC 5545 wants) go out unchanged.
        buffer = getattr(ctx.out, "buffer", None)
        if buffer is not None:
            ctx.out.flush()
            buffer.write(data)
            buffer.flush()
        else:
            ctx.out.write(data.decode("utf-8"))
        return EXIT_OK
    _write(args.output, data)
    count = f"{len(facts)} room{'s' if len(facts) != 1 else ''}"
    print(visible(f"Calendar file with {count} written to {args.output}."), file=ctx.out)
    return EXIT_OK


def _write(path: Path, data: bytes) -> None:
    try:
        write_atomically(path, data)
    except OutputFileError as exc:
        raise CliError(str(exc), EXIT_BAD_INPUT) from None


async def cmd_qr(args: argparse.Namespace, ctx: Context) -> int:
    # Here, not at the top: every other command starts without loading the QR library.
    from roomdesk.sessions.qr import QR_SUFFIXES, save_qr

    if args.output.suffix.lower() not in QR_SUFFIXES:
        raise CliError(f"-o {args.output}: give a file name ending in .png or .svg", EXIT_BAD_INPUT)
    (facts,) = _read_facts(ctx, [args.meeting_id])
    link = shared_link(facts)
    try:
        save_qr(link, args.output)
    except OutputFileError as exc:
        raise CliError(str(exc), EXIT_BAD_INPUT) from None
    print(visible(f"QR code of {link} written to {args.output}."), file=ctx.out)
    return EXIT_OK


async def cmd_links(args: argparse.Namespace, ctx: Context) -> int:
    names = parse_names("\n".join(args.name))
    lang = args.lang.strip().lower() if args.lang is not None else None
    options = LinkOptions(lang, args.camera_off, args.microphone_off)
    (facts,) = _read_facts(ctx, [args.meeting_id])
    try:
        made = personal_links(shared_link(facts), names, options=options)
    except PersonalLinkError as exc:
        raise CliError(f"no links made: {exc}", EXIT_BAD_INPUT) from None
    # Names hold no control characters (they are refused); the rest is shown escaped should it.
    shown = [PersonalLink(*(visible(field) for field in row)) for row in made]
    ctx.out.write(as_csv(shown, line_end="\n") if args.csv else as_tsv(shown))
    return EXIT_OK


COMMANDS: dict[str, Command] = {
    "invite": cmd_invite,
    "ics": cmd_ics,
    "qr": cmd_qr,
    "links": cmd_links,
}
