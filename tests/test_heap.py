"""Giving freed memory back to the system, and the room list doing so after a large release."""

from __future__ import annotations

import platform
import sys

import pytest

from roomdesk import heap
from roomdesk.roomlist import runtime


@pytest.fixture
def fresh_lookup(monkeypatch):
    """Each test looks malloc_trim up again (the module remembers the first answer)."""
    monkeypatch.setattr(heap, "_looked_up", False)
    monkeypatch.setattr(heap, "_trim", None)


def test_glibc_gives_freed_pages_back(fresh_lookup) -> None:
    on_glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert heap.give_back_free_memory() is on_glibc
    assert heap.give_back_free_memory() is on_glibc  # the looked-up function is kept


def test_other_systems_are_left_to_their_own_allocator(fresh_lookup, monkeypatch) -> None:
    monkeypatch.setattr(heap.sys, "platform", "darwin")
    assert heap.give_back_free_memory() is False


def test_the_releaser_gives_memory_back_once_its_queue_is_empty(qtbot, monkeypatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(runtime, "give_back_free_memory", lambda: calls.append(1))
    releaser = runtime.Releaser()
    first, second = [str(number) for number in range(10_000)], list(range(5_000))
    releaser.release(first, second)
    qtbot.waitUntil(lambda: not first and not second and bool(calls), timeout=10_000)
    assert calls == [1]
