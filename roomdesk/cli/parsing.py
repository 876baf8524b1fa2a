"""``roomdesk-cli``'s arguments: the parser, and durations and end times read from text."""

from __future__ import annotations

import argparse
import re
from datetime import datetime, timedelta
from typing import NoReturn

from roomdesk import __version__
from roomdesk.api.requests import LONGEST_PLAN_AHEAD
from roomdesk.cli import downloads as download_commands
from roomdesk.cli import sessions as session_commands
from roomdesk.cli.base import (
    EXIT_BAD_INPUT,
    CliError,
)
from roomdesk.cli.batch_options import add_batch_options
from roomdesk.cli.media_parsers import add_media_parsers
from roomdesk.cli.plan import (
    add_edit_parser,
    add_start_option,
    parse_moment,
)
from roomdesk.cli.preset_parsers import add_preset_option, add_preset_parsers, add_room_choices

MAX_COUNT = 100  # rooms one create --count may make


class _Parser(argparse.ArgumentParser):
    """argparse that reports mistakes as one ``error:`` line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        raise CliError(f"{message} (see '{self.prog} --help')", EXIT_BAD_INPUT)


_DURATION = re.compile(r"^\s*(?:(?P<h>\d+)\s*h)?\s*(?:(?P<m>\d+)\s*m(?:in)?)?\s*$", re.IGNORECASE)


def parse_duration(text: str) -> timedelta:
    """``90m``, ``2h``, ``1h30m`` as a timedelta; a unit is required."""
    match = _DURATION.match(text)
    if not text.strip() or not match or not (match["h"] or match["m"]):
        raise CliError(
            f"--duration {text!r} is not a duration like 90m, 2h or 1h30m", EXIT_BAD_INPUT
        )
    try:
        duration = timedelta(hours=int(match["h"] or 0), minutes=int(match["m"] or 0))
    except OverflowError:  # more hours than any date can hold
        duration = timedelta.max
    if duration <= timedelta(0):
        raise CliError("--duration must be longer than zero", EXIT_BAD_INPUT)
    if duration > LONGEST_PLAN_AHEAD:
        raise CliError(
            f"--duration must be at most {LONGEST_PLAN_AHEAD.days} days: a room may end at most "
            f"{LONGEST_PLAN_AHEAD.days} days ahead",
            EXIT_BAD_INPUT,
        )
    return duration


def parse_end(text: str, zone_name: str, ambiguous: str | None) -> datetime:
    """``--end``: an ISO date-time with an offset or Z, or a wall time in ``zone_name``."""
    return parse_moment("--end", text, zone_name, ambiguous)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="roomdesk-cli",
        description="Create, list and delete Whereby rooms from the command line.",
        epilog="The API key comes from ROOMDESK_API_KEY or the OS keychain ('key set'). "
        "ROOMDESK_API_URL and ROOMDESK_DATA_DIR override the API address and data folder.",
    )
    parser.add_argument("--version", action="version", version=f"roomdesk {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    create = commands.add_parser("create", help="create a room and store it")
    add_preset_option(create)
    # Not required here: a preset may give the length (checked when the preset is read).
    when = create.add_mutually_exclusive_group()
    when.add_argument(
        "--end", help="end as ISO date-time; wall time in --tz unless it has an offset"
    )
    when.add_argument("--duration", help="end this long from now: 90m, 2h, 1h30m")
    create.add_argument("--tz", help="IANA time zone for --end (default: the system's)")
    create.add_argument(
        "--ambiguous",
        choices=("earlier", "later"),
        help="which one to take when --end or --start falls in a daylight-saving overlap",
    )
    add_start_option(create)
    add_room_choices(create)
    create.add_argument("--label", default="", help="your own label, kept locally")
    create.add_argument(
        "--count",
        type=int,
        metavar="N",
        help=f"create N rooms alike (1-{MAX_COUNT}), labelled '<label> 1' to '<label> N'",
    )
    create.add_argument("--json", action="store_true", help="print JSON")
    add_batch_options(create)

    listing = commands.add_parser("list", help="list stored rooms")
    listing.add_argument("--all", action="store_true", help="include past and deleted rooms")
    shape = listing.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="print JSON")
    shape.add_argument("--csv", action="store_true", help="print CSV for a spreadsheet")
    listing.add_argument(
        "--host-links", action="store_true", help="with --csv: add the host links (take care)"
    )

    show = commands.add_parser("show", help="show one room")
    show.add_argument("meeting_id", metavar="ID")
    show.add_argument("--json", action="store_true", help="print JSON")

    sync = commands.add_parser(
        "sync", help="bring the stored rooms in line with Whereby and find interrupted creates"
    )
    sync.add_argument("--json", action="store_true", help="print JSON")

    pending = commands.add_parser(
        "pending", help="list creates that may not have happened; retry or dismiss one"
    )
    pending.add_argument("--json", action="store_true", help="print JSON")
    pending_commands = pending.add_subparsers(
        dest="pending_command", metavar="ACTION", parser_class=_Parser
    )
    retry = pending_commands.add_parser(
        "retry", help="send it again (unless Whereby has the room after all)"
    )
    retry.add_argument("pending_id", metavar="ID", type=int)
    # Its own name: a subcommand's default would overwrite "pending --json".
    retry.add_argument("--json", dest="retry_json", action="store_true", help="print JSON")
    dismiss = pending_commands.add_parser("dismiss", help="forget it; nothing is sent")
    dismiss.add_argument("pending_id", metavar="ID", type=int)

    add_edit_parser(commands)

    delete = commands.add_parser("delete", help="delete rooms on the server")
    delete.add_argument("meeting_ids", metavar="ID", nargs="+")
    delete.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")

    key = commands.add_parser("key", help="manage the API key in the OS keychain")
    key_commands = key.add_subparsers(dest="key_command", metavar="ACTION", parser_class=_Parser)
    key_commands.required = True
    key_commands.add_parser("set", help="store a key (read from stdin or a hidden prompt)")
    key_commands.add_parser("check", help="verify the key against the API")
    key_commands.add_parser("clear", help="remove the key from the keychain")
    key_commands.add_parser("status", help="say where the key comes from, without showing it")
    session_commands.add_commands(commands)
    media_groups = add_media_parsers(commands)
    download_commands.add_commands(media_groups)
    add_preset_parsers(commands)
    return parser
