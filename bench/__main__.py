"""``python -m bench``: run the benchmarks, print the table, write the results as JSON.

Options: ``--quick`` (tiny sizes: checks that every benchmark still works, in seconds),
``--only NAME`` (repeatable), ``--repeat N`` (repetitions of each figure), ``--window-seconds S``
(the rate-limit window of benchmark 5), ``--json PATH`` (default ``bench/results/latest.json``,
or ``quick.json`` with ``--quick``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

# Before anything loads Qt: no window system needed, and none touched.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench.core import Options, Result
from bench.report import table

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def _benchmarks() -> dict[str, Callable[[Options], list[Result]]]:
    # Imported here so that --help stays instant and one broken module names itself.
    from bench import (
        attendance,
        batch_preview,
        batch_window,
        calendar_export,
        client_overhead,
        details_pane,
        downloads,
        filtering,
        media_window,
        ratelimit,
        sorting,
        stalls,
        startup,
    )

    return {
        "startup": startup.run_startup,
        "filter": filtering.run_filter,
        "sort": sorting.run_sort_scroll,
        "stalls": stalls.run_stalls,
        "ratelimit": ratelimit.run_batch_create,
        "memory": startup.run_memory,
        "client": client_overhead.run_client_overhead,
        "calendar": calendar_export.run_calendar,
        "pane": details_pane.run_details_pane,
        "attendance": attendance.run_attendance,
        "downloads": downloads.run_downloads,
        "media": media_window.run_media,
        "batch": batch_preview.run_batch_preview,
        "batch-window": batch_window.run_batch_window,
    }


BENCHMARK_NAMES = (
    "startup",
    "filter",
    "sort",
    "stalls",
    "ratelimit",
    "memory",
    "client",
    "calendar",
    "pane",
    "attendance",
    "downloads",
    "media",
    "batch",
    "batch-window",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke run")
    parser.add_argument(
        "--only",
        action="append",
        choices=BENCHMARK_NAMES,
        metavar="NAME",
        help=f"run only NAME, one of: {', '.join(BENCHMARK_NAMES)}",
    )
    parser.add_argument("--repeat", type=int, help="repetitions of each figure")
    parser.add_argument(
        "--window-seconds",
        type=float,
        help="rate-limit window for the batch-create benchmark (default 60, quick 1)",
    )
    parser.add_argument("--json", type=Path, help="where to write the results")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    options = Options(quick=args.quick, repeat=args.repeat, window_seconds=args.window_seconds)
    names = args.only or list(BENCHMARK_NAMES)
    benchmarks = _benchmarks()
    results: list[Result] = []
    failures: dict[str, str] = {}
    durations: dict[str, float] = {}
    load_before = os.getloadavg()
    for name in names:
        print(f"running {name}…", file=sys.stderr, flush=True)
        started = time.perf_counter()
        try:
            results += benchmarks[name](options)
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            failures[name] = f"{type(exc).__name__}: {exc}"
            print(f"  {name} failed: {failures[name]}", file=sys.stderr, flush=True)
        durations[name] = time.perf_counter() - started
    if "bench.gui" in sys.modules:
        sys.modules["bench.gui"].shutdown()
    print(table(results))
    for name, problem in failures.items():
        print(f"FAILED {name}: {problem}")
    path = args.json or RESULTS_DIR / ("quick.json" if args.quick else "latest.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "options": {
            "quick": args.quick,
            "only": names,
            "repeat": args.repeat,
            "window_seconds": args.window_seconds,
        },
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "qt_platform": os.environ.get("QT_QPA_PLATFORM"),
            # Other work on the machine skews every figure: the 1-minute load average.
            "load_average_before": load_before[0],
            "load_average_after": os.getloadavg()[0],
        },
        "seconds": durations,
        "results": [result.to_json() for result in results],
        "failures": failures,
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"results written to {path}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
