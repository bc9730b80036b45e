"""Admin screens for the city's reference data (Wagtail snippet viewsets)."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from portal.city.models import (
    CalendarDay,
    Category,
    CodeScheme,
    Community,
    Component,
    Department,
    Grid,
    MajorCategory,
    Module,
    Street,
)


class StreetViewSet(SnippetViewSet):
    model = Street
    icon = "site"
    list_display = ["name", "code", "district"]
    search_fields = ["name", "code"]


class CommunityViewSet(SnippetViewSet):
    model = Community
    icon = "home"
    list_display = ["name", "code", "street"]
    list_filter = ["street"]
    search_fields = ["name", "code"]


class ModuleViewSet(SnippetViewSet):
    model = Module
    icon = "table"
    list_display = ["code", "name", "kind", "street", "supervisor"]
    list_filter = ["kind", "street"]
    search_fields = ["name", "code"]
    panels = [
        FieldPanel("code"),
        FieldPanel("name"),
        FieldPanel("kind"),
        FieldPanel("street"),
        FieldPanel("supervisor"),
        FieldPanel("work_group"),
    ]


class GridViewSet(SnippetViewSet):
    model = Grid
    icon = "grip"
    list_display = ["code", "community", "module", "area_m2", "supervisor"]
    list_filter = ["module__kind", "community__street"]
    search_fields = ["code"]
    list_per_page = 50
    panels = [
        FieldPanel("code"),
        FieldPanel("community"),
        FieldPanel("module"),
        FieldPanel("responsible_party"),
        FieldPanel("supervisor"),
        FieldPanel("geometry"),
    ]


class DepartmentViewSet(SnippetViewSet):
    model = Department
    icon = "group"
    list_display = ["name", "code", "kind", "phone", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]


class CodeSchemeViewSet(SnippetViewSet):
    model = CodeScheme
    icon = "list-ol"
    list_display = ["name", "code", "major_digits", "minor_digits", "is_current"]


class MajorCategoryViewSet(SnippetViewSet):
    model = MajorCategory
    icon = "folder-open-inverse"
    list_display = ["code", "name", "kind", "scheme"]
    list_filter = ["kind", "scheme"]


class CategoryViewSet(SnippetViewSet):
    model = Category
    icon = "tag"
    list_display = ["full_code", "name", "major", "default_department", "is_emergency", "is_active"]
    list_filter = ["major__kind", "major", "is_emergency", "is_active"]
    search_fields = ["name", "code"]
    panels = [
        FieldPanel("major"),
        FieldPanel("code"),
        FieldPanel("name"),
        FieldPanel("filing_criterion"),
        FieldPanel("closing_criterion"),
        FieldPanel("default_department"),
        FieldPanel("is_emergency"),
        FieldPanel("public_notice"),
        FieldPanel("is_active"),
        InlinePanel("time_limits", label=_("处置时限"), min_num=1, max_num=2),
    ]


class ComponentViewSet(SnippetViewSet):
    model = Component
    icon = "pick"
    list_display = ["code", "category", "grid", "status", "competent_department"]
    list_filter = ["status", "category__major"]
    search_fields = ["code", "location_description"]
    list_per_page = 50


class CalendarDayViewSet(SnippetViewSet):
    model = CalendarDay
    icon = "date"
    list_display = ["date", "is_workday", "note"]


class CityViewSetGroup(SnippetViewSetGroup):
    menu_label = _("城市基础数据")
    menu_icon = "site"
    menu_order = 200
    items = (
        StreetViewSet,
        CommunityViewSet,
        ModuleViewSet,
        GridViewSet,
        DepartmentViewSet,
        CodeSchemeViewSet,
        MajorCategoryViewSet,
        CategoryViewSet,
        ComponentViewSet,
        CalendarDayViewSet,
    )


register_snippet(CityViewSetGroup)
