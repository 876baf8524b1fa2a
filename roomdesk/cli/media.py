"""``roomdesk-cli`` commands for what happened in a stored room's sessions: its recordings
(``recordings list``, ``recordings delete``), its transcripts (``transcripts list``,
``transcripts create``) and who attended (``attendance``).

Lists are fetched from Whereby and kept in the room list. Access links are never fetched or
printed here. A meeting that is not stored exits 2, as elsewhere.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

from roomdesk.api.media_models import Recording, Transcription, TranscriptionState
from roomdesk.cli.base import EXIT_BAD_INPUT, EXIT_OK, CliError, confirm, visible
from roomdesk.cli.output import display_width
from roomdesk.domain.times import format_utc, get_zone
from roomdesk.services.attendance import (
    LAG_NOTE,
    MERGE_RULE,
    PersonAttendance,
    SessionAttendance,
    as_csv,
)
from roomdesk.services.media import MediaService, UnknownRoomError
from roomdesk.timezones import system_zone_name

if TYPE_CHECKING:
    from roomdesk.cli.commands import Context

Command = Callable[[argparse.Namespace, "Context"], Coroutine[Any, Any, int]]


@asynccontextmanager
async def _service(ctx: Context) -> AsyncIterator[MediaService]:
    """The media service on the room list and a client, both closed afterwards; a meeting
    that is not stored is bad input."""
    with ctx.open_store() as store:
        async with ctx.client() as client:
            try:
                yield MediaService(client, store)
            except UnknownRoomError as exc:
                raise CliError(str(exc), EXIT_BAD_INPUT) from None


def _local(moment: datetime) -> str:
    return moment.astimezone(get_zone(system_zone_name())).strftime("%Y-%m-%d %H:%M %Z")


def _clock(moment: datetime) -> str:
    return moment.astimezone(get_zone(system_zone_name())).strftime("%H:%M")


def _table(rows: Sequence[Sequence[str]], out: TextIO, indent: str = "") -> None:
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = (cell + " " * (widths[i] - display_width(cell)) for i, cell in enumerate(row))
        print((indent + "  ".join(cells)).rstrip(), file=out)


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min"


def _ids(values: Sequence[str], what: str) -> list[str]:
    ids = list(dict.fromkeys(value.strip() for value in values))
    if any(not value for value in ids):
        raise CliError(f"a {what} is empty", EXIT_BAD_INPUT)
    return ids


# -- recordings ----------------------------------------------------------------------------------


def recording_json(recording: Recording) -> dict[str, Any]:
    return {
        "recordingId": recording.recording_id,
        "roomSessionId": recording.room_session_id,
        "roomName": recording.room_name,
        "filename": recording.filename,
        "startDate": format_utc(recording.start_date),
        "endDate": format_utc(recording.end_date),
        "durationSeconds": recording.duration.total_seconds(),
        "sizeInMegaBytes": recording.size_in_megabytes,
    }


async def cmd_recordings_list(args: argparse.Namespace, ctx: Context) -> int:
    async with _service(ctx) as service:
        recordings = await service.fetch_recordings(args.meeting_id)
    if args.json:
        print(json.dumps([recording_json(item) for item in recordings], indent=2), file=ctx.out)
        return EXIT_OK
    if not recordings:
        print("No recordings of this room.", file=ctx.out)
        return EXIT_OK
    rows = [("STARTED", "LENGTH", "SIZE", "FILE", "ID")]
    for item in recordings:
        rows.append(
            (
                _local(item.start_date),
                _minutes(item.duration.total_seconds()),
                f"{item.size_in_megabytes:,.1f} MB",
                visible(item.filename),
                visible(item.recording_id),
            )
        )
    _table(rows, ctx.out)
    return EXIT_OK


async def cmd_recordings_delete(args: argparse.Namespace, ctx: Context) -> int:
    ids = _ids(args.recording_ids, "recording ID")
    async with _service(ctx) as service:
        # Named by file where the room list knows them ('recordings list' keeps them).
        names = [
            visible(found.filename if (found := service.stored_recording(rid)) else rid)
            for rid in ids
        ]
        count = f"{len(ids)} recording{'s' if len(ids) != 1 else ''}"
        question = f"Delete {count} on Whereby for good: {', '.join(names)}?"
        if not args.yes and not confirm(question, ctx.stdin, ctx.err):
            print("Nothing deleted.", file=ctx.err)
            return EXIT_OK
        await service.delete_recordings(ids)
    done = "Deleted" if len(ids) == 1 else "Asked Whereby to delete"
    print(f"{done} {count}: {', '.join(names)}.", file=ctx.out)
    return EXIT_OK


# -- transcripts ---------------------------------------------------------------------------------


def transcription_json(item: Transcription) -> dict[str, Any]:
    return {
        "transcriptionId": item.transcription_id,
        "roomSessionId": item.room_session_id,
        "roomName": item.room_name,
        "state": item.state.value,
        "type": item.type.value,
        "filename": item.filename,
        "startDate": format_utc(item.start_date),
        "endDate": format_utc(item.end_date),
        "createdAt": format_utc(item.created_at),
        "durationInSeconds": item.duration_in_seconds,
    }


_STATES = {
    TranscriptionState.READY: "ready",
    TranscriptionState.IN_PROGRESS: "being made",
    TranscriptionState.FAILED: "failed",
    TranscriptionState.UNKNOWN: "unknown",
}


async def cmd_transcripts_list(args: argparse.Namespace, ctx: Context) -> int:
    async with _service(ctx) as service:
        items = await service.fetch_transcriptions(args.meeting_id)
    if args.json:
        print(json.dumps([transcription_json(item) for item in items], indent=2), file=ctx.out)
        return EXIT_OK
    if not items:
        print("No transcripts of this room.", file=ctx.out)
        return EXIT_OK
    rows = [("SESSION STARTED", "STATE", "MADE", "FILE", "ID")]
    for item in items:
        made = "live" if item.type.value == "LIVE_TRANSCRIPTION" else "from recording"
        rows.append(
            (
                _local(item.start_date),
                _STATES[item.state],
                made,
                visible(item.filename or "-"),
                visible(item.transcription_id),
            )
        )
    _table(rows, ctx.out)
    return EXIT_OK


async def cmd_transcripts_create(args: argparse.Namespace, ctx: Context) -> int:
    (recording_id,) = _ids([args.recording_id], "recording ID")
    async with _service(ctx) as service:
        made = await service.start_transcription(recording_id)
        print(
            visible(f"Transcription {made.transcription_id} started; Whereby is making it."),
            file=ctx.out,
        )
        if not args.wait:
            return EXIT_OK
        ctx.out.flush()
        done = await service.wait_for_transcription(made, recording_id=recording_id)
    if done.state is TranscriptionState.READY:
        print("It is ready.", file=ctx.out)
        return EXIT_OK
    raise CliError(f"The transcription ended {_STATES[done.state]}.", 1)


# -- attendance ----------------------------------------------------------------------------------


def _person_json(person: PersonAttendance) -> dict[str, Any]:
    return {
        "displayName": person.display_name,
        "role": person.role_name,
        "externalId": person.external_id,
        "joined": format_utc(person.joined),
        "left": None if person.left is None else format_utc(person.left),
        "minutesPresent": round(person.minutes, 2),
        "stays": person.stays,
        "intervals": [[format_utc(a), format_utc(b)] for a, b in person.intervals],
    }


def attendance_json(session: SessionAttendance) -> dict[str, Any]:
    return {
        "roomSessionId": session.room_session_id,
        "start": format_utc(session.start),
        "end": None if session.ongoing else format_utc(session.end),
        "durationMinutes": round(session.duration.total_seconds() / 60, 2),
        "people": len(session.people),
        "participantMinutes": round(session.participant_minutes, 2),
        "mayBeIncomplete": session.recent,
        "attendees": [_person_json(person) for person in session.people],
    }


def _print_session(session: SessionAttendance, out: TextIO) -> None:
    end = "going on" if session.ongoing else _clock(session.end)
    people = f"{len(session.people)} {'person' if len(session.people) == 1 else 'people'}"
    print(
        f"Session {_local(session.start)} – {end} "
        f"({_minutes(session.duration.total_seconds())}): {people}, "
        f"{session.participant_minutes:.0f} participant minutes",
        file=out,
    )
    print(f"  ID {visible(session.room_session_id)}", file=out)
    if not session.people:
        return
    rows = [("NAME", "ROLE", "JOINED", "LEFT", "PRESENT", "STAYS")]
    for person in session.people:
        rows.append(
            (
                visible(person.display_name),
                visible(person.role_name),
                _clock(person.joined),
                "still in" if person.left is None else _clock(person.left),
                _minutes(person.present.total_seconds()),
                str(person.stays),
            )
        )
    _table(rows, out, indent="  ")


async def cmd_attendance(args: argparse.Namespace, ctx: Context) -> int:
    session_id = None if args.session is None else _ids([args.session], "room session ID")[0]
    async with _service(ctx) as service:
        sessions = await service.attendance(args.meeting_id, session_id)
    if args.json:
        data = {"mergeRule": MERGE_RULE, "sessions": [attendance_json(s) for s in sessions]}
        print(json.dumps(data, indent=2), file=ctx.out)
        return EXIT_OK
    if args.csv:
        data_bytes = as_csv(sessions, get_zone(system_zone_name()))
        buffer = getattr(ctx.out, "buffer", None)
        if buffer is not None:
            ctx.out.flush()
            buffer.write(data_bytes)
            buffer.flush()
        else:
            ctx.out.write(data_bytes.decode("utf-8"))
        return EXIT_OK
    if not sessions:
        print("No sessions in this room yet.", file=ctx.out)
        return EXIT_OK
    for position, session in enumerate(sessions):
        if position:
            print(file=ctx.out)
        _print_session(session, ctx.out)
    print(file=ctx.out)
    print(MERGE_RULE, file=ctx.out)
    if any(session.recent for session in sessions):
        print(LAG_NOTE, file=ctx.out)
    return EXIT_OK
