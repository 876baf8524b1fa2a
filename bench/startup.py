"""Benchmark 1: cold start to the first painted main window; benchmark 6: resident memory.

Each repetition is a fresh process (see :mod:`bench.startup_probe`), started on the offscreen
platform with ``ROOMDESK_API_KEY`` set and ``ROOMDESK_API_URL`` pointing at an emulator, so
roomdesk opens straight into its main window over a store pre-filled with N rooms. The clock
starts in this process just before the child is spawned, so the interpreter's own start and
every import count. The baseline, started the same way and interleaved with roomdesk's runs, is
a bare QMainWindow showing a QTableView.

People keep their key in the OS keychain, not in the environment: one more figure starts both
windows inside a private D-Bus session with an unlocked GNOME Keyring that holds the key (see
:mod:`bench.keychain_session`), and also reports when the key was in use. It is skipped, with a
line saying why, where ``dbus-run-session`` or ``gnome-keyring-daemon`` is missing.

Bytecode: an installed roomdesk starts from compiled modules (pip compiles a wheel's on install,
the frozen app ships them, a source checkout writes ``__pycache__`` on its first start). So the
children may write bytecode (``PYTHONDONTWRITEBYTECODE``, set on some machines, is dropped for
them) and roomdesk's modules are compiled before the first measurement.
"""

from __future__ import annotations

import compileall
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.core import Options, Result, Summary, Target, baseline_plus, ratio_at_most
from bench.emulator_child import REPO_ROOT, EmulatorProcess
from bench.fixtures import BENCH_API_KEY, filled_data_dir

STARTUP_TARGETS = {10_000: 1.5, 100_000: 2.0}  # × the minimal window
KEYCHAIN_SIZE = 10_000  # rooms in the store for the start with the key in the keychain
BARE_WINDOW = "minimal QMainWindow + QTableView"
MEMORY_MARGIN_MB = 60  # at 100,000 rooms, over the minimal window


def run_probe(
    kind: str,
    data_dir: Path,
    api_url: str,
    *,
    settle: float = 0.0,
    key_in_environment: bool = True,
) -> dict[str, Any]:
    """Start ``kind`` ("app" or "minimal") in a fresh process; its report plus ``elapsed``.

    Without ``key_in_environment`` roomdesk reads its key from the keychain (see
    :mod:`bench.keychain_session`)."""
    skipped = {"PYTHONDONTWRITEBYTECODE", "ROOMDESK_API_KEY"}
    env = {
        **{name: value for name, value in os.environ.items() if name not in skipped},
        "QT_QPA_PLATFORM": "offscreen",
        "ROOMDESK_DATA_DIR": str(data_dir),
        "ROOMDESK_API_URL": api_url,
    }
    if key_in_environment:
        env["ROOMDESK_API_KEY"] = BENCH_API_KEY
    command = [sys.executable, "-m", "bench.startup_probe", kind, f"--settle={settle}"]
    started = time.time()
    done = subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{kind} start-up probe failed: {done.stderr.strip()[-2000:]}")
    report = json.loads(lines[-1])
    report["elapsed"] = report["painted"] - started
    report["idle_after"] = report["first_idle"] - started
    report["listed_after"] = report["listed"] - started
    report["ready_after"] = report["ready"] - started
    return report


def compile_roomdesk() -> None:
    """Compile roomdesk's modules as an installed copy has them (see the module notes)."""
    compileall.compile_dir(REPO_ROOT / "roomdesk", quiet=1)


