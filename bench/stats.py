"""Figures of a bench run: percentiles, medians of repeats, ratios and PASS/FAIL verdicts.

Pure functions, no Django: the runner and the load client share them, and
tests/bench/test_stats.py pins them down.
"""

import math
import statistics
from dataclasses import dataclass, field


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share in 0..1) of `values`; NaN when there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = math.ceil(share * len(ordered))
    return ordered[min(len(ordered), max(rank, 1)) - 1]


@dataclass
class Measure:
    """One load run: completed requests (or operations) and their latencies in seconds."""

    ok: int
    errors: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds > 0 else 0.0

    def p(self, share: float) -> float:
        return percentile(self.latencies, share)

    def summary(self) -> dict:
        return {
            "ok": self.ok,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
            "rate": round(self.rate, 2),
            "p50_ms": _ms(self.p(0.50)),
            "p95_ms": _ms(self.p(0.95)),
            "p99_ms": _ms(self.p(0.99)),
            "statuses": self.statuses,
        }


def _ms(seconds: float) -> float | None:
    return None if math.isnan(seconds) else round(seconds * 1000, 2)


def median_summary(runs: list[dict]) -> dict:
    """The median of each figure over repeated runs (the issue's method: 3 runs, median)."""
    if not runs:
        raise ValueError("no runs")
    merged = {}
    for key in ("rate", "p50_ms", "p95_ms", "p99_ms"):
        values = [r[key] for r in runs if r.get(key) is not None]
        merged[key] = round(statistics.median(values), 2) if values else None
    merged["ok"] = sum(r["ok"] for r in runs)
    merged["errors"] = sum(r["errors"] for r in runs)
    merged["runs"] = len(runs)
    return merged


def ratio(value: float | None, baseline: float | None) -> float | None:
    """value ÷ baseline, None when either is missing or the baseline is zero."""
    if value is None or baseline is None or baseline == 0:
        return None
    return value / baseline


@dataclass(frozen=True)
class Check:
    """One target: `name` holds when `value` is at least (`at_least`) or at most the limit."""

    name: str
    value: float | None
    limit: float
    at_least: bool = True

    @property
    def passed(self) -> bool:
        if self.value is None or math.isnan(self.value):
            return False
        return self.value >= self.limit if self.at_least else self.value <= self.limit

    def describe(self) -> str:
        shown = "—" if self.value is None else f"{self.value:.2f}"
        sign = "≥" if self.at_least else "≤"
        return f"{self.name} {shown} {sign} {self.limit:g}"

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "value": None if self.value is None else round(self.value, 3),
            "limit": self.limit,
            "at_least": self.at_least,
            "passed": self.passed,
        }


def verdict(checks: list[Check]) -> str:
    """PASS when every check holds (and there is at least one), else FAIL."""
    return "PASS" if checks and all(c.passed for c in checks) else "FAIL"
