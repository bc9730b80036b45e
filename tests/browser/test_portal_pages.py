"""The public site in a browser: home, a news article and the results page with charts, at
desktop and phone widths, checked with axe-core (served to the tests only, from npm)."""

from pathlib import Path

import pytest

from portal.models import NewsPage, ResultsPage
from portal.workflow.demo import cases_load

from .conftest import ARTIFACTS

pytestmark = pytest.mark.usefixtures("demo")

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": (1280, 900), "phone": (360, 740)}


def _axe_serious(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _visit(browser, live_server, path: str, width: str, name: str):
    w, h = WIDTHS[width]
    # axe is injected as an inline script by the test itself, which the site's CSP refuses;
    # the pages' own scripts are checked under the CSP in test_csp.py.
    context = browser.new_context(
        locale="zh-CN", viewport={"width": w, "height": h}, bypass_csp=True
    )
    page = context.new_page()
    page.goto(live_server.url + path)
    return context, page


def _check(page, name: str, width: str) -> None:
    assert _axe_serious(page) == []
    if width == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"portal_{name}_{width}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_home_page(browser, live_server, width):
    context, page = _visit(browser, live_server, "/", width, "home")
    assert page.locator("main h1").inner_text() == "建邺数字城管"
    assert page.locator(".home-news .news-list__item").count() == 3
    assert page.locator(".home-figures [data-figure]").count() == 5
    page.keyboard.press("Tab")  # the skip link comes first and is visible on focus
    assert page.evaluate("document.activeElement.className") == "skip-link"
    _check(page, "home", width)
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_news_article(browser, live_server, width):
    article = NewsPage.objects.get(slug="news-1")
    context, page = _visit(browser, live_server, article.url, width, "news")
    assert page.locator("main h1").inner_text() == article.title
    image = page.locator(".block-image img")
    assert image.get_attribute("alt") == "背街小巷整治后的街景"
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    _check(page, "news", width)
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_results_page_draws_its_charts(browser, live_server, width):
    cases_load(count=120)
    page_obj = ResultsPage.objects.get()
    page_obj.snapshot = None  # show the live figures of the demo month
    page_obj.save_revision().publish()
    context, page = _visit(browser, live_server, page_obj.url, width, "results")
    page.wait_for_function("document.documentElement.dataset.chartsReady === 'true'")
    for chart in ("#chart-trend", "#chart-departments"):
        canvas = page.locator(f"{chart} canvas").first
        assert canvas.count() == 1
        box = canvas.bounding_box()
        assert box["width"] > 200 and box["height"] > 100
        # Non-empty: some pixels were painted.
        painted = canvas.evaluate(
            """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                      let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }"""
        )
        assert painted > 1000
    assert page.locator("table[data-ranking=departments] tbody tr").count() >= 1
    _check(page, "results", width)
    context.close()
