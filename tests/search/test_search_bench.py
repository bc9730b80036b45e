import io
import json

import pytest
from django.core.management import call_command

from bench import search_latency

pytestmark = pytest.mark.django_db


def test_search_bench_reports_json(settings, new_case):
    settings.ELASTICSEARCH_URL = ""
    new_case(description="江东中路3号门前井盖破损")
    call_command("search_reindex", index="cases", stdout=io.StringIO())
    out = io.StringIO()
    call_command("search_bench", as_json=True, repeat=1, users="zhiban01", stdout=out)
    report = json.loads(out.getvalue())
    assert report["backend"] == "DatabaseBackend" and report["cases"] == 1
    (row,) = report["users"]
    assert row["user"] == "zhiban01" and row["queries"] > 0
    assert 0 < row["p50_ms"] <= row["p95_ms"] <= row["max_ms"]


def test_runner_writes_the_report_under_var_bench(settings, tmp_path, capsys, monkeypatch):
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(search_latency, "_setup", lambda: None)
    assert search_latency.main(["--backend", "database", "--repeat", "1"]) == 0
    (path,) = (tmp_path / "bench").glob("search_latency-*.json")
    report = json.loads(path.read_text(encoding="utf-8"))
    assert [run["backend"] for run in report["runs"]] == ["DatabaseBackend"]
    assert json.loads(capsys.readouterr().out) == report
