"""``roomdesk-cli``'s arguments for presets: the room choices ``create`` and ``presets save``
share, ``create --preset``, and the ``presets`` group (save, list, show, delete).

Each choice defaults to None, "not given": with ``--preset`` the preset's value is used then,
without one the usual default. So every yes-or-no choice has a ``--no-`` form too, which is
how a choice a preset turns on is turned off for one create.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from roomdesk.api.requests import RoomNamePattern
from roomdesk.domain.rooms import RoomMode

if TYPE_CHECKING:
    from typing import TypeAlias

    Actions: TypeAlias = argparse._SubParsersAction[Any]


def add_room_choices(parser: argparse.ArgumentParser) -> None:
    """The room's size, name and links, as ``create`` and ``presets save`` take them."""
    parser.add_argument("--mode", choices=[m.value for m in RoomMode], help="default: normal")
    parser.add_argument("--prefix", help="room name prefix (a-z, 0-9, '-')")
    parser.add_argument(
        "--pattern", choices=[p.value for p in RoomNamePattern], help="default: uuid"
    )
    flag = argparse.BooleanOptionalAction
    parser.add_argument("--host-link", action=flag, help="also get a host link")
    parser.add_argument("--viewer-link", action=flag, help="also get a viewer link")
    parser.add_argument("--locked", action=flag, help="start the room locked")
    parser.add_argument(
        "--viewer-mode", action=flag, help="viewer-mode room (forces group, locked and both links)"
    )


def add_preset_option(create: argparse.ArgumentParser) -> None:
    create.add_argument(
        "--preset",
        metavar="NAME",
        help="start from a saved preset; options given beside it override the preset's",
    )


def add_preset_parsers(commands: Actions) -> None:
    """Add the ``presets`` group to ``roomdesk-cli``'s commands."""
    group = commands.add_parser(
        "presets", help="saved choices for new rooms, shared with the window: save, list, …"
    )
    actions = group.add_subparsers(
        dest="presets_command", metavar="ACTION", parser_class=type(group)
    )
    actions.required = True

    save = actions.add_parser("save", help="save the create options given as a preset")
    save.add_argument("name", metavar="NAME")
    add_room_choices(save)
    save.add_argument("--duration", help="how long rooms last: 90m, 2h, 1h30m")
    save.add_argument(
        "--start", metavar="HH:MM", help="the time of day sessions start, in the create's zone"
    )
    save.add_argument(
        "--template", type=Path, metavar="FILE", help="a UTF-8 invitation template to keep with it"
    )
    save.add_argument("--force", action="store_true", help="replace a preset of that name")

    listing = actions.add_parser("list", help="list the presets")
    listing.add_argument("--json", action="store_true", help="print JSON")

    show = actions.add_parser("show", help="show one preset")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--json", action="store_true", help="print JSON")

    delete = actions.add_parser("delete", help="delete a preset (and the secrets only it used)")
    delete.add_argument("name", metavar="NAME")


__all__ = ["add_preset_option", "add_preset_parsers", "add_room_choices"]
