"""Test data for the benchmarks: realistic rooms, pre-filled stores and a running emulator.

The rooms look like an organisation's real list: numeric meeting ids, ``/topic-uuid`` room names
on one subdomain, host links with a room key, end dates from a month ago to two months ahead (so
about a third are past), a few deleted ones, and a labelled minority created by roomdesk itself.
A fixed random seed makes every run see the same rooms.
"""

from __future__ import annotations

import atexit
import contextlib
import random
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from roomdesk.api.models import Meeting
from roomdesk.paths import app_paths

TOPICS = (
    "coaching",
    "maths",
    "standup",
    "retro",
    "review",
    "workshop",
    "yoga",
    "onboarding",
    "interview",
    "planning",
)
LABEL_WORDS = ("Kiwi", "Mango", "Papaya", "Quince", "Lychee", "Durian", "Feijoa")
SUBDOMAIN = "acme"
# One room in LABELLED_EVERY was created by roomdesk (with a label); one in DELETED_EVERY deleted.
LABELLED_EVERY = 20
DELETED_EVERY = 50
BENCH_API_KEY = "bench-key"


def make_meetings(count: int, *, seed: int = 7, now: datetime | None = None) -> list[Meeting]:
    """``count`` distinct meetings as a sync would receive them from the server."""
    return list(iter_meetings(count, seed=seed, now=now))


def iter_meetings(count: int, *, seed: int = 7, now: datetime | None = None) -> Iterator[Meeting]:
    """The meetings of :func:`make_meetings`, made one at a time (as pages arrive)."""
    rng = random.Random(seed)
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    for number in range(count):
        name = f"/{TOPICS[number % len(TOPICS)]}-{uuid.UUID(int=rng.getrandbits(128))}"
        url = f"https://{SUBDOMAIN}.whereby.com{name}"
        end = now + timedelta(minutes=rng.randrange(-30 * 24 * 60, 60 * 24 * 60))
        yield Meeting(
            meeting_id=str(10_000_000 + number),
            room_url=url,
            end_date=end,
            room_name=name,
            start_date=end - timedelta(hours=2),
            host_room_url=f"{url}?roomKey={rng.getrandbits(96):024x}",
        )


def label_for(number: int) -> str:
    return f"{LABEL_WORDS[number % len(LABEL_WORDS)]} course, group {number % 97}"


def fill_store(store_file: Path, count: int, *, seed: int = 7) -> None:
    """Write ``count`` rooms into the store at ``store_file`` the way roomdesk itself would.

    Most arrive as imported by a sync (in pages of 100); every ``LABELLED_EVERY``-th was created
    by roomdesk with a label (``add_created``), every ``DELETED_EVERY``-th is marked deleted.
    """
    from roomdesk.store import RoomStore

    meetings = make_meetings(count, seed=seed)
    with RoomStore(store_file) as store:
        created = meetings[::LABELLED_EVERY]
        for number, meeting in enumerate(created):
            store.add_created(meeting, room_mode="normal", options=None, label=label_for(number))
        imported = [m for n, m in enumerate(meetings) if n % LABELLED_EVERY]
        for start in range(0, len(imported), 100):
            store.upsert_many_imported(imported[start : start + 100])
        store.mark_deleted([m.meeting_id for m in meetings[3::DELETED_EVERY]])


# Filled stores by room count, made once per process and copied for each use: filling 100,000
# rooms takes seconds, and a run must never see what an earlier one changed (settings saved on
# close, rooms a sync marked).
_templates: dict[int, Path] = {}
_template_root: tempfile.TemporaryDirectory[str] | None = None


def _template(count: int) -> Path:
    global _template_root
    if count not in _templates:
        if _template_root is None:
            _template_root = tempfile.TemporaryDirectory(prefix="roomdesk-bench-stores-")
            atexit.register(_template_root.cleanup)
        root = Path(_template_root.name) / str(count)
        paths = app_paths({"ROOMDESK_DATA_DIR": str(root)}).ensure()
        fill_store(paths.store_file, count)
        _templates[count] = root
    return _templates[count]


@contextlib.contextmanager
def filled_data_dir(count: int) -> Iterator[Path]:
    """A fresh temporary ROOMDESK_DATA_DIR whose store holds ``count`` rooms (and nothing else
    has touched); removed afterwards."""
    template = _template(count)
    with tempfile.TemporaryDirectory(prefix=f"roomdesk-bench-{count}-") as directory:
        root = Path(directory) / "data"
        shutil.copytree(template, root)
        yield root
