"""A link per person: the room's link with their name filled in and an id for Whereby's
Insights, plus the room's language and whether they join with camera or microphone off.

The rules are Whereby's, from its list of URL parameters: ``displayName`` takes up to 100
characters, none of ``$!<>:;``; ``externalId`` up to 36 of ``A-Z a-z 0-9 - _``; ``lang`` one
of the listed codes; ``video=off`` and ``audio=off`` start with camera and microphone off.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple
from urllib.parse import quote, unquote_plus, urlsplit, urlunsplit

from roomdesk.sessions.facts import without_room_key

DISPLAY_NAME_MAX = 100
DISPLAY_NAME_FORBIDDEN = "$!<>:;"
EXTERNAL_ID_MAX = 36
_EXTERNAL_ID = re.compile(r"[A-Za-z0-9_-]+")
# The codes Whereby's rooms take, as its documentation spells them (Japanese is "jp").
LANGUAGES = {
    "cs": "Czech",
    "zh-hant": "Chinese (Traditional)",
    "da": "Danish",
    "nl": "Dutch",
    "en": "English",
    "fr": "French",
    "de": "German",
    "el": "Greek",
    "hi": "Hindi",
    "hu": "Hungarian",
    "it": "Italian",
    "jp": "Japanese",
    "nb": "Norwegian",
    "pt": "Portuguese",
    "pl": "Polish",
    "es": "Spanish",
    "sv": "Swedish",
    "uk": "Ukrainian",
}
# The parameters a personal link sets; the same ones already in the room's link give way.
_OWN_PARAMETERS = {"displayname", "externalid", "lang", "audio", "video", "roomkey"}
# Latin letters that Unicode does not split into a base letter and a mark.
_FOLDS = str.maketrans(
    {"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "đ": "d",
     "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D", "ı": "i"}
)  # fmt: skip
# An id for a name with no letter or digit of A-Z a-z 0-9 at all (written in another script).
FALLBACK_ID = "person"


class LinkOptions(NamedTuple):
    lang: str | None = None  # one of LANGUAGES
    camera_off: bool = False
    microphone_off: bool = False


NO_OPTIONS = LinkOptions()


class PersonalLink(NamedTuple):
    name: str
    external_id: str
    link: str


class PersonalLinkError(ValueError):
    """Names, ids or options that cannot make links; ``problems`` names each, by person."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def parse_names(text: str) -> list[str]:
    """One name a line, trimmed; blank lines left out."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _utf16_length(text: str) -> int:
    # Browsers count a string's length in UTF-16 units: an emoji counts as two.
    return len(text.encode("utf-16-le")) // 2


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a display name, as a phrase after it, or None when it can."""
    if not name.strip():
        return "is empty"
    length = _utf16_length(name)
    if length > DISPLAY_NAME_MAX:
        counted = " (some characters count as two)" if length != len(name) else ""
        return f"is {length} characters long{counted}; Whereby takes at most {DISPLAY_NAME_MAX}"
    bad = sorted({char for char in name if char in DISPLAY_NAME_FORBIDDEN})
    if bad:
        forbidden = " ".join(DISPLAY_NAME_FORBIDDEN)
        return f"contains {' '.join(bad)}; Whereby allows none of {forbidden} in a name"
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in name):
        # A tab or a line break would also split the name across columns or rows of the list.
        return "contains a control or formatting character (a tab, a line break or similar)"
    return None


def lang_problem(code: str) -> str | None:
    """Why ``code`` is not a language Whereby's rooms offer, or None."""
    if code in LANGUAGES:
        return None
    offered = ", ".join(f"{key} ({name})" for key, name in LANGUAGES.items())
    return f"“{code}” is not a language Whereby offers; use one of {offered}"


def external_id_problem(external_id: str) -> str | None:
    """Why ``external_id`` cannot be an externalId, as a phrase after it, or None."""
    if not external_id:
        return "is empty"
    if len(external_id) > EXTERNAL_ID_MAX:
        return f"is {len(external_id)} characters long; Whereby takes at most {EXTERNAL_ID_MAX}"
    if not _EXTERNAL_ID.fullmatch(external_id):
        return "may only hold A-Z, a-z, 0-9, '-' and '_'"
    return None


def derive_external_id(name: str) -> str:
    """An externalId made from ``name``: accents dropped, lower case, spaces as '-', whatever
    else Whereby does not take left out, at most 36 characters."""
    folded = unicodedata.normalize("NFKD", name.translate(_FOLDS))
    ascii_only = folded.encode("ascii", "ignore").decode("ascii").lower()
    dashed = "-".join(ascii_only.split())
    kept = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9_-]", "", dashed)).strip("-_")
    return kept[:EXTERNAL_ID_MAX].rstrip("-_") or FALLBACK_ID


