"""``roomdesk-cli presets`` (save, list, show, delete) and what ``create --preset`` does.

Presets live in the config folder's ``presets.json``, shared with the window; the secrets one
refers to (an S3 secret access key, a stream key) stay in the keychain. An unknown preset exits
2 naming the known ones.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from roomdesk.api.requests import MeetingRequest, RoomNamePattern
from roomdesk.cli.base import EXIT_BAD_INPUT, EXIT_OK, EXIT_STORAGE, CliError, say_error, visible
from roomdesk.cli.parsing import parse_duration
from roomdesk.domain.rooms import RoomMode
from roomdesk.domain.times import minutes_text, next_wall_time
from roomdesk.paths import app_paths
from roomdesk.services.preset_file import PresetFile, PresetFileError, PresetList, save_presets
from roomdesk.services.presets import (
    Preset,
    PresetError,
    PresetSecrets,
    find_preset,
    name_problem,
    parse_time_of_day,
    read_secrets,
    request_options,
    unknown_preset_message,
)

if TYPE_CHECKING:
    from roomdesk.cli.commands import Context

# What ``create`` takes when neither an option nor a preset says.
_CREATE_DEFAULTS: dict[str, Any] = {
    "mode": RoomMode.NORMAL.value,
    "prefix": "",
    "pattern": RoomNamePattern.UUID.value,
    "host_link": False,
    "viewer_link": False,
    "locked": False,
    "viewer_mode": False,
}


def _load(ctx: Context) -> tuple[PresetFile, PresetList]:
    file = PresetFile(app_paths().ensure().presets_file)
    try:
        loaded = file.load()
    except PresetFileError as exc:
        raise CliError(str(exc), EXIT_STORAGE) from None
    for warning in loaded.warnings:
        say_error(warning, ctx.err, kind="warning")
    return file, loaded


def _named(name: str, loaded: PresetList) -> Preset:
    preset = find_preset(loaded.presets, name)
    if preset is None:
        raise CliError(unknown_preset_message(name, loaded.presets), EXIT_BAD_INPUT)
    return preset


def _save(file: PresetFile, loaded: PresetList, presets: list[Preset], ctx: Context) -> None:
    try:
        save_presets(
            file,
            presets,
            kept_raw=loaded.kept_raw,
            secrets=ctx.keys.named_secrets(),
            before=loaded.presets,
        )
    except PresetFileError as exc:
        raise CliError(str(exc), EXIT_STORAGE) from None


# -- create --preset ------------------------------------------------------------------------------


def prepare_create(
    args: argparse.Namespace, ctx: Context, zone_name: str, now: datetime
) -> Preset | None:
    """Fill the options of ``create`` not given from ``--preset`` (if any), then from the
    defaults; returns the preset. A preset's start time becomes ``--start`` on its next day."""
    preset = None
    if args.preset is not None:
        preset = _named(args.preset, _load(ctx)[1])
        chosen = {
            "mode": preset.room_mode.value,
            "prefix": preset.prefix,
            "pattern": preset.pattern.value,
            "host_link": preset.host_link,
            "viewer_link": preset.viewer_link,
            "locked": preset.locked,
            "viewer_mode": preset.viewer_mode,
        }
        for key, value in chosen.items():
            if getattr(args, key) is None:
                setattr(args, key, value)
        if args.end is None and args.duration is None and preset.duration_minutes is not None:
            args.duration = f"{preset.duration_minutes}m"
        if args.start is None and preset.start_time is not None:
            wall = next_wall_time(preset.start_time, zone_name, now)
            args.start = wall.isoformat(timespec="minutes")
    for key, value in _CREATE_DEFAULTS.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.end is None and args.duration is None:
        given = f" (the preset “{preset.name}” has no length)" if preset else ""
        raise CliError(f"one of the arguments --end --duration is required{given}", EXIT_BAD_INPUT)
    return preset


def with_preset_options(
    request: MeetingRequest, preset: Preset | None, ctx: Context, now: datetime
) -> MeetingRequest:
    """``request`` with the preset's recording, transcription and streaming; a secret the
    keychain no longer has stops the create with a message saying which."""
    if preset is None:
        return request
    options = request_options(preset, _secrets(preset, ctx))
    return replace(
        request,
        recording=options.recording,
        live_transcription=options.live_transcription,
        streaming=options.streaming,
    ).validate(now)


def _secrets(preset: Preset, ctx: Context) -> PresetSecrets:
    if not preset.secret_names:
        return read_secrets(preset, lambda _name: None)
    secrets = read_secrets(preset, ctx.keys.named_secrets().get)
    if secrets.missing:
        hint = " Save it again in the window's create dialog to keep the secret again."
        raise CliError(" ".join(secrets.missing) + hint, EXIT_BAD_INPUT)
    return secrets


