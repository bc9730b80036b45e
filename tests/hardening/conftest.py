"""Fixtures of the hardening tests: an Open311 client key and a valid POST body."""

import pytest

from portal.citizen.services import api_client_create


@pytest.fixture
def api_key():
    _client, key = api_client_create(name="加固测试应用")
    return key


@pytest.fixture
def valid(api_key, grid):
    return {
        "api_key": api_key,
        "service_code": "E0101",
        "lat": str(grid.centre_lat),
        "long": str(grid.centre_lon),
        "description": "人行道上私自搭建了彩钢板棚子",
        "last_name": "欧阳",
        "first_name": "娜娜",
        "phone": "13912345678",
        "attribute[urgency]": "normal",
    }
