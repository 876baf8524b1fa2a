"""``roomdesk-cli``'s commands, the context they run in, and the entry point."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn, TextIO

from roomdesk.api.client import WherebyClient
from roomdesk.api.errors import (
    CreatedUnreadableError,
    CreateOutcomeUnknownError,
    ForbiddenError,
    InvalidApiKeyError,
    InvalidBaseUrlError,
    MalformedResponseError,
    NetworkError,
    RateLimitedError,
    RequestValidationError,
    ServerError,
    WherebyError,
)
from roomdesk.api.requests import Field, MeetingRequest, RoomNamePattern
from roomdesk.cli import batch as batch_commands
from roomdesk.cli import presets as preset_commands
from roomdesk.cli import sessions as session_commands
from roomdesk.cli.base import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_KEY,
    EXIT_OK,
    EXIT_RATE_LIMITED,
    EXIT_REFUSED,
    EXIT_STORAGE,
    EXIT_UNAVAILABLE,
    CliError,
    confirm,
    say_error,
    visible,
)
from roomdesk.cli.media_parsers import MEDIA_COMMANDS
from roomdesk.cli.output import (
    _rooms,
    meeting_json,
    pending_json,
    print_pending,
    print_room,
    print_sync_report,
    print_table,
    room_json,
    sync_json,
)
from roomdesk.cli.parsing import MAX_COUNT, build_parser, parse_duration, parse_end
from roomdesk.cli.plan import (
    checked_start,
    edit_room,
    parse_moment,
)
from roomdesk.domain.rooms import RoomMode
from roomdesk.domain.times import get_zone
from roomdesk.paths import app_paths
from roomdesk.secrets import KeychainError, KeyStore
from roomdesk.services.batch_run import STOPPERS
from roomdesk.services.downloads import DownloadTuning
from roomdesk.services.export import HOST_LINK_WARNING, rooms_csv
from roomdesk.services.rooms import CreateActivity, RoomService
from roomdesk.services.sync import (
    PendingCreateError,
    SyncProgress,
    SyncService,
    dismiss_pending,
    unresolved_creates,
)
from roomdesk.store import PendingState, RoomStore, StoreError
from roomdesk.store.records import describe_pending
from roomdesk.store.recovery import RecoveryNotice, open_store_safely
from roomdesk.timezones import system_zone_name

# After one of these, the next room of a batch would fail the same way: stop there.
_BATCH_STOPPERS = STOPPERS


def exit_code_for(error: BaseException) -> int:
    if isinstance(error, CliError):
        return error.exit_code
    if isinstance(error, RequestValidationError | InvalidBaseUrlError | PendingCreateError):
        return EXIT_BAD_INPUT
    if isinstance(error, InvalidApiKeyError | ForbiddenError | KeychainError):
        return EXIT_KEY
    # An answer that cannot be read is the server's trouble, like a 5xx: try again later.
    if isinstance(error, NetworkError | ServerError | MalformedResponseError):
        return EXIT_UNAVAILABLE
    if isinstance(error, StoreError | sqlite3.Error):
        return EXIT_STORAGE
    if isinstance(error, RateLimitedError):
        return EXIT_RATE_LIMITED
    return EXIT_REFUSED


# Opens the room list at a path: the store and, when a damaged one was moved aside, the notice.
StoreOpener = Callable[[Path], tuple[RoomStore, RecoveryNotice | None]]


@dataclass
class Context:
    keys: KeyStore
    out: TextIO
    err: TextIO
    stdin: TextIO
    store_opener: StoreOpener = open_store_safely
    download_tuning: DownloadTuning | None = None

    def open_store(self) -> RoomStore:
        paths = app_paths().ensure()
        for text in paths.folder_warnings():
            say_error(text, self.err, kind="warning")
        store, notice = self.store_opener(paths.store_file)
        if notice is not None:
            say_error(notice, self.err, kind="warning")
        return store

    def client(self) -> WherebyClient:
        try:
            key = self.keys.get()
        except ValueError as exc:  # ROOMDESK_API_KEY set to something that is no key
            raise CliError(str(exc), EXIT_KEY) from None
        if key is None:
            raise CliError(
                "no API key: run 'roomdesk-cli key set' or set ROOMDESK_API_KEY", EXIT_KEY
            )
        return WherebyClient(key)

    @asynccontextmanager
    async def services(self, store: RoomStore) -> AsyncIterator[SyncService]:
        """The room and sync services for ``store``, on a client closed afterwards."""
        async with self.client() as client:
            yield SyncService(RoomService(client, store))


def build_request(
    args: argparse.Namespace, zone_name: str, now: datetime, start: datetime | None = None
) -> MeetingRequest:
    """The request ``create`` sends; ``--duration`` counts from ``start`` when there is one."""
    get_zone(zone_name)
    if args.duration is not None:
        end = (start or now) + parse_duration(args.duration)
    else:
        end = parse_end(args.end, zone_name, args.ambiguous)
    fields = set()
    if args.host_link:
        fields.add(Field.HOST_ROOM_URL)
    if args.viewer_link:
        fields.add(Field.VIEWER_ROOM_URL)
    return MeetingRequest(
        end_date=end,
        room_mode=RoomMode(args.mode),
        room_name_prefix=args.prefix,
        room_name_pattern=RoomNamePattern(args.pattern),
        is_locked=args.locked,
        viewer_mode=args.viewer_mode,
        fields=frozenset(fields),
    ).validate(now)


# What a create answered 2xx without readable details leaves: the room exists, unstored.
_UNREAD = "its details could not be read; 'roomdesk-cli sync' will add it."


def batch_labels(label: str, count: int | None) -> list[str]:
    """``--label`` for each of ``--count`` rooms: numbered when there are several."""
    if count is None or count == 1:
        return [label.strip()]
    stem = label.strip() or "Room"
    return [f"{stem} {number}" for number in range(1, count + 1)]


async def cmd_create(args: argparse.Namespace, ctx: Context) -> int:
    if args.tz is not None and not args.tz.strip():
        raise CliError(
            "--tz is empty: give an IANA time zone such as Europe/Oslo, or leave --tz out "
            "for the system's zone",
            EXIT_BAD_INPUT,
        )
    zone_name = args.tz.strip() if args.tz is not None else system_zone_name()
    now = datetime.now(UTC)
    get_zone(zone_name)
    preset = preset_commands.prepare_create(args, ctx, zone_name, now)

    def request_for(
        args: argparse.Namespace, zone_name: str, now: datetime, start: datetime | None
    ) -> MeetingRequest:
        # The options given, filled from the preset, then its recording and streaming.
        request = build_request(args, zone_name, now, start)
        return preset_commands.with_preset_options(request, preset, ctx, now)

    # A preset's own invitation template stays with every room made from it.
    template = None if preset is None else preset.invitation_template
    if batch_commands.wants_batch(args):
        hooks = batch_commands.CreateHooks(request_for, exit_code_for, template)
        return await batch_commands.cmd_create_batch(args, ctx, hooks)
    if args.count is not None and not 1 <= args.count <= MAX_COUNT:
        raise CliError(f"--count must be between 1 and {MAX_COUNT}, not {args.count}", 2)
    start = (
        None
        if args.start is None
        else parse_moment("--start", args.start, zone_name, args.ambiguous)
    )
    request = request_for(args, zone_name, now, start)
    if start is not None:
        checked_start(start, request.end_date, zone_name)
    # The zone a session was planned in goes with it; a room without one has none.
    plan: dict[str, Any] = {} if start is None else {"planned_start": start, "time_zone": zone_name}
    if template is not None:
        plan["invitation_template"] = template
    labels = batch_labels(args.label, args.count)
    with ctx.open_store() as store:
        async with ctx.client() as client:
            service = RoomService(client, store)
            if args.count is None:
                try:
                    room = await service.create_room(request, label=labels[0], **plan)
                except CreatedUnreadableError:
                    raise CliError(
                        f"The room was created, but {_UNREAD}", EXIT_UNAVAILABLE
                    ) from None
                data = room_json(room, datetime.now(UTC))
                if args.json:
                    print(json.dumps(data, indent=2), file=ctx.out)
                else:
                    print_room(data, zone_name, ctx.out)
                return EXIT_OK
            return await _create_batch(service, request, labels, args, zone_name, ctx, plan)


async def _create_batch(
    service: RoomService,
    request: MeetingRequest,
    labels: list[str],
    args: argparse.Namespace,
    zone_name: str,
    ctx: Context,
    plan: dict[str, Any] | None = None,
) -> int:
    """Create one room per label, one after the other, reporting each failure by name."""
    created: list[dict[str, Any]] = []
    exit_code = EXIT_OK
    unread = failed = unknown = skipped = 0
    for position, label in enumerate(labels):
        name = f"“{label}”" if label else "The room"
        try:
            room = await service.create_room(request, label=label, **(plan or {}))
        except CreatedUnreadableError as exc:
            # Whereby made the room; only its answer was lost on the way.
            say_error(f"{name} was created, but {_UNREAD}", ctx.err, kind="warning")
            failure: WherebyError | None = exc
            unread += 1
        except (CreateOutcomeUnknownError, ServerError) as exc:
            # The request reached Whereby and no usable answer came back: it may have acted.
            say_error(f"{name}: {exc}", ctx.err)
            failure = exc
            unknown += 1
        except WherebyError as exc:
            say_error(f"{name} was not created: {exc}", ctx.err)
            failure = exc
            failed += 1
        else:
            failure = None
            data = room_json(room, datetime.now(UTC))
            created.append(data)
            if not args.json:
                if len(created) > 1:
                    print(file=ctx.out)
                print_room(data, zone_name, ctx.out)
                ctx.out.flush()  # each room shows as it is made
        if failure is None:
            continue
        if exit_code == EXIT_OK:
            exit_code = exit_code_for(failure)
        if isinstance(failure, _BATCH_STOPPERS) and position + 1 < len(labels):
            rest = labels[position + 1 :]
            shown = f"“{rest[0]}”" if len(rest) == 1 else f"“{rest[0]}” to “{rest[-1]}”"
            say_error(f"{shown} not attempted after that failure.", ctx.err)
            skipped = len(rest)
            break
    if args.json:
        print(json.dumps(created, indent=2), file=ctx.out)
    if exit_code != EXIT_OK:
        parts = [f"{len(created) + unread} created"]
        if failed:
            parts.append(f"{failed} failed")
        if unknown:
            parts.append(f"{unknown} may have been created")
        if skipped:
            parts.append(f"{skipped} not attempted")
        hint = "; run 'roomdesk-cli sync'" if unknown or unread else ""
        say_error(f"Of {len(labels)} rooms: {', '.join(parts)}{hint}.", ctx.err)
    return exit_code


async def cmd_list(args: argparse.Namespace, ctx: Context) -> int:
    if args.host_links and not args.csv:
        raise CliError("--host-links goes with --csv", EXIT_BAD_INPUT)
    now = datetime.now(UTC)
    with ctx.open_store() as store:
        rooms = store.list_rooms(include_past=args.all, now=now)
        unresolved = unresolved_creates(store, CreateActivity.beside(store.path))
    if args.json:
        print(json.dumps([room_json(room, now) for room in rooms], indent=2), file=ctx.out)
    elif args.csv:
        zone = get_zone(system_zone_name())
        print(
            rooms_csv(rooms, fallback_zone=zone, host_links=args.host_links, line_end="\n"),
            end="",
            file=ctx.out,
        )
        if args.host_links:
            say_error(HOST_LINK_WARNING, ctx.err, kind="warning")
    else:
        print_table(rooms, now, system_zone_name(), ctx.out)
    if unread := sum(row.state is PendingState.CREATED for row in unresolved):
        say_error(
            f"{_rooms(unread)} created earlier not listed yet; run 'roomdesk-cli sync'.",
            ctx.err,
            kind="warning",
        )
    if maybe := len(unresolved) - unread:
        say_error(
            f"{_rooms(maybe)} may not have been created; run 'roomdesk-cli sync'.",
            ctx.err,
            kind="warning",
        )
    return EXIT_OK


async def cmd_sync(args: argparse.Namespace, ctx: Context) -> int:
    show_progress = not args.json and ctx.err.isatty()

    done = SyncProgress(0, 0)

    def progress(step: SyncProgress) -> None:
        nonlocal done
        done = step
        if show_progress:
            print(f"\r{step.describe()}", end="", file=ctx.err, flush=True)

    with ctx.open_store() as store:
        async with ctx.services(store) as sync:
            try:
                report = await sync.sync(progress=progress)
            except WherebyError as exc:
                stored = f"{_rooms(done.rooms_seen)} from {done.pages} page(s) were stored"
                raise CliError(
                    f"{exc} The sync stopped: {stored}; nothing was marked missing.",
                    exit_code_for(exc),
                ) from None
            finally:
                if show_progress:
                    print(file=ctx.err)
    for item in report.skipped:
        say_error(item.describe(), ctx.err, kind="warning")
    if args.json:
        print(json.dumps(sync_json(report), indent=2), file=ctx.out)
    else:
        print_sync_report(report, system_zone_name(), ctx.out)
    return EXIT_OK


async def cmd_pending(args: argparse.Namespace, ctx: Context) -> int:
    zone_name = system_zone_name()
    with ctx.open_store() as store:
        if args.pending_command is None:
            rows = unresolved_creates(store, CreateActivity.beside(store.path))
            if args.json:
                print(json.dumps([pending_json(row) for row in rows], indent=2), file=ctx.out)
            elif rows:
                print_pending(rows, zone_name, ctx.out)
            else:
                print("No interrupted creates: every room asked for is known.", file=ctx.out)
            return EXIT_OK
        if args.pending_command == "dismiss":
            row = dismiss_pending(store, args.pending_id)
            print(
                visible(f"Dismissed #{row.id} {describe_pending(row)}; nothing was sent."),
                file=ctx.out,
            )
            return EXIT_OK
        async with ctx.services(store) as sync:
            outcome = await sync.retry_pending(args.pending_id)
        data = room_json(outcome.room, datetime.now(UTC))
    if args.json or args.retry_json:
        print(json.dumps(data | {"foundExisting": outcome.found_existing}, indent=2), file=ctx.out)
        return EXIT_OK
    if outcome.found_existing:
        print("Whereby had this room already; it is stored now. Nothing was sent.", file=ctx.out)
    print_room(data, zone_name, ctx.out)
    return EXIT_OK


async def cmd_show(args: argparse.Namespace, ctx: Context) -> int:
    now = datetime.now(UTC)
    with ctx.open_store() as store:
        room = store.get(args.meeting_id)
    if room is not None:
        data = room_json(room, now)
    else:
        async with ctx.client() as client:
            data = meeting_json(await client.get_meeting(args.meeting_id, fields=tuple(Field)))
    if args.json:
        print(json.dumps(data, indent=2), file=ctx.out)
    else:
        print_room(data, system_zone_name(), ctx.out)
    return EXIT_OK


async def cmd_edit(args: argparse.Namespace, ctx: Context) -> int:
    """Change a room's label, notes or planned start on this computer; nothing is sent."""
    with ctx.open_store() as store:
        room = edit_room(store, args, system_zone_name())
    data = room_json(room, datetime.now(UTC))
    if args.json:
        print(json.dumps(data, indent=2), file=ctx.out)
    else:
        print_room(data, system_zone_name(), ctx.out)
    return EXIT_OK


