"""The bench's arithmetic: percentiles, medians of repeats, ratios and PASS/FAIL."""

import math

import pytest

from bench.stats import Check, Measure, median_summary, percentile, ratio, verdict


def test_percentile_is_nearest_rank():
    values = [float(n) for n in range(1, 101)]  # 1..100
    assert percentile(values, 0.50) == 50
    assert percentile(values, 0.95) == 95
    assert percentile(values, 0.99) == 99
    assert percentile(values, 1.0) == 100
    assert percentile([7.0], 0.99) == 7.0
    assert percentile(list(reversed(values)), 0.50) == 50
    assert math.isnan(percentile([], 0.5))


def test_measure_summary_in_milliseconds():
    m = Measure(ok=4, errors=1, seconds=2.0, latencies=[0.010, 0.020, 0.030, 0.040])
    s = m.summary()
    assert s["rate"] == 2.0
    assert s["p50_ms"] == 20.0
    assert s["p99_ms"] == 40.0
    assert s["errors"] == 1
    assert Measure(ok=0, errors=0, seconds=0).summary()["p50_ms"] is None


def test_median_of_repeats():
    runs = [
        {"ok": 10, "errors": 0, "rate": 100.0, "p50_ms": 5, "p95_ms": 9, "p99_ms": 12},
        {"ok": 12, "errors": 1, "rate": 90.0, "p50_ms": 7, "p95_ms": 8, "p99_ms": 30},
        {"ok": 11, "errors": 0, "rate": 120.0, "p50_ms": 6, "p95_ms": 10, "p99_ms": 11},
    ]
    m = median_summary(runs)
    assert (m["rate"], m["p50_ms"], m["p95_ms"], m["p99_ms"]) == (100.0, 6, 9, 12)
    assert (m["ok"], m["errors"], m["runs"]) == (33, 1, 3)
    with pytest.raises(ValueError):
        median_summary([])


def test_ratio_handles_missing_figures():
    assert ratio(30, 100) == 0.3
    assert ratio(None, 100) is None
    assert ratio(30, None) is None
    assert ratio(30, 0) is None


@pytest.mark.parametrize(
    ("check", "passed"),
    [
        (Check("throughput", 0.30, 0.30), True),
        (Check("throughput", 0.29, 0.30), False),
        (Check("p99", 3.0, 3.0, at_least=False), True),
        (Check("p99", 3.1, 3.0, at_least=False), False),
        (Check("missing", None, 1.0), False),
        (Check("nan", float("nan"), 1.0, at_least=False), False),
    ],
)
def test_check(check, passed):
    assert check.passed is passed
    assert check.as_dict()["passed"] is passed


def test_verdict():
    ok, bad = Check("a", 1, 1), Check("b", 0, 1)
    assert verdict([ok]) == "PASS"
    assert verdict([ok, bad]) == "FAIL"
    assert verdict([]) == "FAIL"  # nothing measured is not a pass


def test_report_table_lists_rows_and_checks():
    from bench.report import markdown

    report = {
        "scenarios": [
            {
                "id": "B1",
                "figures": {
                    "baseline: bare INSERT view": {"ok": 10, "rate": 100.0, "p99_ms": 9.0},
                    "Open311 POST": {"ok": 4, "rate": 40.0, "p50_ms": 20, "p99_ms": 30.0},
                },
                "checks": [Check("throughput ratio", 0.4, 0.3).as_dict()],
            }
        ]
    }
    text = markdown(report)
    assert "| B1 | Open311 POST | 4 | 40.0 | 20.0 | — | 30.0 |" in text
    assert "| B1 | throughput ratio | 0.40 | ≥ 0.3 | PASS |" in text
