"""The fault drills under pytest: one run of `python -m chaos` (its own PostgreSQL, Redis,
Elasticsearch, app and worker), then one test per scenario on its recorded counts."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.chaos, pytest.mark.timeout(2400)]


@pytest.fixture(scope="module")
def drills(tmp_path_factory):
    out = tmp_path_factory.mktemp("chaos") / "results.json"
    run = subprocess.run(  # noqa: S603 (this interpreter, a fixed module)
        [sys.executable, "-m", "chaos", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=2300,
    )
    assert out.exists(), run.stdout[-4000:] + run.stderr[-4000:]
    results = json.loads(out.read_text())
    scenarios = {s["name"]: s for s in results["scenarios"]}
    scenarios["_exit"] = run.returncode
    scenarios["_log"] = run.stdout[-6000:]
    return scenarios


def scenario(drills, name):
    found = drills.get(name)
    assert found is not None, drills["_log"]
    failed = [label for label, ok in found["checks"].items() if not ok]
    assert not failed, f"{name}: {failed}\n{found['counts']}\n{found['notes']}"
    return found["counts"]


def test_postgres_kill_loses_no_acknowledged_report(drills):
    counts = scenario(drills, "postgres_kill")
    assert counts["submitted"] == 200
    assert 0 < counts["acknowledged_2xx"] == counts["present_after_recovery"]
    assert counts["half_written"] == 0


def test_redis_stop_keeps_transitions_and_dashboards(drills):
    counts = scenario(drills, "redis_stop")
    assert counts["succeeded_http"] == counts["dispatched_in_db"] == counts["transitions"]
    assert counts["snapshot_feed_dispatches"] == counts["transitions"]
    assert counts["ws_live_event_after_reconnect"] is True


def test_elasticsearch_stop_queues_then_drains(drills):
    counts = scenario(drills, "elasticsearch_stop")
    assert counts["outbox_peak_while_down"] > counts["outbox_before"]
    assert counts["outbox_after"] == 0
    for indexed_vs_db in counts["indexes"].values():
        indexed, database = indexed_vs_db.split("/")
        assert indexed == database


def test_worker_kill_mid_pdf_retries_to_one_pdf(drills):
    counts = scenario(drills, "worker_kill")
    assert counts["case_file_pdfs"] == 1
    assert counts["killed_task_status"] == "SUCCESSFUL"


def test_restore_drill_brings_back_every_row_and_file(drills):
    counts = scenario(drills, "restore_drill")
    assert counts["rows_restored"] == counts["rows_expected"]
    assert counts["media_checksum_mismatches"] == 0


def test_make_chaos_exit_status_says_all_passed(drills):
    assert drills["_exit"] == 0, drills["_log"]
