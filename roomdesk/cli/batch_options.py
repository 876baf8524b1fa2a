"""The options of ``create`` that plan many rooms at once (read by :mod:`roomdesk.cli.batch`)."""

from __future__ import annotations

import argparse


def add_batch_options(create: argparse.ArgumentParser) -> None:
    batch = create.add_argument_group(
        "many rooms at once",
        "Each shows a preview (rooms, sessions, rate-limit points) and asks before sending.",
    )
    source = batch.add_mutually_exclusive_group()
    source.add_argument(
        "--labels", metavar="FILE", help="a room per line of FILE (blank lines left out)"
    )
    source.add_argument(
        "--roster",
        metavar="FILE",
        help="a CSV with name and group columns (and email); --per says which rooms",
    )
    source.add_argument(
        "--repeat",
        metavar="RULE",
        help="a series from --start: daily, weekly, every-2-weeks, every-3-days…",
    )
    batch.add_argument(
        "--per",
        choices=("group", "person", "all"),
        help="with --roster: a room per group, per person, or one with a link per person",
    )
    batch.add_argument(
        "--personal-links",
        action="store_true",
        help="with --per group or person: a personal link for each person in their room",
    )
    ends = batch.add_mutually_exclusive_group()
    ends.add_argument("--times", type=int, metavar="N", help="with --repeat: N sessions")
    ends.add_argument(
        "--until", metavar="DATE", help="with --repeat: sessions up to this date (YYYY-MM-DD)"
    )
    batch.add_argument(
        "--one-room",
        action="store_true",
        help="with --repeat: one room for every session instead of one each",
    )
    batch.add_argument("--ics", metavar="FILE", help="also write the rooms made as a calendar file")
    batch.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
