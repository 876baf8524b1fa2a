"""Preferences and window state, kept with QSettings in roomdesk's config directory."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

from roomdesk.api.errors import RequestValidationError
from roomdesk.domain.rooms import RoomMode
from roomdesk.domain.times import get_zone
from roomdesk.paths import AppPaths
from roomdesk.timezones import system_zone_name

RECENT_ZONES_KEPT = 5


class AppSettings:
    """Typed access to the settings file; every getter falls back to a sensible default."""

    def __init__(self, paths: AppPaths) -> None:
        self._settings = QSettings(str(paths.settings_file), QSettings.Format.IniFormat)

    def sync(self) -> None:
        self._settings.sync()

    def _text(self, key: str, default: str = "") -> str:
        value = self._settings.value(key, default)
        return value if isinstance(value, str) else default

    def _flag(self, key: str, default: bool) -> bool:
        value = self._settings.value(key, default)
        if isinstance(value, str):
            return value.lower() in ("true", "1", "yes")
        return bool(value)

    # -- room defaults ------------------------------------------------------------------------

    @property
    def default_zone(self) -> str:
        """The zone new rooms start in: the chosen default, else the system's."""
        zone = self._text("rooms/default_zone")
        return zone if zone and _is_zone(zone) else system_zone_name()

    @default_zone.setter
    def default_zone(self, zone: str) -> None:
        self._settings.setValue("rooms/default_zone", zone)

    @property
    def has_default_zone(self) -> bool:
        return bool(self._text("rooms/default_zone"))

    @property
    def last_zone(self) -> str:
        """The zone last used in the create dialog, else the default one."""
        zone = self._text("rooms/last_zone")
        return zone if zone and _is_zone(zone) else self.default_zone

    @last_zone.setter
    def last_zone(self, zone: str) -> None:
        self._settings.setValue("rooms/last_zone", zone)
        recent = [zone, *(z for z in self.recent_zones if z != zone)][:RECENT_ZONES_KEPT]
        self._settings.setValue("rooms/recent_zones", recent)

    @property
    def recent_zones(self) -> list[str]:
        value = self._settings.value("rooms/recent_zones", [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):  # None, or a number in a hand-edited settings file
            return []
        return [zone for zone in value if isinstance(zone, str) and _is_zone(zone)]

    @property
    def default_host_link(self) -> bool:
        return self._flag("rooms/host_link", True)

    @default_host_link.setter
    def default_host_link(self, on: bool) -> None:
        self._settings.setValue("rooms/host_link", bool(on))

    @property
    def default_viewer_link(self) -> bool:
        return self._flag("rooms/viewer_link", False)

    @default_viewer_link.setter
    def default_viewer_link(self, on: bool) -> None:
        self._settings.setValue("rooms/viewer_link", bool(on))

    @property
    def default_room_mode(self) -> RoomMode:
        try:
            return RoomMode(self._text("rooms/room_mode", RoomMode.NORMAL.value))
        except ValueError:
            return RoomMode.NORMAL

    @default_room_mode.setter
    def default_room_mode(self, mode: RoomMode) -> None:
        self._settings.setValue("rooms/room_mode", RoomMode(mode).value)

    @property
    def plan_start(self) -> bool:
        """Whether the create form opens with "Plan a start" ticked: as it was last left."""
        return self._flag("rooms/plan_start", False)

    @plan_start.setter
    def plan_start(self, on: bool) -> None:
        self._settings.setValue("rooms/plan_start", bool(on))

    @property
    def last_preset(self) -> str:
        """The preset last chosen in the create dialog; "" for none."""
        return self._text("rooms/last_preset")

    @last_preset.setter
    def last_preset(self, name: str) -> None:
        self._settings.setValue("rooms/last_preset", name)

    # -- reminders and the system tray ----------------------------------------------------------

    @property
    def keep_in_tray(self) -> bool:
        """Whether closing the window leaves the app running in the system tray."""
        return self._flag("app/keep_in_tray", False)

    @keep_in_tray.setter
    def keep_in_tray(self, on: bool) -> None:
        self._settings.setValue("app/keep_in_tray", bool(on))

    @property
    def reminder_minutes(self) -> int:
        """How many minutes before a planned start its reminder comes; 0 for none. A value
        out of range (a hand-edited file) reads as the default."""
        # Imported here: the first frame reads other settings, and needs no reminders.
        from roomdesk.services.reminders import DEFAULT_LEAD_MINUTES, check_lead_minutes

        value = self._settings.value("reminders/lead_minutes", DEFAULT_LEAD_MINUTES)
        try:
            return check_lead_minutes(int(value) if isinstance(value, int | str) else -1)
        except ValueError:
            return DEFAULT_LEAD_MINUTES

    @reminder_minutes.setter
    def reminder_minutes(self, minutes: int) -> None:
        from roomdesk.services.reminders import check_lead_minutes

        self._settings.setValue("reminders/lead_minutes", check_lead_minutes(minutes))

    # -- invitations --------------------------------------------------------------------------

    @property
    def invitation_template(self) -> str:
        """The template invitations are written from; the default one when none was saved or
        the saved one cannot be filled in (a hand-edited file)."""
        # Imported here: the first frame needs no invitations.
        from roomdesk.sessions.invitation import DEFAULT_TEMPLATE, template_problems

        template = self._text("invitation/template")
        if not template.strip() or template_problems(template):
            return DEFAULT_TEMPLATE
        return template

    @invitation_template.setter
    def invitation_template(self, template: str) -> None:
        from roomdesk.sessions.invitation import DEFAULT_TEMPLATE

        if template == DEFAULT_TEMPLATE:
            # Nothing kept: a later version's better default then reaches this person too.
            self._settings.remove("invitation/template")
        else:
            self._settings.setValue("invitation/template", template)

    @property
    def include_notes_in_invitation(self) -> bool:
        """Whether invitations carry the room's notes; off unless chosen, as notes are kept
        for the facilitator and may not be meant for everyone invited."""
        return self._flag("invitation/include_notes", False)

    @include_notes_in_invitation.setter
    def include_notes_in_invitation(self, on: bool) -> None:
        self._settings.setValue("invitation/include_notes", bool(on))

    # -- window state ---------------------------------------------------------------------------

    def _bytes(self, key: str) -> QByteArray | None:
        value = self._settings.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    @property
    def window_geometry(self) -> QByteArray | None:
        return self._bytes("window/geometry")

    @window_geometry.setter
    def window_geometry(self, value: QByteArray) -> None:
        self._settings.setValue("window/geometry", value)

    @property
    def window_state(self) -> QByteArray | None:
        return self._bytes("window/state")

    @window_state.setter
    def window_state(self, value: QByteArray) -> None:
        self._settings.setValue("window/state", value)

    @property
    def table_header(self) -> QByteArray | None:
        return self._bytes("window/table_header")

    @table_header.setter
    def table_header(self, value: QByteArray) -> None:
        self._settings.setValue("window/table_header", value)

    @property
    def details_splitter(self) -> QByteArray | None:
        return self._bytes("window/details_splitter")

    @details_splitter.setter
    def details_splitter(self, value: QByteArray) -> None:
        self._settings.setValue("window/details_splitter", value)

    @property
    def details_pane_visible(self) -> bool:
        return self._flag("window/details_pane", True)

    @details_pane_visible.setter
    def details_pane_visible(self, on: bool) -> None:
        self._settings.setValue("window/details_pane", bool(on))

    @property
    def show_past(self) -> bool:
        return self._flag("window/show_past", False)

    @show_past.setter
    def show_past(self, on: bool) -> None:
        self._settings.setValue("window/show_past", bool(on))


def _is_zone(name: str) -> bool:
    try:
        get_zone(name)
    except RequestValidationError:
        return False
    return True
