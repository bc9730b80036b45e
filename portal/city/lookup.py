"""Point → grid → module → community → street, through an in-memory STR-tree.

The index is built once per process from the grid table (streamed, geometry only) and
answers a lookup in microseconds: the tree narrows the candidates to the few grids whose
boxes hold the point, and only those are tested exactly. Edits to grids invalidate it in
every process (see process_cache).
"""

from dataclasses import dataclass

from shapely import STRtree, prepare
from shapely.geometry import Point, shape

from portal.city.process_cache import ProcessCache


@dataclass(frozen=True)
class GridLocation:
    grid_id: int
    grid_code: str
    module_id: int
    community_id: int
    street_id: int


class GridIndex:
    def __init__(self, rows) -> None:
        self._locations: list[GridLocation] = []
        geoms = []
        for grid_id, code, module_id, community_id, street_id, geometry in rows:
            geom = shape(geometry)
            prepare(geom)
            geoms.append(geom)
            self._locations.append(GridLocation(grid_id, code, module_id, community_id, street_id))
        self._geoms = geoms
        self._tree = STRtree(geoms)

    def __len__(self) -> int:
        return len(self._locations)

    def locate(self, lon: float, lat: float) -> GridLocation | None:
        point = Point(lon, lat)
        # Candidates by box, then the exact test; on a shared edge the lowest code wins so
        # the answer is deterministic.
        hits = [i for i in self._tree.query(point).tolist() if self._geoms[i].covers(point)]
        if not hits:
            return None
        return min((self._locations[i] for i in hits), key=lambda loc: loc.grid_code)


def _load() -> GridIndex:
    from portal.city.models import Grid

    rows = Grid.objects.values_list(
        "id", "code", "module_id", "community_id", "community__street_id", "geometry"
    ).order_by("code")
    return GridIndex(rows.iterator(chunk_size=500))


_index: ProcessCache[GridIndex] = ProcessCache("city-grid-index", _load)


def grid_index() -> GridIndex:
    """The current process's grid index, rebuilt when grids changed or it grew old."""
    return _index.get()


def grid_index_invalidate() -> None:
    """Mark every process's index stale (called when grids, modules or communities change)."""
    _index.invalidate()


def grid_locate(*, lon: float, lat: float) -> GridLocation | None:
    """The grid containing the point (WGS-84), with its module, community and street ids."""
    return grid_index().locate(lon, lat)
