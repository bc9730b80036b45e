"""The OpenAPI 3 description of every JSON API of the site, served at /api/openapi.json:
the Open311 GeoReport v2 server (under /open311/v2/, also described on its own at
/open311/v2/openapi.json) and the JSON reads the public report pages and the command
centre dashboard fetch. Written by hand to match the views; tests/hardening/test_openapi.py
drives the site from it with schemathesis."""

import copy

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from portal.citizen.open311.openapi import openapi as open311_openapi

OPEN311_ROOT = "/open311/v2"

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}},
}
NUMBER = {"type": "number"}
STAFF_ONLY = (
    "Signed-in command-centre staff (their whole district) or department roles (their "
    "department's cases); anonymous callers are redirected to the sign-in page (302), "
    "other roles get 403."
)


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _html(description: str) -> dict:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def _staff(responses: dict) -> dict:
    return {
        **responses,
        "302": {"description": "Not signed in: redirect to the sign-in page."},
        "403": _html("Signed in without a dashboard role."),
    }


def _query(name: str, schema: dict, description: str = "", required: bool = False) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }


GEOJSON = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "geometry", "properties"],
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "geometry": {"type": "object"},
                    "properties": {
                        "type": "object",
                        "properties": {
                            "grid": {"type": "integer"},
                            "code": {"type": "string", "pattern": "^[0-9]{15}$"},
                            "module": {"type": "integer", "nullable": True},
                            "module_name": {"type": "string", "nullable": True},
                            "community": {"type": "string"},
                        },
                    },
                },
            },
        },
    },
}

SNAPSHOT = {
    "type": "object",
    "required": ["generated_at", "last_event_id", "scope", "counters", "cases", "events"],
    "properties": {
        "generated_at": {"type": "string", "format": "date-time"},
        "last_event_id": {"type": "integer", "minimum": 0},
        "scope": {"type": "string", "pattern": "^(centre|department:[0-9]+)$"},
        "counters": {"type": "object"},
        "cases": {"type": "array", "items": {"type": "object"}},
        "events": {"type": "array", "items": {"type": "object"}},
        "alarms": {"type": "array", "items": {"type": "object"}},
    },
}

STAFF_PATHS = {
    "/command/snapshot/": {
        "get": {
            "summary": "Command dashboard snapshot",
            "description": "Counters, open cases, the event feed and open alarms. " + STAFF_ONLY,
            "parameters": [
                _query(
                    "since",
                    {"type": "string"},
                    "An event id: the feed then holds only later events. Not a number: 400.",
                )
            ],
            "responses": _staff(
                {
                    "200": _json("The snapshot.", SNAPSHOT),
                    "400": _json("since is not an integer.", ERROR),
                }
            ),
        }
    },
    "/command/grids/": {
        "get": {
            "summary": "Unit grids as GeoJSON (dashboard)",
            "description": STAFF_ONLY,
            "responses": _staff({"200": _json("FeatureCollection of the grids.", GEOJSON)}),
        }
    },
    "/command/charts/": {
        "get": {
            "summary": "Dashboard charts",
            "description": "Intake per day and source, by category, handling hours. " + STAFF_ONLY,
            "responses": _staff({"200": _json("The chart series.", {"type": "object"})}),
        }
    },
    "/command/alarms/{alarm_id}/ack/": {
        "post": {
            "summary": "Acknowledge an emergency alarm (接警响应)",
            "description": "Centre staff and the people the alarm called. Needs the CSRF "
            "token (X-CSRFToken header and csrftoken cookie). Idempotent by nature, and "
            "with an Idempotency-Key a retry replays the first answer. " + STAFF_ONLY,
            "parameters": [
                {
                    "name": "alarm_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 0, "maximum": 2**31},
                },
                {
                    "name": "Accept",
                    "in": "header",
                    "required": True,
                    "schema": {"type": "string", "enum": ["application/json"]},
                },
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string"},
                },
            ],
            "responses": _staff(
                {
                    "200": _json(
                        "Acknowledged (now or earlier).",
                        {
                            "type": "object",
                            "required": ["id", "acknowledged_at"],
                            "properties": {
                                "id": {"type": "integer"},
                                "acknowledged_at": {"type": "string", "format": "date-time"},
                            },
                        },
                    ),
                    "400": _json("Malformed Idempotency-Key.", ERROR),
                    "404": _html("No such alarm."),
                    "409": _json("The same key is being answered right now.", ERROR),
                    "422": _json("The Idempotency-Key was used with another request.", ERROR),
                }
            ),
        }
    },
}

