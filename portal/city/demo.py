"""Demo inventory and case drafts over the loaded map (deterministic, streamed)."""

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from shapely.geometry import Point, shape

from portal.city.calendar import SHANGHAI
from portal.city.models import CaseKind, Category, Component, Grid

ROADS = [
    "江东中路",
    "应天大街",
    "集庆门大街",
    "水西门大街",
    "汉中门大街",
    "黄山路",
    "庐山路",
    "嘉陵江东街",
    "河西大街",
    "恒山路",
    "梦都大街",
    "奥体大街",
    "江山大街",
    "兴隆大街",
    "乐山路",
    "泰山路",
    "白龙江东街",
    "富春江东街",
    "楠溪江东街",
    "清江南路",
    "云锦路",
    "茶亭东街",
    "南湖路",
    "文体路",
    "凤台南路",
    "雨润大街",
    "所街",
    "燕山路",
    "金沙江东街",
    "新安江街",
    "沙洲东路",
    "扬子江大道",
    "友谊街",
    "双闸路",
    "江心洲大街",
]
SPOTS = [
    "东北角",
    "西南角",
    "公交站台旁",
    "人行道上",
    "绿化带内",
    "小区北门口",
    "菜场门口",
    "学校门口附近",
    "地铁站出口",
    "非机动车道",
]
DETAILS = {
    "暴露垃圾": [
        "有一堆生活垃圾无人清理，气味很大",
        "垃圾袋堆放在路边，已经两天了",
        "装修垃圾和生活垃圾混堆",
    ],
    "占道经营": [
        "有流动摊贩摆摊卖水果，占用人行道",
        "早点摊占道经营，行人只能走机动车道",
        "夜市摊位占用盲道",
    ],
    "非法小广告": [
        "电线杆和墙面上贴满了办证小广告",
        "楼道口喷涂了大量疏通下水道广告",
        "公交站牌被贴满小广告",
    ],
    "私搭乱建": ["一楼住户在绿地上搭建彩钢棚", "商户在门前私自搭建遮阳棚", "屋顶正在加盖房屋"],
    "道路积水": ["下雨后路面积水很深，车辆无法通行", "积水已经漫过路沿，行人无法通过"],
    "上水井盖": ["井盖破损塌陷，有安全隐患", "井盖松动，车辆经过时响声很大", "井盖缺了一角"],
    "污水井盖": ["污水井盖周边冒水，气味难闻", "井盖破裂，有行人险些踩空"],
    "路灯": ["路灯晚上不亮，已经一周了", "路灯灯杆倾斜，随时可能倒下", "灯杆检修门丢失，电线外露"],
    "垃圾箱": ["垃圾箱已经满溢，周边散落垃圾", "垃圾箱被撞坏，桶盖缺失"],
    "行道树": ["行道树被风刮倒，压在人行道上", "树枝断裂悬挂在半空", "行道树枯死未清理"],
    "机动车乱停放": ["多辆汽车停在人行道上，行人无法通过", "车辆停在消防通道上"],
    "非机动车乱停放": ["共享单车堆满人行道", "电动车乱停堵住小区出入口"],
    "施工扰民": ["深夜施工噪音很大，影响居民休息", "凌晨还在进行混凝土浇筑作业"],
    "道路不洁": ["路面有大量泥沙，车辆经过尘土飞扬", "路面油污未清理"],
    "店外经营": ["饭店在门外摆桌经营", "汽修店在人行道上修车"],
}
# The mix of intake channels: the city's own patrols and cameras find most problems.
SOURCES = [("supervisor", 80), ("video", 8), ("public", 6), ("hotline", 5), ("upper", 1)]


@dataclass(frozen=True)
class CaseDraft:
    """What a case would be created from: ready for the case loop's loader."""

    category_id: int
    category_name: str
    kind: str
    urgency: str
    source: str
    grid_code: str
    lon: float
    lat: float
    address: str
    description: str
    reported_at: dt.datetime


