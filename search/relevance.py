"""A judged query set over the demo corpus and the measures reported for each backend.

Each query is written as a dispatcher or archivist would type it; its relevant cases are
defined from the cases' structured facts (category, street), not from the text the engine
sees, so the judgement does not depend on either backend.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from portal.city.calendar import SHANGHAI

CATEGORY_QUERIES = [
    "上水井盖",
    "污水井盖",
    "雨水井盖",
    "路灯",
    "消防栓",
    "道路护栏",
    "公交站亭",
    "公共厕所",
    "垃圾箱",
    "广告牌匾",
    "行道树",
    "古树名木",
    "私搭乱建",
    "暴露垃圾",
    "积存渣土",
    "道路不洁",
    "水域不洁",
    "非法小广告",
    "违规户外广告",
    "施工扰民",
    "施工占道",
    "工地扬尘",
    "道路遗撒",
    "管道破裂",
    "路面塌陷",
    "道路积水",
    "无照经营",
    "占道经营",
    "机动车乱停放",
    "店外经营",
]
COMBINED_QUERIES = [
    ("占道经营 沙洲街道", "占道经营", "沙洲街道"),
    ("暴露垃圾 南湖街道", "暴露垃圾", "南湖街道"),
    ("路灯 兴隆街道", "路灯", "兴隆街道"),
    ("井盖 江心洲街道", "井盖", "江心洲街道"),
    ("非法小广告 滨湖街道", "非法小广告", "滨湖街道"),
    ("道路积水 双闸街道", "道路积水", "双闸街道"),
    ("施工扰民 南苑街道", "施工扰民", "南苑街道"),
    ("行道树 沙洲街道", "行道树", "沙洲街道"),
    ("机动车乱停放 兴隆街道", "机动车乱停放", "兴隆街道"),
    ("垃圾箱 南湖街道", "垃圾箱", "南湖街道"),
]


DATED_QUERIES = [
    ("2026年8月 暴露垃圾", "暴露垃圾", 2026, 8),
    ("2026年9月 道路积水", "道路积水", 2026, 9),
]


@dataclass(frozen=True)
class Judgement:
    query: str
    relevant: Q


def judged_queries() -> list[Judgement]:
    """The 42 judged queries: relevant = the category is named (or contains, for 井盖) the
    query's category word; for combined queries the case lies in that street; for dated
    queries it was reported in that month."""
    judged = [Judgement(q, Q(category__name=q)) for q in CATEGORY_QUERIES]
    for query, category, street in COMBINED_QUERIES:
        # 井盖 names a family of classes (上水井盖, 污水井盖 …); the others name one class.
        named = (
            Q(category__name__contains=category)
            if category == "井盖"
            else Q(category__name=category)
        )
        judged.append(Judgement(query, named & Q(street__name=street)))
    for query, category, year, month in DATED_QUERIES:
        start = dt.datetime(year, month, 1, tzinfo=SHANGHAI)
        end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=SHANGHAI)
        dated = Q(category__name=category, reported_at__gte=start, reported_at__lt=end)
        judged.append(Judgement(query, dated))
    return judged


def relevance_measure(*, user, index: str = "cases", k: int = 10) -> dict:
    """Mean precision@k and mean recall of the judged queries, as `user` sees the index."""
    from portal.workflow.models import Case
    from search.selectors import search_run

    precisions, recalls, rows = [], [], []
    for judgement in judged_queries():
        relevant = {
            str(pk) for pk in Case.objects.filter(judgement.relevant).values_list("pk", flat=True)
        }
        first = search_run(user=user, index=index, query=judgement.query, per_page=100)
        found = [h.object_id for h in first.hits]
        page = 2
        while len(found) < first.total:
            more = search_run(
                user=user, index=index, query=judgement.query, per_page=100, page=page
            )
            found += [h.object_id for h in more.hits]
            page += 1
        top = found[:k]
        precision = (
            sum(1 for x in top if x in relevant) / len(top)
            if top
            else (1.0 if not relevant else 0.0)
        )
        recall = len(relevant & set(found)) / len(relevant) if relevant else 1.0
        precisions.append(precision)
        recalls.append(recall)
        rows.append((judgement.query, len(relevant), precision, recall))
    return {
        "precision_at_k": sum(precisions) / len(precisions),
        "recall": sum(recalls) / len(recalls),
        "queries": rows,
    }
