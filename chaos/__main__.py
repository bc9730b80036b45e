"""`python -m chaos` (what `make chaos` runs): start the drill's stack, run every fault
scenario and the restore drill, print a summary table, write var/chaos/<time>.json, and
exit non-zero when any scenario failed.

    python -m chaos [--only NAME ...] [--keep] [--json PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
import traceback

from chaos.stack import ROOT, Stack

SCENARIOS = ["postgres_kill", "redis_stop", "elasticsearch_stop", "worker_kill", "restore_drill"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__)
    parser.add_argument("--only", nargs="*", choices=SCENARIOS, help="run only these")
    parser.add_argument("--keep", action="store_true", help="leave the stack running after")
    parser.add_argument(
        "--reuse", action="store_true", help="drive the stack a --keep run left up, if any"
    )
    parser.add_argument("--json", help="write the results here (default var/chaos/<time>.json)")
    args = parser.parse_args(argv)
    chosen = args.only or SCENARIOS

    started = time.monotonic()
    stack = Stack()
    print(f"== fault drills: stack in {stack.base} ==", flush=True)
    results = []
    setup_error = None
    try:
        if args.reuse and stack.state_load():
            print(f"  reusing the running stack at {stack.base_url}", flush=True)
        else:
            try:
                stack.up(say=lambda line: print(line, flush=True))
            except Exception:
                setup_error = traceback.format_exc()
                print(f"  the stack did not start:\n{setup_error}", flush=True)
                chosen = []
        from chaos import drill, scenarios

        if chosen:
            scenarios.django_setup(stack)
        runners = {
            "postgres_kill": scenarios.s1_postgres_kill,
            "redis_stop": scenarios.s2_redis_stop,
            "elasticsearch_stop": scenarios.s3_elasticsearch_stop,
            "worker_kill": scenarios.s4_worker_kill,
            "restore_drill": drill.restore_drill,
        }
        for name in chosen:
            print(f"\n== {name} ==", flush=True)
            began = time.monotonic()
            try:
                result = runners[name](stack)
            except Exception:
                result = scenarios.Result(name, name)
                result.check("ran to the end", False)
                result.notes.append(traceback.format_exc())
                result.finish()
            result.seconds = round(time.monotonic() - began, 1)
            results.append(result)
            for key, value in result.counts.items():
                print(f"  {key}: {value}")
            for label, ok in result.checks.items():
                print(f"  [{'ok' if ok else 'FAIL'}] {label}")
            for note in result.notes:
                print(f"  note: {note}")
            print(f"  => {'PASS' if result.passed else 'FAIL'} ({result.seconds} s)", flush=True)
    finally:
        if args.keep:
            stack.state_save()
        else:
            stack.down()

    total = round(time.monotonic() - started, 1)
    print("\n== summary ==")
    print(f"{'scenario':<22} {'result':<6} {'seconds':>8}  key counts")
    for r in results:
        key = {k: v for k, v in r.counts.items() if not isinstance(v, dict)}
        brief = ", ".join(f"{k}={v}" for k, v in list(key.items())[:5])
        print(f"{r.name:<22} {'PASS' if r.passed else 'FAIL':<6} {r.seconds:>8}  {brief}")
    failed = [r.name for r in results if not r.passed]
    failed += [n for n in chosen if n not in {r.name for r in results}]
    if setup_error:
        failed.append("stack")
    print(
        f"total {total} s; {len(results) - len([r for r in results if not r.passed])}"
        f"/{len(chosen)} passed"
    )

    out = args.json
    if not out:
        (ROOT / "var" / "chaos").mkdir(parents=True, exist_ok=True)
        out = ROOT / "var" / "chaos" / f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.json"
    payload = {
        "finished_at": dt.datetime.now(dt.UTC).isoformat(),
        "seconds": total,
        "passed": not failed,
        "setup_error": setup_error,
        "scenarios": [r.__dict__ for r in results],
    }
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, ensure_ascii=False, indent=2, default=str)
    print(f"results: {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
