"""Reference data of the district: areas, modules, unit grids, departments, case taxonomy,
components and the working calendar's exceptions."""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.city.geometry import geometry_summary, geometry_validate

COUNTY_CODE_RE = r"^\d{6}$"


def _digits(n: int, label: str) -> RegexValidator:
    return RegexValidator(
        rf"^\d{{{n}}}$", _("%(label)s必须是%(n)d位数字。") % {"label": label, "n": n}
    )


class District(models.Model):
    """A county-level district (区), identified by its GB/T 2260 code."""

    code = models.CharField(
        _("行政区划代码"), max_length=6, unique=True, validators=[_digits(6, "区划代码")]
    )
    name = models.CharField(_("名称"), max_length=50)
    boundary = models.JSONField(_("边界（GeoJSON）"))

    class Meta:
        verbose_name = _("行政区")
        verbose_name_plural = _("行政区")

    def __str__(self) -> str:
        return self.name


class Street(models.Model):
    """A street office (街道): the 3 digits after the county code."""

    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="streets", verbose_name=_("行政区")
    )
    code = models.CharField(_("街道代码"), max_length=3, validators=[_digits(3, "街道代码")])
    name = models.CharField(_("名称"), max_length=50)

    class Meta:
        verbose_name = _("街道")
        verbose_name_plural = _("街道")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["district", "code"], name="street_code_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def full_code(self) -> str:
        return f"{self.district.code}{self.code}"


class Community(models.Model):
    """A community (社区): every unit grid belongs to exactly one."""

    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, related_name="communities", verbose_name=_("街道")
    )
    code = models.CharField(_("社区代码"), max_length=3, validators=[_digits(3, "社区代码")])
    name = models.CharField(_("名称"), max_length=50)

    class Meta:
        verbose_name = _("社区")
        verbose_name_plural = _("社区")
        ordering = ["street__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["street", "code"], name="community_code_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def full_code(self) -> str:
        """The 12-digit statistical division code: county + street + community."""
        return f"{self.street.full_code}{self.code}"


class Department(models.Model):
    """A unit that handles or oversees cases: 专业部门, a street office, or the centre."""

    class Kind(models.TextChoices):
        PROFESSIONAL = "professional", _("专业部门")
        STREET = "street", _("街道办事处")
        CENTRE = "centre", _("监督指挥中心")

    code = models.CharField(
        _("部门代码"),
        max_length=20,
        unique=True,
        validators=[RegexValidator(r"^[A-Z0-9]{2,20}$", _("部门代码只能包含大写字母和数字。"))],
    )
    name = models.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(
        _("类型"), max_length=20, choices=Kind.choices, default=Kind.PROFESSIONAL
    )
    street = models.OneToOneField(
        Street,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="office",
        verbose_name=_("对应街道"),
    )
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.name


class Module(models.Model):
    """A management module (管理模块): the unit of responsibility, a set of grids."""

    class Kind(models.TextChoices):
        BUILT = "built", _("建成社区")
        PLANNED = "planned", _("规划区域")
        SPECIAL = "special", _("特殊区域")

    code = models.CharField(
        _("模块编号"), max_length=3, unique=True, validators=[_digits(3, "模块编号")]
    )
    name = models.CharField(_("名称"), max_length=50, unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, related_name="modules", verbose_name=_("主要街道")
    )
    supervisor = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervised_modules",
        verbose_name=_("模块管理员"),
    )
    work_group = models.ManyToManyField(
        Department, blank=True, related_name="modules", verbose_name=_("模块工作组")
    )

    class Meta:
        verbose_name = _("管理模块")
        verbose_name_plural = _("管理模块")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Grid(models.Model):
    """A unit grid (单元网格), 15 digits: 6 county + 3 street + 3 community + 3 serial."""

    code = models.CharField(
        _("网格编码"), max_length=15, unique=True, validators=[_digits(15, "网格编码")]
    )
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="grids", verbose_name=_("社区")
    )
    module = models.ForeignKey(
        Module, on_delete=models.PROTECT, related_name="grids", verbose_name=_("管理模块")
    )
    geometry = models.JSONField(_("范围（GeoJSON）"))
    # Bounding box and centre, denormalised so listings and maps need no geometry parsing.
    min_lon = models.FloatField(editable=False, default=0)
    min_lat = models.FloatField(editable=False, default=0)
    max_lon = models.FloatField(editable=False, default=0)
    max_lat = models.FloatField(editable=False, default=0)
    centre_lon = models.FloatField(editable=False, default=0)
    centre_lat = models.FloatField(editable=False, default=0)
    area_m2 = models.FloatField(_("面积（平方米）"), editable=False, default=0)
    responsible_party = models.CharField(_("责任主体"), max_length=100, blank=True)
    supervisor = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patrolled_grids",
        verbose_name=_("责任监督员"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("单元网格")
        verbose_name_plural = _("单元网格")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs) -> None:
        summary = geometry_summary(self.geometry)
        for name, value in summary.items():
            setattr(self, name, value)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        try:
            geometry_validate(self.geometry)
        except ValidationError as exc:
            errors["geometry"] = exc.messages
        if self.community_id and self.code and not self.code.startswith(self.community.full_code):
            errors["code"] = [
                _("网格编码前12位必须是所属社区代码 %(p)s。") % {"p": self.community.full_code}
            ]
        if errors:
            raise ValidationError(errors)

    @property
    def street(self) -> Street:
        return self.community.street


