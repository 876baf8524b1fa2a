"""The results as a Markdown table: figure, roomdesk, baseline, comparison, target, met."""

from __future__ import annotations

from collections.abc import Sequence

from bench.core import Result

MET = {True: "✅ met", False: "❌ missed", None: "—"}


def comparison(result: Result) -> str:
    """How roomdesk compares with its baseline: a ratio, or a difference for memory."""
    base = result.baseline_value
    if base is None:
        return ""
    if result.value.unit == "MB":
        return f"{result.measured - base:+.0f} MB"
    return f"{result.measured / base:.2f}×" if base else ""


def table(results: Sequence[Result]) -> str:
    rows = [
        "| Benchmark | Figure | roomdesk | Baseline | vs. baseline | Target | |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in results:
        baseline = "" if result.baseline is None else result.baseline.text(result.statistic)
        rows.append(
            "| "
            + " | ".join(
                (
                    result.benchmark,
                    result.figure,
                    result.value.text(result.statistic),
                    baseline,
                    comparison(result),
                    "" if result.target is None else result.target.text,
                    MET[result.met],
                )
            )
            + " |"
        )
    notes = [
        f"- {result.figure}: {result.notes}"
        + (f" (baseline: {result.baseline_label})" if result.baseline_label else "")
        for result in results
        if result.notes or result.baseline_label
    ]
    return "\n".join(rows + (["", *notes] if notes else []))
