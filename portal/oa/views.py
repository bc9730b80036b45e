"""Staff pages of the OA: my documents and 待办, a new draft, a document with the actions
open to the current user, attachments and the PDF.

Thin: forms validate, services write, selectors read. A refused action is a 403, a
document that moved on meanwhile a 409, invalid input a 400 with the messages.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.oa import forms as f
from portal.oa import incoming as inc
from portal.oa import services as s
from portal.oa.attachments import document_attachment_add, incoming_attachment_add
from portal.oa.incoming import incoming_may_view, incoming_receive
from portal.oa.models import (
    DocumentAttachment,
    IncomingAttachment,
    IncomingDocument,
    OfficialDocument,
    Status,
)
from portal.oa.rules import MAX_COUNTERSIGN
from portal.oa.selectors import (
    IncomingFilter,
    countersign_rows,
    document_actions,
    document_list,
    document_todo,
    incoming_actions,
    incoming_list,
)
from portal.workflow.sla import light, remaining

DECISIONS = {
    "review": (s.document_review, "approved"),
    "countersign": (s.document_countersign, "agreed"),
    "sign": (s.document_sign, "approved"),
    "recheck": (s.document_recheck, "passed"),
}


def _document(request: HttpRequest, pk: int) -> OfficialDocument:
    document = get_object_or_404(
        OfficialDocument.objects.select_related("organ", "drafter", "signer"), pk=pk
    )
    if not s.document_may_view(user=request.user, document=document):
        raise PermissionDenied(_("您无权查看此公文。"))
    return document


@login_required
@require_GET
def document_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "oa/document_list.html",
        {
            "todo": document_todo(user=request.user),
            "documents": document_list(user=request.user)[:200],
        },
    )


def _initial_of(document: OfficialDocument) -> dict:
    initial = {
        name: getattr(document, name)
        for name in (
            "organ",
            "doc_type",
            "direction",
            "important",
            "title",
            "body",
            "classification",
            "secrecy_period",
            "urgency",
            "signer",
            "note",
            "countersign_sequential",
        )
    }
    initial["recipients"] = list(document.recipients.all())
    initial["copies_to"] = list(document.copies_to.all())
    initial["readers"] = list(document.readers.all())
    for n, pk in enumerate(document.countersign_plan, start=1):
        initial[f"countersign_{n}"] = pk
    return initial


def _add_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
@require_http_methods(["GET", "POST"])
def document_new(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("oa.draft_document"):
        raise PermissionDenied(_("您没有起草公文的权限。"))
    form = f.DraftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = s.document_create(actor=request.user, data=form.draft_data())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("草稿已保存。"))
            return redirect("oa:document_detail", pk=document.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "oa/document_form.html", {"form": form, "slots": MAX_COUNTERSIGN}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_edit(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    if document.drafter_id != request.user.pk:
        raise PermissionDenied(_("只有拟稿人可以修改草稿。"))
    form = f.DraftForm(request.POST or None, initial=_initial_of(document))
    if request.method == "POST" and form.is_valid():
        try:
            s.document_update(
                document=document,
                actor=request.user,
                data=form.draft_data(),
                reason=form.cleaned_data["reason"],
            )
        except s.TransitionConflict as exc:
            return render(request, "oa/conflict.html", {"message": str(exc)}, status=409)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("草稿已更新。"))
            return redirect("oa:document_detail", pk=document.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "oa/document_form.html",
        {"form": form, "document": document, "slots": MAX_COUNTERSIGN},
        status=status,
    )


def _detail(request, document, *, forms_=None, status=200) -> HttpResponse:
    actions = document_actions(user=request.user, document=document)
    version = {"version": document.version}
    forms_ = forms_ or {}
    context = {
        "document": document,
        "actions": actions,
        "decision_form": forms_.get("decision") or f.DecisionForm(initial=version),
        "comment_form": forms_.get("comment") or f.CommentForm(initial=version),
        "revise_form": forms_.get("revise")
        or f.ReviseForm(initial={**version, "body": document.body}),
        "attachment_form": forms_.get("attachment") or f.AttachmentForm(),
        "countersigns": countersign_rows(document=document),
        "revisions": document.revisions.select_related("author"),
        "events": document.events.select_related("actor"),
        "recipients": document.recipients.all(),
        "copies_to": document.copies_to.all(),
        "attachments": document.attachments.all(),
        "may_attach": document.status == Status.DRAFT and document.drafter_id == request.user.pk,
        "pdf_ready": bool(document.pdf) and document.pdf_version == document.version,
    }
    return render(request, "oa/document_detail.html", context, status=status)


@login_required
@require_GET
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _document(request, pk))


@login_required
@require_POST
def document_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    document = _document(request, pk)
    key = {
        "revise": "revise",
        "submit": "comment",
        "register": "comment",
        "dispatch": "comment",
    }.get(action, "decision")
    form_class = {"revise": f.ReviseForm, "comment": f.CommentForm, "decision": f.DecisionForm}
    if action not in DECISIONS and key == "decision":
        raise PermissionDenied(_("未知的操作。"))
    form = form_class[key](request.POST)
    if not form.is_valid():
        return _detail(request, document, forms_={key: form}, status=400)
    d = form.cleaned_data
    common = {"document": document, "actor": request.user, "expected_version": d["version"]}
    try:
        if action in DECISIONS:
            service, flag = DECISIONS[action]
            text = {"opinion" if action == "countersign" else "comment": d["comment"]}
            service(**common, **{flag: d["approved"]}, **text)
        elif action == "revise":
            s.document_revise(**common, body=d["body"], reason=d["reason"])
        elif action == "submit":
            s.document_submit(**common, comment=d["comment"])
        elif action == "register":
            s.document_register(**common, copies=d["copies"], comment=d["comment"])
        else:
            s.document_dispatch(**common, comment=d["comment"])
    except s.TransitionConflict as exc:
        return render(request, "oa/conflict.html", {"message": str(exc)}, status=409)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        document.refresh_from_db()
        return _detail(request, document, forms_={key: form}, status=400)
    messages.success(request, _("已办理。"))
    return redirect("oa:document_detail", pk=document.pk)


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    form = f.AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document_attachment_add(
                document=document,
                actor=request.user,
                upload=form.cleaned_data["file"],
                name=form.cleaned_data["name"],
                declared_secret=form.cleaned_data["secret"],
            )
        except s.TransitionConflict as exc:
            return render(request, "oa/conflict.html", {"message": str(exc)}, status=409)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("附件已上传。"))
            return redirect("oa:document_detail", pk=document.pk)
    return _detail(request, document, forms_={"attachment": form}, status=400)


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    document = _document(request, pk)
    attachment = get_object_or_404(DocumentAttachment, pk=attachment_id, document=document)
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=True,
        filename=attachment.name + attachment.file.name[attachment.file.name.rfind(".") :],
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def document_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The issued document's PDF; if it is not rendered (or not current) yet, ask for it
    and say so."""
    document = _document(request, pk)
    if document.status not in (Status.DISPATCH, Status.ISSUED):
        return render(
            request, "oa/conflict.html", {"message": _("公文登记编号后才能生成 PDF。")}, status=409
        )
    if not document.pdf or document.pdf_version != document.version:
        s.document_pdf_enqueue(document_id=document.pk)
        document.refresh_from_db()
    if not document.pdf or document.pdf_version != document.version:
        return render(request, "oa/pdf_pending.html", {"document": document}, status=202)
    response = FileResponse(
        document.pdf.open("rb"),
        content_type="application/pdf",
        filename=f"{document.number or document.pk}.pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- 收文 -----------------------------------------------------------------------------------

INCOMING_FORMS = {
    "register": f.IncomingRegisterForm,
    "screen": f.ScreenForm,
    "propose": f.ProposeForm,
    "instruct": f.InstructForm,
    "assist": f.OpinionForm,
    "reply": f.OpinionForm,
    "read": f.OpinionForm,
    "urge": f.OpinionForm,
    "close": f.OpinionForm,
}
INCOMING_BUTTONS = {
    "register": _lazy("登记编号"),
    "screen": _lazy("提交初审意见"),
    "propose": _lazy("提交拟办意见"),
    "instruct": _lazy("批办"),
    "assist": _lazy("提交协办意见"),
    "reply": _lazy("提交办理结果"),
    "read": _lazy("圈阅"),
    "urge": _lazy("催办"),
    "close": _lazy("办结"),
}
PAGE_SIZE = 50


def _incoming(request: HttpRequest, pk: int) -> IncomingDocument:
    document = get_object_or_404(
        IncomingDocument.objects.select_related("receiver", "leader", "lead_department"), pk=pk
    )
    if not incoming_may_view(user=request.user, document=document):
        raise PermissionDenied(_("您无权查看此收文。"))
    return document


def _incoming_filters(request: HttpRequest) -> tuple[f.IncomingFilterForm, IncomingFilter]:
    form = f.IncomingFilterForm(request.GET or None)
    if not form.is_valid():
        return form, IncomingFilter()
    d = form.cleaned_data
    return form, IncomingFilter(
        q=d["q"],
        status=d["status"],
        year=d["year"],
        urgency=form.urgency_value(),
        overdue=d["overdue"],
    )


@login_required
@require_GET
def incoming_index(request: HttpRequest) -> HttpResponse:
    """收文登记簿: every incoming document the user may read, filtered, 50 a page."""
    form, filters = _incoming_filters(request)
    now = timezone.now()
    documents = incoming_list(user=request.user, filters=filters, now=now)
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "oa/incoming_list.html",
        {
            "form": form,
            "page": page,
            "rows": [(d, light(now=now, deadline=d.deadline, warn_at=d.warn_at)) for d in page],
            "query": query.urlencode(),
            "may_receive": request.user.has_perm("oa.receive_incoming"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def incoming_new(request: HttpRequest) -> HttpResponse:
    """签收: the registrar records a 来文."""
    if not request.user.has_perm("oa.receive_incoming"):
        raise PermissionDenied(_("您没有签收收文的权限。"))
    form = f.ReceiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = incoming_receive(actor=request.user, data=form.incoming_data())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已签收，请登记。"))
            return redirect("oa:incoming_detail", pk=document.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "oa/incoming_form.html", {"form": form}, status=status)


def _incoming_context(request, document, forms_=None) -> dict:
    now = timezone.now()
    version = {"version": document.version}
    initial = {
        "propose": {
            **version,
            "leader": document.leader_id,
            "lead_department": document.lead_department_id,
        },
        "instruct": {
            **version,
            "lead_department": document.lead_department_id,
            "co_departments": list(document.co_departments.all()),
        },
    }
    forms_ = forms_ or {}
    actions = incoming_actions(user=request.user, document=document)
    return {
        "document": document,
        "actions": actions,
        "action_forms": [
            (
                action,
                forms_.get(action) or INCOMING_FORMS[action](initial=initial.get(action, version)),
                INCOMING_BUTTONS[action],
            )
            for action in actions
            if action in INCOMING_FORMS
        ],
        "attachment_form": forms_.get("attach") or f.AttachmentForm(),
        "co_departments": document.co_departments.all(),
        "assists": document.assists.select_related("department", "actor"),
        "circulations": document.circulations.select_related("reader"),
        "events": [
            (e, inc.ACTION_LABELS.get(e.action, e.action))
            for e in document.events.select_related("actor")
        ],
        "attachments": document.attachments.all(),
        "light": light(now=now, deadline=document.deadline, warn_at=document.warn_at),
        "remaining": remaining(now=now, deadline=document.deadline) if document.deadline else None,
    }


def _incoming_detail(request, document, *, forms_=None, status=200) -> HttpResponse:
    context = _incoming_context(request, document, forms_)
    return render(request, "oa/incoming_detail.html", context, status=status)


@login_required
@require_GET
def incoming_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _incoming_detail(request, _incoming(request, pk))


@login_required
@require_GET
def incoming_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable 收文处理单."""
    document = _incoming(request, pk)
    return render(request, "oa/incoming_sheet.html", _incoming_context(request, document))


def _incoming_apply(action: str, request: HttpRequest, document: IncomingDocument, d: dict):
    common = {"document": document, "actor": request.user}
    versioned = {**common, "expected_version": d["version"]}
    if action == "register":
        return inc.incoming_register(**versioned, limit_days=d["limit_days"], comment=d["comment"])
    if action == "screen":
        return inc.incoming_screen(**versioned, accepted=d["accepted"], comment=d["comment"])
    if action == "propose":
        return inc.incoming_propose(
            **versioned,
            leader=d["leader"],
            lead_department=d["lead_department"],
            co_departments=list(d["co_departments"]),
            comment=d["comment"],
        )
    if action == "instruct":
        return inc.incoming_instruct(
            **versioned,
            instruction=d["instruction"],
            lead_department=d["lead_department"],
            co_departments=list(d["co_departments"]),
            circulate=list(d["circulate"]),
        )
    if action == "assist":
        return inc.incoming_assist(**common, opinion=d["text"])
    if action == "reply":
        return inc.incoming_reply(**versioned, reply=d["text"])
    if action == "read":
        return inc.incoming_read(**common, comment=d["text"])
    if action == "urge":
        return inc.incoming_urge(**versioned, comment=d["text"])
    return inc.incoming_close(**versioned, comment=d["text"])


@login_required
@require_POST
def incoming_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    document = _incoming(request, pk)
    if action not in INCOMING_FORMS:
        raise PermissionDenied(_("未知的操作。"))
    form = INCOMING_FORMS[action](request.POST)
    if not form.is_valid():
        return _incoming_detail(request, document, forms_={action: form}, status=400)
    try:
        _incoming_apply(action, request, document, form.cleaned_data)
    except s.TransitionConflict as exc:
        return render(request, "oa/conflict.html", {"message": str(exc)}, status=409)
    except ValidationError as exc:
        _add_errors(form, exc)
        document.refresh_from_db()
        return _incoming_detail(request, document, forms_={action: form}, status=400)
    messages.success(request, _("已办理。"))
    return redirect("oa:incoming_detail", pk=document.pk)


@login_required
@require_POST
def incoming_attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    document = _incoming(request, pk)
    form = f.AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            incoming_attachment_add(
                document=document,
                actor=request.user,
                upload=form.cleaned_data["file"],
                name=form.cleaned_data["name"],
                declared_secret=form.cleaned_data["secret"],
            )
        except s.TransitionConflict as exc:
            return render(request, "oa/conflict.html", {"message": str(exc)}, status=409)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("附件已上传。"))
            return redirect("oa:incoming_detail", pk=document.pk)
    return _incoming_detail(request, document, forms_={"attach": form}, status=400)


@login_required
@require_GET
def incoming_attachment_download(request: HttpRequest, pk: int, attachment_id: int):
    document = _incoming(request, pk)
    attachment = get_object_or_404(IncomingAttachment, pk=attachment_id, document=document)
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=True,
        filename=attachment.name + attachment.file.name[attachment.file.name.rfind(".") :],
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
