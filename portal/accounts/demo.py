"""Demo accounts for every role, all with one printed password (never for production)."""

from base64 import b32decode
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User
from portal.accounts.roles import ROLES_BY_CODE, role_group
from portal.city.models import Community, Department, Grid, Module, Street

DEMO_PASSWORD = "Jianye@2026!"  # noqa: S105  (printed on purpose for the demo)
# DEMO ONLY: the one TOTP secret of every protected demo account (base32, as authenticator
# apps take it), printed by load_demo; `manage.py demo_otp_code` shows its current code.
DEMO_OTP_SECRET = "JBSWY3DPEHPK3PXPJIANYEDEMOSECRET"  # noqa: S105  (demo only, printed)
DEMO_OTP_KEY_HEX = b32decode(DEMO_OTP_SECRET).hex()


@dataclass(frozen=True)
class DemoAccount:
    username: str
    real_name: str
    role: str
    department: str  # department code
    community: str = ""  # street code + community code, for community offices


SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "强",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "建华",
    "建国",
    "志强",
    "海燕",
    "晓东",
    "丽华",
    "文斌",
    "红梅",
]


def _name(n: int) -> str:
    return SURNAMES[(n * 7) % len(SURNAMES)] + GIVEN[(n * 11) % len(GIVEN)]


def demo_accounts() -> list[DemoAccount]:
    """The demo roster: who exists, with which role and department (deterministic)."""
    accounts = [
        DemoAccount("shouli01", _name(1), "acceptance_clerk", "ZHZX"),
        DemoAccount("shouli02", _name(2), "acceptance_clerk", "ZHZX"),
        DemoAccount("rexian01", _name(12), "hotline_operator", "ZHZX"),
        DemoAccount("rexian02", _name(13), "hotline_operator", "ZHZX"),
        DemoAccount("zhiban01", _name(3), "shift_leader", "ZHZX"),
        DemoAccount("zhiban02", _name(4), "shift_leader", "ZHZX"),
        DemoAccount("paiqian01", _name(5), "dispatcher", "ZHZX"),
        DemoAccount("paiqian02", _name(6), "dispatcher", "ZHZX"),
        DemoAccount("dangan01", _name(7), "archivist", "ZHZX"),
        DemoAccount("danganzhang01", _name(15), "archive_head", "ZHZX"),
        DemoAccount("xuanchuan01", _name(8), "publicity_editor", "ZHZX"),
        DemoAccount("xuanchuan02", _name(14), "publicity_head", "ZHZX"),
        DemoAccount("shenji01", _name(9), "auditor", "ZHZX"),
        DemoAccount("xitong01", _name(10), "system_admin", "ZHZX"),
        DemoAccount("anquan01", _name(11), "security_admin", "ZHZX"),
        DemoAccount("yinsi01", _name(23), "privacy_officer", "ZHZX"),
        DemoAccount("hegao01", _name(19), "oa_reviewer", "ZHZX"),
        DemoAccount("wenshu01", _name(16), "oa_registrar", "ZHZX"),
        DemoAccount("qianfa01", _name(17), "oa_signer", "ZHZX"),
        DemoAccount("zhuyao01", _name(18), "oa_principal", "ZHZX"),
        DemoAccount("yinzhang01", _name(20), "seal_keeper", "ZHZX"),
    ]
    n = 20
    for module in Module.objects.order_by("code"):
        n += 1
        accounts.append(DemoAccount(f"jiandu{module.code}", _name(n), "supervisor", "ZHZX"))
    for street in Street.objects.order_by("code"):
        n += 1
        accounts.append(DemoAccount(f"mokuai{street.code}", _name(n), "module_admin", "ZHZX"))
        n += 1
        accounts.append(
            DemoAccount(f"jiedao{street.code}", _name(n), "street_office", f"JD{street.code}")
        )
        for community in street.communities.order_by("code"):
            n += 1
            accounts.append(
                DemoAccount(
                    f"shequ{street.code}{community.code}",
                    _name(n),
                    "community_office",
                    f"JD{street.code}",
                    f"{street.code}{community.code}",
                )
            )
    for dept in Department.objects.filter(kind=Department.Kind.PROFESSIONAL).order_by("code"):
        n += 1
        accounts.append(
            DemoAccount(f"chuzhi_{dept.code.lower()}", _name(n), "dept_handler", dept.code)
        )
        n += 1
        accounts.append(
            DemoAccount(f"lingdao_{dept.code.lower()}", _name(n), "dept_leader", dept.code)
        )
    return accounts


@transaction.atomic
def demo_accounts_load() -> list[DemoAccount]:
    """Create the missing demo accounts and give supervisors their grids and modules."""
    roster = demo_accounts()
    departments = {d.code: d for d in Department.objects.all()}
    existing = set(
        User.objects.filter(username__in=[a.username for a in roster]).values_list(
            "username", flat=True
        )
    )
    password = make_password(DEMO_PASSWORD)  # one Argon2 hash shared: the demo loads fast
    groups = {code: role_group(code) for code in ROLES_BY_CODE}
    communities = {
        f"{c.street.code}{c.code}": c for c in Community.objects.select_related("street")
    }
    for number, account in enumerate(roster, start=1):
        if account.username in existing:
            continue
        user = User.objects.create(
            username=account.username,
            real_name=account.real_name,
            password=password,
            is_staff=True,
            department=departments[account.department],
            phone=f"1390258{number:04d}",
            community=communities.get(account.community),
        )
        user.groups.add(groups[account.role])
    for account in roster:  # accounts created before community offices had a community
        if account.community and account.username in existing:
            User.objects.filter(username=account.username, community__isnull=True).update(
                community=communities[account.community]
            )
    _demo_security_load(roster)
    for module in Module.objects.order_by("code"):
        supervisor = User.objects.get(username=f"jiandu{module.code}")
        Grid.objects.filter(module=module, supervisor__isnull=True).update(supervisor=supervisor)
        if module.supervisor_id is None:
            module.supervisor = User.objects.get(username=f"mokuai{module.street.code}")
            module.save(update_fields=["supervisor"])
    return roster


def _demo_security_load(roster: list[DemoAccount]) -> None:
    """Demo accounts start with a fresh password date (none expired at load) and the
    protected ones with a confirmed TOTP device on the printed demo secret."""
    from portal.accounts.otp import otp_protected
    from portal.accounts.services import otp_device_seed

    users = User.objects.filter(username__in=[a.username for a in roster])
    users.update(password_changed_at=timezone.now())
    for user in users.prefetch_related("groups"):
        if otp_protected(user):
            otp_device_seed(user=user, key_hex=DEMO_OTP_KEY_HEX, name="演示口令")
