"""Benchmark 11: the preview of a batch from a roster of 1,000 people, from the file's bytes to
the preview's lines.

The roster is a semicolon-separated file with a byte-order mark, 1,000 people in 125 groups,
names with accents. The figure is the whole path a window takes before it shows the preview:
``parse_roster``, a plan of one room per person with a personal link each (so every name is
checked and given an externalId), the cost, and every preview line.

Baseline, interleaved: the standard library's ``csv`` reading the same file into rows, what any
reading of the roster costs before anything is checked or planned.
"""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime, timedelta

from bench.core import Options, Result, Summary, at_most
from roomdesk.domain.roster import parse_roster
from roomdesk.services.batch import Per, Timing, estimate_cost, plan_from_roster, preview_lines

BUDGET_MS = 200.0
START = datetime(2030, 6, 3, 9, 0, tzinfo=UTC)
FIRST_NAMES = ("Åse", "Jon", "María", "Kim", "Zoë", "Olu", "Chen", "Priya")


def sample_roster(people: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Name", "Group", "E-mail"])
    for number in range(people):
        name = f"{FIRST_NAMES[number % len(FIRST_NAMES)]} Person-{number}"
        writer.writerow([name, f"Group {number % 125 + 1}", f"p{number}@example.org"])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def _ours(data: bytes) -> float:
    started = time.perf_counter()
    roster = parse_roster(data)
    timing = Timing(START + timedelta(hours=1), START, "Europe/Oslo")
    plan = plan_from_roster(roster, Per.PERSON, timing, personal_links=True)
    preview_lines(plan, estimate_cost(len(plan.rows)))
    return (time.perf_counter() - started) * 1000


def _csv_only(data: bytes) -> float:
    started = time.perf_counter()
    list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    return (time.perf_counter() - started) * 1000


def run_batch_preview(options: Options) -> list[Result]:
    people = 50 if options.quick else 1000
    repeat = options.repetitions(full=15, quick=1)
    data = sample_roster(people)
    ours: list[float] = []
    bare: list[float] = []
    for _ in range(repeat):
        ours.append(_ours(data))
        bare.append(_csv_only(data))
    return [
        Result(
            benchmark="batch",
            figure=f"Batch preview from a roster of {people:,} people",
            value=Summary.of(ours, "ms"),
            baseline=Summary.of(bare, "ms"),
            baseline_label="the csv module reading the same file",
            target=at_most(BUDGET_MS, "ms"),
            notes=f"a room and a personal link per person, {len(data):,} bytes; {repeat} runs",
        )
    ]
