"""A roster: who takes part and in which group, read from a spreadsheet saved as CSV.

The file needs a ``name`` column; ``group`` and ``email`` are optional. Header names are matched
case-insensitively, with a few synonyms ("full name", "team", "e-mail"). Spreadsheets write CSV
in different ways: the delimiter is a comma, a semicolon (as European spreadsheets write it) or a
tab, taken from the header line; the text is UTF-8, with or without a byte-order mark. Blank
lines are left out. Every problem is reported with its line number, all of them at once.
"""

from __future__ import annotations

import csv
import io
from typing import NamedTuple

from roomdesk.domain.rooms import LABEL_MAX_LENGTH

# More people than this are more than one batch; it also bounds the work a preview does.
MAX_ROSTER_ROWS = 1_000
# Problems listed at once: past this many the file is the wrong one, and more lines say nothing.
MAX_PROBLEMS_SHOWN = 20
DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
# Header names each column may go by, compared after lower-casing and trimming.
COLUMN_NAMES = {
    "name": ("name", "full name", "fullname", "participant", "person", "attendee"),
    "group": ("group", "team", "breakout", "breakout room", "room"),
    "email": ("email", "e-mail", "mail", "email address", "e-mail address"),
}


class RosterError(ValueError):
    """A roster that cannot be used; ``problems`` are sentences, most naming their line."""

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        if len(problems) > len(shown):
            shown.append(f"and {len(problems) - len(shown)} more problems")
        super().__init__("; ".join(shown))
        self.problems = problems


class RosterPerson(NamedTuple):
    line: int  # where the person's row starts in the file, counting from 1
    name: str
    group: str  # "" when the roster has no group column or the cell is empty
    email: str


class Roster(NamedTuple):
    people: tuple[RosterPerson, ...]
    delimiter: str
    has_groups: bool

    def groups(self) -> dict[str, list[RosterPerson]]:
        """The people of each group, groups in the order they first appear."""
        found: dict[str, list[RosterPerson]] = {}
        for person in self.people:
            found.setdefault(person.group, []).append(person)
        return found

    def describe(self) -> str:
        groups = f" in {len(self.groups())} groups" if self.has_groups else ""
        delimiter = _DELIMITER_NAMES[self.delimiter]
        return f"{len(self.people)} people{groups} ({delimiter}-separated)"


def decode_roster(data: bytes) -> str:
    """``data`` as text: UTF-8, a leading byte-order mark dropped. Bytes that are not UTF-8 are
    refused with the line they are on, rather than guessed at and shown as the wrong letters."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RosterError(
            [
                f"line {line} is not UTF-8 text (byte 0x{data[exc.start]:02X}); save the file "
                "as “CSV UTF-8” (Excel) or with UTF-8 encoding and try again"
            ]
        ) from None


def detect_delimiter(header: str) -> str:
    """The delimiter the header line uses most; a comma when it has none of them."""
    counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _key(cell: str) -> str:
    return " ".join(cell.split()).casefold()


def _columns(header: list[str], line: int) -> dict[str, int]:
    """Which column holds each known field; RosterError when there is no name column or a
    field appears twice."""
    found: dict[str, int] = {}
    problems = []
    for index, cell in enumerate(header):
        key = _key(cell)
        for field, names in COLUMN_NAMES.items():
            if key in names:
                if field in found:
                    problems.append(
                        f"line {line}: the header has two {field} columns "
                        f"(columns {found[field] + 1} and {index + 1}); keep one"
                    )
                else:
                    found[field] = index
    if "name" not in found:
        shown = ", ".join(f"“{cell.strip()}”" for cell in header if cell.strip()) or "nothing"
        problems.append(
            f"line {line}: the header has no name column (found {shown}); the first row must "
            "name the columns, one of them “name” (and “group”, “email” when used)"
        )
    if problems:
        raise RosterError(problems)
    return found


def _records(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """Each non-blank record with the line it starts on (a quoted cell may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records = []
    start = 1
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                records.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise RosterError([f"line {reader.line_num}: cannot be read as CSV ({exc})"]) from None
    return records


def _cell(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return " ".join(row[index].split())  # tabs and line breaks inside a cell become spaces


def _person_problem(person: RosterPerson) -> str | None:
    if not person.name:
        return f"line {person.line}: the name is empty"
    if len(person.name) > LABEL_MAX_LENGTH:
        return (
            f"line {person.line}: the name is {len(person.name)} characters long; "
            f"at most {LABEL_MAX_LENGTH} are allowed"
        )
    if len(person.group) > LABEL_MAX_LENGTH:
        return (
            f"line {person.line}: the group is {len(person.group)} characters long; "
            f"at most {LABEL_MAX_LENGTH} are allowed"
        )
    return None


def parse_roster(data: bytes, *, max_rows: int = MAX_ROSTER_ROWS) -> Roster:
    """The roster in ``data`` (a CSV file's bytes). RosterError lists every problem: text that
    is not UTF-8, no header with a name column, empty names, a row repeated (the same name in
    the same group), more than ``max_rows`` people."""
    text = decode_roster(data)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    if not first_line:
        raise RosterError(["the file is empty: the first row must name the columns"])
    delimiter = detect_delimiter(first_line)
    records = _records(text, delimiter)
    if not records:  # only separators, such as ",,,"
        raise RosterError(["the file has only empty cells: the first row must name the columns"])
    header_line, header = records[0]
    columns = _columns(header, header_line)
    rows = records[1:]
    if not rows:
        raise RosterError([f"the file has a header (line {header_line}) but nobody under it"])
    if len(rows) > max_rows:
        raise RosterError(
            [f"the roster has {len(rows):,} people; at most {max_rows:,} can be taken at once"]
        )
    people = []
    problems = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in rows:
        person = RosterPerson(
            line,
            _cell(row, columns["name"]),
            _cell(row, columns.get("group")),
            _cell(row, columns.get("email")),
        )
        if problem := _person_problem(person):
            problems.append(problem)
            continue
        key = (person.name.casefold(), person.group.casefold())
        if key in seen:
            where = f" in group “{person.group}”" if person.group else ""
            problems.append(
                f"line {line}: “{person.name}”{where} is listed already on line {seen[key]}"
            )
            continue
        seen[key] = line
        people.append(person)
    if problems:
        raise RosterError(problems)
    return Roster(tuple(people), delimiter, "group" in columns)
