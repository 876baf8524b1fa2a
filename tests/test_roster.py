"""Rosters from spreadsheets: delimiters, byte-order marks, synonyms, and every problem by line."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roomdesk.domain.roster import MAX_ROSTER_ROWS, RosterError, parse_roster


def roster_bytes(rows, *, delimiter=",", bom=False, line_end="\r\n") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=line_end).writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8")


def problems(data: bytes, **options) -> list[str]:
    with pytest.raises(RosterError) as caught:
        parse_roster(data, **options)
    return caught.value.problems


def test_a_european_spreadsheet_with_semicolons_a_bom_and_synonyms_reads_as_written():
    data = "\ufeffFull Name;TEAM;E-Mail\r\nÅse Ødegård;Blå;ase@example.org\r\n\r\nJon;Rød;\r\n"
    roster = parse_roster(data.encode("utf-8"))
    assert [(p.line, p.name, p.group, p.email) for p in roster.people] == [
        (2, "Åse Ødegård", "Blå", "ase@example.org"),
        (4, "Jon", "Rød", ""),
    ]
    assert roster.delimiter == ";" and roster.has_groups
    assert roster.describe() == "2 people in 2 groups (semicolon-separated)"


def test_tabs_and_a_roster_without_groups():
    roster = parse_roster(b"name\temail\nAna\ta@x.org\nBo\t\n")
    assert roster.delimiter == "\t" and not roster.has_groups
    assert [p.name for p in roster.people] == ["Ana", "Bo"]
    assert roster.groups() == {"": list(roster.people)}


def test_a_quoted_cell_over_two_lines_keeps_the_line_numbers_of_later_rows():
    data = b'name,group\n"Ana\nMaria",A\n,B\n'
    # The second person starts on line 4: the first took lines 2 and 3.
    assert problems(data) == ["line 4: the name is empty"]
    roster = parse_roster(b'name,group\n"Ana\nMaria",A\nBo,B\n')
    assert [(p.line, p.name) for p in roster.people] == [(2, "Ana Maria"), (4, "Bo")]


def test_no_name_column_says_what_the_header_has():
    assert problems(b"\n\nwho,group\nAna,A\n") == [
        "line 3: the header has no name column (found “who”, “group”); the first row must "
        "name the columns, one of them “name” (and “group”, “email” when used)"
    ]


def test_every_empty_name_and_repeated_row_is_named_by_line_at_once():
    data = b"name,group\nAna,A\n ,B\nBo,B\nana ,a\n,C\n"
    assert problems(data) == [
        "line 3: the name is empty",
        "line 5: “ana” in group “a” is listed already on line 2",
        "line 6: the name is empty",
    ]


def test_the_same_name_in_two_groups_is_two_people():
    roster = parse_roster(b"name,group\nAna,A\nAna,B\n")
    assert [(p.name, p.group) for p in roster.people] == [("Ana", "A"), ("Ana", "B")]


def test_more_rows_than_the_cap_is_refused_with_both_numbers():
    rows = [["name"], *[[f"P{n}"] for n in range(MAX_ROSTER_ROWS + 1)]]
    assert problems(roster_bytes(rows)) == [
        "the roster has 1,001 people; at most 1,000 can be taken at once"
    ]
    assert len(parse_roster(roster_bytes(rows[:-1])).people) == MAX_ROSTER_ROWS
    assert problems(roster_bytes(rows[:4]), max_rows=2)[0].startswith("the roster has 3 people")


def test_bytes_that_are_not_utf8_are_refused_naming_their_line():
    data = "name,group\nAna,A\nRené,B\n".encode("cp1252")
    assert problems(data) == [
        "line 3 is not UTF-8 text (byte 0xE9); save the file as “CSV UTF-8” (Excel) or with "
        "UTF-8 encoding and try again"
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "the file is empty: the first row must name the columns"),
        (b"\n \n", "the file is empty: the first row must name the columns"),
        (b"name,group\n\n", "the file has a header (line 1) but nobody under it"),
        (b"name,full name\nA,B\n", "line 1: the header has two name columns (columns 1 and 2)"),
        (b'name\n"Ana\n', "line 2: cannot be read as CSV"),
        (b"name\n" + b"x" * 201 + b"\n", "line 2: the name is 201 characters long"),
    ],
)
def test_other_bad_files_say_what_is_wrong(data, expected):
    assert problems(data)[0].startswith(expected)


CELL = (
    st.text(
        st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\ufeff"),
        min_size=1,
        max_size=20,
    )
    .map(lambda text: " ".join(text.split()))
    .filter(bool)
)


@settings(max_examples=200, deadline=None)
@given(
    people=st.lists(
        st.tuples(CELL, CELL),
        min_size=1,
        max_size=15,
        unique_by=lambda p: (p[0].casefold(), p[1].casefold()),
    ),
    delimiter=st.sampled_from([",", ";", "\t"]),
    bom=st.booleans(),
    line_end=st.sampled_from(["\r\n", "\n"]),
    header=st.sampled_from([("name", "group"), ("Name", "Group"), ("NAME", "Team")]),
    blank_after=st.sets(st.integers(0, 15)),
)
def test_any_roster_written_by_a_csv_writer_reads_back(
    people, delimiter, bom, line_end, header, blank_after
):
    rows = [list(header)]
    for index, person in enumerate(people):
        rows.append(list(person))
        if index in blank_after:
            rows.append([])
    roster = parse_roster(roster_bytes(rows, delimiter=delimiter, bom=bom, line_end=line_end))
    assert [(p.name, p.group) for p in roster.people] == people
    assert roster.delimiter == delimiter


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_give_a_roster_or_a_roster_error(data):
    try:
        roster = parse_roster(data)
    except RosterError as exc:
        assert exc.problems and all(problem for problem in exc.problems)
    else:
        assert roster.people and all(person.name for person in roster.people)


@pytest.mark.parametrize("data", [b",", b";;;\n;;\n", b",\n \n"])
def test_a_file_of_empty_cells_is_refused_as_having_no_header(data):
    with pytest.raises(RosterError, match="only empty cells"):
        parse_roster(data)
