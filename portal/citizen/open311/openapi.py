"""The OpenAPI 3 description of the Open311 server, written by hand to match views.py."""

from portal.citizen.open311.catalogue import FIELDS

FORMAT = {
    "name": "fmt",
    "in": "path",
    "required": True,
    "description": "Response format: xml (required by GeoReport v2) or json.",
    "schema": {"type": "string", "enum": ["xml", "json"]},
}
JURISDICTION = {
    "name": "jurisdiction_id",
    "in": "query",
    "required": False,
    "description": "Optional on this single-jurisdiction endpoint; any other value is a 404.",
    "schema": {"type": "string", "example": "jianye.nanjing.gov.cn"},
}
NULLABLE_STRING = {"type": "string", "nullable": True}
NULLABLE_DATETIME = {"type": "string", "format": "date-time", "nullable": True}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _ok(description: str, schema: dict) -> dict:
    return {
        "description": description,
        "content": {
            "application/json": {"schema": schema},
            "text/xml": {"schema": {"type": "string", "description": "The same document as XML."}},
        },
    }


def _errors(*codes: int) -> dict:
    meaning = {
        400: "Invalid or missing parameter, unsupported format or method.",
        403: "Missing, invalid or inactive api_key.",
        404: "Unknown jurisdiction_id, service_code, service_request_id, token or path.",
        409: "A request with the same Idempotency-Key is being answered right now.",
        422: "The Idempotency-Key was already used with a different request.",
    }
    return {str(c): _ok(meaning[c], {"type": "array", "items": _ref("Error")}) for c in codes}


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _path(name: str, description: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


ATTRIBUTE_SCHEMA = {
    "type": "object",
    "required": [*FIELDS[:5], "order", *FIELDS[5:]],
    "properties": {
        "variable": {"type": "boolean"},
        "code": {"type": "string", "example": "urgency"},
        "datatype": {"type": "string", "enum": ["string", "singlevaluelist"]},
        "required": {"type": "boolean"},
        "datatype_description": {"type": "string"},
        "order": {"type": "integer", "minimum": 1},
        "description": {"type": "string"},
        "values": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"key": {"type": "string"}, "name": {"type": "string"}},
            },
        },
    },
}

SERVICE_REQUEST_SCHEMA = {
    "type": "object",
    "description": "Never carries the reporter's name, phone, e-mail or device.",
    "properties": {
        "service_request_id": {"type": "string", "example": "JY7K2M9Q4X1B"},
        "status": {"type": "string", "enum": ["open", "closed"]},
        "status_notes": {"type": "string"},
        "service_name": {"type": "string"},
        "service_code": {"type": "string"},
        "description": {"type": "string", "maxLength": 4000},
        "agency_responsible": NULLABLE_STRING,
        "service_notice": NULLABLE_STRING,
        "requested_datetime": {"type": "string", "format": "date-time"},
        "updated_datetime": {
            "type": "string",
            "format": "date-time",
            "description": "The closing time for closed requests, else the latest change.",
        },
        "expected_datetime": NULLABLE_DATETIME,
        "address": NULLABLE_STRING,
        "address_id": NULLABLE_STRING,
        "zipcode": NULLABLE_STRING,
        "lat": {"type": "number"},
        "long": {"type": "number"},
        "media_url": {**NULLABLE_STRING, "format": "uri"},
    },
}

CREATE_FIELDS = {
    "api_key": {"type": "string", "description": "Required; issued by the centre."},
    "jurisdiction_id": {"type": "string"},
    "service_code": {"type": "string", "description": "Required."},
    "lat": {"type": "number", "description": "WGS-84, with long; must lie in the district."},
    "long": {"type": "number"},
    "address_string": {
        "type": "string",
        "description": "Stored as the address; a location needs lat and long as well.",
    },
    "address_id": {"type": "string", "description": "Not supported: lat and long are needed."},
    "attribute[urgency]": {"type": "string", "enum": ["normal", "urgent"]},
    "email": {"type": "string", "format": "email"},
    "device_id": {"type": "string", "description": "Accepted and not stored."},
    "account_id": {"type": "string", "description": "Echoed in the response."},
    "first_name": {"type": "string", "description": "Kept private on the case."},
    "last_name": {"type": "string", "description": "Kept private on the case."},
    "phone": {"type": "string", "description": "Kept private on the case."},
    "description": {"type": "string", "maxLength": 4000, "description": "Plain text, no HTML."},
    "media_url": {"type": "string", "format": "uri", "maxLength": 500},
    "idempotency_key": {
        "type": "string",
        "maxLength": 255,
        "description": "For clients that cannot set the Idempotency-Key header.",
    },
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "1-255 printable ASCII characters (draft-ietf-httpapi-idempotency-key-header). "
        "A retry with the same key and body within 24 hours replays the first answer "
        "(header Idempotent-Replayed: true) and files nothing new."
    ),
    "schema": {"type": "string"},
}


