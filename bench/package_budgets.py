"""Measure the Linux package against its budgets: sizes and start-up time, frozen vs source.

Budgets: the .deb at most 45 MB, the unpacked app at most 150 MB, and the frozen app's start
(process start until the main window's first paint, demo mode, offscreen) at most 1.5 times the
start from source. Nothing is built here: run ``bash packaging/build-linux.sh`` first, then

    .venv/bin/python bench/package_budgets.py [--deb dist/roomdesk_*.deb] [--app dist/roomdesk]

Start-up is timed with ``roomdesk --startup-probe``, which prints the milliseconds since its
process started (from /proc) once the window has painted; the time until that line arrives is
recorded too. Each figure is the median of ``--runs`` runs after one discarded run, source and
frozen alternating. "Warm" runs have the files in the page cache; "cold" runs first drop it
(``--cold``, Linux as root only), which is what a first start after login sees. Prints a table,
writes JSON (``--json``), and exits 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
MB = 1_000_000
DEB_BUDGET_MB = 45.0
UNPACKED_BUDGET_MB = 150.0
START_RATIO_BUDGET = 1.5
PROBE_PREFIX = "startup-probe first-paint-ms="
PROBE_TIMEOUT_S = 60.0


@dataclass
class StartTimes:
    """Milliseconds for each run: reported by the app, and seen from outside."""

    reported_ms: list[float]
    observed_ms: list[float]

    @property
    def median_ms(self) -> float:
        # The app's own figure covers exactly process start to first paint; fall back to ours.
        return statistics.median(self.reported_ms or self.observed_ms)


def default_deb() -> Path | None:
    found = sorted(
        (REPO_ROOT / "dist").glob("roomdesk_*.deb"), key=lambda path: path.stat().st_mtime
    )
    return found[-1] if found else None


def tree_size(root: Path) -> int:
    """Bytes in every regular file below ``root`` (symlinks not followed)."""
    return sum(
        path.lstat().st_size for path in root.rglob("*") if path.is_file() and not path.is_symlink()
    )


def deb_installed_size(deb: Path) -> int:
    """The package's Installed-Size field, in bytes (dpkg counts KiB)."""
    field = subprocess.run(
        ["dpkg-deb", "--field", str(deb), "Installed-Size"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return int(field.strip()) * 1024


def drop_page_cache() -> None:
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def can_drop_page_cache() -> bool:
    try:
        drop_page_cache()
    except OSError:
        return False
    return True


def probe_once(command: list[str], *, cold: bool) -> tuple[float | None, float]:
    """Start ``command`` with --startup-probe; (ms it reports, ms until its line arrived)."""
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    environment.pop("ROOMDESK_API_KEY", None)
    with tempfile.TemporaryDirectory(prefix="roomdesk-bench-") as data_dir:
        environment["ROOMDESK_DATA_DIR"] = data_dir
        if cold:
            drop_page_cache()
        started = time.perf_counter()
        process = subprocess.Popen(
            [*command, "--startup-probe"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            text=True,
            env=environment,
        )
        assert process.stdout is not None
        reported: float | None = None
        observed: float | None = None
        for line in process.stdout:
            if line.startswith(PROBE_PREFIX):
                observed = (time.perf_counter() - started) * 1000
                value = line.removeprefix(PROBE_PREFIX).strip()
                reported = None if value == "unknown" else float(value)
                break
        process.stdout.close()
        code = process.wait(timeout=PROBE_TIMEOUT_S)
    if observed is None:
        raise RuntimeError(f"{' '.join(command)} --startup-probe printed no timing (exit {code})")
    return reported, observed


def time_starts(commands: dict[str, list[str]], runs: int, *, cold: bool) -> dict[str, StartTimes]:
    results = {name: StartTimes([], []) for name in commands}
    for run in range(runs + 1):
        for name, command in commands.items():
            reported, observed = probe_once(command, cold=cold)
            if run == 0:
                continue  # discarded: it fills the caches, or is the first to meet a cold disk
            if reported is not None:
                results[name].reported_ms.append(reported)
            results[name].observed_ms.append(observed)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--deb", type=Path, default=default_deb(), help="the .deb (default: newest in dist/)"
    )
    parser.add_argument(
        "--app", type=Path, default=REPO_ROOT / "dist" / "roomdesk", help="the frozen app folder"
    )
    parser.add_argument(
        "--source-python", default=sys.executable, help="Python with roomdesk installed"
    )
    parser.add_argument(
        "--runs", type=int, default=7, help="timed runs per variant (after a warm-up)"
    )
    parser.add_argument(
        "--cold", action="store_true", help="also time starts with the page cache dropped (root)"
    )
    parser.add_argument("--json", type=Path, default=REPO_ROOT / "build" / "package-budgets.json")
    args = parser.parse_args(argv)

    frozen = args.app / "roomdesk"
    if not frozen.is_file():
        parser.error(f"{frozen} not found: run 'bash packaging/build-linux.sh' first")
    commands = {"source": [args.source_python, "-m", "roomdesk"], "frozen": [str(frozen)]}

    sizes = {"app_folder_mb": tree_size(args.app) / MB}
    if args.deb is not None and args.deb.is_file():
        sizes["deb_mb"] = args.deb.stat().st_size / MB
        sizes["deb_installed_mb"] = deb_installed_size(args.deb) / MB
    unpacked_mb = max(sizes["app_folder_mb"], sizes.get("deb_installed_mb", 0.0))

    timings = {"warm": time_starts(commands, args.runs, cold=False)}
    if args.cold:
        if can_drop_page_cache():
            timings["cold"] = time_starts(commands, args.runs, cold=True)
        else:
            print("note: cannot drop the page cache here (needs root on Linux); warm runs only")
    start_kind = "cold" if "cold" in timings else "warm"
    ratio = timings[start_kind]["frozen"].median_ms / timings[start_kind]["source"].median_ms

    budgets = [
        ("unpacked app (MB)", unpacked_mb, UNPACKED_BUDGET_MB),
        (f"frozen / source start ({start_kind})", ratio, START_RATIO_BUDGET),
    ]
    if "deb_mb" in sizes:
        budgets.insert(0, (".deb (MB)", sizes["deb_mb"], DEB_BUDGET_MB))

    print(f"{'measure':<34} {'value':>9} {'budget':>8}  result")
    for name, value, budget in budgets:
        print(f"{name:<34} {value:>9.2f} {budget:>8.2f}  {'ok' if value <= budget else 'MISSED'}")
    print()
    print(f"{'start to first paint (median ms)':<34} {'source':>9} {'frozen':>8}")
    for kind, results in timings.items():
        reported = [results[name].median_ms for name in ("source", "frozen")]
        observed = [statistics.median(results[name].observed_ms) for name in ("source", "frozen")]
        print(f"{kind + ', reported by the app':<34} {reported[0]:>9.0f} {reported[1]:>8.0f}")
        print(f"{kind + ', observed from outside':<34} {observed[0]:>9.0f} {observed[1]:>8.0f}")
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs"
    print(f"\n({args.runs} runs each after one discarded; {machine})")

    report = {
        "sizes_mb": sizes,
        "unpacked_mb": unpacked_mb,
        "start_ms": {
            kind: {
                name: asdict(times) | {"median_ms": times.median_ms}
                for name, times in results.items()
            }
            for kind, results in timings.items()
        },
        "start_ratio": {"kind": start_kind, "frozen_over_source": ratio},
        "budgets": {
            name: {"value": value, "budget": budget, "ok": value <= budget}
            for name, value, budget in budgets
        },
        "runs": args.runs,
        "machine": {
            "arch": platform.machine(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "artifacts": {"deb": str(args.deb) if args.deb else None, "app": str(args.app)},
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(f"JSON: {args.json}")
    return 0 if all(value <= budget for _name, value, budget in budgets) else 1


if __name__ == "__main__":
    sys.exit(main())
