"""Evaluation on hand-built cases whose every figure is computed by hand below.

Monday 23 Nov 2026, working hours 08:30–12:00 and 13:30–17:30. T = 09:00.
A  supervisor report; accepted 09:10, filed 09:20, dispatched to 环卫 09:30, handled 11:30
   (120 working minutes), checked 12:00, closed 14:00 — all on time.
B  public report; verification sent 09:10 (on time), verified 12:00 (late: limit 2 h from
   09:10), accepted by shouli02 13:40 (late: acceptance was due 10:00), filed 13:50, sent to
   城管执法 14:00 by paiqian01, returned (approved 14:40), re-dispatched to 环卫 15:00 by
   paiqian02 (deadline Tue 10:00), handled Tue 11:00 (late), check failed Tue 11:30 →
   rework (new deadline Tue 17:00), handled Tue 14:00 (390 working minutes after the
   dispatch), checked Tue 14:30, closed Tue 15:00, rated 满意.
C  supervisor report declined 09:10.   D  supervisor report accepted, filed, cancelled.
E  supervisor fixed on the spot (自行处置).
"""

import datetime as dt

import pytest

from portal.city.models import Department
from portal.workflow import evaluation as ev
from portal.workflow import services as s
from tests.conftest import MONDAY_9AM as T

pytestmark = pytest.mark.django_db
PERIOD = ev.Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return T.replace(day=day, hour=hour, minute=minute)


@pytest.fixture
def scenario(new_case, user, grid):
    sup = grid.supervisor
    hws, cgzf = Department.objects.get(code="HWS"), Department.objects.get(code="CGZF")
    a = new_case()
    s.case_accept(case=a, actor=user("shouli01"), at=at(23, 9, 10))
    s.case_file(case=a, actor=user("zhiban01"), at=at(23, 9, 20))
    s.case_dispatch(case=a, actor=user("paiqian01"), department=hws, at=at(23, 9, 30))
    s.case_handle(case=a, actor=user("chuzhi_hws"), result="已清运", at=at(23, 11, 30))
    s.case_check(case=a, actor=sup, passed=True, at=at(23, 12, 0))
    s.case_close(case=a, actor=user("zhiban01"), at=at(23, 14, 0))

    b = new_case(source="public", actor=None, reporter_name="王先生")
    s.case_verify_request(case=b, actor=user("shouli01"), at=at(23, 9, 10))
    s.case_verify(case=b, actor=sup, verified=True, at=at(23, 12, 0))
    s.case_accept(case=b, actor=user("shouli02"), at=at(23, 13, 40))
    s.case_file(case=b, actor=user("zhiban01"), at=at(23, 13, 50))
    s.case_dispatch(case=b, actor=user("paiqian01"), department=cgzf, at=at(23, 14, 0))
    r = s.case_request(
        case=b, actor=user("chuzhi_cgzf"), kind="return", reason="非本部门职责", at=at(23, 14, 30)
    )
    s.case_request_decide(request=r, actor=user("zhiban01"), approve=True, at=at(23, 14, 40))
    s.case_dispatch(case=b, actor=user("paiqian02"), department=hws, at=at(23, 15, 0))
    s.case_handle(case=b, actor=user("chuzhi_hws"), result="已清运", at=at(24, 11, 0))
    s.case_check(case=b, actor=sup, passed=False, comment="仍有垃圾", at=at(24, 11, 30))
    s.case_handle(case=b, actor=user("chuzhi_hws"), result="已彻底清理", at=at(24, 14, 0))
    s.case_check(case=b, actor=sup, passed=True, at=at(24, 14, 30))
    s.case_close(case=b, actor=user("zhiban01"), at=at(24, 15, 0))
    s.case_rate(case=b, satisfaction="satisfied", at=at(24, 16, 0))

    c = new_case()
    s.case_decline(case=c, actor=user("shouli01"), reason="不属于城市管理问题", at=at(23, 9, 10))

    d = new_case()
    s.case_accept(case=d, actor=user("shouli01"), at=at(23, 9, 10))
    s.case_file(case=d, actor=user("zhiban01"), at=at(23, 9, 20))
    r = s.case_request(
        case=d, actor=user("shouli01"), kind="cancel", reason="重复上报", at=at(23, 9, 30)
    )
    s.case_request_decide(request=r, actor=user("zhiban01"), approve=True, at=at(23, 9, 40))

    s.case_self_handle(
        actor=sup,
        category=a.category,
        description="小广告",
        lon=a.lon,
        lat=a.lat,
        result="已清除",
        at=T,
    )
    b.refresh_from_db()
    assert b.handle_work_minutes == 390
    return {"a": a, "b": b, "supervisor": sup}


def one(rows, name):
    matches = [r for r in rows if r["name"] == name]
    assert len(matches) == 1, (name, rows)
    return matches[0]


def test_headline_figures(scenario):
    h = ev.headline_get(period=PERIOD)
    assert h["filed"] == 3  # A, B, D
    assert h["discovery_rate"] == pytest.approx(2 / 3)  # A and D came from the patrol
    assert h["dispatch_accuracy"] == pytest.approx(2 / 3)  # 3 dispatches, 1 returned
    assert h["mean_handling_hours"] == pytest.approx((120 + 390) / 2 / 60)
    assert h["closure_rate"] == 1.0  # A and B of the 2 due (D cancelled)
    assert h["satisfaction_rate"] == 1.0