def _confirm(question: str, ctx: Context) -> bool:
    return confirm(question, ctx.stdin, ctx.err)


async def cmd_delete(args: argparse.Namespace, ctx: Context) -> int:
    ids = list(dict.fromkeys(meeting_id.strip() for meeting_id in args.meeting_ids))
    if any(not meeting_id for meeting_id in ids):
        raise CliError("a meeting ID is empty", EXIT_BAD_INPUT)
    with ctx.open_store() as store:
        names = []
        for meeting_id in ids:
            room = store.get(meeting_id)
            names.append(visible(f"{room.room_name or meeting_id}" if room else meeting_id))
        if not args.yes and not _confirm(
            f"Delete {len(ids)} room{'s' if len(ids) != 1 else ''} on Whereby: {', '.join(names)}?",
            ctx,
        ):
            print("Nothing deleted.", file=ctx.err)
            return EXIT_OK
        async with ctx.client() as client:
            outcomes = await RoomService(client, store).delete_rooms(ids)
    exit_code = EXIT_OK
    for outcome in outcomes:
        if outcome.ok:
            print(visible(outcome.describe()), file=ctx.out)
        else:
            say_error(outcome.describe(), ctx.err)
        if outcome.error is not None and exit_code == EXIT_OK:
            exit_code = exit_code_for(outcome.error)
    return exit_code


