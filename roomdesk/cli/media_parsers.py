"""``roomdesk-cli``'s ``recordings`` and ``transcripts`` groups, each holding its own actions
(``recordings download``, ``transcripts download``, …).

Each action's parser names the coroutine that runs it with ``set_defaults(media_handler=...)``;
``run_media`` calls it, so a module adds an action without touching the dispatch.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from roomdesk.cli.commands import Context

GROUPS = {
    "recordings": "recordings of your rooms: list, download, delete",
    "transcripts": "transcripts of recordings: list, create, download",
}


def add_media_parsers(
    commands: argparse._SubParsersAction[Any],
) -> dict[str, argparse._SubParsersAction[Any]]:
    """Add the ``recordings`` and ``transcripts`` groups; returns each one's actions by name."""
    groups = {}
    for name, help_text in GROUPS.items():
        group = commands.add_parser(name, help=help_text)
        actions = group.add_subparsers(
            dest="media_command", metavar="ACTION", parser_class=type(group)
        )
        actions.required = True
        groups[name] = actions
    return groups


async def run_media(args: argparse.Namespace, ctx: Context) -> int:
    """Run the action chosen in a ``recordings`` or ``transcripts`` group."""
    result: int = await args.media_handler(args, ctx)
    return result


MEDIA_COMMANDS = dict.fromkeys(GROUPS, run_media)
