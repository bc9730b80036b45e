"""A plausible map of Jianye district, generated deterministically from data/jianye.json.

Real grid polygons are not available offline, so the demo map is built the way surveyors
tile a district: a lattice of roughly 280 m cells over the real extent (118.68–118.77 E,
31.97–32.06 N), its inner vertices jittered so cells look like city blocks, clipped to the
district outline (mainland plus 江心洲 island). Shared vertices are jittered once, so
neighbouring cells still meet exactly: the grids cover the district with no gap and no
overlap by construction, and `city_check` verifies it. Streets, communities and modules
are unions of whole grids, assigned by nearest seed (a few Lloyd iterations keep them
compact).
"""

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.ops import unary_union

from portal.city.geometry import area_m2

DATA_DIR = Path(__file__).parent / "data"
# A clipped cell smaller than this share of a full cell is merged into a neighbour.
SLIVER_SHARE = 0.2


@dataclass
class Cell:
    row: int
    col: int
    geom: Polygon | MultiPolygon
    street: str = ""
    community: int = -1
    module: str = ""

    @property
    def centre(self) -> tuple[float, float]:
        point = self.geom.representative_point()
        return (point.x, point.y)


@dataclass
class CommunitySpec:
    street: str
    code: str
    name: str
    status: str
    planned_modules: int = 0


@dataclass
class ModuleSpec:
    code: str
    name: str
    kind: str
    street: str


@dataclass
class GridSpec:
    code: str
    street: str
    community: str
    module: str
    geom: Polygon | MultiPolygon


@dataclass
class MapLayout:
    district_code: str
    district_name: str
    boundary: MultiPolygon
    streets: list[tuple[str, str]]
    communities: list[CommunitySpec] = field(default_factory=list)
    modules: list[ModuleSpec] = field(default_factory=list)
    grids: list[GridSpec] = field(default_factory=list)


def map_spec(path: Path | None = None) -> dict:
    return json.loads((path or DATA_DIR / "jianye.json").read_text(encoding="utf-8"))


def _lattice(spec: dict, boundary: MultiPolygon) -> list[Cell]:
    (lon0, lat0), (dx, dy), (cols, rows) = (
        spec["lattice"]["origin"],
        spec["lattice"]["step"],
        spec["lattice"]["size"],
    )
    rng = random.Random(spec["lattice"]["seed"])
    jitter = spec["lattice"]["jitter"]
    # Vertex (i, j): column i from the west, row j from the south. Border vertices stay put
    # so the lattice's outer box is a rectangle that surely contains the district.
    vertices = {}
    for i in range(cols + 1):
        for j in range(rows + 1):
            inner = 0 < i < cols and 0 < j < rows
            jx = rng.uniform(-jitter, jitter) * dx if inner else 0.0
            jy = rng.uniform(-jitter, jitter) * dy if inner else 0.0
            vertices[i, j] = (lon0 + i * dx + jx, lat0 + j * dy + jy)
    full_area = area_m2(Polygon([(0, lat0), (dx, lat0), (dx, lat0 + dy), (0, lat0 + dy)]))
    cells = []
    for i in range(cols):
        for j in range(rows):
            quad = Polygon(
                [vertices[i, j], vertices[i + 1, j], vertices[i + 1, j + 1], vertices[i, j + 1]]
            )
            piece = quad.intersection(boundary)
            if piece.is_empty or piece.area == 0:
                continue
            piece = _polygonal(piece)
            cells.append(Cell(row=rows - 1 - j, col=i, geom=piece))
    return _merge_slivers(cells, full_area)


def _polygonal(geom):
    """Keep only the areal part of an intersection (drop stray lines and points)."""
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    polys = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon) and g.area > 0]
    return unary_union(polys)


def _merge_slivers(cells: list[Cell], full_area: float) -> list[Cell]:
    small = [c for c in cells if area_m2(c.geom) < SLIVER_SHARE * full_area]
    keep = [c for c in cells if area_m2(c.geom) >= SLIVER_SHARE * full_area]
    for sliver in sorted(small, key=lambda c: (c.row, c.col)):
        touching = [c for c in keep if c.geom.intersects(sliver.geom)]
        if not touching:
            keep.append(sliver)  # an islet with no big neighbour stays a grid of its own
            continue
        best = max(
            touching, key=lambda c: c.geom.boundary.intersection(sliver.geom.boundary).length
        )
        best.geom = _polygonal(unary_union([best.geom, sliver.geom]))
    return keep


def _nearest(point: tuple[float, float], seeds: list[tuple[float, float]]) -> int:
    x, y = point
    return min(range(len(seeds)), key=lambda k: (seeds[k][0] - x) ** 2 + (seeds[k][1] - y) ** 2)


