"""Names of case actions and timeline events as people read them."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "accept": _("受理"),
    "verify_request": _("派发核实"),
    "verify": _("核实"),
    "decline": _("不予立案"),
    "merge": _("合并"),
    "file": _("立案"),
    "dispatch": _("派遣"),
    "handle": _("处置反馈"),
    "check": _("核查"),
    "close": _("结案"),
    "request_return": _("申请回退"),
    "request_extension": _("申请延期"),
    "request_defer": _("申请缓办"),
    "request_hang": _("申请挂账"),
    "request_cancel": _("申请作废"),
    "decide": _("审批申请"),
    "resume": _("恢复处置"),
}

EVENT_LABELS = {
    **ACTION_LABELS,
    "report": _("上报"),
    "self_handle": _("自行处置"),
    "rework": _("核查不通过，返工"),
    "approve_return": _("同意回退"),
    "refuse_return": _("不同意回退"),
    "approve_extension": _("同意延期"),
    "refuse_extension": _("不同意延期"),
    "approve_defer": _("同意缓办"),
    "refuse_defer": _("不同意缓办"),
    "approve_hang": _("同意挂账"),
    "refuse_hang": _("不同意挂账"),
    "approve_cancel": _("同意作废"),
    "refuse_cancel": _("不同意作废"),
}
