"""Labels for a batch of rooms: a pasted list (one a line) or "<label> 1" to "<label> N"."""

from __future__ import annotations

import unicodedata

from roomdesk.domain.rooms import label_problem

# Rooms one batch may make: a workshop's groups or a term's sessions, not an organisation's.
MAX_BATCH_ROOMS = 1_000
DEFAULT_STEM = "Room"


class LabelListError(ValueError):
    """Labels that cannot be used; ``problems`` are sentences naming their line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems[:20]))
        self.problems = problems


def _controls(text: str) -> bool:
    return any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in text)


def parse_label_list(text: str, *, max_rooms: int = MAX_BATCH_ROOMS) -> list[str]:
    """One label a line, trimmed, blank lines left out. LabelListError names each line whose
    label is too long, holds a control character or repeats an earlier one, and a list longer
    than ``max_rooms``."""
    text = text.removeprefix("\ufeff")
    labels: list[str] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    # Only \n, \r\n and \r end a line here: str.splitlines would also split at characters a
    # label should be refused for.
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        label = raw.strip()
        if not label:
            continue
        if problem := label_problem(label):
            problems.append(f"line {number}: the label {problem}")
        elif _controls(label):
            problems.append(f"line {number}: the label holds a control or formatting character")
        elif (key := " ".join(label.split()).casefold()) in seen:
            problems.append(f"line {number}: “{label}” is on line {seen[key]} already")
        else:
            seen[key] = number
            labels.append(label)
    if not labels and not problems:
        problems.append("the list is empty: give one label a line")
    if len(labels) > max_rooms:
        problems.append(f"the list has {len(labels):,} labels; at most {max_rooms:,} at once")
    if problems:
        raise LabelListError(problems)
    return labels


def numbered_labels(stem: str, count: int, *, max_rooms: int = MAX_BATCH_ROOMS) -> list[str]:
    """ "<stem> 1" to "<stem> <count>" ("Room" when ``stem`` is blank)."""
    if not 1 <= count <= max_rooms:
        raise LabelListError([f"the number of rooms must be between 1 and {max_rooms:,}"])
    stem = " ".join(stem.split()) or DEFAULT_STEM
    longest = f"{stem} {count}"
    if problem := label_problem(longest):
        raise LabelListError([f"the label “{longest[:40]}…” {problem}"])
    return [f"{stem} {number}" for number in range(1, count + 1)]