class CodeScheme(models.Model):
    """A version of the category code scheme: 2+2 digits (GB/T 30428.2) or 2+3 (GB/T 47678.5)."""

    code = models.CharField(_("版本代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    major_digits = models.PositiveSmallIntegerField(_("大类位数"), default=2)
    minor_digits = models.PositiveSmallIntegerField(_("小类位数"), default=2)
    is_current = models.BooleanField(_("当前使用"), default=False)

    class Meta:
        verbose_name = _("分类代码版本")
        verbose_name_plural = _("分类代码版本")
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="one_current_scheme",
            )
        ]

    def __str__(self) -> str:
        return self.name


class CaseKind(models.TextChoices):
    COMPONENT = "component", _("部件")
    EVENT = "event", _("事件")


class MajorCategory(models.Model):
    scheme = models.ForeignKey(
        CodeScheme, on_delete=models.PROTECT, related_name="majors", verbose_name=_("代码版本")
    )
    kind = models.CharField(_("类型"), max_length=10, choices=CaseKind.choices)
    code = models.CharField(_("大类代码"), max_length=3)
    name = models.CharField(_("名称"), max_length=50)

    class Meta:
        verbose_name = _("大类")
        verbose_name_plural = _("大类")
        ordering = ["scheme", "kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "kind", "code"], name="major_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code} {self.name}"


class Category(models.Model):
    """A minor class (小类): what a case is about, with its filing and closing criteria."""

    major = models.ForeignKey(
        MajorCategory, on_delete=models.PROTECT, related_name="minors", verbose_name=_("大类")
    )
    code = models.CharField(_("小类代码"), max_length=3)
    name = models.CharField(_("名称"), max_length=50)
    filing_criterion = models.TextField(_("立案标准"))
    closing_criterion = models.TextField(_("结案标准"))
    default_department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="default_categories",
        verbose_name=_("默认处置部门"),
    )
    is_emergency = models.BooleanField(_("应急类"), default=False)
    # Shown to residents who pick the category on the public report page (e.g. "燃气泄漏请
    # 立即拨打 119"); blank for most.
    public_notice = models.TextField(_("公众提示"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("案件小类")
        verbose_name_plural = _("案件小类")
        ordering = ["major__kind", "major__code", "code"]
        constraints = [models.UniqueConstraint(fields=["major", "code"], name="minor_code_unique")]

    def __str__(self) -> str:
        return f"{self.full_code} {self.name}"

    @property
    def full_code(self) -> str:
        return f"{self.major.code}{self.code}"


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")


class TimeUnit(models.TextChoices):
    WORK_HOUR = "work_hour", _("工作时")
    WORK_DAY = "work_day", _("工作日")
    HOUR = "hour", _("自然时")


class TimeLimit(models.Model):
    """The handling time limit (处置时限) of a category at one urgency."""

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="time_limits", verbose_name=_("小类")
    )
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices)
    value = models.DecimalField(
        _("时限"), max_digits=6, decimal_places=1, validators=[MinValueValidator(0.5)]
    )
    unit = models.CharField(_("单位"), max_length=10, choices=TimeUnit.choices)

    class Meta:
        verbose_name = _("处置时限")
        verbose_name_plural = _("处置时限")
        constraints = [
            models.UniqueConstraint(fields=["category", "urgency"], name="time_limit_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_urgency_display()} {self.value}{self.get_unit_display()}"


class Component(models.Model):
    """A city component (部件) in the inventory, 16 digits: county + major + minor + 6 serial."""

    class Status(models.TextChoices):
        INTACT = "intact", _("完好")
        DAMAGED = "damaged", _("破损")
        LOST = "lost", _("丢失")
        DISUSED = "disused", _("废弃")
        REMOVED = "removed", _("移除")

    code = models.CharField(
        _("部件标识码"),
        max_length=17,
        unique=True,
        validators=[
            RegexValidator(r"^\d{16,17}$", _("部件标识码必须是16位（或新标准17位）数字。"))
        ],
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="components", verbose_name=_("部件小类")
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="components", verbose_name=_("所在网格")
    )
    competent_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("主管部门")
    )
    owner_department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_components",
        verbose_name=_("权属单位"),
    )
    maintainer_department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="maintained_components",
        verbose_name=_("养护单位"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.INTACT
    )
    lon = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    location_description = models.CharField(_("位置描述"), max_length=200, blank=True)
    surveyed_on = models.DateField(_("初始日期"))
    changed_on = models.DateField(_("变更日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("部件")
        verbose_name_plural = _("部件")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.category.name}"


class CalendarDay(models.Model):
    """An exception to the statutory calendar, entered by staff (e.g. next year's 调休)."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("日历调整")
        verbose_name_plural = _("日历调整")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'工作日' if self.is_workday else '休息日'}"
