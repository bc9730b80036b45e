"""Evaluation tables as CSV or XLSX: the columns people read, rates as percentages."""

import csv
import io

from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

COLUMNS = {
    "name": _("名称"),
    "reported": _("上报数"),
    "valid_rate": _("有效上报率"),
    "verify_on_time_rate": _("按时核实率"),
    "check_on_time_rate": _("按时核查率"),
    "missed": _("漏报数"),
    "missed_rate": _("漏报率"),
    "accepted": _("受理数"),
    "accept_on_time_rate": _("按时受理率"),
    "verify_sent_on_time_rate": _("核实按时派发率"),
    "filed": _("立案数"),
    "file_on_time_rate": _("按时立案率"),
    "accurate_filing_rate": _("准确立案率"),
    "closed": _("结案数"),
    "close_on_time_rate": _("按时结案率"),
    "dispatched": _("派遣数"),
    "dispatch_on_time_rate": _("按时派遣率"),
    "accurate_dispatch_rate": _("准确派遣率"),
    "due": _("应处置数"),
    "handled": _("处置数"),
    "handle_rate": _("处置率"),
    "handle_on_time_rate": _("按期处置率"),
    "rework_rate": _("返工率"),
    "extension_rate": _("延期率"),
    "overdue_open_rate": _("超期待处置率"),
    "mean_handling_hours": _("平均处置时长（工作小时）"),
    "public_rate": _("监督举报率"),
    "closure_rate": _("结案率"),
    "on_time_closure_rate": _("按期结案率"),
    "score": _("综合得分"),
    "grade": _("等级"),
}


def columns_of(rows: list[dict]) -> list[str]:
    present = set().union(*(row.keys() for row in rows)) if rows else {"name", "score", "grade"}
    return [key for key in COLUMNS if key in present]


def cell(key: str, value):
    if value is None:
        return "—"
    if key.endswith("_rate"):
        return f"{value * 100:.2f}%"
    return value


def evaluation_csv(rows: list[dict]) -> bytes:
    keys = columns_of(rows)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(COLUMNS[k]) for k in keys])
    for row in rows:
        writer.writerow([cell(k, row.get(k)) for k in keys])
    # A byte-order mark so spreadsheet programs open the Chinese text as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def evaluation_xlsx(rows: list[dict], title: str) -> bytes:
    keys = columns_of(rows)
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([str(COLUMNS[k]) for k in keys])
    for row in rows:
        sheet.append([row.get(k) for k in keys])
    for col, key in enumerate(keys, start=1):
        if key.endswith("_rate"):
            for (c,) in sheet.iter_rows(min_row=2, min_col=col, max_col=col):
                c.number_format = "0.00%"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
