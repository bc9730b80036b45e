"""Writes for the site as a whole."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from portal.models import HomePage

HOME_INTRO = (
    "<p>建邺区数字化城市管理监督指挥中心按照“即时发现、即时处理”的要求，"
    "将全区划分为管理模块和单元网格，对井盖、路灯、垃圾、占道经营等城市管理问题"
    "实行发现、立案、派遣、处置、核查、结案全过程闭环管理。</p>"
)


@transaction.atomic
def site_setup() -> HomePage:
    """Make the portal's home page the default site's root (replacing Wagtail's welcome page)."""
    # Wagtail's migrations create the default locale and the root page; recreate them if a
    # database was emptied after migrating (a test flush, a restore of data only).
    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node() or Page.add_root(
            instance=Page(
                title="Root", slug="root", content_type=ContentType.objects.get_for_model(Page)
            )
        )
        home = HomePage(title=settings.WAGTAIL_SITE_NAME, slug="home-portal", intro=HOME_INTRO)
        root.add_child(instance=home)
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=home,
            is_default_site=True,
            site_name=settings.WAGTAIL_SITE_NAME,
        )
    elif site.root_page_id != home.id:
        welcome = site.root_page
        site.root_page = home
        site.site_name = settings.WAGTAIL_SITE_NAME
        site.save()
        if welcome.specific_class is Page and not welcome.get_children().exists():
            welcome.delete()
    return home
