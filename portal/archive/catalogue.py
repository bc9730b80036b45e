"""The filing catalogue (归档文件目录, DA/T 22-2015 §8) of the items a user may see, by
年度 / 保管期限 / 机构, as XLSX (openpyxl) or PDF (WeasyPrint, CJK font embedded)."""

import io
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.archive.models import ArchivalItem, ItemState
from portal.archive.selectors import item_visible

EXPORT_PERM = "archive.export_catalogue"


def catalogue_columns() -> list[str]:
    """The DA/T 22 columns, in order."""
    return [
        _("件号"),
        _("档号"),
        _("责任者"),
        _("文号"),
        _("题名"),
        _("日期"),
        _("页数"),
        _("密级"),
        _("备注"),
    ]


@dataclass(frozen=True)
class CatalogueRow:
    item_number: str
    reference_code: str
    responsible: str
    document_number: str
    title: str
    date: str
    pages: str
    classification: str
    note: str

    def cells(self) -> list[str]:
        return [
            self.item_number,
            self.reference_code,
            self.responsible,
            self.document_number,
            self.title,
            self.date,
            self.pages,
            self.classification,
            self.note,
        ]


def _note(item: ArchivalItem) -> str:
    notes = []
    if item.state == ItemState.DESTROYED:
        notes.append(_("已销毁 %s") % timezone.localtime(item.destroyed_at).strftime("%Y-%m-%d"))
    if item.retention_extended:
        notes.append(_("鉴定延长至%s") % item.get_retention_extended_display())
    if item.version > 1:
        notes.append(_("第%d版") % item.version)
    return "；".join(notes)


def catalogue_list(
    *, user: User, year: int | None = None, retention: str = "", organisation: str = ""
) -> list[CatalogueRow]:
    """The catalogue rows of the items the user may see, filtered by class parts and in
    档号 order (class, then 件号)."""
    items = item_visible(user=user)
    if year:
        items = items.filter(year=year)
    if retention:
        items = items.filter(retention=retention)
    if organisation:
        items = items.filter(organisation=organisation)
    items = items.order_by(
        "fonds", "record_class", "year", "retention", "organisation", "item_number"
    )
    return [
        CatalogueRow(
            item_number=f"{item.item_number:04d}",
            reference_code=item.reference_code,
            responsible=item.responsible,
            document_number=item.document_number,
            title=item.title,
            date=item.document_date.strftime("%Y%m%d"),
            pages=str(item.metadata.get("pages", "")),
            classification=item.get_classification_display() if item.classification else "",
            note=_note(item),
        )
        for item in items
    ]


def catalogue_title(*, year: int | None, retention: str, organisation: str) -> str:
    parts = [str(year) if year else "", retention, organisation]
    scope = "-".join(p for p in parts if p)
    return _("归档文件目录") + (f"（{scope}）" if scope else "")


def catalogue_xlsx(*, rows: list[CatalogueRow], title: str) -> bytes:
    """The catalogue as an XLSX workbook: a title row, the header, one row per item."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("归档文件目录")
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(catalogue_columns())
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row.cells())
    for column, width in zip("ABCDEFGHI", (8, 30, 20, 18, 50, 11, 6, 10, 20), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def catalogue_pdf(*, rows: list[CatalogueRow], title: str) -> bytes:
    """The catalogue as a landscape A4 PDF with the CJK font embedded."""
    from portal.pdf import pdf_render

    html = render_to_string(
        "archive/catalogue_pdf.html",
        {"rows": rows, "title": title, "columns": catalogue_columns()},
    )
    return pdf_render(html)
