import pytest
from shapely.geometry import shape

from portal.city.lookup import grid_index, grid_locate
from portal.city.models import Grid

pytestmark = pytest.mark.django_db


def test_every_grid_contains_its_own_representative_point():
    grid_index()  # build once
    for grid in Grid.objects.select_related("community").order_by("code")[::7]:
        loc = grid_locate(lon=grid.centre_lon, lat=grid.centre_lat)
        assert loc is not None
        assert loc.grid_code == grid.code
        assert loc.module_id == grid.module_id
        assert loc.community_id == grid.community_id
        assert loc.street_id == grid.community.street_id


def test_points_outside_the_district_have_no_grid():
    assert grid_locate(lon=118.60, lat=32.00) is None  # west bank of the Yangtze
    assert grid_locate(lon=118.80, lat=32.05) is None  # Qinhuai district


def test_lookups_use_the_index_not_the_database(django_assert_num_queries):
    grid_index()
    with django_assert_num_queries(0):
        for _ in range(200):
            grid_locate(lon=118.735, lat=32.02)


def test_index_follows_grid_edits():
    grid = Grid.objects.order_by("code").first()
    lon, lat = grid.centre_lon, grid.centre_lat
    assert grid_locate(lon=lon, lat=lat).grid_code == grid.code
    other = Grid.objects.order_by("code").last()
    grid.geometry, other.geometry = other.geometry, grid.geometry
    grid.save()
    other.save()
    assert grid_locate(lon=lon, lat=lat).grid_code == other.code


def test_module_and_street_are_consistent_with_polygons():
    grid = Grid.objects.get(code=grid_locate(lon=118.74, lat=32.03).grid_code)
    assert (
        shape(grid.geometry)
        .buffer(1e-9)
        .contains(shape({"type": "Point", "coordinates": [118.74, 32.03]}))
    )