def test_supervisor(scenario):
    row = one(ev.supervisor_evaluation(period=PERIOD), str(scenario["supervisor"]))
    assert row["reported"] == 4  # A, C, D, E
    assert row["valid_rate"] == pytest.approx(3 / 4)  # A, D filed; E fixed on the spot
    assert row["verify_on_time_rate"] == 0.0
    assert row["check_on_time_rate"] == 1.0  # three checks, all within 4 working hours
    assert row["missed"] == 1 and row["missed_rate"] == pytest.approx(1 / 3)
    assert row["score"] == pytest.approx(0.75 * 40 + (2 / 3) * 20 + 0 + 20, abs=0.01)
    assert row["grade"] == "C"


def test_clerks(scenario):
    rows = ev.clerk_evaluation(period=PERIOD)
    first = one(rows, str(scenario["b"].events.get(action="verify_request").actor))
    assert (first["accepted"], first["accept_on_time_rate"], first["verify_sent_on_time_rate"]) == (
        3,
        1.0,
        1.0,
    )
    assert first["score"] == 75.0 and first["grade"] == "B"
    second = one(rows, str(scenario["b"].events.get(action="accept").actor))
    assert (
        second["accepted"],
        second["accept_on_time_rate"],
        second["verify_sent_on_time_rate"],
    ) == (1, 0.0, None)
    assert second["score"] == 40.0 and second["grade"] == "D"


def test_shift_leader(scenario):
    (row,) = ev.shift_leader_evaluation(period=PERIOD)
    assert (row["filed"], row["file_on_time_rate"]) == (3, 1.0)
    assert row["accurate_filing_rate"] == pytest.approx(2 / 3)  # D was cancelled
    assert (row["closed"], row["close_on_time_rate"]) == (2, 1.0)
    assert row["score"] == pytest.approx(25 + 40 * 2 / 3 + 35, abs=0.01)


def test_dispatchers(scenario):
    rows = {r["dispatched"]: r for r in ev.dispatcher_evaluation(period=PERIOD)}
    first, second = rows[2], rows[1]
    assert (first["dispatch_on_time_rate"], first["accurate_dispatch_rate"]) == (1.0, 0.5)
    assert first["score"] == 60.0
    assert (second["dispatch_on_time_rate"], second["accurate_dispatch_rate"]) == (1.0, 1.0)
    assert second["score"] == 80.0


def test_department(scenario):
    (row,) = ev.department_evaluation(period=PERIOD, now=at(30, 9))
    assert row["name"] == "建邺区环境卫生管理所"
    assert (row["due"], row["handled"], row["handle_rate"], row["handle_on_time_rate"]) == (
        2,
        2,
        1.0,
        1.0,
    )
    assert (
        row["rework_rate"] == 0.5
        and row["extension_rate"] == 0.0
        and row["overdue_open_rate"] == 0.0
    )
    assert row["mean_handling_hours"] == 4.25
    assert row["score"] == 90.0 and row["grade"] == "A"


@pytest.mark.parametrize("level", ["street", "module", "grid"])
def test_areas(scenario, level):
    (row,) = ev.area_evaluation(period=PERIOD, level=level)
    assert row["filed"] == 3
    assert row["public_rate"] == pytest.approx(1 / 3)
    assert row["closure_rate"] == 1.0 and row["on_time_closure_rate"] == 1.0
    assert row["score"] == pytest.approx(20 * 2 / 3 + 80, abs=0.01)


def test_empty_period_has_no_rows():
    empty = ev.Period(dt.date(2020, 1, 1), dt.date(2020, 1, 31))
    assert ev.headline_get(period=empty)["discovery_rate"] is None
    for kind in ev.EVALUATIONS:
        assert ev.evaluation_list(kind=kind, period=empty) == []


def test_grades_and_bands():
    assert [ev.grade(x) for x in (95, 90, 80, 60, 45, 10)] == ["A", "A", "B", "C", "D", "E"]
    assert [ev.count_score(n) for n in (2500, 1500, 800, 400, 10)] == [100, 90, 75, 60, 0]


def test_evaluation_page_and_exports(client, login, scenario):
    import io

    from openpyxl import load_workbook

    query = "kind=department&start=2026-11-01&end=2026-11-30"
    login("shouli01")
    assert client.get(f"/cases/evaluation/?{query}").status_code == 403
    login("zhiban01")
    page = client.get(f"/cases/evaluation/?{query}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "问题发现率" in html and "66.67%" in html and "建邺区环境卫生管理所" in html
    csv = client.get(f"/cases/evaluation/?{query}&export=csv")
    text = csv.content.decode("utf-8")
    assert text.startswith("\ufeff名称,应处置数")
    assert "建邺区环境卫生管理所,2,2,100.00%" in text
    xlsx = client.get(f"/cases/evaluation/?{query}&export=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["A1"].value == "名称" and sheet["A2"].value == "建邺区环境卫生管理所"
    bad = client.get("/cases/evaluation/?kind=department&start=2026-11-30&end=2026-11-01")
    assert bad.status_code == 400 and "结束日期不能早于开始日期" in bad.content.decode()
