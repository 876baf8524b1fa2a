"""The machine's IANA time zone, and the list of zones to offer."""

from __future__ import annotations

import os
import zoneinfo
from functools import cache
from pathlib import Path


def _valid(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().lstrip(":")
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None
    return name


def _from_localtime_link() -> str | None:
    try:
        target = os.path.realpath("/etc/localtime")
    except OSError:
        return None
    marker = "zoneinfo/"
    if marker in target:
        return _valid(target.split(marker, 1)[1])
    return None


def _from_etc_timezone() -> str | None:
    try:
        return _valid(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    except OSError:
        return None


def _from_qt() -> str | None:
    # Qt maps Windows and macOS zone settings to IANA names; only needed off Linux.
    try:
        from PySide6.QtCore import QTimeZone
    except ImportError:
        return None
    return _valid(bytes(QTimeZone.systemTimeZoneId().data()).decode("ascii", "replace"))


def system_zone_name() -> str:
    """The IANA name of the machine's zone (``TZ`` first), or ``UTC`` when it cannot be told."""
    for candidate in (_valid(os.environ.get("TZ")), _from_localtime_link(), _from_etc_timezone()):
        if candidate:
            return candidate
    return _from_qt() or "UTC"


@cache
def available_zone_names() -> tuple[str, ...]:
    """Every IANA zone name this machine knows, sorted, without the legacy aliases."""
    names = {
        name
        for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
    }
    names.add("UTC")
    return tuple(sorted(names))