def run_startup(options: Options) -> list[Result]:
    compile_roomdesk()
    sizes = [0, 200] if options.quick else [0, 10_000, 100_000]
    repeat = options.repetitions(full=7, quick=1)
    results = []
    with EmulatorProcess(force_status=403) as emulator:
        for size in sizes:
            app, minimal, idle, listed = [], [], [], []
            for _ in range(repeat):  # interleaved, so drifts in machine load hit both alike
                with filled_data_dir(size) as data_dir:
                    minimal.append(run_probe("minimal", data_dir, emulator.base_url)["elapsed"])
                    report = run_probe("app", data_dir, emulator.base_url)
                app.append(report["elapsed"])
                idle.append(report["idle_after"])
                listed.append(report["listed_after"])
            limit = STARTUP_TARGETS.get(size)
            painted = f"{report['painted_rows']:,}"
            if report["painted_rows"] != report["rows"]:
                painted += f" of {report['rows']:,} (the top of the list; the rest was loading)"
            results.append(
                _against_bare_window(
                    f"Cold start to first paint, {size:,} rooms",
                    app,
                    minimal,
                    target=None if limit is None else ratio_at_most(limit, "minimal"),
                    notes=f"rows in the table at first paint: {painted}; the event loop first "
                    f"idle after {statistics.median(idle):.2f} s (median)",
                )
            )
            if report["painted_rows"] != report["rows"]:
                # A large list was still loading at the first paint: when it was shown, too.
                results.append(
                    _against_bare_window(
                        f"Cold start to the room list shown, {size:,} rooms",
                        listed,
                        minimal,
                        label=f"{BARE_WINDOW} (first paint)",
                        notes=f"loaded in the background after the first paint; rows shown: "
                        f"{report['rows']:,}",
                    )
                )
        results += _keychain_startup(options, emulator.base_url, repeat)
    return results


def _keychain_startup(options: Options, api_url: str, repeat: int) -> list[Result]:
    """The start as people have it: the key in the OS keychain (see bench.keychain_session)."""
    from bench.keychain_session import keychain_tools, run_in_keychain_session

    size = 200 if options.quick else KEYCHAIN_SIZE
    _, missing = keychain_tools()
    if missing:
        skipped = f"{', '.join(missing)} not found"
        print(f"  start-up with the key in the keychain skipped: {skipped}", file=sys.stderr)
        return []
    with contextlib.ExitStack() as stack:
        data_dirs = [stack.enter_context(filled_data_dir(size)) for _ in range(repeat)]
        runs = run_in_keychain_session(data_dirs, api_url)
    app = [run["app"]["elapsed"] for run in runs]
    minimal = [run["minimal"]["elapsed"] for run in runs]
    ready = [run["app"]["ready_after"] for run in runs]
    return [
        _against_bare_window(
            f"Cold start to first paint, {size:,} rooms, key in the OS keychain",
            app,
            minimal,
            label=f"{BARE_WINDOW}, same session",
            target=None if options.quick else ratio_at_most(STARTUP_TARGETS[size], "minimal"),
            notes="GNOME Keyring (Secret Service over D-Bus), unlocked; the key was in use "
            f"{statistics.median(ready):.2f} s after the start (median)",
        )
    ]


def _against_bare_window(
    figure: str,
    seconds: list[float],
    bare_seconds: list[float],
    *,
    label: str = BARE_WINDOW,
    target: Target | None = None,
    notes: str = "",
) -> Result:
    return Result(
        benchmark="startup",
        figure=figure,
        value=Summary.of(seconds, "s"),
        baseline=Summary.of(bare_seconds, "s"),
        baseline_label=label,
        target=target,
        notes=notes,
    )


def run_memory(options: Options) -> list[Result]:
    compile_roomdesk()
    sizes = [0, 200] if options.quick else [0, 100_000]
    repeat = options.repetitions(full=3, quick=1)
    settle = 0.3 if options.quick else 1.5
    results = []
    with EmulatorProcess(force_status=403) as emulator:
        for size in sizes:
            app_rss, app_peak, minimal_rss, minimal_peak = [], [], [], []
            for _ in range(repeat):
                with filled_data_dir(size) as data_dir:
                    base = run_probe("minimal", data_dir, emulator.base_url, settle=settle)
                    report = run_probe("app", data_dir, emulator.base_url, settle=settle)
                minimal_rss.append(base["rss_kb"] / 1024)
                minimal_peak.append(base["peak_rss_kb"] / 1024)
                app_rss.append(report["rss_kb"] / 1024)
                app_peak.append(report["peak_rss_kb"] / 1024)
            target = baseline_plus(MEMORY_MARGIN_MB, "MB") if size == sizes[-1] else None
            for label, app_values, base_values, judged in (
                ("Resident memory (VmRSS, settled)", app_rss, minimal_rss, target),
                ("Peak resident memory (VmHWM)", app_peak, minimal_peak, None),
            ):
                results.append(
                    Result(
                        benchmark="memory",
                        figure=f"{label}, {size:,} rooms",
                        value=Summary.of(app_values, "MB"),
                        baseline=Summary.of(base_values, "MB"),
                        baseline_label=BARE_WINDOW,
                        target=judged,
                        notes=f"{settle:g} s after the first paint",
                    )
                )
    return results
