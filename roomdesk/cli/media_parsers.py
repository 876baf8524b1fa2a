"""``roomdesk-cli``'s arguments for what happened in a room's sessions: the ``recordings`` and
``transcripts`` groups and the ``attendance`` command.

Each sub-command names the function that runs it (``media_command``), so the groups can gain
sub-commands without a dispatcher to edit.
"""

from __future__ import annotations

import argparse
from typing import TypeVar

from roomdesk.cli import media

Parser = TypeVar("Parser", bound=argparse.ArgumentParser)


def add_media_commands(commands: argparse._SubParsersAction[Parser]) -> None:
    """Add the ``recordings`` and ``transcripts`` groups and ``attendance``."""
    recordings = commands.add_parser("recordings", help="a room's cloud recordings")
    add_recording_commands(_group(recordings, "recordings_command"))
    transcripts = commands.add_parser("transcripts", help="a room's transcripts")
    add_transcript_commands(_group(transcripts, "transcripts_command"))
    add_attendance_command(commands)


def _group(parser: Parser, dest: str) -> argparse._SubParsersAction[Parser]:
    group = parser.add_subparsers(dest=dest, metavar="ACTION", parser_class=type(parser))
    group.required = True
    return group


def add_recording_commands(group: argparse._SubParsersAction[Parser]) -> None:
    listing = group.add_parser("list", help="fetch and list a stored room's recordings")
    listing.add_argument("meeting_id", metavar="MEETING_ID")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(media_command=media.cmd_recordings_list)

    delete = group.add_parser("delete", help="delete recordings on Whereby")
    delete.add_argument("recording_ids", metavar="RECORDING_ID", nargs="+")
    delete.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    delete.set_defaults(media_command=media.cmd_recordings_delete)


def add_transcript_commands(group: argparse._SubParsersAction[Parser]) -> None:
    listing = group.add_parser("list", help="fetch and list a stored room's transcripts")
    listing.add_argument("meeting_id", metavar="MEETING_ID")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(media_command=media.cmd_transcripts_list)

    create = group.add_parser("create", help="ask Whereby to transcribe a recording")
    create.add_argument("recording_id", metavar="RECORDING_ID")
    create.add_argument(
        "--wait", action="store_true", help="wait until it is ready (up to 30 minutes)"
    )
    create.set_defaults(media_command=media.cmd_transcripts_create)


def add_attendance_command(commands: argparse._SubParsersAction[Parser]) -> None:
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
    attendance.set_defaults(media_command=media.cmd_attendance)
