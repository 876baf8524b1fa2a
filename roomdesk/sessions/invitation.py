"""The invitation a facilitator sends: a template with named placeholders, filled in from a room.

A template is plain text with ``{label}``, ``{start}``, ``{end}``, ``{timezone}``, ``{link}`` and
``{notes}``; ``{{`` and ``}}`` stand for literal braces. It is read by one regular expression
instead of ``str.format``, so a format spec, an attribute or an index in braces is a typo to
report, never something to run. Times are in the room's zone, with its UTC offset.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import NamedTuple

from roomdesk.sessions.facts import SessionFacts, shared_link

# What each placeholder stands for, in the order they are offered.
PLACEHOLDERS = {
    "label": "the room's label",
    "start": "when the session starts, with its date",
    "end": "when it ends (with the date when that is another day)",
    "timezone": "the room's time zone and its UTC offset",
    "link": "the link to join (never the host link)",
    "notes": "the room's notes, when they are included",
}
PLACEHOLDER_LIST = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
# A room without a label still needs a name in a sentence or a calendar.
FALLBACK_LABEL = "Video session"

DEFAULT_TEMPLATE = """\
Hello,

You're invited: {label}

When: {start}–{end} ({timezone})
Join: {link}

{notes}

Open the link in a web browser when it is time; no account or app is needed.
See you there!
"""

# Live checking shows this many problems; a pasted text full of braces must not flood the form.
MAX_PROBLEMS = 10
# Longer names are shown cut and get no suggestion: matching them would cost more than it helps.
_SHOWN_NAME = 40
_SUGGESTED_NAME = 30

# Doubled braces first, so that "{{label}}" reads as literal text, as str.format reads it; then a
# placeholder on one line; then a brace left over.
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}\n]*)\}|[{}]")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class TemplateError(ValueError):
    """A template that cannot be filled in; ``problems`` names each mistake."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class Invitation(NamedTuple):
    text: str  # plain text
    html: str  # the same as an HTML fragment: escaped, the link clickable, line breaks kept


class _Piece(NamedTuple):
    kind: str  # "text" (from the template), "value" (filled in) or "link"
    text: str


def _unknown(name: str) -> str:
    shown = name if len(name) <= _SHOWN_NAME else name[:_SHOWN_NAME] + "…"
    if not name.strip():
        return f"{{{shown}}} is empty; use one of {PLACEHOLDER_LIST}"
    message = f"{{{shown}}} is not a placeholder; use one of {PLACEHOLDER_LIST}"
    if len(name) <= _SUGGESTED_NAME:
        close = difflib.get_close_matches(name.strip().lower(), PLACEHOLDERS, n=1)
        if close:
            message += f" (did you mean {{{close[0]}}}?)"
    return message


def _problems(text: str) -> Iterator[str]:
    line, counted_to = 1, 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in ("{{", "}}"):
            continue
        name = match.group(1)
        if name is not None:
            if name not in PLACEHOLDERS:
                yield _unknown(name)
            continue
        line += text.count("\n", counted_to, match.start())
        counted_to = match.start()
        if token == "{":
            yield (
                f"line {line}: a {{ is not closed on its line; "
                "write {{ for a brace that is meant as text"
            )
        else:
            yield (
                f"line {line}: a }} has no {{ before it; "
                "write }} for a brace that is meant as text"
            )


def template_problems(text: str) -> list[str]:
    """Each mistake in template ``text``, once, in the order they appear; empty when it can be
    filled in. Reads any text in one pass, so it can run on every keystroke."""
    found: dict[str, None] = {}
    extra = 0
    for problem in _problems(text):
        if problem in found:
            continue
        if len(found) < MAX_PROBLEMS:
            found[problem] = None
        else:
            extra += 1
    problems = list(found)
    if extra:
        problems.append(f"and {extra} more problem{'s' if extra != 1 else ''}")
    return problems


# -- times -------------------------------------------------------------------------------------


