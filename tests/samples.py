"""Answers as Whereby gives them, for tests that build their own servers."""

from __future__ import annotations

# One meeting as GET /meetings/{id} and the list pages describe it.
MEETING = {
    "meetingId": "42",
    "roomName": "/team-abc",
    "roomUrl": "https://demo.whereby.com/team-abc",
    "startDate": "2030-01-01T10:00:00Z",
    "endDate": "2030-01-01T11:00:00Z",
}
