"""Properties of meeting ids, room links and list pages from a server that may send anything.

An id that passes the check stays one path segment below ``/meetings``; a link that passes is an
https link to whereby.com with nothing hidden in it; a page keeps every meeting it can read and
names the rest; storing what it kept never loses what was stored before.
"""

from __future__ import annotations

import string
import unicodedata
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from hypothesis import example, given
from hypothesis import strategies as st

from roomdesk.api.client import WherebyClient
from roomdesk.api.errors import MalformedResponseError, RequestValidationError
from roomdesk.api.models import (
    Meeting,
    MeetingsPage,
    check_meeting_id,
    meeting_id_problem,
    room_link_problem,
)
from roomdesk.services.sync import store_page
from roomdesk.store import RoomStore
from tests.test_properties import PROPERTY, json_values, near_valid_meetings, url_texts

BASE = "https://api.whereby.dev/v1/"

meeting_id_texts = st.one_of(
    st.text(max_size=20),
    st.text(alphabet="./%2eE\\?#~-_ a1", max_size=8),
    st.text(alphabet=string.ascii_letters + string.digits + "._~-", min_size=1, max_size=140),
    st.sampled_from([".", "..", "...", "./.", "%2e", "%2e%2e", "a/..", "\x00", "1\n", "1 "]),
)

link_texts = st.one_of(
    url_texts,
    st.builds(
        lambda scheme, host, rest: f"{scheme}://{host}{rest}",
        st.sampled_from(["https", "HTTPS", "http", "hTTps", "ftp"]),
        st.one_of(
            st.sampled_from(
                [
                    "team.whereby.com",
                    "whereby.com",
                    "a.b.whereby.com",
                    "evilwhereby.com",
                    "whereby.com.evil.example",
                    "whereby.com@evil.example",
                    "team.whereby.com:443",
                    "team.whereby.com.",
                    "",
                ]
            ),
            st.text(alphabet=string.ascii_lowercase + ".-@:[]", max_size=24),
        ),
        st.text(max_size=24),
    ),
)


def hidden(text: str) -> bool:
    """Whether ``text`` holds a character a person would not see, or one that ends a URL."""
    return any(unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp") for char in text)


@PROPERTY
@given(meeting_id_texts)
@example("..")
@example(".")
@example("")
def test_an_accepted_meeting_id_is_one_path_segment_below_meetings(meeting_id: str) -> None:
    problem = meeting_id_problem(meeting_id)
    try:
        checked = check_meeting_id(meeting_id)
    except RequestValidationError as exc:
        assert problem is not None and problem in str(exc)
        return
    assert problem is None and checked == meeting_id
    assert quote(meeting_id, safe="") == meeting_id  # nothing to encode, nothing to decode
    path = WherebyClient._meeting_path(meeting_id)
    url = httpx.URL(BASE).join(path)
    assert url.path == f"/v1/meetings/{meeting_id}"
    assert url.host == "api.whereby.dev" and not url.query


@PROPERTY
@given(link_texts)
@example("HTTPS://evil.example/?roomKey=k")
@example("https://team.whereby.com/r\u202e")
@example("https://whereby.com@evil.example/")
def test_an_accepted_link_is_https_to_whereby_with_nothing_hidden(link: str) -> None:
    if room_link_problem(link) is not None:
        return
    parts = urlsplit(link)
    assert parts.scheme.lower() == "https"
    host = parts.hostname or ""
    assert host == "whereby.com" or host.endswith(".whereby.com")
    assert parts.port is None and parts.username is None and parts.password is None
    assert not hidden(link)
    assert httpx.URL(link).host == host  # a browser's parser agrees on where it goes


@PROPERTY
@given(st.lists(near_valid_meetings() | json_values | st.just({}), max_size=6))
def test_a_page_keeps_what_it_can_read_and_names_the_rest(results: list[Any]) -> None:
    page = MeetingsPage.from_json({"results": results, "cursor": None})
    assert len(page.meetings) + len(page.skipped) == len(results)
    for meeting in page.meetings:
        assert meeting_id_problem(meeting.meeting_id) is None
        for link in (meeting.room_url, meeting.host_room_url, meeting.viewer_room_url):
            assert link is None or room_link_problem(link) is None
    for item in page.skipped:
        assert item.describe().startswith("Skipped ")
        assert item.meeting_id is None or meeting_id_problem(item.meeting_id) is None
        assert "roomKey" not in item.reason  # a host link is never quoted


def test_storing_any_page_loses_nothing_stored_before(tmp_path) -> None:
    with RoomStore(tmp_path / "rooms.sqlite3") as store:
        kept = {}
        for number in range(3):
            good = {
                "meetingId": f"kept-{number}",
                "roomUrl": f"https://team.whereby.com/kept-{number}",
                "endDate": "2030-01-01T11:00:00Z",
            }
            store.upsert_imported(Meeting.from_json(good))
            kept[good["meetingId"]] = store.set_label(good["meetingId"], f"Label {number}")

        @PROPERTY
        @given(st.lists(near_valid_meetings() | json_values, max_size=5))
        def store_any_page(results: list[Any]) -> None:
            try:
                page = MeetingsPage.from_json({"results": results, "cursor": None})
            except MalformedResponseError:
                return
            store_page(list(page.meetings), store)
            for meeting_id, before in kept.items():
                after = store.get(meeting_id)
                assert after is not None and after.label == before.label

        store_any_page()