def _read_secret(ctx: Context) -> str:
    if ctx.stdin.isatty():
        return getpass.getpass("Whereby API key (input hidden): ", stream=ctx.err)
    # Piped in: take the first line only, so a trailing newline is not part of the key.
    return ctx.stdin.readline()


async def cmd_key(args: argparse.Namespace, ctx: Context) -> int:
    loop = asyncio.get_running_loop()
    if args.key_command == "set":
        secret = _read_secret(ctx)
        try:
            key = await loop.run_in_executor(None, ctx.keys.set, secret)
        except ValueError as exc:
            raise CliError(str(exc), EXIT_BAD_INPUT) from None
        print(f"API key {key.fingerprint} saved in {ctx.keys.backend_name()}.", file=ctx.out)
        if ctx.keys.source() == "environment":
            print("Note: ROOMDESK_API_KEY is set and takes precedence over it.", file=ctx.out)
        return EXIT_OK
    if args.key_command == "clear":
        removed = await loop.run_in_executor(None, ctx.keys.clear)
        print(
            "API key removed from the keychain." if removed else "No API key was stored.",
            file=ctx.out,
        )
        return EXIT_OK
    if args.key_command == "status":
        source = ctx.keys.source()
        if source is None:
            print("No API key set. Run 'roomdesk-cli key set'.", file=ctx.out)
        else:
            stored = ctx.keys.get()
            print(
                f"API key {stored.fingerprint if stored else ''} from the {source}.", file=ctx.out
            )
        return EXIT_OK
    async with ctx.client() as client:
        status = await client.check_key()
    print(f"API key works ({status.describe()}).", file=ctx.out)
    return EXIT_OK


