"""The room list's Qt-free helpers: search texts, steps, and the runtime settings for bulk work
and memory (the collector, the switch interval, packed strings, the start-up freeze)."""

from __future__ import annotations

import gc
import sys
import threading
from datetime import UTC, datetime

import pytest

from roomdesk.roomlist import runtime
from roomdesk.roomlist.ordering import stepwise
from roomdesk.roomlist.preparation import prepare_rooms
from roomdesk.roomlist.runtime import bulk_work, pack_kept_strings
from roomdesk.roomlist.texts import search_text, split_origin
from roomdesk.roomlist.tuning import DEFAULT_TUNING

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_search_text_leaves_out_parts_held_by_others() -> None:
    url = "https://acme.whereby.com/kiwi-1"
    text = search_text("Kiwi Talk", "/kiwi-1", url, f"{url}?roomKey=AbC", None, "m1")
    assert text == f"{url}?roomkey=abc\nkiwi talk\nm1"
    assert split_origin(text) == (
        "https://acme.whereby.com",
        text.removeprefix("https://acme.whereby.com"),
    )
    odd = search_text("", "Other", url, "https://elsewhere/x", None, "m2")
    for part in ("other", url, "https://elsewhere/x", "m2"):
        assert part in odd


def test_bulk_work_sections_keep_their_settings_until_the_last_one_ends() -> None:
    interval = sys.getswitchinterval()
    assert gc.isenabled()
    inner_started, outer_may_end = threading.Event(), threading.Event()
    seen_in_thread: list[tuple[bool, float]] = []

    def other_section() -> None:
        with bulk_work():
            inner_started.set()
            outer_may_end.wait(5)
            seen_in_thread.append((gc.isenabled(), sys.getswitchinterval()))

    with bulk_work():
        assert not gc.isenabled()
        assert sys.getswitchinterval() == runtime.BULK_WORK_SWITCH_INTERVAL
        worker = threading.Thread(target=other_section)
        worker.start()
        assert inner_started.wait(5)
    # The first section ended while the other still runs: its settings stay.
    assert not gc.isenabled()
    outer_may_end.set()
    worker.join(5)
    assert seen_in_thread == [(False, runtime.BULK_WORK_SWITCH_INTERVAL)]
    assert gc.isenabled() and sys.getswitchinterval() == interval


def test_bulk_work_can_freeze_what_it_made(monkeypatch: pytest.MonkeyPatch) -> None:
    frozen: list[bool] = []
    monkeypatch.setattr(runtime.gc, "freeze", lambda: frozen.append(gc.isenabled()))
    with bulk_work(freeze_new=True):
        pass
    with bulk_work():
        pass
    assert frozen == [False]  # once, before the collector came back on
    assert gc.isenabled()


def test_an_empty_list_packs_to_an_empty_list() -> None:
    prepared = prepare_rooms([], now=NOW, in_worker=True)  # rooms all deleted meanwhile
    pack_kept_strings(prepared)
    assert prepared.columns.search == [] and prepared.columns.labels == []


@pytest.mark.parametrize("size", [0, 1, 8_191, 8_192, 8_193, 20_000])
def test_stepwise_lists_equal_plain_lists(size: int) -> None:
    items = list(range(size))
    assert stepwise(map(str, items), DEFAULT_TUNING.sort_step) == list(map(str, items))


def test_a_large_table_is_frozen_once_per_large_growth(monkeypatch: pytest.MonkeyPatch) -> None:
    frozen: list[int] = []
    monkeypatch.setattr(runtime.gc, "freeze", lambda: frozen.append(1))
    freezer = runtime.HeapFreezer(large=100)
    assert [freezer.after_load(rows) for rows in (50, 100, 150, 199, 200, 100)] == [
        False,
        True,  # large
        False,  # grown by less than a large list since
        False,
        True,
        True,  # a large list's size fewer: another large table
    ]
    assert len(frozen) == 3


def test_start_up_is_frozen_once(monkeypatch: pytest.MonkeyPatch) -> None:
    frozen: list[int] = []
    monkeypatch.setattr(runtime.gc, "freeze", lambda: frozen.append(1))
    monkeypatch.setattr(runtime, "start_up_frozen", False)
    assert runtime.freeze_start_up() and not runtime.freeze_start_up()
    assert frozen == [1]


def test_prepare_in_worker_says_so_when_there_is_no_list() -> None:
    assert (
        runtime.prepare_in_worker(lambda: None, lambda rows: prepare_rooms(rows, now=NOW)) is None
    )
    assert gc.isenabled()
