"""Geometry of the city: GeoJSON in, shapely out, and the coverage check of a partition.

Coordinates are WGS-84 longitude/latitude. Areas are computed on a local equirectangular
projection around the district, which is accurate to well under 1 % at this scale.
"""

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from shapely import STRtree, make_valid
from shapely.errors import ShapelyError
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

EARTH_RADIUS_M = 6_371_008.8
# Slivers thinner than this (in square metres) are rounding noise, not gaps or overlaps.
AREA_TOLERANCE_M2 = 1.0


def geometry_from_geojson(geojson: dict) -> BaseGeometry:
    """Parse a GeoJSON Polygon/MultiPolygon; raise ValidationError on anything else."""
    if not isinstance(geojson, dict) or geojson.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValidationError(_("范围必须是 GeoJSON 的 Polygon 或 MultiPolygon。"))
    try:
        geom = shape(geojson)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, ShapelyError) as exc:
        # GEOS refuses unclosed or short rings with its own error; garbage nested where
        # numbers belong fails in numpy with TypeError or ValueError.
        raise ValidationError(_("GeoJSON 格式错误：%(e)s") % {"e": exc}) from exc
    return geom


def geometry_validate(geojson: dict) -> BaseGeometry:
    """Parse and check a grid or district polygon: valid, non-empty, inside China's extent."""
    geom = geometry_from_geojson(geojson)
    if geom.is_empty:
        raise ValidationError(_("范围不能为空。"))
    if not geom.is_valid:
        raise ValidationError(_("范围不是有效多边形（自相交或环方向错误）。"))
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    if not (73 <= min_lon <= max_lon <= 136 and 3 <= min_lat <= max_lat <= 54):
        raise ValidationError(_("坐标超出中国范围，请使用 WGS-84 经纬度。"))
    return geom


def area_m2(geom: BaseGeometry) -> float:
    """Area in square metres on a local equirectangular projection."""
    if geom.is_empty:
        return 0.0
    lat0 = math.radians(geom.centroid.y)
    k_lat = math.radians(1) * EARTH_RADIUS_M
    return geom.area * k_lat * k_lat * math.cos(lat0)


def geometry_summary(geojson: dict) -> dict[str, float]:
    """Bounding box, centre and area of a GeoJSON polygon, for denormalised columns."""
    geom = geometry_from_geojson(geojson)
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    centre = geom.representative_point()
    return {
        "min_lon": min_lon,
        "min_lat": min_lat,
        "max_lon": max_lon,
        "max_lat": max_lat,
        "centre_lon": centre.x,
        "centre_lat": centre.y,
        "area_m2": area_m2(geom),
    }


def to_geojson(geom: BaseGeometry) -> dict:
    """GeoJSON of a polygon at full precision: rounding would open slivers along shared edges."""
    if isinstance(geom, Polygon | MultiPolygon):
        return json.loads(json.dumps(mapping(geom)))
    raise ValueError(f"not a polygon: {geom.geom_type}")


@dataclass
class CoverageProblem:
    kind: str  # "gap" | "overlap" | "outside" | "invalid"
    codes: tuple[str, ...]
    area_m2: float
    where: tuple[float, float]

    def describe(self) -> str:
        labels = {
            "gap": _("缺口"),
            "overlap": _("重叠"),
            "outside": _("超出辖区"),
            "invalid": _("无效几何"),
        }
        return _("%(kind)s %(codes)s 面积 %(area).1f 平方米，位置 %(lon).5f,%(lat).5f") % {
            "kind": labels[self.kind],
            "codes": "、".join(self.codes) or "-",
            "area": self.area_m2,
            "lon": self.where[0],
            "lat": self.where[1],
        }


@dataclass
class CoverageReport:
    layer: str
    parts: int = 0
    problems: list[CoverageProblem] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for p in self.problems if p.kind == kind)

    @property
    def ok(self) -> bool:
        return not self.problems


def coverage_check(
    layer: str,
    boundary: BaseGeometry,
    parts: Iterable[tuple[str, BaseGeometry]],
    tolerance_m2: float = AREA_TOLERANCE_M2,
) -> CoverageReport:
    """Check that `parts` cover `boundary` seamlessly and never overlap.

    Overlaps are found pairwise through an STR-tree (only neighbours whose boxes touch are
    compared), so the check stays near-linear in the number of parts.
    """
    report = CoverageReport(layer=layer)
    codes: list[str] = []
    geoms: list[BaseGeometry] = []
    for code, geom in parts:
        report.parts += 1
        if not geom.is_valid:
            report.problems.append(CoverageProblem("invalid", (code,), area_m2(geom), _xy(geom)))
            geom = make_valid(geom)
        codes.append(code)
        geoms.append(geom)

    tree = STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        overlap = geoms[i].intersection(geoms[j])
        size = area_m2(overlap)
        if size > tolerance_m2:
            report.problems.append(
                CoverageProblem("overlap", (codes[i], codes[j]), size, _xy(overlap))
            )

    union = unary_union(geoms) if geoms else Polygon()
    for kind, diff in (
        ("gap", boundary.difference(union)),
        ("outside", union.difference(boundary)),
    ):
        for piece in _pieces(diff):
            size = area_m2(piece)
            if size > tolerance_m2:
                near = (
                    _nearest_codes(tree, codes, piece)
                    if kind == "gap"
                    else _covering(tree, codes, piece)
                )
                report.problems.append(CoverageProblem(kind, near, size, _xy(piece)))
    return report


def _pieces(geom: BaseGeometry) -> list[BaseGeometry]:
    if geom.is_empty:
        return []
    return list(getattr(geom, "geoms", [geom]))


def _xy(geom: BaseGeometry) -> tuple[float, float]:
    if geom.is_empty:
        return (0.0, 0.0)
    point = geom.representative_point()
    return (point.x, point.y)


def _nearest_codes(tree: STRtree, codes: list[str], piece: BaseGeometry) -> tuple[str, ...]:
    hits = tree.query(piece.buffer(1e-6), predicate="intersects")
    return tuple(sorted(codes[i] for i in hits.tolist()))[:4]


def _covering(tree: STRtree, codes: list[str], piece: BaseGeometry) -> tuple[str, ...]:
    hits = tree.query(piece.representative_point(), predicate="intersects")
    return tuple(sorted(codes[i] for i in hits.tolist()))