# -- presets ------------------------------------------------------------------------------------


async def cmd_presets(args: argparse.Namespace, ctx: Context) -> int:
    action = {"save": _save_command, "list": _list, "show": _show, "delete": _delete}
    return action[args.presets_command](args, ctx)


def _save_command(args: argparse.Namespace, ctx: Context) -> int:
    file, loaded = _load(ctx)
    existing = find_preset(loaded.presets, args.name)
    others = [p for p in loaded.presets if p is not existing]
    if existing is not None and not args.force:
        raise CliError(
            f"There is already a preset called “{existing.name}”: add --force to replace it.",
            EXIT_BAD_INPUT,
        )
    if problem := name_problem(args.name, (p.name for p in others)):
        raise CliError(problem, EXIT_BAD_INPUT)
    try:
        preset = Preset(
            name=args.name,
            room_mode=RoomMode(args.mode or RoomMode.NORMAL.value),
            host_link=bool(args.host_link),
            viewer_link=bool(args.viewer_link),
            prefix=args.prefix or "",
            pattern=RoomNamePattern(args.pattern or RoomNamePattern.UUID.value),
            locked=bool(args.locked),
            viewer_mode=bool(args.viewer_mode),
            duration_minutes=None
            if args.duration is None
            else parse_duration(args.duration) // timedelta(minutes=1),
            start_time=None if args.start is None else parse_time_of_day(args.start),
            invitation_template=None if args.template is None else _read_template(args.template),
        ).check()
    except PresetError as exc:
        raise CliError(str(exc), EXIT_BAD_INPUT) from None
    kept = [preset if p is existing else p for p in loaded.presets]
    _save(file, loaded, kept if existing else [*kept, preset], ctx)
    verb = "replaced" if existing else "saved"
    print(visible(f"Preset “{preset.name}” {verb}: {_summary(preset)}."), file=ctx.out)
    return EXIT_OK


def _list(args: argparse.Namespace, ctx: Context) -> int:
    presets = _load(ctx)[1].presets
    if args.json:
        print(json.dumps([p.to_dict() for p in presets], indent=2), file=ctx.out)
    elif not presets:
        print("No presets yet: save one with 'roomdesk-cli presets save NAME …'.", file=ctx.out)
    for preset in [] if args.json else presets:
        print(visible(f"{preset.name}: {_summary(preset)}"), file=ctx.out)
    return EXIT_OK


def _show(args: argparse.Namespace, ctx: Context) -> int:
    preset = _named(args.name, _load(ctx)[1])
    if args.json:
        print(json.dumps(preset.to_dict(), indent=2), file=ctx.out)
        return EXIT_OK
    rows = [
        ("Name", preset.name),
        ("Room", _summary(preset)),
        ("Prefix", preset.prefix or "-"),
        ("Name style", preset.pattern.value),
        ("Recording", preset.recording_type.value),
        ("Transcription", "on" if preset.transcription else "off"),
        ("Streaming", "on" if preset.streaming else "off"),
        ("Keychain secrets", ", ".join(preset.secret_names) or "-"),
        ("Invitation", "its own template" if preset.invitation_template else "the usual one"),
    ]
    for title, value in rows:
        print(visible(f"{title + ':':18}{value}"), file=ctx.out)
    return EXIT_OK


def _delete(args: argparse.Namespace, ctx: Context) -> int:
    file, loaded = _load(ctx)
    preset = _named(args.name, loaded)
    _save(file, loaded, [p for p in loaded.presets if p is not preset], ctx)
    print(visible(f"Preset “{preset.name}” deleted."), file=ctx.out)
    return EXIT_OK


# -- helpers ------------------------------------------------------------------------------------


def _read_template(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise CliError(f"--template {path}: {reason}", EXIT_BAD_INPUT) from None


def _summary(preset: Preset) -> str:
    """ "group room, 1 h 30 min, starting 09:30, host and viewer links, locked"."""
    parts = [f"{preset.room_mode.value} room"]
    if preset.viewer_mode:
        parts = ["viewer-mode room"]
    if preset.duration_minutes is not None:
        parts.append(minutes_text(preset.duration_minutes))
    if preset.start_time is not None:
        parts.append(f"starting {preset.start_time:%H:%M}")
    links = [
        name for name, on in (("host", preset.host_link), ("viewer", preset.viewer_link)) if on
    ]
    if links and not preset.viewer_mode:
        parts.append(f"{' and '.join(links)} link{'s' if len(links) > 1 else ''}")
    if preset.locked and not preset.viewer_mode:
        parts.append("locked")
    return ", ".join(parts)


COMMANDS = {"presets": cmd_presets}

__all__ = ["COMMANDS", "prepare_create", "with_preset_options"]