def openapi(*, server: str) -> dict:
    """The document, with `server` the absolute URL of the endpoint's root."""
    fmt = [FORMAT, JURISDICTION]
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "建邺数字城管 Open311 GeoReport v2",
            "version": "2",
            "description": (
                "Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) with the "
                "page/page_size and multipart media extensions. IDs and codes are strings; "
                "service codes are C (component) or E (event) plus the GB/T 30428.2 code."
            ),
        },
        "servers": [{"url": server}],
        "paths": {
            "/discovery.{fmt}": {
                "get": {
                    "summary": "Service discovery",
                    "parameters": [FORMAT],
                    "responses": {"200": _ok("Discovery document.", _ref("Discovery"))},
                }
            },
            "/services.{fmt}": {
                "get": {
                    "summary": "GET Service List",
                    "parameters": fmt,
                    "responses": {
                        "200": _ok("Services.", {"type": "array", "items": _ref("Service")}),
                        **_errors(400, 404),
                    },
                }
            },
            "/services/{service_code}.{fmt}": {
                "get": {
                    "summary": "GET Service Definition",
                    "parameters": [_path("service_code", "e.g. C0101"), *fmt],
                    "responses": {
                        "200": _ok("The definition.", _ref("ServiceDefinition")),
                        **_errors(400, 404),
                    },
                }
            },
            "/requests.{fmt}": {
                "get": {
                    "summary": "GET Service Requests",
                    "parameters": [
                        *fmt,
                        _query(
                            "service_request_id",
                            "Comma-separated, at most 100; overrides every other filter.",
                        ),
                        _query("service_code", "Comma-separated service codes."),
                        _query(
                            "start_date",
                            "W3C datetime with timezone; range at most 90 days.",
                            {"type": "string", "format": "date-time"},
                        ),
                        _query(
                            "end_date",
                            "W3C datetime with timezone; default: the last 90 days.",
                            {"type": "string", "format": "date-time"},
                        ),
                        _query("status", "open, closed or both, comma-separated."),
                        _query("page", "Extension: page number from 1.", {"type": "integer"}),
                        _query(
                            "page_size",
                            "Extension: at most 100 (without it, up to 1000 requests).",
                            {"type": "integer", "maximum": 100},
                        ),
                    ],
                    "responses": {
                        "200": _ok(
                            "Requests, newest first.",
                            {"type": "array", "items": _ref("ServiceRequest")},
                        ),
                        **_errors(400, 404),
                    },
                },
                "post": {
                    "summary": "POST Service Request",
                    "parameters": [FORMAT, IDEMPOTENCY_KEY],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/x-www-form-urlencoded": {
                                "schema": {"type": "object", "properties": CREATE_FIELDS}
                            },
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        **CREATE_FIELDS,
                                        "media": {
                                            "type": "array",
                                            "maxItems": 3,
                                            "description": "Photos: JPEG, PNG or WebP, 10 MB each.",
                                            "items": {"type": "string", "format": "binary"},
                                        },
                                    },
                                }
                            },
                        },
                    },
                    "responses": {
                        "200": _ok(
                            "The created request (a list of one).",
                            {"type": "array", "items": _ref("Created")},
                        ),
                        **_errors(400, 403, 404, 409, 422),
                    },
                },
            },
            "/requests/{service_request_id}.{fmt}": {
                "get": {
                    "summary": "GET Service Request",
                    "parameters": [_path("service_request_id", "The tracking number."), *fmt],
                    "responses": {
                        "200": _ok(
                            "A list of one.", {"type": "array", "items": _ref("ServiceRequest")}
                        ),
                        **_errors(400, 404),
                    },
                }
            },
            "/tokens/{token}.{fmt}": {
                "get": {
                    "summary": "GET service_request_id from a token",
                    "parameters": [_path("token", "The token returned by POST."), *fmt],
                    "responses": {
                        "200": _ok("A list of one.", {"type": "array", "items": _ref("Token")}),
                        **_errors(400, 404),
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string", "example": "403"},
                        "description": {"type": "string"},
                    },
                },
                "Discovery": {
                    "type": "object",
                    "properties": {
                        "changeset": {"type": "string"},
                        "contact": {"type": "string"},
                        "key_service": {"type": "string"},
                        "endpoints": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "specification": {"type": "string"},
                                    "url": {"type": "string", "format": "uri"},
                                    "changeset": {"type": "string"},
                                    "type": {"type": "string", "enum": ["production", "test"]},
                                    "formats": {"type": "array", "items": {"type": "string"}},
                                },
                            },
                        },
                    },
                },
                "Service": {
                    "type": "object",
                    "properties": {
                        "service_code": {"type": "string", "example": "C0101"},
                        "service_name": {"type": "string"},
                        "description": {"type": "string"},
                        "metadata": {"type": "boolean"},
                        "type": {"type": "string", "enum": ["realtime"]},
                        "keywords": {"type": "string"},
                        "group": {"type": "string"},
                    },
                },
                "ServiceDefinition": {
                    "type": "object",
                    "properties": {
                        "service_code": {"type": "string"},
                        "attributes": {"type": "array", "items": ATTRIBUTE_SCHEMA},
                    },
                },
                "ServiceRequest": SERVICE_REQUEST_SCHEMA,
                "Created": {
                    "type": "object",
                    "properties": {
                        "service_request_id": {"type": "string"},
                        "token": {"type": "string"},
                        "service_notice": {"type": "string"},
                        "account_id": NULLABLE_STRING,
                    },
                },
                "Token": {
                    "type": "object",
                    "properties": {
                        "service_request_id": {"type": "string"},
                        "token": {"type": "string"},
                    },
                },
            }
        },
    }
