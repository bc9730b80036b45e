"""Fixtures of the citizen tests: a public report, and a walk of its case to closure."""

import io

import pytest
from PIL import Image

from portal.citizen.services import report_submit
from portal.city.models import Category, Department
from portal.workflow import services as s

REPORTER = {"name": "张三丰", "phone": "13812349000", "email": "zhang@example.com"}


def jpeg_bytes(size=(64, 48), color=(200, 40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def submit(grid):
    """Submit a web report in the fixture grid (returns the Receipt)."""

    def _submit(category: str = "暴露垃圾", **kwargs):
        values = {
            "channel": "web",
            "category": Category.objects.get(name=category),
            "description": "应天大街辅路有一堆建筑垃圾，影响通行",
            "lon": grid.centre_lon,
            "lat": grid.centre_lat,
            **REPORTER,
        }
        values.update(kwargs)
        return report_submit(**values)

    return _submit


@pytest.fixture
def close_case(user):
    """Walk a case through the whole loop to 结案, as each role."""

    def _close(case):
        case = s.case_accept(case=case, actor=user("shouli01"))
        case = s.case_file(case=case, actor=user("zhiban01"))
        department = case.category.default_department or Department.objects.get(code="HWS")
        case = s.case_dispatch(case=case, actor=user("paiqian01"), department=department)
        handler = department.staff.filter(groups__name="部门处置员").first()
        case = s.case_handle(case=case, actor=handler, result="已清运完毕")
        supervisor = case.grid.supervisor or case.module.supervisor
        case = s.case_check(case=case, actor=supervisor, passed=True)
        return s.case_close(case=case, actor=user("zhiban01"))

    return _close