def _offset(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _clock(moment: datetime) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


def _day_and_clock(moment: datetime) -> str:
    """``Tuesday 8 December 2026, 14:00``: English names, whatever the computer's locale."""
    day = f"{_DAYS[moment.weekday()]} {moment.day} {_MONTHS[moment.month - 1]} {moment.year}"
    return f"{day}, {_clock(moment)}"


def time_texts(facts: SessionFacts) -> tuple[str, str, str]:
    """What ``{start}``, ``{end}`` and ``{timezone}`` say for ``facts``."""
    start = facts.start.astimezone(facts.zone)
    # A series' room ends with its last session; the text gives the first and how it repeats.
    series = facts.series
    end = (facts.end if series is None else series.first_end).astimezone(facts.zone)
    start_text = _day_and_clock(start)
    if not facts.planned:
        # No start was planned: the room has been open since it was made.
        start_text = f"open from {start_text}"
    end_text = _clock(end) if end.date() == start.date() else _day_and_clock(end)
    if series is not None:
        end_text = f"{end_text}, {series.summary()}"
    name = facts.zone.key
    offsets = (_offset(start), _offset(end))
    if name == "UTC" and offsets == ("UTC+00:00", "UTC+00:00"):
        return start_text, end_text, "UTC"
    if offsets[0] == offsets[1]:
        return start_text, end_text, f"{name}, {offsets[0]}"
    # The clocks change during the session: both offsets, so neither end is misread.
    return start_text, end_text, f"{name}, {offsets[0]} at the start, {offsets[1]} at the end"


# -- rendering ---------------------------------------------------------------------------------


def _values(facts: SessionFacts, include_notes: bool) -> dict[str, str]:
    start, end, zone = time_texts(facts)
    return {
        "label": facts.label.strip() or FALLBACK_LABEL,
        "start": start,
        "end": end,
        "timezone": zone,
        "link": shared_link(facts),
        "notes": _one_kind_of_line_break(facts.notes.strip()) if include_notes else "",
    }


def _one_kind_of_line_break(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _lines(template: str, values: dict[str, str]) -> list[list[_Piece]]:
    """The template's lines with the values filled in. A line holding only placeholders that are
    all empty (notes left out) goes, and with it the blank line it would leave doubled."""
    lines: list[list[_Piece]] = []
    for raw in _one_kind_of_line_break(template).split("\n"):
        pieces: list[_Piece] = []
        position = 0
        for match in _TOKEN.finditer(raw):
            pieces.append(_Piece("text", raw[position : match.start()]))
            name = match.group(1)
            if name is None:  # a doubled brace: template_problems let no single one through
                pieces.append(_Piece("text", match.group()[0]))
            else:
                pieces.append(_Piece("link" if name == "link" else "value", values[name]))
            position = match.end()
        pieces.append(_Piece("text", raw[position:]))
        lines.append(pieces)
    kept: list[list[_Piece]] = []
    dropped = False
    for pieces in lines:
        if _blank(pieces) and any(piece.kind != "text" for piece in pieces):
            dropped = True
            continue
        if dropped and _blank(pieces) and (not kept or _blank(kept[-1])):
            dropped = False
            continue
        dropped = False
        kept.append(pieces)
    return kept


def _blank(pieces: list[_Piece]) -> bool:
    return not any(piece.text.strip() for piece in pieces)


def _html_piece(piece: _Piece) -> str:
    escaped = html.escape(piece.text)
    if piece.kind == "link" and piece.text.lower().startswith(("https://", "http://")):
        return f'<a href="{escaped}">{escaped}</a>'
    return escaped


def render(facts: SessionFacts, template: str, *, include_notes: bool) -> Invitation:
    """The invitation to ``facts``'s session from ``template``; TemplateError if it has
    mistakes (see :func:`template_problems`)."""
    problems = template_problems(template)
    if problems:
        raise TemplateError(problems)
    lines = _lines(template, _values(facts, include_notes))
    text = "\n".join("".join(piece.text for piece in pieces) for pieces in lines)
    markup = "<br>\n".join(
        "".join(_html_piece(piece) for piece in pieces).replace("\n", "<br>\n") for pieces in lines
    )
    return Invitation(text, markup)
