"""The sample rooms a demo starts with: made through the room service on the demo's own server,
with planned starts a sync keeps, after the window's first frame."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from roomdesk.app import App
from roomdesk.app_arguments import LaunchOptions
from roomdesk.paths import app_paths
from roomdesk.secrets import ApiKey, KeyStore
from roomdesk.services.demo_rooms import sample_rooms
from roomdesk.ui.session import AppSession

pytestmark = [
    pytest.mark.qt_log_ignore(
        r"This plugin does not support (propagateSizeHints\(\)|raise\(\)|grabbing the keyboard)"
    )
]

NOW = datetime(2026, 3, 10, 9, 3, 20, tzinfo=UTC)


def test_the_samples_follow_the_clock():
    coaching, workshop, office, drop_in = sample_rooms(NOW, "Europe/Oslo")
    assert coaching.label == "Coaching: Sam"
    assert coaching.planned_start == datetime(2026, 3, 10, 9, 16, tzinfo=UTC)
    assert timedelta(minutes=10) < coaching.planned_start - NOW <= timedelta(minutes=15)
    berlin = workshop.planned_start.astimezone(ZoneInfo("Europe/Berlin"))
    assert (berlin.date().isoformat(), berlin.hour, workshop.time_zone) == (
        "2026-03-11",
        14,
        "Europe/Berlin",
    )
    assert workshop.request.end_date - workshop.planned_start == timedelta(minutes=90)
    assert office.planned_start.astimezone(ZoneInfo("Europe/Oslo")).date().isoformat() == (
        "2026-03-17"
    )
    assert (drop_in.planned_start, drop_in.time_zone) == (None, None)
    assert drop_in.request.room_mode.value == "group"
    for sample in (coaching, workshop, office, drop_in):
        assert sample.notes and sample.request.end_date > NOW
        assert sample.planned_start is None or sample.planned_start <= sample.request.end_date


def demo_session(keyring_backend) -> AppSession:
    return AppSession(app_paths(), keys=KeyStore(environ={}, keyring_backend=keyring_backend))


def test_a_demo_gets_its_samples_through_the_real_path_and_a_sync_keeps_them(
    qapp, aloop, keyring_backend
):
    demo = demo_session(keyring_backend)
    aloop.run(demo.start_demo())
    try:
        assert demo.list_rooms() == []  # starting a demo alone makes nothing
        made = aloop.run(demo.add_demo_rooms("Europe/Oslo"))
        assert [room.label for room in made] == [
            "Coaching: Sam",
            "Team workshop",
            "Office hours",
            "Drop-in room",
        ]
        assert demo.emulator is not None
        assert set(demo.emulator.meeting_ids()) == {room.meeting_id for room in made}
        aloop.run(demo.sync())
        stored = {room.label: room for room in demo.list_rooms()}
        assert len(stored) == 4
        assert stored["Team workshop"].time_zone == "Europe/Berlin"
        assert stored["Coaching: Sam"].planned_start is not None
        assert stored["Drop-in room"].planned_start is None
        assert stored["Office hours"].notes.startswith("Open door")
        assert all(room.server_missing_at is None for room in stored.values())
        assert aloop.run(demo.add_demo_rooms("Europe/Oslo")) == []  # once only
    finally:
        aloop.run(demo.shutdown())


def test_a_session_with_a_key_gets_no_samples(app_session, aloop):
    aloop.run(app_session.start_with_key(ApiKey("test-key")))
    assert aloop.run(app_session.add_demo_rooms("UTC")) == []
    assert app_session.list_rooms() == []


def test_the_app_adds_them_after_the_first_frame_and_quits_cleanly_meanwhile(qapp, aloop):
    app = App(LaunchOptions(demo=True, debug=False), qapp)
    seen_at_first_frame: list[int] = []

    async def scenario() -> int:
        running = asyncio.ensure_future(app.run())
        while app.window is None or not app.window.first_frame_done:
            await asyncio.sleep(0.01)
        seen_at_first_frame.append(app.window.model.rowCount())
        while app.window.model.rowCount() < 4:
            await asyncio.sleep(0.01)
        app.window.close()
        return await running

    assert aloop.run(scenario()) == 0
    assert seen_at_first_frame == [0]


def test_the_app_can_leave_them_out(qapp, aloop):
    app = App(LaunchOptions(demo=True, debug=False), qapp, demo_rooms=False)

    async def scenario() -> int:
        running = asyncio.ensure_future(app.run())
        while app.window is None or not app.window.startup_refresh_done:
            await asyncio.sleep(0.01)
        assert app.demo_rooms_task is None and app.window.model.rowCount() == 0
        app.window.close()
        return await running

    assert aloop.run(scenario()) == 0


def test_once_they_are_made_the_refresh_reports_them(qapp, aloop):
    app = App(LaunchOptions(demo=True, debug=False), qapp)

    async def scenario() -> str:
        running = asyncio.ensure_future(app.run())
        while app.demo_rooms_task is None or not app.demo_rooms_task.done():
            await asyncio.sleep(0.01)
        while app.window.is_refreshing():
            await asyncio.sleep(0.01)
        message = app.window.statusBar().currentMessage()
        app.window.close()
        await running
        return message

    assert aloop.run(scenario()).startswith("Refreshed: 4 rooms on Whereby")


def test_the_drop_in_room_has_past_sessions_recorded_on_the_demo_server(
    qapp, aloop, keyring_backend
):
    from roomdesk.api.client import WherebyClient
    from roomdesk.api.recordings import RecordingsClient
    from roomdesk.ui.session import DEMO_API_KEY

    demo = demo_session(keyring_backend)
    aloop.run(demo.start_demo())
    try:
        made = {room.label: room for room in aloop.run(demo.add_demo_rooms("UTC"))}

        async def names_with_recordings() -> set[str]:
            found = set()
            async with WherebyClient(DEMO_API_KEY, base_url=demo.base_url) as client:
                recordings = RecordingsClient(client)
                for room in made.values():
                    async for _ in recordings.iter_recordings(room_name=room.room_name):
                        found.add(room.label)
            return found

        assert aloop.run(names_with_recordings()) == {"Drop-in room"}
    finally:
        aloop.run(demo.shutdown())
