"""``roomdesk-cli``'s arguments for what happened in a room's sessions: the ``recordings`` and
``transcripts`` groups, each holding its actions (``list``, ``delete``, ``create``,
``download``), and the ``attendance`` command.

Each action's parser names the coroutine that runs it with ``set_defaults(media_handler=...)``
and :func:`run_media` calls it, so a module adds an action without touching a dispatcher.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from roomdesk.cli import media

if TYPE_CHECKING:
    from typing import TypeAlias

    from roomdesk.cli.commands import Context

    Actions: TypeAlias = argparse._SubParsersAction[Any]

GROUPS = {
    "recordings": "recordings of your rooms: list, download, delete",
    "transcripts": "transcripts of recordings: list, create, download",
}


def add_media_parsers(commands: Actions) -> dict[str, Actions]:
    """Add the ``recordings`` and ``transcripts`` groups with their list, delete and create
    actions, and ``attendance``; returns each group's actions by name, for more to be added."""
    groups = {}
    for name, help_text in GROUPS.items():
        group = commands.add_parser(name, help=help_text)
        actions = group.add_subparsers(
            dest="media_command", metavar="ACTION", parser_class=type(group)
        )
        actions.required = True
        groups[name] = actions
    add_recording_commands(groups["recordings"])
    add_transcript_commands(groups["transcripts"])
    add_attendance_command(commands)
    return groups


def add_recording_commands(group: Actions) -> None:
    listing = group.add_parser("list", help="fetch and list a stored room's recordings")
    listing.add_argument("meeting_id", metavar="MEETING_ID")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(media_handler=media.cmd_recordings_list)

    delete = group.add_parser("delete", help="delete recordings on Whereby")
    delete.add_argument("recording_ids", metavar="RECORDING_ID", nargs="+")
    delete.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    delete.set_defaults(media_handler=media.cmd_recordings_delete)


def add_transcript_commands(group: Actions) -> None:
    listing = group.add_parser("list", help="fetch and list a stored room's transcripts")
    listing.add_argument("meeting_id", metavar="MEETING_ID")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(media_handler=media.cmd_transcripts_list)

    create = group.add_parser("create", help="ask Whereby to transcribe a recording")
    create.add_argument("recording_id", metavar="RECORDING_ID")
    create.add_argument(
        "--wait", action="store_true", help="wait until it is ready (up to 30 minutes)"
    )
    create.set_defaults(media_handler=media.cmd_transcripts_create)


def add_attendance_command(commands: Actions) -> None:
    attendance = commands.add_parser(
        "attendance", help="who attended a stored room's sessions, and for how long"
    )
    attendance.add_argument("meeting_id", metavar="MEETING_ID")
    attendance.add_argument(
        "--session", metavar="ROOM_SESSION_ID", help="only this session (default: every one)"
    )
    shape = attendance.add_mutually_exclusive_group()
    shape.add_argument("--csv", action="store_true", help="CSV for a spreadsheet (UTF-8, BOM)")
    shape.add_argument("--json", action="store_true", help="print JSON")
    attendance.set_defaults(media_handler=media.cmd_attendance)


async def run_media(args: argparse.Namespace, ctx: Context) -> int:
    """Run the action chosen in a ``recordings`` or ``transcripts`` group, or ``attendance``."""
    result: int = await args.media_handler(args, ctx)
    return result


MEDIA_COMMANDS = dict.fromkeys([*GROUPS, "attendance"], run_media)
