"""`python -m bench.report [var/bench/latest.json]`: a run's report as a Markdown table
(what docs/performance.md shows): every measured row of every scenario, then the checks."""

import json
import sys
from pathlib import Path


def _f(value, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def markdown(report: dict) -> str:
    lines = [
        "| # | row | ok | rate/s | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    checks = ["", "| # | check | value | target | result |", "|---|---|---|---|---|"]
    for s in report["scenarios"]:
        for name, row in s["figures"].items():
            ok = row.get("ok", row.get("renders", row.get("docs", row.get("delivered"))))
            lines.append(
                f"| {s['id']} | {name} | {ok if ok is not None else '—'} | {_f(row.get('rate'))} "
                f"| {_f(row.get('p50_ms'))} | {_f(row.get('p95_ms'))} | {_f(row.get('p99_ms'))} |"
            )
        for c in s["checks"]:
            sign = "≥" if c["at_least"] else "≤"
            checks.append(
                f"| {s['id']} | {c['name']} | {_f(c['value'], 2)} | {sign} {c['limit']:g} "
                f"| {'PASS' if c['passed'] else 'FAIL'} |"
            )
    return "\n".join(lines + checks) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    path = Path(argv[0] if argv else "var/bench/latest.json")
    sys.stdout.write(markdown(json.loads(path.read_text(encoding="utf-8"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
