"""The invitation: placeholders filled in from a room, mistakes in a template named as typed."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roomdesk.sessions.facts import VIEWER_MODE
from roomdesk.sessions.invitation import (
    DEFAULT_TEMPLATE,
    FALLBACK_LABEL,
    MAX_PROBLEMS,
    PLACEHOLDERS,
    TemplateError,
    render,
    template_problems,
)
from tests.session_samples import HOST_LINK, LINK, VIEWER_LINK, session

WHEN = "When: Tuesday 8 December 2026, 14:00–15:30 (Europe/Oslo, UTC+01:00)"


def test_the_default_invitation_names_the_session_its_time_in_the_rooms_zone_and_the_link():
    text = render(session(), DEFAULT_TEMPLATE, include_notes=False).text
    assert "You're invited: Coaching with Sam" in text
    assert WHEN in text
    assert f"Join: {LINK}\n" in text
    assert "Bring one question" not in text
    # The left-out notes leave no gap of two blank lines behind.
    assert "\n\n\n" not in text


def test_notes_are_included_only_when_asked_for():
    text = render(session(), DEFAULT_TEMPLATE, include_notes=True).text
    assert "\n\nBring one question.\nWe record nothing.\n\n" in text


def test_a_room_without_a_planned_start_says_it_is_open_from_when_it_was_made():
    made = datetime(2026, 12, 7, 8, 5, tzinfo=UTC)
    text = render(session(planned=False, start=made), DEFAULT_TEMPLATE, include_notes=False).text
    assert "When: open from Monday 7 December 2026, 09:05–Tuesday 8 December 2026, 15:30" in text


def test_times_are_written_in_the_rooms_own_zone_with_its_offset():
    facts = session(zone=ZoneInfo("America/New_York"))
    text = render(facts, "{start}–{end} ({timezone})", include_notes=False).text
    assert text == "Tuesday 8 December 2026, 08:00–09:30 (America/New_York, UTC-05:00)"
    utc = render(session(zone=ZoneInfo("UTC")), "{start} {timezone}", include_notes=False).text
    assert utc == "Tuesday 8 December 2026, 13:00 UTC"
    india = render(session(zone=ZoneInfo("Asia/Kolkata")), "{timezone}", include_notes=False)
    assert india.text == "Asia/Kolkata, UTC+05:30"


def test_a_session_across_a_clock_change_gives_both_offsets():
    # Clocks in Oslo go back at 03:00 on 25 October 2026.
    facts = session(
        start=datetime(2026, 10, 24, 22, 0, tzinfo=UTC),
        end=datetime(2026, 10, 25, 3, 0, tzinfo=UTC),
    )
    text = render(facts, "{start}–{end} ({timezone})", include_notes=False).text
    assert text == (
        "Sunday 25 October 2026, 00:00–04:00 "
        "(Europe/Oslo, UTC+02:00 at the start, UTC+01:00 at the end)"
    )


def test_the_link_is_never_the_host_link_nor_holds_a_room_key():
    for facts in (
        session(),
        session(room_url=HOST_LINK),
        session(room_url=f"{LINK}?roomKey=k1&roomKey=k2"),
        session(room_mode=VIEWER_MODE, viewer_room_url=f"{VIEWER_LINK}?roomKey=k3"),
    ):
        invitation = render(facts, DEFAULT_TEMPLATE + "{link}", include_notes=True)
        for output in invitation:
            assert "roomKey" not in output and "host-secret" not in output
            assert "k1" not in output and "k3" not in output


def test_a_viewer_mode_room_invites_through_its_viewer_link():
    facts = session(room_mode=VIEWER_MODE, viewer_room_url=VIEWER_LINK)
    assert render(facts, "{link}", include_notes=False).text == VIEWER_LINK


def test_a_room_without_a_label_still_has_a_name():
    assert render(session(label="  "), "{label}", include_notes=False).text == FALLBACK_LABEL


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


def test_the_html_is_escaped_its_link_clickable_and_its_line_breaks_kept():
    facts = session(label='<script>alert("x")</script> & co', notes="<b>one</b>\ntwo")
    invitation = render(facts, DEFAULT_TEMPLATE, include_notes=True)
    parser = _Tags()
    parser.feed(invitation.html)
    assert {tag for tag, _ in parser.tags} == {"a", "br"}
    assert [attrs for tag, attrs in parser.tags if tag == "a"] == [[("href", LINK)]]
    assert parser.tags.count(("br", [])) == invitation.text.count("\n")
    # What the HTML says, read as text, is the plain invitation.
    assert "".join(parser.text).replace("\n", "") == invitation.text.replace("\n", "")
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in invitation.html


def test_a_link_that_is_not_a_web_address_is_not_made_clickable():
    invitation = render(session(room_url="javascript:alert(1)"), "{link}", include_notes=False)
    assert invitation.html == "javascript:alert(1)"


# -- template mistakes -------------------------------------------------------------------------


def test_a_misspelt_placeholder_is_named_with_the_ones_there_are():
    problems = template_problems("Hi {lable}, see you at {start}")
    assert problems == [
        "{lable} is not a placeholder; use one of {label}, {start}, {end}, {timezone}, "
        "{link}, {notes} (did you mean {label}?)"
    ]


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{}", "{} is empty"),
        ("{label!r}", "{label!r} is not a placeholder"),
        ("{label:>20}", "{label:>20} is not a placeholder"),
        ("{link.__class__}", "{link.__class__} is not a placeholder"),
        ("{0}", "{0} is not a placeholder"),
        ("ok\nJoin {link", "line 2: a { is not closed on its line"),
        ("ok\n\nprice }", "line 3: a } has no { before it"),
        ("{lab\nel}", "line 1: a { is not closed on its line"),
    ],
)
def test_each_kind_of_mistake_is_named(template, expected):
    problems = template_problems(template)
    assert any(problem.startswith(expected) for problem in problems), problems
    with pytest.raises(TemplateError) as caught:
        render(session(), template, include_notes=False)
    assert caught.value.problems == problems


def test_doubled_braces_are_literal_braces():
    template = "{{label}} is {label}; {{ and }}"
    assert template_problems(template) == []
    assert render(session(), template, include_notes=False).text == (
        "{label} is Coaching with Sam; { and }"
    )


def test_a_text_full_of_mistakes_lists_a_few_and_counts_the_rest():
    problems = template_problems("".join(f"{{x{n}}}" for n in range(50)))
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1] == "and 40 more problems"


def test_the_same_mistake_twice_is_named_once():
    assert len(template_problems("{lable} and {lable}")) == 1


def test_the_default_template_has_no_mistakes():
    assert template_problems(DEFAULT_TEMPLATE) == []


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("{}ablen \n:!x") | st.characters(), max_size=60))
def test_any_text_is_checked_without_raising_and_a_clean_one_renders(text):
    problems = template_problems(text)
    assert all(isinstance(problem, str) and problem for problem in problems)
    if problems:
        with pytest.raises(TemplateError):
            render(session(), text, include_notes=True)
    else:
        render(session(), text, include_notes=True)


literal = st.text(
    alphabet=st.characters(blacklist_characters="{}\r\n", blacklist_categories=("Cs",)),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(literal, st.sampled_from(sorted(PLACEHOLDERS))), max_size=6), literal)
def test_text_around_placeholders_comes_through_unchanged(parts, tail):
    template = "".join(f"{text}{{{name}}}" for text, name in parts) + tail
    assert template_problems(template) == []
    facts = session(notes="N")
    values = {
        "label": "Coaching with Sam",
        "start": "Tuesday 8 December 2026, 14:00",
        "end": "15:30",
        "timezone": "Europe/Oslo, UTC+01:00",
        "link": LINK,
        "notes": "N",
    }
    expected = "".join(text + values[name] for text, name in parts) + tail
    assert render(facts, template, include_notes=True).text == expected


def test_a_long_text_full_of_stray_braces_gives_a_short_list():
    # A pasted text with a stray brace on every line: a few are named, the rest counted.
    problems = template_problems("{x\n" * 50_000)
    assert len(problems) == MAX_PROBLEMS + 1
    assert re.match(r"line 1: a \{ is not closed", problems[0])
    assert problems[-1] == "and 49990 more problems"
