"""Rooms exported as CSV and JSON: sessions in their zone, host links when asked, no formulas."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from roomdesk.services.export import HOST_COLUMN, rooms_csv, rooms_json
from tests.session_samples import HOST_LINK, LINK, OSLO, stored

TOKYO = "Asia/Tokyo"


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_each_room_with_its_session_in_its_own_zone_and_no_host_link():
    planned = stored(
        planned_start=datetime(2026, 12, 8, 5, 0, tzinfo=UTC),
        end_date=datetime(2026, 12, 8, 6, 30, tzinfo=UTC),
        time_zone=TOKYO,
    )
    unplanned = stored(meeting_id="m-102", end_date=datetime(2026, 12, 9, 12, tzinfo=UTC))
    text = rooms_csv([planned, unplanned], fallback_zone=OSLO)
    assert text.startswith("label,start,end,timeZone,roomUrl,viewerRoomUrl,meetingId\r\n")
    first, second = rows(text)
    assert first == {
        "label": "Coaching with Sam",
        "start": "2026-12-08T14:00:00+09:00",
        "end": "2026-12-08T15:30:00+09:00",
        "timeZone": TOKYO,
        "roomUrl": LINK,
        "viewerRoomUrl": "",
        "meetingId": "m-101",
    }
    # No session planned: no start, and the end in the zone given.
    assert (second["start"], second["end"], second["timeZone"]) == (
        "",
        "2026-12-09T13:00:00+01:00",
        "Europe/Oslo",
    )
    assert "roomKey" not in text and HOST_LINK not in text


def test_host_links_only_when_asked_for():
    text = rooms_csv([stored()], fallback_zone=OSLO, host_links=True, line_end="\n")
    [row] = rows(text)
    assert row[HOST_COLUMN] == HOST_LINK
    assert text.splitlines()[0].endswith(",meetingId,hostRoomUrl")
    assert json.loads(rooms_json([stored()], fallback_zone=OSLO))[0].keys() == {
        "label",
        "start",
        "end",
        "timeZone",
        "roomUrl",
        "viewerRoomUrl",
        "meetingId",
    }
    [record] = json.loads(rooms_json([stored()], fallback_zone=OSLO, host_links=True))
    assert record[HOST_COLUMN] == HOST_LINK


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_no_label_becomes_a_formula_and_json_keeps_it_exact(label):
    room = stored(label=label)
    [row] = rows(rooms_csv([room], fallback_zone=OSLO))
    assert not row["label"].startswith(("=", "+", "-", "@", "\t", "\r"))
    assert row["label"] in (label, "'" + label)
    [record] = json.loads(rooms_json([room], fallback_zone=OSLO))
    assert record["label"] == label
