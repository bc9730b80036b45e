"""The filing catalogue (归档文件目录): DA/T 22 columns, XLSX and PDF, filtered by year,
retention and organisation, and only the items the requesting user may see."""

import io
import subprocess

import pytest
from openpyxl import load_workbook

from portal.archive.catalogue import catalogue_columns, catalogue_list
from portal.archive.services import item_correct

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(filed, user):
    open_item = filed()
    restricted = filed()
    item_correct(
        item=restricted,
        actor=user("dangan01"),
        changes={"classification": "restricted"},
        reason="涉及个人隐私",
    )
    restricted.refresh_from_db()
    return open_item, restricted


def _xlsx_rows(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]


def test_xlsx_has_the_da_t_22_columns_and_every_visible_item(items, login):
    open_item, restricted = items
    response = login("dangan01").get(
        "/archive/catalogue/",
        {"year": open_item.year, "retention": "D30", "organisation": "ZHZX", "format": "xlsx"},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    rows = _xlsx_rows(b"".join(response.streaming_content))
    assert "归档文件目录" in rows[0][0]
    assert rows[1] == ["件号", "档号", "责任者", "文号", "题名", "日期", "页数", "密级", "备注"]
    by_code = {row[1]: row for row in rows[2:]}
    assert set(by_code) == {open_item.reference_code, restricted.reference_code}
    line = by_code[open_item.reference_code]
    assert line[0] == f"{open_item.item_number:04d}" and line[4] == open_item.title
    assert line[5] == open_item.document_date.strftime("%Y%m%d")
    assert by_code[restricted.reference_code][7] == "限制利用"
    assert "第2版" in by_code[restricted.reference_code][8]


def test_catalogue_respects_item_visible(items, user):
    open_item, restricted = items
    head_codes = [r.reference_code for r in catalogue_list(user=user("danganzhang01"))]
    assert open_item.reference_code in head_codes and restricted.reference_code not in head_codes
    assert catalogue_list(user=user("danganzhang01"), year=open_item.year - 1) == []
    assert catalogue_list(user=user("danganzhang01"), retention="Y") == []
    assert catalogue_list(user=user("chuzhi_szc")) == []


def test_pdf_catalogue_has_cjk_text(items, login):
    open_item, _restricted = items
    response = login("danganzhang01").get(
        "/archive/catalogue/", {"year": open_item.year, "format": "pdf"}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = subprocess.run(
        ["/usr/bin/pdftotext", "-enc", "UTF-8", "-", "-"],
        input=b"".join(response.streaming_content),
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    assert "归档文件目录" in text and "题名" in text
    assert open_item.reference_code.split("-")[-1] in text
    assert "限制利用" not in text  # the head may not see the restricted item


def test_catalogue_refuses_other_roles(items, login):
    assert login("chuzhi_hws").get("/archive/catalogue/").status_code == 403
    assert login("shenji01").get("/archive/catalogue/", {"format": "xlsx"}).status_code == 403
    page = login("dangan01").get("/archive/catalogue/")
    assert page.status_code == 200 and "归档文件目录" in page.content.decode()


def test_columns_are_the_standard_nine():
    assert len(catalogue_columns()) == 9
