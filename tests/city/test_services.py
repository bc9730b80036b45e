import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from portal.city.demo_map import DATA_DIR
from portal.city.models import (
    CaseKind,
    Category,
    CodeScheme,
    Component,
    Department,
    Grid,
    MajorCategory,
    Module,
    TimeLimit,
)
from portal.city.services import taxonomy_load

pytestmark = pytest.mark.django_db


def test_taxonomy_has_the_standard_majors_and_minors():
    components = MajorCategory.objects.filter(kind=CaseKind.COMPONENT)
    events = MajorCategory.objects.filter(kind=CaseKind.EVENT)
    assert list(components.values_list("code", "name")) == [
        ("01", "公用设施"),
        ("02", "道路交通"),
        ("03", "市容环境"),
        ("04", "园林绿化"),
        ("05", "房屋土建"),
        ("06", "其他设施"),
    ]
    assert events.count() == 5
    names = set(Category.objects.values_list("name", flat=True))
    for expected in [
        "上水井盖",
        "污水井盖",
        "路灯",
        "垃圾箱",
        "公共厕所",
        "行道树",
        "暴露垃圾",
        "私搭乱建",
        "占道经营",
        "无照经营",
        "非法小广告",
        "施工扰民",
        "道路积水",
    ]:
        assert expected in names
    manhole = Category.objects.get(major__kind=CaseKind.COMPONENT, name="上水井盖")
    assert manhole.full_code == "0101"


def test_every_minor_has_criteria_limits_and_department():
    for category in Category.objects.prefetch_related("time_limits"):
        assert category.filing_criterion and category.closing_criterion
        assert category.default_department is not None
        assert {t.urgency for t in category.time_limits.all()} == {"normal", "urgent"}
    garbage = Category.objects.get(name="暴露垃圾")
    limit = garbage.time_limits.get(urgency="normal")
    assert (limit.value, limit.unit) == (Decimal("4.0"), "work_hour")


def test_taxonomy_load_is_idempotent_and_follows_the_data_file(tmp_path):
    before = (Category.objects.count(), TimeLimit.objects.count())
    assert taxonomy_load() == before[0]
    assert (Category.objects.count(), TimeLimit.objects.count()) == before
    data = json.loads((DATA_DIR / "taxonomy.json").read_text(encoding="utf-8"))
    data["majors"][0]["minors"][0]["limits"]["normal"] = {"value": 6, "unit": "work_hour"}
    changed = tmp_path / "taxonomy.json"
    changed.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    taxonomy_load(path=changed)
    limit = TimeLimit.objects.get(category__name="上水井盖", urgency="normal")
    assert limit.value == Decimal("6")
    assert CodeScheme.objects.filter(is_current=True).count() == 1


def test_modules_are_35_built_10_planned_4_special():
    counts = {kind: Module.objects.filter(kind=kind).count() for kind in Module.Kind.values}
    assert counts == {"built": 35, "planned": 10, "special": 4}
    assert not Module.objects.filter(grids__isnull=True).exists()


def test_grid_codes_are_15_digits_under_their_community():
    for grid in Grid.objects.select_related("community__street__district")[::50]:
        assert len(grid.code) == 15 and grid.code.isdigit()
        assert grid.code.startswith(grid.community.full_code)
        grid.full_clean()


def test_grid_validation_rejects_bad_geometry_and_wrong_prefix():
    grid = Grid.objects.select_related("community__street__district").first()
    grid.geometry = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    grid.code = "320105999999001"
    with pytest.raises(ValidationError) as err:
        grid.full_clean()
    assert set(err.value.message_dict) == {"geometry", "code"}


def test_components_have_16_digit_ids_inside_their_grid():
    from shapely.geometry import Point, shape

    assert Component.objects.count() == 835 * 3
    for component in Component.objects.select_related("grid", "category__major")[::97]:
        assert len(component.code) == 16
        assert component.code[6:10] == component.category.full_code
        assert shape(component.grid.geometry).contains(Point(component.lon, component.lat))


def test_departments_include_professional_and_street_offices():
    assert Department.objects.filter(kind="street").count() == 7
    assert Department.objects.filter(kind="centre").count() == 1
    assert Department.objects.filter(name__contains="环境卫生").exists()
