"""The demo's public pages: news (with a photo and an attachment), the guide, the department
directory, contact, the results of last month (frozen) and an internal notice section
visible to staff only. Idempotent: pages that exist are left as they are."""

import datetime as dt
import io

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, PageViewRestriction
from wagtail.rich_text import RichText

from portal.editorial import editorial_setup
from portal.models import (
    ContactPage,
    DepartmentIndexPage,
    GuidePage,
    HomePage,
    NewsIndexPage,
    NewsPage,
    ResultsIndexPage,
    ResultsPage,
)
from portal.results import results_snapshot_freeze

ARTICLES = (
    (
        "建邺区开展背街小巷环境整治专项行动",
        "全区 7 个街道同步开展背街小巷环境整治，重点清理暴露垃圾、乱堆物料和占道经营。",
        "专项行动为期一个月，由区城管局牵头，各街道、社区和专业部门共同参与。",
    ),
    (
        "数字城管“随手拍”上线 市民可在线举报城市管理问题",
        "市民通过门户网站“我要举报”即可上传照片、标注位置，凭查询编号跟踪办理进度。",
        "举报受理后，系统按照问题类别和所在网格自动派遣至责任部门，处置结果公开可查。",
    ),
    (
        "关于汛期窨井盖安全隐患排查的通知",
        "汛期来临前，各权属单位须完成辖区内窨井盖安全隐患排查，发现破损、缺失立即处置。",
        "市民发现井盖缺失、破损等情况，请立即拨打城市管理服务热线或在线举报。",
    ),
)


def _demo_image():
    Image = get_image_model()
    image = Image.objects.filter(title="背街小巷整治现场").first()
    if image:
        return image
    canvas = PILImage.new("RGB", (800, 450), (226, 236, 243))
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 300, 800, 450), fill=(120, 128, 136))
    for x in range(40, 800, 160):
        draw.rectangle((x, 120, x + 100, 300), fill=(0, 91, 143))
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    return Image.objects.create(
        title="背街小巷整治现场", file=ContentFile(buffer.getvalue(), name="demo_street.png")
    )


def _demo_document():
    Document = get_document_model()
    document = Document.objects.filter(title="窨井盖隐患排查表").first()
    if document:
        return document
    text = "序号,位置,井盖类别,问题,处置情况\n1,江东中路,上水井盖,破损,已更换\n"
    return Document.objects.create(
        title="窨井盖隐患排查表", file=ContentFile(text.encode("utf-8"), name="manhole_check.txt")
    )


def _publish(parent: Page, page: Page) -> Page:
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def _news(home: HomePage) -> None:
    index = _publish(
        home,
        NewsIndexPage(
            title="新闻动态",
            slug="news",
            show_in_menus=True,
            intro="<p>建邺区城市管理工作动态和通知公告。</p>",
        ),
    )
    today = timezone.localdate()
    for n, (title, summary, text) in enumerate(ARTICLES):
        body = [
            ("paragraph", RichText(f"<p>{summary}</p>")),
            ("paragraph", RichText(f"<p>{text}</p>")),
        ]
        if n == 0:
            body.insert(
                1,
                (
                    "image",
                    {
                        "image": _demo_image(),
                        "alt": "背街小巷整治后的街景",
                        "caption": "整治后的背街小巷",
                    },
                ),
            )
        if n == 2:
            body.append(("attachment", {"document": _demo_document(), "title": "窨井盖隐患排查表"}))
        _publish(
            index,
            NewsPage(
                title=title,
                slug=f"news-{n + 1}",
                date=today - dt.timedelta(days=7 * (2 - n)),
                kind=NewsPage.Kind.NOTICE if n == 2 else NewsPage.Kind.NEWS,
                summary=summary,
                body=body,
            ),
        )


def _internal(home: HomePage) -> None:
    """工作通知: pages for staff only (a login view restriction on the section)."""
    index = _publish(
        home,
        NewsIndexPage(title="内部工作通知", slug="internal", intro="<p>仅限工作人员查看。</p>"),
    )
    PageViewRestriction.objects.create(page=index, restriction_type=PageViewRestriction.LOGIN)
    _publish(
        index,
        NewsPage(
            title="关于做好节假日期间值班工作的通知",
            slug="holiday-duty",
            summary="节假日期间监督指挥中心实行 24 小时值班。",
            body=[("paragraph", RichText("<p>请各值班长按排班表到岗，交接班记录完整。</p>"))],
        ),
    )


def _results(home: HomePage, user=None) -> None:
    index = _publish(
        home,
        ResultsIndexPage(
            title="成效公开",
            slug="results",
            show_in_menus=True,
            intro="<p>每月公开全区数字城管的发现、派遣、处置和结案情况。</p>",
        ),
    )
    last_month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    page = ResultsPage(
        title=f"{last_month.year}年{last_month.month}月城市管理成效",
        slug=f"{last_month:%Y-%m}",
        year=last_month.year,
        number=last_month.month,
        intro="<p>本月数据已核定冻结，发布后不再变动。</p>",
        live=False,
    )
    index.add_child(instance=page)
    results_snapshot_freeze(page=page, user=user).publish()


@transaction.atomic
def demo_pages_load() -> int:
    """Create the demo's public pages below the home page; returns how many sections were
    created (0 on a second run). Also sets up the editorial workflow and permissions."""
    home = HomePage.objects.get()
    editorial_setup(home=home)
    sections = {p.slug for p in home.get_children()}
    created = 0
    if "news" not in sections:
        _news(home)
        created += 1
    if "internal" not in sections:
        _internal(home)
        created += 1
    if "guide" not in sections:
        _publish(
            home,
            GuidePage(
                title="办事指南",
                slug="guide",
                show_in_menus=True,
                intro="<p>发现城市管理问题怎么举报、哪些问题可以受理、多久能处理好。</p>",
                body=[
                    ("heading", "三种举报方式"),
                    (
                        "paragraph",
                        RichText(
                            "<ol><li>网上举报：点击“我要举报”，拍照、标注位置、描述问题。</li>"
                            "<li>电话举报：拨打城市管理服务热线。</li>"
                            "<li>应用接入：第三方应用通过 Open311 接口提交。</li></ol>"
                        ),
                    ),
                ],
            ),
        )
        created += 1
    if "departments" not in sections:
        _publish(
            home,
            DepartmentIndexPage(
                title="部门名录",
                slug="departments",
                show_in_menus=True,
                intro="<p>承担城市管理问题处置的专业部门和街道。</p>",
            ),
        )
        created += 1
    if "contact" not in sections:
        _publish(
            home,
            ContactPage(
                title="联系我们",
                slug="contact",
                show_in_menus=True,
                address="南京市建邺区江东中路 269 号",
                phone="025-12345",
                email="szcg@jianye.example",
                office_hours="工作日 8:30–12:00，13:30–17:30；热线 24 小时",
            ),
        )
        created += 1
    if "results" not in sections:
        _results(home)
        created += 1
    return created
