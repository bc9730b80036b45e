"""Reads of the city's reference data."""

from collections import defaultdict
from collections.abc import Iterator

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Sum
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from portal.city.geometry import CoverageReport, coverage_check, geometry_from_geojson
from portal.city.models import Community, Component, District, Grid, Module, Street


def grid_shapes() -> Iterator[tuple[Grid, BaseGeometry]]:
    """Every grid with its parsed polygon, streamed in batches (never the whole table at once)."""
    grids = Grid.objects.select_related("community__street", "module").order_by("code")
    for grid in grids.iterator(chunk_size=500):
        yield grid, shape(grid.geometry)


def coverage_report_list(*, district_code: str) -> list[CoverageReport]:
    """Gaps and overlaps of the district's grids, and of the modules, communities and
    streets built from them, against the district boundary."""
    district = District.objects.get(code=district_code)
    boundary = geometry_from_geojson(district.boundary)
    grid_parts: list[tuple[str, BaseGeometry]] = []
    by_layer: dict[str, dict[str, list[BaseGeometry]]] = {
        "module": defaultdict(list),
        "community": defaultdict(list),
        "street": defaultdict(list),
    }
    for grid, geom in grid_shapes():
        if grid.community.street.district_id != district.id:
            continue
        grid_parts.append((grid.code, geom))
        by_layer["module"][grid.module.code].append(geom)
        by_layer["community"][grid.code[:12]].append(geom)
        by_layer["street"][grid.code[:9]].append(geom)
    reports = [coverage_check("grid", boundary, grid_parts)]
    for layer, groups in by_layer.items():
        parts = [(code, unary_union(geoms)) for code, geoms in sorted(groups.items())]
        reports.append(coverage_check(layer, boundary, parts))
    return reports


def district_summary_get(*, district_code: str | None = None) -> dict:
    """Counts shown on the home page: streets, communities, modules, grids, components."""
    code = district_code or settings.CITY_DISTRICT_CODE
    district = District.objects.filter(code=code).first()
    if district is None:
        return {}
    grids = Grid.objects.filter(community__street__district=district)
    totals = grids.aggregate(n=Count("id"), area=Sum("area_m2"))
    modules = (
        Module.objects.filter(street__district=district).values("kind").annotate(n=Count("id"))
    )
    return {
        "name": district.name,
        "streets": Street.objects.filter(district=district).count(),
        "communities": Community.objects.filter(street__district=district).count(),
        "modules": sum(m["n"] for m in modules),
        "modules_by_kind": {m["kind"]: m["n"] for m in modules},
        "grids": totals["n"],
        "area_km2": round((totals["area"] or 0) / 1e6, 1),
        "components": Component.objects.filter(grid__community__street__district=district).count(),
    }


def grid_geojson() -> dict:
    """The district's unit grids as one GeoJSON FeatureCollection (cached; 835 polygons),
    each tagged with its grid, module and community so maps colour or label either level.
    The report map and the command dashboard both draw it."""
    version = Grid.objects.aggregate(v=Max("updated_at"), n=Count("id"))
    stamp = version["v"].timestamp() if version["v"] else 0
    key = f"city:grids:{version['n']}:{stamp}"
    features = cache.get(key)
    if features is None:
        features = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": g["geometry"],
                    "properties": {
                        "grid": g["id"],
                        "code": g["code"],
                        "module": g["module_id"],
                        "module_name": g["module__name"],
                        "community": g["community__name"],
                    },
                }
                for g in Grid.objects.values(
                    "id", "code", "geometry", "module_id", "module__name", "community__name"
                )
            ],
        }
        cache.set(key, features, 3600)
    return features