def unique_external_ids(names: Sequence[str]) -> list[str]:
    """An externalId for each name in turn; one already given gets -2, -3, … (within 36)."""
    taken: set[str] = set()
    found = []
    for name in names:
        base = derive_external_id(name)
        candidate, number = base, 1
        while candidate in taken:
            number += 1
            suffix = f"-{number}"
            candidate = base[: EXTERNAL_ID_MAX - len(suffix)].rstrip("-_") + suffix
        taken.add(candidate)
        found.append(candidate)
    return found


def _with_parameters(link: str, parameters: list[tuple[str, str]]) -> str:
    """``link`` with ``parameters`` added to its query; what was there stays as it was written,
    except a parameter these replace (and a host key, which nothing handed out may carry)."""
    parts = urlsplit(without_room_key(link))
    kept = [
        item
        for item in parts.query.split("&")
        if item and unquote_plus(item.partition("=")[0]).strip().lower() not in _OWN_PARAMETERS
    ]
    # %20 for a space, not '+': every reader of a query decodes it the same way.
    added = [f"{quote(key, safe='')}={quote(value, safe='')}" for key, value in parameters]
    return urlunsplit(parts._replace(query="&".join(kept + added)))


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


class PersonProblems(NamedTuple):
    """What is wrong with one person's name and with their externalId, each a sentence that
    names the person, or None."""

    name: str | None = None
    external_id: str | None = None


def people_problems(names: Sequence[str], external_ids: Sequence[str]) -> list[PersonProblems]:
    """The problems of each person in the order of ``names``, with ``external_ids`` in the same
    order; a name or an id used before is the later person's problem."""
    found = []
    seen_names: dict[str, str] = {}
    seen_ids: dict[str, str] = {}
    for name, external_id in zip(names, external_ids, strict=True):
        name_text = id_text = None
        if problem := name_problem(name):
            name_text = f"“{name}” {problem}"
        elif (key := _name_key(name)) in seen_names:
            name_text = (
                f"“{name}” is listed twice (as “{seen_names[key]}” before); "
                "give each person a name of their own"
            )
        else:
            seen_names[key] = name
        if problem := external_id_problem(external_id):
            id_text = f"the externalId of “{name}”, “{external_id}”, {problem}"
        elif external_id.casefold() in seen_ids:
            id_text = (
                f"the externalId of “{name}”, “{external_id}”, is also that of "
                f"“{seen_ids[external_id.casefold()]}”; each person needs their own"
            )
        else:
            seen_ids[external_id.casefold()] = name
        found.append(PersonProblems(name_text, id_text))
    return found


def personal_links(
    link: str,
    names: Sequence[str],
    *,
    options: LinkOptions = NO_OPTIONS,
    external_ids: Sequence[str] | None = None,
) -> list[PersonalLink]:
    """A link per name, from ``link`` (the room's participant or viewer link). ``external_ids``,
    when given, are the ids to use in the same order (edited by hand); otherwise each is made
    from the name. PersonalLinkError names every person whose name or id cannot be used."""
    problems: list[str] = []
    if options.lang is not None and (problem := lang_problem(options.lang)):
        problems.append(problem)
    if not names:
        problems.append("no names given: one person a line")
    if external_ids is not None and len(external_ids) != len(names):
        raise ValueError(f"{len(external_ids)} externalIds for {len(names)} names")
    ids = list(external_ids) if external_ids is not None else unique_external_ids(names)
    problems += [problem for found in people_problems(names, ids) for problem in found if problem]
    if problems:
        raise PersonalLinkError(problems)
    extra = [("lang", options.lang)] if options.lang else []
    if options.camera_off:
        extra.append(("video", "off"))
    if options.microphone_off:
        extra.append(("audio", "off"))
    return [
        PersonalLink(
            name,
            external_id,
            _with_parameters(link, [("displayName", name), ("externalId", external_id), *extra]),
        )
        for name, external_id in zip(names, ids, strict=True)
    ]


HEADER = ("name", "externalId", "link")
# A spreadsheet takes a cell that starts with one of these for a formula, which a name such as
# "=HYPERLINK(…)" could abuse; a leading apostrophe makes the cell plain text instead.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(text: str) -> str:
    """``text`` as a spreadsheet reads it as text, never as a formula."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _rows(links: Iterable[PersonalLink]) -> Iterator[tuple[str, ...]]:
    yield HEADER
    for link in links:
        yield tuple(spreadsheet_cell(field) for field in link)


def as_tsv(links: Iterable[PersonalLink]) -> str:
    """Tab-separated, a header row first: pastes into a spreadsheet as three columns. A cell
    a spreadsheet would take for a formula starts with an apostrophe (as in :func:`as_csv`)."""
    return "".join("\t".join(row) + "\n" for row in _rows(links))


def as_csv(links: Iterable[PersonalLink], *, line_end: str = "\r\n") -> str:
    """Comma-separated (RFC 4180, quoted where needed), a header row first; ``line_end`` "\\n"
    for text that is printed, where the system puts its own line ends. A cell a spreadsheet
    would take for a formula starts with an apostrophe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=line_end)
    writer.writerows(_rows(links))
    return buffer.getvalue()
