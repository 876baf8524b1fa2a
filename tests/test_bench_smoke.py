"""Every benchmark still runs: ``python -m bench --quick`` (tiny sizes), checked for results.

No timing is asserted here: the figures of a quick run on a busy test machine mean nothing. What
breaks is an API a benchmark drives (the window, the session, the client, the store) changing.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = (
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
    "batch",
)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("bench") / "quick.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for name in ("ROOMDESK_API_KEY", "ROOMDESK_API_URL", "ROOMDESK_DATA_DIR"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", str(out)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert out.exists(), done.stderr[-3000:]
    document = json.loads(out.read_text(encoding="utf-8"))
    document["stdout"], document["stderr"], document["returncode"] = (
        done.stdout,
        done.stderr,
        done.returncode,
    )
    return document


def test_the_quick_run_ends_well_and_prints_the_table(quick_run: dict) -> None:
    assert quick_run["failures"] == {}, quick_run["stderr"][-3000:]
    assert quick_run["returncode"] == 0, quick_run["stderr"][-3000:]
    assert "| Benchmark | Figure | roomdesk | Baseline |" in quick_run["stdout"]


@pytest.mark.parametrize("name", BENCHMARKS)
def test_each_benchmark_reports_figures_with_baselines(quick_run: dict, name: str) -> None:
    results = [result for result in quick_run["results"] if result["benchmark"] in _rows(name)]
    assert results, f"{name} reported nothing: {quick_run['failures'].get(name)}"
    for result in results:
        for summary in (result["value"], result["baseline"]):
            assert summary is not None, result["figure"]
            assert summary["n"] >= 1
            assert all(math.isfinite(sample) and sample >= 0 for sample in summary["samples"])
        assert result["target"] is None or result["met"] in (True, False)


def _rows(name: str) -> set[str]:
    """The benchmark names a run's rows carry (the sort benchmark also reports scrolling)."""
    return {"sort", "scroll"} if name == "sort" else {name}


def test_the_start_with_the_key_in_the_keychain_is_measured(quick_run: dict) -> None:
    from bench.keychain_session import keychain_tools

    _, missing = keychain_tools()
    if missing:
        pytest.skip(f"{', '.join(missing)} not found: the keychain figure is skipped too")
    figures = [
        result
        for result in quick_run["results"]
        if result["benchmark"] == "startup" and "key in the OS keychain" in result["figure"]
    ]
    assert len(figures) == 1, quick_run["stderr"][-3000:]
    assert "the key was in use" in figures[0]["notes"]
