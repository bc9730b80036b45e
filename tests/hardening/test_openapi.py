"""Schemathesis drives every operation of /api/openapi.json in process (WSGI): more than a
thousand generated requests, none may answer 5xx, and every answer must be documented
(status code, content type, JSON body against its schema)."""

import contextlib
import copy
import time

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.citizen.open311.catalogue import categories
from portal.citizen.services import api_client_create
from portal.workflow.emergency import alarm_raise
from portal.workflow.models import EmergencyAlarm, EmergencyPlan

pytestmark = pytest.mark.django_db

# Per operation: 12 of the 16 operations take parameters (the other four have one or two
# distinct requests, a few more exhaust their space early), so 100 each gives over a
# thousand requests.
EXAMPLES = 100
MINIMUM_REQUESTS = 1000
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Latitude/longitude box of Jianye district: focuses the POST fuzzing on the district, so
# the intake path itself runs and not only the "outside the district" refusal.
DISTRICT = {"lat": (31.94, 32.08), "long": (118.66, 118.78)}


@contextlib.contextmanager
def _connection_kept():
    """Django's WSGI handler inside the test's transaction: the request signals would
    otherwise close the connection the test's transaction lives on. Django's test client
    reconnects them after each of its own requests, so this wraps the fuzzing only."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _focused(document: dict, api_key: str) -> dict:
    """The served document with the test's credentials and the district's box filled in:
    generation then reaches past the api_key and location checks."""
    document = copy.deepcopy(document)
    post = document["paths"]["/open311/v2/requests.{fmt}"]["post"]["requestBody"]["content"]
    for content in post.values():
        fields = content["schema"]["properties"]
        fields["api_key"] = {"type": "string", "enum": [api_key]}
        fields["service_code"] = {"type": "string", "enum": sorted(categories())[:20]}
        for name, (low, high) in DISTRICT.items():
            fields[name] = {"type": "number", "minimum": low, "maximum": high}
        content["schema"]["required"] = ["api_key", "service_code", "lat", "long"]
    return document


def _fuzz(operation, calls: dict[str, int], **transport) -> None:
    """Run EXAMPLES generated cases of one operation through the app, checking each."""

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(generated=operation.as_strategy())
    def run(generated):
        response = generated.call(**transport)
        calls[operation.label] = calls.get(operation.label, 0) + 1
        generated.validate_response(response, checks=CHECKS)

    run()


def test_every_operation_answers_as_documented(client, login, new_case):
    served = client.get("/api/openapi.json")
    assert served.status_code == 200
    _client, api_key = api_client_create(name="schemathesis")
    case = new_case(category="管道破裂")
    if not EmergencyAlarm.objects.filter(case=case).exists():
        EmergencyPlan.objects.update_or_create(
            category=case.category,
            defaults={"name": "测试预案", "response_minutes": 15, "is_active": True},
        )
        alarm_raise(case=case)
    staff = login("zhiban01")
    session = staff.cookies["sessionid"].value
    token = _get_new_csrf_string()
    cookies = {"sessionid": session, "csrftoken": token}
    headers = {"X-CSRFToken": token}

    schema = schemathesis.openapi.from_dict(_focused(served.json(), api_key))
    schema.app = WSGIHandler()
    calls: dict[str, int] = {}
    failures: dict[str, str] = {}
    started = time.monotonic()
    with _connection_kept():
        for result in schema.get_all_operations():
            operation = result.ok()
            try:
                _fuzz(operation, calls, headers=headers, cookies=cookies)
            except (Exception, BaseExceptionGroup) as exc:  # all run; failures listed together
                failures[operation.label] = f"{type(exc).__name__}: {exc}"[:3000]
    elapsed = time.monotonic() - started
    print(f"schemathesis: {sum(calls.values())} requests in {elapsed:.0f} s")
    assert failures == {}, "\n\n".join(f"{k}: {v}" for k, v in failures.items())
    assert len(calls) == 16, sorted(calls)
    assert sum(calls.values()) >= MINIMUM_REQUESTS, calls
