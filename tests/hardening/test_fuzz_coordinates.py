"""Hypothesis feeds the coordinate and GeoJSON parsers garbage: the city's polygon import
(geometry_validate, used when grids and districts are saved), the grid lookup, the report
form's hidden lon/lat and Open311's lat/long. Each answers with a clean error."""

import math
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from shapely.geometry.base import BaseGeometry

from portal.citizen.forms import ReportForm
from portal.city.geometry import geometry_summary, geometry_validate
from portal.city.lookup import grid_locate

FUZZ = settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
SQUARE = [[118.70, 32.00], [118.71, 32.00], [118.71, 32.01], [118.70, 32.01], [118.70, 32.00]]

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**20), 10**20),
    st.sampled_from([118.7, 32.0, 0, -0.0, 1e308, -1e308]),
)
scalars = st.one_of(
    st.none(), st.booleans(), numbers, st.text(max_size=8), st.sampled_from(["118.7", "NaN"])
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6), st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=40,
)
rings = st.lists(st.lists(numbers, min_size=0, max_size=4), min_size=0, max_size=8)
polygonish = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["Polygon", "MultiPolygon", "Point", "polygon", ""]),
        "coordinates": st.one_of(
            json_values,
            st.lists(rings, max_size=3),
            st.lists(st.lists(rings, max_size=3), max_size=3),
        ),
    }
)


@FUZZ
@given(st.one_of(polygonish, json_values))
@example({"type": "Polygon", "coordinates": [SQUARE]})
@example({"type": "Polygon", "coordinates": 5})
@example({"type": "Polygon", "coordinates": [[["a", "b"], ["c", "d"], ["e", "f"], ["a", "b"]]]})
@example({"type": "Polygon", "coordinates": [[[math.nan, 32.0]] * 4]})
@example({"type": "Polygon", "coordinates": [[[118.7, 32.0, 5, 6]] * 4]})
@example({"type": "MultiPolygon", "coordinates": [[[]]]})
@example({"type": "Polygon"})
def test_geojson_import_answers_a_geometry_or_a_validation_error(value):
    try:
        geom = geometry_validate(value)
    except ValidationError as exc:
        assert exc.messages and all(m.strip() for m in exc.messages)
        return
    assert isinstance(geom, BaseGeometry) and geom.is_valid and not geom.is_empty
    summary = geometry_summary(value)
    assert all(math.isfinite(v) for v in summary.values())


def test_the_square_is_accepted():
    assert geometry_validate({"type": "Polygon", "coordinates": [SQUARE]}).area > 0


@pytest.mark.django_db
@FUZZ
@given(lon=numbers, lat=numbers)
@example(lon=math.nan, lat=32.0)
@example(lon=math.inf, lat=-math.inf)
def test_grid_lookup_never_raises(grid, lon, lat):
    found = grid_locate(lon=float(lon), lat=float(lat))
    assert found is None or found.grid_code.isdigit()
    assert grid_locate(lon=grid.centre_lon, lat=grid.centre_lat) is not None


coordinate_text = st.one_of(
    st.text(max_size=30),
    numbers.map(str),
    st.sampled_from(["nan", "inf", "-inf", "1e999", "0x1p3", "118,7", "１１８.７", " 32.0 "]),
)


@pytest.mark.django_db
@FUZZ
@given(lon=coordinate_text, lat=coordinate_text)
def test_report_form_location_is_a_form_error(lon, lat):
    form = ReportForm(data={"description": "路面有一处坑洼需要修补", "lon": lon, "lat": lat})
    assert not form.is_valid()  # no category chosen: never valid, but never an exception
    assert form.errors


@pytest.mark.django_db
@FUZZ
@given(lat=coordinate_text, long=coordinate_text)
def test_open311_lat_long_is_a_400(client, api_key, lat, long):
    data = {"api_key": api_key, "service_code": "E0101", "lat": lat, "long": long}
    response = client.post(
        "/open311/v2/requests.json",
        urlencode(data),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert response.json()[0]["description"]


@pytest.mark.django_db
@FUZZ
@given(lat=coordinate_text, lon=coordinate_text, category=coordinate_text)
def test_nearby_lookup_is_a_400(client, lat, lon, category):
    response = client.get("/report/nearby/", {"lat": lat, "lon": lon, "category": category})
    assert response.status_code in (200, 400)
    assert response["Content-Type"] == "application/json"
