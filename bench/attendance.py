"""Benchmark 10: attendance of a session with 1,000 participants, from Whereby's stays to the
per-person table and each person's timeline.

The session runs three hours; each person has one to four stays (rejoins), some overlapping (a
second device), half of them with an externalId and half matched by display name. The figure is
the whole of ``session_attendance``: stays grouped by person, merged, ordered and summed.

Baseline, interleaved: a plain sort of the same stays by join time, what any per-person table
costs before anything is merged.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from bench.core import Options, Result, Summary, at_most
from roomdesk.api.insight_models import Participant, RoomSession
from roomdesk.services.attendance import session_attendance

# The window's part (drawing the table and timeline) is measured with the window; this is what
# the computation may take of the whole target.
BUDGET_MS = 100.0
START = datetime(2030, 6, 1, 9, 0, tzinfo=UTC)
MINUTES = 180


def sample_stays(people: int, seed: int = 10) -> tuple[RoomSession, list[Participant]]:
    chance = random.Random(seed)
    stays = []
    for person in range(people):
        external_id = f"student-{person}" if person % 2 == 0 else None
        joined = chance.uniform(0, MINUTES - 10)
        for visit in range(chance.randint(1, 4)):
            left = min(MINUTES, joined + chance.uniform(1, 60))
            stays.append(
                Participant(
                    "session-1",
                    f"/p-{person}-{visit}",
                    f"device-{person}",
                    f"user-{person}",
                    "visitor",
                    f"Person {person}",
                    START + timedelta(minutes=joined),
                    START + timedelta(minutes=left),
                    external_id,
                )
            )
            # The next stay starts before this one ends now and then: a second device.
            joined = left + chance.uniform(-2, 20)
            if joined >= MINUTES:
                break
    chance.shuffle(stays)
    session = RoomSession(
        "session-1", "/bench", START, START + timedelta(minutes=MINUTES), 0, 0, 0, people, 0, 0
    )
    return session, stays


def _ours(session: RoomSession, stays: list[Participant], now: datetime) -> float:
    started = time.perf_counter()
    session_attendance(session, stays, now=now)
    return (time.perf_counter() - started) * 1000


def _sorted(stays: list[Participant]) -> float:
    started = time.perf_counter()
    sorted(stays, key=lambda stay: stay.joined_at)
    return (time.perf_counter() - started) * 1000


def run_attendance(options: Options) -> list[Result]:
    people = 50 if options.quick else 1000
    repeat = options.repetitions(full=15, quick=1)
    session, stays = sample_stays(people)
    now = START + timedelta(days=1)
    ours: list[float] = []
    bare: list[float] = []
    for _ in range(repeat):
        ours.append(_ours(session, stays, now))
        bare.append(_sorted(stays))
    return [
        Result(
            benchmark="attendance",
            figure=f"Attendance table and timelines, {people:,} people",
            value=Summary.of(ours, "ms"),
            baseline=Summary.of(bare, "ms"),
            baseline_label="a plain sort of the same stays",
            target=at_most(BUDGET_MS, "ms"),
            notes=f"{len(stays):,} stays with rejoins and overlaps; {repeat} runs",
        )
    ]