def _point_in(geom, rng: random.Random) -> tuple[float, float]:
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    for _ in range(200):
        lon, lat = rng.uniform(min_lon, max_lon), rng.uniform(min_lat, max_lat)
        if geom.contains(Point(lon, lat)):
            return round(lon, 6), round(lat, 6)
    point = geom.representative_point()
    return round(point.x, 6), round(point.y, 6)


def _working_moment(rng: random.Random, start: dt.datetime, days: int) -> dt.datetime:
    day = start + dt.timedelta(days=rng.randrange(days))
    minute = rng.randrange(7 * 60, 20 * 60)  # most reports come in daytime
    return day.replace(hour=minute // 60, minute=minute % 60, second=rng.randrange(60))


def case_drafts(
    *, count: int, seed: int = 2026, until: dt.datetime, days: int = 180
) -> Iterator[CaseDraft]:
    """Yield `count` realistic case drafts spread over the `days` before `until`.

    Streams: only the grid polygons (a few hundred) are held in memory, never the drafts.
    """
    rng = random.Random(seed)
    grids = [
        (code, shape(geometry))
        for code, geometry in Grid.objects.order_by("code").values_list("code", "geometry")
    ]
    categories = list(
        Category.objects.filter(is_active=True)
        .select_related("major")
        .order_by("major__kind", "major__code", "code")
    )
    if not grids or not categories:
        return
    weights = [4 if c.major.kind == CaseKind.EVENT else 1 for c in categories]
    # Local time, so reports fall in the city's daytime whatever zone `until` is in.
    start = (until - dt.timedelta(days=days)).astimezone(SHANGHAI).replace(microsecond=0)
    sources, source_weights = zip(*SOURCES, strict=True)
    for _ in range(count):
        category = rng.choices(categories, weights)[0]
        code, geom = rng.choice(grids)
        lon, lat = _point_in(geom, rng)
        road = rng.choice(ROADS)
        address = f"建邺区{road}{rng.randrange(1, 400)}号{rng.choice(SPOTS)}"
        detail = rng.choice(DETAILS.get(category.name, [category.filing_criterion]))
        yield CaseDraft(
            category_id=category.id,
            category_name=category.name,
            kind=category.major.kind,
            urgency="urgent" if category.is_emergency or rng.random() < 0.05 else "normal",
            source=rng.choices(sources, source_weights)[0],
            grid_code=code,
            lon=lon,
            lat=lat,
            address=address,
            description=f"{address}：{detail}，请尽快处理。",
            reported_at=min(_working_moment(rng, start, days), until),
        )


@transaction.atomic
def components_load(*, seed: int = 320105, per_grid: int = 3) -> int:
    """Create the demo component inventory: a few components of random classes per grid."""
    if Component.objects.exists():
        return Component.objects.count()
    rng = random.Random(seed)
    classes = list(
        Category.objects.filter(major__kind=CaseKind.COMPONENT)
        .select_related("major", "default_department")
        .order_by("major__code", "code")
    )
    serials: dict[int, int] = {}
    batch = []
    surveyed = dt.date(2025, 6, 1)
    for grid in (
        Grid.objects.select_related("community__street__district")
        .order_by("code")
        .iterator(chunk_size=500)
    ):
        geom = shape(grid.geometry)
        county = grid.code[:6]
        for category in rng.sample(classes, per_grid):
            serials[category.id] = serials.get(category.id, 0) + 1
            lon, lat = _point_in(geom, rng)
            dept = category.default_department
            status = rng.choices(list(Component.Status.values), [90, 6, 2, 1, 1])[0]
            batch.append(
                Component(
                    code=f"{county}{category.major.code}{category.code}{serials[category.id]:06d}",
                    category=category,
                    grid=grid,
                    competent_department=dept,
                    owner_department=dept,
                    maintainer_department=dept,
                    status=status,
                    lon=lon,
                    lat=lat,
                    location_description=f"{rng.choice(ROADS)}{rng.choice(SPOTS)}",
                    surveyed_on=surveyed,
                )
            )
        if len(batch) >= 1000:
            Component.objects.bulk_create(batch)
            batch = []
    Component.objects.bulk_create(batch)
    return Component.objects.count()
