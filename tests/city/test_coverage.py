import pytest
from django.core.management import CommandError, call_command
from shapely.geometry import box

from portal.city.geometry import coverage_check, to_geojson
from portal.city.models import Grid
from portal.city.selectors import coverage_report_list

pytestmark = pytest.mark.django_db


def test_demo_district_has_no_gaps_and_no_overlaps(capsys):
    call_command("city_check")
    out = capsys.readouterr().out
    assert "单元网格：835 个，缺口 0 处，重叠 0 处" in out
    assert "管理模块：49 个，缺口 0 处，重叠 0 处" in out
    assert "社区：41 个" in out
    assert "街道：7 个" in out
    assert "辖区覆盖检查通过" in out


def test_planted_overlap_is_reported():
    victim, neighbour = Grid.objects.order_by("code")[:2]
    # Grow one grid by a 50 m square that pokes into its neighbour.
    lon, lat = neighbour.centre_lon, neighbour.centre_lat
    from shapely.geometry import shape

    grown = shape(victim.geometry).union(
        box(lon - 0.0003, lat - 0.0003, lon + 0.0003, lat + 0.0003)
    )
    victim.geometry = to_geojson(grown)
    victim.save()
    grid_report = coverage_report_list(district_code="320105")[0]
    overlaps = [p for p in grid_report.problems if p.kind == "overlap"]
    assert overlaps, grid_report.problems
    assert any(neighbour.code in p.codes for p in overlaps)
    with pytest.raises(CommandError):
        call_command("city_check")


def test_removed_grid_is_reported_as_a_gap():
    lost = Grid.objects.order_by("code")[100]
    code, area = lost.code, lost.area_m2
    lost.components.all().delete()
    lost.delete()
    grid_report = coverage_report_list(district_code="320105")[0]
    gaps = [p for p in grid_report.problems if p.kind == "gap"]
    assert len(gaps) == 1
    assert gaps[0].area_m2 == pytest.approx(area, rel=0.01)
    assert code not in gaps[0].codes  # it names the neighbours around the hole


def test_coverage_check_finds_parts_outside_the_boundary():
    boundary = box(0, 0, 1, 1)
    report = coverage_check(
        "grid", boundary, [("a", box(0, 0, 1, 0.5)), ("b", box(0, 0.5, 1, 1.2))]
    )
    assert [p.kind for p in report.problems] == ["outside"]
    assert report.problems[0].codes == ("b",)
