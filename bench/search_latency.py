"""Search latency over the loaded cases, on the database backend and on Elasticsearch.

    python -m bench.search_latency [--backend database|elasticsearch|both] [--repeat 5]
        [--reindex] [--users zhiban01,chuzhi_hws]

A thin runner around `manage.py search_bench --json`: it sets Django up with the settings
from the environment (DJANGO_SETTINGS_MODULE, default portal.settings.dev; DATABASE_URL;
ELASTICSEARCH_URL for the Elasticsearch run), runs the command once per backend, prints
the results and writes them as JSON to var/bench/search_latency-<timestamp>.json.
`--reindex` rebuilds the cases index of each backend first (needed once after
`load_demo`, which indexes into the backend configured at load time).

For the issue's figure: `manage.py load_demo --cases 100000` first (see bench/README.md).
"""

import argparse
import datetime as dt
import io
import json
import os
import sys
from pathlib import Path


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    import django

    django.setup()


def run(*, backend: str, repeat: int, users: str, reindex: bool) -> dict:
    from django.conf import settings
    from django.core.management import call_command

    url = os.environ.get("ELASTICSEARCH_URL", "")
    if backend == "elasticsearch" and not url:
        sys.exit("ELASTICSEARCH_URL is not set: the Elasticsearch run needs a server.")
    settings.ELASTICSEARCH_URL = url if backend == "elasticsearch" else ""
    if reindex:
        call_command("search_reindex", index="cases", stdout=io.StringIO())
    out = io.StringIO()
    call_command("search_bench", as_json=True, repeat=repeat, users=users, stdout=out)
    return json.loads(out.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--backend", choices=("database", "elasticsearch", "both"), default="database"
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--users", default="zhiban01,chuzhi_hws")
    parser.add_argument("--reindex", action="store_true")
    args = parser.parse_args(argv)
    _setup()
    from django.conf import settings
    from django.db import connection

    backends = ("database", "elasticsearch") if args.backend == "both" else (args.backend,)
    report = {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": connection.vendor,
        "runs": [
            run(backend=b, repeat=args.repeat, users=args.users, reindex=args.reindex)
            for b in backends
        ],
    }
    out_dir = Path(settings.VAR_DIR) / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"search_latency-{report['at'].replace(':', '')[:17]}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"written to {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
