"""``python -m roomdesk.emulator``: serve the emulated Whereby API in the foreground."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import NoReturn

from roomdesk.emulator.faults import FaultConfig
from roomdesk.emulator.server import EmulatorServer, is_loopback_host


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, no usage dump: the message says what to fix.
        self.exit(2, f"error: {message}\n")


def _number(
    kind: Callable[[str], float], low: float, high: float | None = None
) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value < low or (high is not None and value > high):
            limits = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"{text} is out of range; use a value {limits}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m roomdesk.emulator",
        description="Serve an emulation of Whereby's meetings API on a loopback address.",
    )
    rate = _number(float, 0.0, 1.0)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    parser.add_argument(
        "--port", type=_number(int, 0, 65535), default=8765, help="0 picks a free port"
    )
    parser.add_argument("--key", required=True, help="the API key clients must send")
    parser.add_argument("--budget", type=_number(int, 1), default=1000, help="points per window")
    parser.add_argument(
        "--window", type=_number(float, 0.001), default=60.0, help="rate-limit window, seconds"
    )
    parser.add_argument("--subdomain", default="roomdesk-demo")
    parser.add_argument("--latency", type=_number(float, 0.0), default=0.0, help="seconds")
    parser.add_argument("--jitter", type=_number(float, 0.0), default=0.0, help="seconds")
    parser.add_argument("--error-rate", type=rate, default=0.0, help="fraction answered 5xx")
    parser.add_argument("--drop-rate", type=rate, default=0.0, help="fraction dropped")
    parser.add_argument("--truncate-rate", type=rate, default=0.0, help="fraction cut short")
    parser.add_argument("--seed", type=int, default=None, help="make the faults reproducible")
    parser.add_argument(
        "--ignore-room-name-filter",
        action="store_true",
        help="list every meeting even when asked for roomName[startsWith] (not in Whereby's spec)",
    )
    parser.add_argument("--verbose", action="store_true", help="log each request line")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not is_loopback_host(args.host):
        parser.error(f"--host {args.host} is not a loopback address; use 127.0.0.1 or ::1")
    if not args.key.strip():
        parser.error("--key must not be empty")
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(message)s",
    )
    server = EmulatorServer(
        api_key=args.key,
        host=args.host,
        port=args.port,
        rate_limit_points=args.budget,
        rate_window_seconds=args.window,
        subdomain=args.subdomain,
        ignore_room_name_filter=args.ignore_room_name_filter,
    )
    server.faults = FaultConfig(
        latency=args.latency,
        latency_jitter=args.jitter,
        error_rate=args.error_rate,
        drop_rate=args.drop_rate,
        truncate_rate=args.truncate_rate,
        seed=args.seed,
    )
    try:
        url = server.start()
    except OSError as problem:
        reason = problem.strerror or problem
        print(f"error: cannot listen on {args.host}:{args.port}: {reason}", file=sys.stderr)
        return 1
    stop_requested = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop_requested.set())
    print(f"roomdesk emulator listening on {url}", flush=True)
    try:
        # A timed wait keeps the main thread responsive to signals on every platform.
        while not stop_requested.wait(0.5):
            pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
