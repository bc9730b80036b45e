"""The services (request types) of the Open311 catalogue: one per active minor class (小类)
of the current code scheme, with attributes derived from the class itself."""

from django.utils.translation import gettext as _

from portal.citizen.open311.formats import Open311Error
from portal.city.models import CaseKind, Category, Urgency

# Component and event classes share their numbers (部件 0101 上水井盖, 事件 0101 私搭乱建),
# so the standard code alone is ambiguous: a letter for the kind makes it unique.
KIND_PREFIX = {CaseKind.COMPONENT: "C", CaseKind.EVENT: "E"}
URGENCY = "urgency"
FIELDS = (
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "description",
    "values",
)


def service_code(category: Category) -> str:
    """The Open311 service_code of a minor class: kind letter + standard code, e.g. C0101."""
    return KIND_PREFIX[category.major.kind] + category.full_code


def categories() -> dict[str, Category]:
    """Every active minor class of the current scheme, by service code, in catalogue order."""
    rows = (
        Category.objects.filter(is_active=True, major__scheme__is_current=True)
        .select_related("major")
        .prefetch_related("time_limits")
    )
    return {service_code(c): c for c in rows}


def category_get(code: str) -> Category:
    """The minor class of a service code; 404 in the spec's format when there is none."""
    category = categories().get(code.strip())
    if category is None:
        raise Open311Error(404, _("未知的 service_code：该问题类别不存在或已停用。"))
    return category


def attributes(category: Category) -> list[dict]:
    """The attributes of the class's service definition, in display order."""
    found: list[dict] = []
    if category.public_notice:
        found.append(_information("notice", _("公众提示：%(t)s") % {"t": category.public_notice}))
    urgencies = {limit.urgency for limit in category.time_limits.all()}
    if len(urgencies) > 1:
        found.append(
            {
                "variable": True,
                "code": URGENCY,
                "datatype": "singlevaluelist",
                "required": True,
                "datatype_description": _("从列表中选择一项：一般或紧急。"),
                "description": _("紧急程度：危及人身或财产安全的请选择“紧急”。"),
                "values": [
                    {"key": u.value, "name": str(u.label)} for u in Urgency if u in urgencies
                ],
            }
        )
    if category.filing_criterion:
        found.append(
            _information(
                "filing_criterion", _("立案标准：%(t)s") % {"t": category.filing_criterion}
            )
        )
    # The spec's field order, with `order` counting from 1.
    return [
        {**{k: a[k] for k in FIELDS[:5]}, "order": n, **{k: a[k] for k in FIELDS[5:]}}
        for n, a in enumerate(found, start=1)
    ]


def _information(code: str, text: str) -> dict:
    """A non-variable attribute: text shown to the user, no input expected."""
    return {
        "variable": False,
        "code": code,
        "datatype": "string",
        "required": False,
        "datatype_description": "",
        "description": text,
        "values": [],
    }


def service_summary(category: Category) -> dict:
    """One entry of GET services."""
    kind = str(CaseKind(category.major.kind).label)
    return {
        "service_code": service_code(category),
        "service_name": category.name,
        "description": category.filing_criterion,
        "metadata": bool(attributes(category)),
        "type": "realtime",
        "keywords": ",".join([category.name, category.major.name, kind]),
        "group": category.major.name,
    }


def service_definition(category: Category) -> dict:
    """GET services/{code}: the code and its attributes (a single object, not a list)."""
    return {"service_code": service_code(category), "attributes": attributes(category)}


def attributes_validate(category: Category, posted: dict[str, list[str]]) -> dict[str, str]:
    """Check the attribute[CODE] answers against the definition; return what is stored.

    Unknown codes and answers to informational attributes are ignored (clients such as
    FixMyStreet send their own); a missing required answer or a value outside the list is
    a 400 naming the attribute.
    """
    answers: dict[str, str] = {}
    for attribute in attributes(category):
        if not attribute["variable"]:
            continue
        code = attribute["code"]
        values = [v.strip() for v in posted.get(code, []) if v.strip()]
        if not values:
            if attribute["required"]:
                raise Open311Error(400, _("缺少必填属性 attribute[%(c)s]。") % {"c": code})
            continue
        keys = {v["key"] for v in attribute["values"]}
        if len(values) > 1 or values[0] not in keys:
            raise Open311Error(
                400,
                _("属性 attribute[%(c)s] 的取值无效，可选值：%(k)s。")
                % {"c": code, "k": "、".join(sorted(keys))},
            )
        answers[code] = values[0]
    return answers