COMMANDS = {
    "create": cmd_create,
    "list": cmd_list,
    "sync": cmd_sync,
    "pending": cmd_pending,
    "show": cmd_show,
    "edit": cmd_edit,
    "delete": cmd_delete,
    "key": cmd_key,
    **session_commands.COMMANDS,
    **preset_commands.COMMANDS,
    **MEDIA_COMMANDS,
}


def run(
    argv: Sequence[str] | None = None,
    *,
    keys: KeyStore | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stdin: TextIO | None = None,
    store_opener: StoreOpener = open_store_safely,
    download_tuning: DownloadTuning | None = None,
) -> int:
    """Run one command; returns the exit code. Never raises for expected failures.

    ``store_opener`` opens the room list (tests pass one that opens it with tuning);
    ``download_tuning`` is how downloads go (tests pass one whose disk fills up).
    """
    err = err or sys.stderr
    try:
        args = build_parser().parse_args(argv)
        ctx = Context(
            keys=keys or KeyStore(),
            out=out or sys.stdout,
            err=err,
            stdin=stdin or sys.stdin,
            store_opener=store_opener,
            download_tuning=download_tuning,
        )
        return asyncio.run(COMMANDS[args.command](args, ctx))
    except SystemExit as exc:  # --help and --version
        return int(exc.code or 0)
    except (CliError, WherebyError, KeychainError, StoreError) as exc:
        say_error(exc, err)
        return exit_code_for(exc)
    except sqlite3.Error as exc:  # a read the store does not translate (a write it does)
        say_error(f"The room list could not be read: {exc}. Nothing was changed.", err)
        return EXIT_STORAGE
    except KeyboardInterrupt:
        print("error: interrupted", file=err)
        return EXIT_INTERRUPTED


def main() -> NoReturn:
    sys.exit(run())


if __name__ == "__main__":
    main()
