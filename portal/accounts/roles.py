"""The roles of DESIGN.md as Django groups, each with exactly the permissions listed here.

One home for who may do what at the model level; per-object rules (which department's
cases, which archive items) are layered on top with django-guardian by the owning app.
The three-role split of MLPS level 3 holds: the system administrator runs reference data
and content, the security administrator runs accounts and groups, the auditor only reads
the audit log — no role holds all three.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import transaction

ADMIN_ACCESS = "wagtailadmin.access_admin"
CITY_MODELS = (
    "street",
    "community",
    "module",
    "grid",
    "department",
    "codescheme",
    "majorcategory",
    "category",
    "timelimit",
    "component",
    "calendarday",
)

# The archive's borrowing and disposition records that archivists, the head and auditors read.
ARCHIVE_RECORDS = (
    "borrowrequest",
    "legalhold",
    "appraisal",
    "destructionbatch",
    "destructionrecord",
)


def _view(app: str, models: tuple[str, ...]) -> list[str]:
    return [f"{app}.view_{m}" for m in models]


def _manage(app: str, models: tuple[str, ...]) -> list[str]:
    return [f"{app}.{verb}_{m}" for m in models for verb in ("add", "change", "delete", "view")]


@dataclass(frozen=True)
class Role:
    code: str
    # Group names are data (shown as they are in the admin), so they are not translated.
    name: str
    permissions: list[str] = field(default_factory=list)


STAFF_BASE = [ADMIN_ACCESS, *_view("city", CITY_MODELS)]
# 督办 (portal/supervision): leaders and the office raise items, decide extensions and
# closures and read every item and bulletin; units' staff act for their unit. The office
# head (oa_reviewer) also reviews notices (portal/notices); the registrar drafts them.
SUPERVISION_LEADER = [
    "supervision.issue_supervisedtask",
    "supervision.oversee_supervisedtask",
]
SUPERVISION_UNIT = ["supervision.handle_supervisedtask"]

ROLES: tuple[Role, ...] = (
    Role("supervisor", "监督员", [*STAFF_BASE, "workflow.report_case"]),
    Role(
        "acceptance_clerk",
        "受理员",
        [
            *STAFF_BASE,
            "workflow.view_case",
            "workflow.accept_case",
            "citizen.view_reporter",
            "citizen.moderate_report",
        ],
    ),
    # Takes phone reports (特服号, 12345) and calls reporters back after closure (回访).
    Role(
        "hotline_operator",
        "热线接线员",
        [*STAFF_BASE, "workflow.view_case", "citizen.take_hotline", "citizen.view_reporter"],
    ),
    Role(
        "shift_leader",
        "值班长",
        [
            *STAFF_BASE,
            "workflow.view_case",
            "workflow.file_case",
            "workflow.close_case",
            "workflow.approve_case",
            "workflow.view_evaluation",
            # The shift leader keeps the emergency plans and the duty roster.
            *_manage("workflow", ("emergencyplan", "dutyshift")),
            "workflow.view_emergencyalarm",
        ],
    ),
    Role("dispatcher", "派遣员", [*STAFF_BASE, "workflow.view_case", "workflow.dispatch_case"]),
    Role(
        "dept_handler",
        "部门处置员",
        [*STAFF_BASE, "oa.draft_document", "oa.handle_incoming", *SUPERVISION_UNIT],
    ),
    Role(
        "dept_leader",
        "部门领导",
        [
            *STAFF_BASE,
            "workflow.view_evaluation",
            "oa.draft_document",
            "oa.countersign_document",
            "oa.handle_incoming",
            *SUPERVISION_UNIT,
        ],
    ),
    Role(
        "street_office",
        "街道办",
        [
            *STAFF_BASE,
            "oa.draft_document",
            "oa.countersign_document",
            "oa.handle_incoming",
            *SUPERVISION_UNIT,
            "notices.draft_notice",
        ],
    ),
    Role("community_office", "社区工作站", [*STAFF_BASE, "oa.draft_document"]),
    # The 发文 flow of portal/oa: office review (核稿), the clerk who rechecks, numbers and
    # issues (文书), the responsible leader who signs, the principal leader who signs upward
    # and important documents.
    # In the 收文 flow the clerk also receives, registers, urges and closes (签收, 登记,
    # 催办, 办结), the office screens and proposes (初审, 拟办), the leaders instruct (批办)
    # and the departments with handle_incoming lead or assist (承办, 协办).
    Role(
        "oa_reviewer",
        "办公室核稿",
        [
            *STAFF_BASE,
            "oa.review_document",
            "oa.review_incoming",
            *SUPERVISION_LEADER,
            "notices.review_notice",
        ],
    ),
    Role(
        "oa_registrar",
        "公文文书",
        [*STAFF_BASE, "oa.register_document", "oa.receive_incoming", "notices.draft_notice"],
    ),
    Role(
        "oa_signer",
        "签发领导",
        [*STAFF_BASE, "oa.sign_document", "oa.instruct_incoming", *SUPERVISION_LEADER],
    ),
    Role(
        "oa_principal",
        "主要领导",
        [
            *STAFF_BASE,
            "oa.sign_document",
            "oa.sign_principal",
            "oa.instruct_incoming",
            *SUPERVISION_LEADER,
        ],
    ),
    # 印章管理员: records each seal actually used for an approved 用印 request (portal/approvals).
    Role(
        "seal_keeper",
        "印章管理员",
        [*STAFF_BASE, "approvals.record_sealuselog", "approvals.view_sealuselog"],
    ),
    Role(
        "module_admin",
        "模块管理员",
        [*STAFF_BASE, "city.change_module", "city.change_grid"],
    ),
    Role(
        "archivist",
        "档案员",
        [
            *STAFF_BASE,
            "archive.view_archivalitem",
            "archive.view_restricted_archivalitem",
            "archive.file_archivalitem",
            *_manage("archive", ("retentionrule",)),
            "archive.view_fixityalarm",
            "archive.change_fixityalarm",
            "archive.export_catalogue",
            "archive.appraise_archivalitem",
            "archive.witness_destructionbatch",
            *_view("archive", ARCHIVE_RECORDS),
        ],
    ),
    # 档案馆长: approves borrowing and destruction; sees unrestricted items.
    Role(
        "archive_head",
        "档案馆长",
        [
            *STAFF_BASE,
            "archive.view_archivalitem",
            "archive.approve_borrowrequest",
            "archive.approve_destructionbatch",
            "archive.witness_destructionbatch",
            "archive.export_catalogue",
            *_view("archive", ARCHIVE_RECORDS),
        ],
    ),
    Role(
        "publicity_editor",
        "宣传编辑",
        [ADMIN_ACCESS, "wagtailimages.add_image", "wagtaildocs.add_document"],
    ),
    # Reviews and publishes what the editors submit (the portal's moderation workflow).
    Role(
        "publicity_head",
        "宣传负责人",
        [ADMIN_ACCESS, "wagtailimages.add_image", "wagtaildocs.add_document"],
    ),
    # 个人信息保护负责人 (PIPL art. 52): answers reporters' requests to see or erase their data.
    Role(
        "privacy_officer",
        "个人信息保护负责人",
        [ADMIN_ACCESS, "citizen.manage_personal_data"],
    ),
    Role(
        "auditor",
        "审计员",
        [
            ADMIN_ACCESS,
            "accounts.view_auditevent",
            "archive.view_accesslog",
            # 监销: an auditor may witness a destruction and reviews its register.
            "archive.witness_destructionbatch",
            *_view("archive", ARCHIVE_RECORDS),
        ],
    ),
    Role(
        "system_admin",
        "系统管理员",
        [
            ADMIN_ACCESS,
            # The approval types (请假, 用印, 用车 …): form and stages (portal/approvals).
            *_manage("approvals", ("approvaltype",)),
            *_manage("city", CITY_MODELS),
            "citizen.add_apiclient",
            "citizen.change_apiclient",
            "citizen.view_apiclient",
            # Which theme each Wagtail Site is shown in (Settings → 站点主题).
            "portal.change_themesettings",
            "portal.view_themesettings",
        ],
    ),
    Role(
        "security_admin",
        "安全管理员",
        [
            ADMIN_ACCESS,
            # Rights requests of reporters (PIPL): export or erase their personal data.
            "citizen.manage_personal_data",
            "accounts.add_user",
            "accounts.change_user",
            "accounts.view_user",
            "auth.add_group",
            "auth.change_group",
            "auth.view_group",
        ],
    ),
)

ROLES_BY_CODE = {role.code: role for role in ROLES}


def role_group(code: str) -> Group:
    """The Django group of a role, by its code."""
    return Group.objects.get(name=ROLES_BY_CODE[code].name)


DEPARTMENT_GROUP_PREFIX = "部门:"


def department_group(department) -> Group:
    """The group holding a department's per-object permissions (django-guardian grants
    on its cases); every user of the department is a member."""
    group, _created = Group.objects.get_or_create(
        name=f"{DEPARTMENT_GROUP_PREFIX}{department.code}"
    )
    return group


def department_membership_sync(user) -> None:
    """Put the user in exactly the group of their own department."""
    current = user.groups.filter(name__startswith=DEPARTMENT_GROUP_PREFIX)
    wanted = department_group(user.department) if user.department_id else None
    stale = current.exclude(pk=wanted.pk) if wanted else current
    if stale.exists():
        user.groups.remove(*stale)
    if wanted and not current.filter(pk=wanted.pk).exists():
        user.groups.add(wanted)


def _permission(label: str) -> Permission:
    app_label, codename = label.split(".", 1)
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def roles_sync() -> list[Group]:
    """Create or update every role's group so it holds exactly the permissions above."""
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    groups = []
    for role in ROLES:
        group, _created = Group.objects.get_or_create(name=role.name)
        group.permissions.set([_permission(label) for label in role.permissions])
        groups.append(group)
    return groups