PUBLIC_PATHS = {
    "/healthz": {
        "get": {
            "summary": "Health check for the load balancer",
            "responses": {
                "200": _json(
                    "The database answers.",
                    {
                        "type": "object",
                        "required": ["status"],
                        "properties": {
                            "status": {"type": "string", "enum": ["ok"]},
                            "database": {"type": "string"},
                        },
                    },
                ),
                "503": _json("The database does not answer.", {"type": "object"}),
            },
        }
    },
    "/report/grids.json": {
        "get": {
            "summary": "Unit grids as GeoJSON (report map)",
            "responses": {"200": _json("FeatureCollection of the grids.", GEOJSON)},
        }
    },
    "/report/nearby/": {
        "get": {
            "summary": "Open reports of a category near a point (duplicate hint)",
            "parameters": [
                _query("lat", {"type": "string"}, "WGS-84 latitude.", required=True),
                _query("lon", {"type": "string"}, "WGS-84 longitude.", required=True),
                _query("category", {"type": "string"}, "Category id.", required=True),
            ],
            "responses": {
                "200": _json(
                    "At most five, nearest first.",
                    {
                        "type": "object",
                        "required": ["nearby"],
                        "properties": {
                            "nearby": {
                                "type": "array",
                                "maxItems": 5,
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "tracking_number": {"type": "string"},
                                        "description": {"type": "string", "maxLength": 80},
                                        "reported_at": {"type": "string", "format": "date"},
                                        "distance": {"type": "integer", "minimum": 0},
                                    },
                                },
                            }
                        },
                    },
                ),
                "400": _json("A parameter is missing or not a finite number.", ERROR),
            },
        }
    },
    "/report/geocode/": {
        "get": {
            "summary": "Places of the district's gazetteer matching a typed address",
            "parameters": [_query("q", {"type": "string"}, "At least 2 characters.")],
            "responses": {
                "200": _json(
                    "Matching streets and communities with their centres.",
                    {
                        "type": "object",
                        "required": ["places"],
                        "properties": {
                            "places": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "name": {"type": "string"},
                                        "lon": NUMBER,
                                        "lat": NUMBER,
                                        "zoom": {"type": "integer"},
                                    },
                                },
                            }
                        },
                    },
                )
            },
        }
    },
    "/reports/map.json": {
        "get": {
            "summary": "Public reports as map points (at the grid's centre)",
            "parameters": [
                _query("major", {"type": "string"}, "Major class id."),
                _query("category", {"type": "string"}, "Category id."),
                _query("street", {"type": "string"}, "Street code."),
                _query("status", {"type": "string"}, "Public status."),
            ],
            "responses": {
                "200": _json(
                    "Points, newest first; an invalid filter is ignored.",
                    {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "tracking_number": {"type": "string"},
                                "category": {"type": "string"},
                                "status": {"type": "string"},
                                "lon": NUMBER,
                                "lat": NUMBER,
                                "url": {"type": "string"},
                            },
                        },
                    },
                )
            },
        }
    },
}


NUL_REFUSAL = {"text/plain": {"schema": {"type": "string"}}}


def _nul_refusal(paths: dict) -> dict:
    """Every path outside Open311 may answer 400 in plain text: a NUL character anywhere in
    a request is refused site-wide before any view (portal.middleware)."""
    for item in paths.values():
        for operation in item.values():
            bad = operation["responses"].setdefault(
                "400", {"description": "A NUL character in the request.", "content": {}}
            )
            bad["content"] = {**bad.get("content", {}), **NUL_REFUSAL}
    return paths


def site_openapi(*, server: str) -> dict:
    """The whole document; `server` is the absolute URL of the site's root."""
    open311 = open311_openapi(server=server + OPEN311_ROOT)
    paths = {OPEN311_ROOT + path: item for path, item in open311["paths"].items()}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "建邺数字城管 JSON APIs",
            "version": "1",
            "description": (
                "Open311 GeoReport v2 under /open311/v2/ (see its own description at "
                "/open311/v2/openapi.json), the public report map reads and the command "
                "centre dashboard reads. POST endpoints take an Idempotency-Key."
            ),
        },
        "servers": [{"url": server}],
        "paths": {**paths, **_nul_refusal(copy.deepcopy({**PUBLIC_PATHS, **STAFF_PATHS}))},
        "components": open311["components"],
    }


@require_GET
def openapi_view(request: HttpRequest) -> JsonResponse:
    """GET /api/openapi.json."""
    return JsonResponse(
        site_openapi(server=request.build_absolute_uri("/").rstrip("/")),
        json_dumps_params={"ensure_ascii": False},
    )
