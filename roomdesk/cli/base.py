"""What every ``roomdesk-cli`` command shares: exit codes, the error that carries one, and text
made safe to print on a terminal."""

from __future__ import annotations

import re
from typing import TextIO

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2
EXIT_KEY = 3
EXIT_UNAVAILABLE = 4
EXIT_RATE_LIMITED = 5
EXIT_STORAGE = 6
EXIT_INTERRUPTED = 130


class CliError(Exception):
    """A failure to report as ``error: <message>`` with ``exit_code``."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


# Characters a terminal acts on instead of showing: C0 and C1 controls and DEL (escape
# sequences, bells, carriage returns), line and paragraph separators, and the bidirectional
# embeddings, overrides and isolates that can make a line read in another order.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` safe to print on a terminal: each control character shown as its escape."""
    return _CONTROLS.sub(_escape, text)


def say_error(message: object, err: TextIO, *, kind: str = "error") -> None:
    """``error: <message>`` (or ``warning:``) as one line, whatever the message holds."""
    print(f"{kind}: {visible(str(message))}", file=err)


def confirm(question: str, stdin: TextIO, err: TextIO) -> bool:
    """Ask ``question`` on the terminal; True for y or yes. Without a terminal to ask on, an
    error telling to add --yes: a delete is never confirmed by whatever is piped in."""
    if not stdin.isatty():
        raise CliError(
            "not deleting without confirmation: add --yes when not running interactively",
            EXIT_BAD_INPUT,
        )
    print(question + " [y/N] ", end="", file=err, flush=True)
    answer = stdin.readline().strip().lower()
    return answer in ("y", "yes")
