"""``roomdesk-cli recordings download`` and ``transcripts download``: a recording's or
transcript's file, from a fresh access link, into a local file.

The default name is the server's file name made safe, in the current folder; ``-o`` names a file
or a folder. An existing file is kept (exit 2) unless ``--force``. The file takes its name only
once it is whole: an interrupted or failed download leaves nothing. Progress is one updating
line on standard error, and only on a terminal.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from roomdesk.api.recordings import RecordingsClient
from roomdesk.cli.base import EXIT_BAD_INPUT, EXIT_OK, EXIT_REFUSED, CliError, visible
from roomdesk.services.downloads import (
    DownloadFileError,
    DownloadProgress,
    download,
    safe_file_name,
)

if TYPE_CHECKING:
    from roomdesk.api.media_models import AccessLink
    from roomdesk.cli.commands import Context


def add_commands(groups: dict[str, argparse._SubParsersAction[Any]]) -> None:
    """Add ``download`` to the ``recordings`` and ``transcripts`` groups."""
    for group, noun, metavar in (
        ("recordings", "recording", "RECORDING_ID"),
        ("transcripts", "transcript", "TRANSCRIPTION_ID"),
    ):
        parser = groups[group].add_parser("download", help=f"download a {noun} to a file")
        parser.add_argument("item_id", metavar=metavar)
        parser.add_argument(
            "-o",
            "--output",
            type=Path,
            metavar="PATH",
            help="a file, or a folder for the server's file name (default: the current folder)",
        )
        parser.add_argument("--force", action="store_true", help="replace an existing file")
        parser.set_defaults(media_handler=cmd_download)


def _target(output: Path | None, name: str) -> Path:
    if output is None:
        return Path.cwd() / name
    return output / name if output.is_dir() else output


def _size_text(size: int) -> str:
    return DownloadProgress(size, None, 0.0, None).describe()


async def cmd_download(args: argparse.Namespace, ctx: Context) -> int:
    item_id = args.item_id.strip()
    if not item_id:
        raise CliError("the ID is empty", EXIT_BAD_INPUT)
    if args.output is not None and not args.force and args.output.is_file():
        raise CliError(f"{args.output} exists already: add --force to replace it", EXIT_BAD_INPUT)
    show_progress = ctx.err.isatty()
    width = 0

    def progress(step: DownloadProgress) -> None:
        nonlocal width
        line = step.describe()
        # Spaces over what a longer line before left on the terminal.
        print(f"\r{line:<{width}}", end="", file=ctx.err, flush=True)
        width = max(width, len(line))

    async with ctx.client() as client:
        recordings = RecordingsClient(client)
        if args.command == "recordings":
            recording = await recordings.get_recording(item_id)
            name = safe_file_name(recording.filename, f"recording-{item_id}.mp4")

            async def link_source() -> AccessLink:
                return await recordings.recording_access_link(item_id)
        else:
            transcription = await recordings.get_transcription(item_id)
            if not transcription.is_ready:
                raise CliError(
                    f"the transcription is {transcription.state.value.replace('_', ' ')}: "
                    "it has no file to download yet",
                    EXIT_REFUSED,
                )
            name = safe_file_name(transcription.filename or "", f"transcript-{item_id}.md")

            async def link_source() -> AccessLink:
                return await recordings.transcription_access_link(item_id)

        target = _target(args.output, name)
        try:
            size = await download(
                client,
                link_source,
                target,
                progress=progress if show_progress else None,
                overwrite=args.force,
                tuning=ctx.download_tuning,
            )
        except DownloadFileError as exc:
            hint = "; add --force to replace it" if target.exists() and not args.force else ""
            raise CliError(f"{exc}{hint}", EXIT_BAD_INPUT) from None
        finally:
            if show_progress and width:
                print(file=ctx.err)
    print(visible(f"Downloaded {_size_text(size)} to {target}."), file=ctx.out)
    return EXIT_OK