def _cluster(cells: list[Cell], k: int, rng: random.Random) -> list[int]:
    """Split cells into k compact groups (k-means on centres, seeded, never an empty group)."""
    points = [c.centre for c in cells]
    if k <= 1:
        return [0] * len(cells)
    seeds = [points[i] for i in rng.sample(range(len(points)), k)]
    labels = [0] * len(points)
    for _ in range(8):
        labels = [_nearest(p, seeds) for p in points]
        for g in range(k):
            members = [p for p, label in zip(points, labels, strict=True) if label == g]
            if members:
                seeds[g] = (
                    sum(p[0] for p in members) / len(members),
                    sum(p[1] for p in members) / len(members),
                )
    # Guarantee every group one cell: give an empty group the point nearest its seed.
    for g in range(k):
        if g not in labels:
            idx = min(
                range(len(points)),
                key=lambda i: (points[i][0] - seeds[g][0]) ** 2 + (points[i][1] - seeds[g][1]) ** 2,
            )
            labels[idx] = g
    return labels


def _in_zone(zone: dict, cell: Cell) -> bool:
    if cell.street == zone.get("exclude_street"):
        return False
    if "west_of" in zone:
        return cell.centre[0] < zone["west_of"]
    return Point(cell.centre).distance(Point(zone["centre"])) <= zone["radius"]


def map_layout(spec: dict | None = None) -> MapLayout:
    """Generate the whole map (pure: no database) from the spec."""
    spec = spec or map_spec()
    rng = random.Random(spec["lattice"]["seed"])
    mainland = Polygon(spec["mainland"])
    island = Polygon(spec["island"])
    boundary = MultiPolygon([mainland, island])
    cells = _lattice(spec, boundary)

    streets = spec["streets"]
    island_street = spec["island_street"]
    mainland_streets = [s for s in streets if s["code"] != island_street]
    seeds = [tuple(s["seed"]) for s in mainland_streets]
    for cell in cells:
        if cell.geom.intersects(island) and not cell.geom.intersects(mainland):
            cell.street = island_street
        else:
            cell.street = mainland_streets[_nearest(cell.centre, seeds)]["code"]

    layout = MapLayout(
        district_code=spec["district"]["code"],
        district_name=spec["district"]["name"],
        boundary=boundary,
        streets=[(s["code"], s["name"]) for s in streets],
    )

    # Communities: compact clusters inside each street.
    community_keys: list[CommunitySpec] = []
    for street in streets:
        members = [c for c in cells if c.street == street["code"]]
        labels = _cluster(members, len(street["communities"]), rng)
        base = len(community_keys)
        for n, info in enumerate(street["communities"]):
            community_keys.append(
                CommunitySpec(
                    street=street["code"],
                    code=f"{n + 1:03d}",
                    name=info["name"],
                    status=info["status"],
                    planned_modules=info.get("planned_modules", 0),
                )
            )
        for cell, label in zip(members, labels, strict=True):
            cell.community = base + label
    layout.communities = community_keys

    # Modules: one per built community, planned communities split, special zones carved out.
    module_no = 0

    def next_code() -> str:
        nonlocal module_no
        module_no += 1
        return f"{module_no:03d}"

    for idx, community in enumerate(community_keys):
        if community.status != "built":
            continue
        module = ModuleSpec(next_code(), community.name, "built", community.street)
        layout.modules.append(module)
        for cell in cells:
            if cell.community == idx:
                cell.module = module.code
    for idx, community in enumerate(community_keys):
        if community.status != "planned":
            continue
        members = [c for c in cells if c.community == idx]
        labels = _cluster(members, community.planned_modules, rng)
        stem = community.name.removesuffix("社区")
        for part in range(community.planned_modules):
            suffix = "一二三四"[part] if community.planned_modules > 1 else ""
            name = f"{stem}规划{suffix}区"
            module = ModuleSpec(next_code(), name, "planned", community.street)
            layout.modules.append(module)
            for cell, label in zip(members, labels, strict=True):
                if label == part:
                    cell.module = module.code
    for zone in spec["special_zones"]:
        inside = [c for c in cells if _in_zone(zone, c)]
        if not inside:
            raise ValueError(f"special zone {zone['name']} holds no grid")
        main_street = max(
            {c.street for c in inside}, key=lambda s: sum(1 for c in inside if c.street == s)
        )
        module = ModuleSpec(next_code(), zone["name"], "special", main_street)
        layout.modules.append(module)
        for cell in inside:
            cell.module = module.code

    used = {c.module for c in cells}
    empty = [m.name for m in layout.modules if m.code not in used]
    if empty:
        raise ValueError(f"modules without grids: {empty}")

    # Grid codes: serial per community, west→east then north→south.
    per_community: dict[int, int] = {}
    for cell in sorted(cells, key=lambda c: (c.community, c.row, c.col)):
        per_community[cell.community] = per_community.get(cell.community, 0) + 1
        community = community_keys[cell.community]
        serial = per_community[cell.community]
        code = f"{layout.district_code}{community.street}{community.code}{serial:03d}"
        layout.grids.append(
            GridSpec(code, community.street, community.code, cell.module, cell.geom)
        )
    return layout
