"""What every benchmark shares: options, samples and their summary, results with their targets."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Options:
    """How big and how long: ``quick`` shrinks every size so the whole suite runs in seconds."""

    quick: bool = False
    repeat: int | None = None  # None: each benchmark's own default
    window_seconds: float | None = None  # the rate-limit window for benchmark 5

    def repetitions(self, full: int, quick: int = 1) -> int:
        if self.repeat is not None:
            return max(1, self.repeat)
        return quick if self.quick else full


@dataclass(frozen=True)
class Summary:
    """A set of samples: median, the interquartile range, extremes and the 95th percentile."""

    unit: str
    n: int
    median: float
    p25: float
    p75: float
    p95: float
    min: float
    max: float
    samples: tuple[float, ...] = field(repr=False)

    @classmethod
    def of(cls, samples: Sequence[float], unit: str) -> Summary:
        if not samples:
            raise ValueError("no samples to summarise")
        ordered = sorted(samples)
        return cls(
            unit=unit,
            n=len(ordered),
            median=statistics.median(ordered),
            p25=percentile(ordered, 25),
            p75=percentile(ordered, 75),
            p95=percentile(ordered, 95),
            min=ordered[0],
            max=ordered[-1],
            samples=tuple(samples),
        )

    def pick(self, statistic: str) -> float:
        return float(getattr(self, statistic))

    def text(self, statistic: str = "median") -> str:
        """``12.3 ms (IQR 11.9–12.8)``: the statistic, then the spread that goes with it."""
        value = format_value(self.pick(statistic), self.unit)
        if self.n == 1:
            return value
        if statistic == "median":
            spread = f"IQR {format_number(self.p25)}–{format_number(self.p75)}"
        else:
            spread = f"range {format_number(self.min)}–{format_number(self.max)}"
        return f"{value} ({spread})"


def percentile(ordered: Sequence[float], percent: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), ``ordered`` ascending."""
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * percent / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def format_number(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def format_value(value: float, unit: str) -> str:
    return f"{format_number(value)} {unit}".strip()


@dataclass(frozen=True)
class Target:
    """A goal for one figure: ``check(value, baseline)`` says whether it is met."""

    text: str  # "≤ 16 ms", "≤ 1.5× minimal"
    check: Callable[[float, float | None], bool]


def at_most(limit: float, unit: str) -> Target:
    return Target(f"≤ {format_value(limit, unit)}", lambda value, _baseline: value <= limit)


def ratio_at_most(limit: float, of: str = "baseline") -> Target:
    return Target(
        f"≤ {limit:g}× {of}",
        lambda value, baseline: baseline is not None and baseline > 0 and value / baseline <= limit,
    )


def ratio_at_least(limit: float, of: str = "baseline") -> Target:
    """For figures where more is better (throughput): at least ``limit`` times the baseline."""
    return Target(
        f"≥ {limit:g}× {of}",
        lambda value, baseline: baseline is not None and baseline > 0 and value / baseline >= limit,
    )


def baseline_plus(margin: float, unit: str) -> Target:
    return Target(
        f"≤ baseline + {format_value(margin, unit)}",
        lambda value, baseline: baseline is not None and value <= baseline + margin,
    )


@dataclass
class Result:
    """One row of the table: a figure, its baseline measured alongside, and its target."""

    benchmark: str
    figure: str
    value: Summary
    statistic: str = "median"  # which statistic the target judges: median, p95 or max
    baseline: Summary | None = None
    baseline_label: str = ""
    target: Target | None = None
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def measured(self) -> float:
        return self.value.pick(self.statistic)

    @property
    def baseline_value(self) -> float | None:
        return None if self.baseline is None else self.baseline.pick(self.statistic)

    @property
    def ratio(self) -> float | None:
        base = self.baseline_value
        return None if not base else self.measured / base

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return bool(self.target.check(self.measured, self.baseline_value))

    def to_json(self) -> dict[str, Any]:
        def summary(item: Summary | None) -> dict[str, Any] | None:
            return None if item is None else asdict(item)

        return {
            "benchmark": self.benchmark,
            "figure": self.figure,
            "statistic": self.statistic,
            "value": summary(self.value),
            "baseline": summary(self.baseline),
            "baseline_label": self.baseline_label,
            "ratio": self.ratio,
            "target": None if self.target is None else self.target.text,
            "met": self.met,
            "notes": self.notes,
            **({"extra": self.extra} if self.extra else {}),
        }
