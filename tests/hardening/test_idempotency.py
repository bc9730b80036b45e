"""Idempotency keys on the POST APIs: a retry replays the first answer and creates nothing;
the same key with another body is a 422; keys expire and are purged."""

import datetime as dt
import io
import json
import threading
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from PIL import Image

from portal.citizen.models import PublicReport
from portal.idempotency.models import IdempotencyKey
from portal.idempotency.services import idempotency_key_purge
from portal.idempotency.tasks import idempotency_key_purge_task
from portal.scheduling import PERIODIC_TASKS
from portal.workflow.models import EmergencyAlarm

URL = "/open311/v2/requests.{fmt}"
FORM = "application/x-www-form-urlencoded"


def _post(client, data: dict, fmt: str = "json", key: str | None = None, **extra):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(
        URL.format(fmt=fmt), urlencode(data, doseq=True), content_type=FORM, headers=headers
    )


@pytest.mark.django_db
class TestOpen311:
    @pytest.mark.parametrize("fmt", ["json", "xml"])
    def test_retry_replays_the_first_answer_and_creates_nothing(self, client, valid, fmt):
        first = _post(client, valid, fmt, key="4c1f-retry-1")
        assert first.status_code == 200
        assert PublicReport.objects.count() == 1
        again = _post(client, valid, fmt, key="4c1f-retry-1")
        assert again.status_code == 200
        assert again.content == first.content
        assert again["Content-Type"] == first["Content-Type"]
        assert again["Idempotent-Replayed"] == "true"
        assert "Idempotent-Replayed" not in first
        assert PublicReport.objects.count() == 1

    def test_the_structured_field_quotes_are_optional(self, client, valid):
        first = _post(client, valid, key='"abc-123"')
        again = _post(client, valid, key="abc-123")
        assert again.content == first.content
        assert PublicReport.objects.count() == 1

    def test_without_a_key_every_post_creates(self, client, valid):
        _post(client, valid)
        _post(client, valid)
        assert PublicReport.objects.count() == 2

    def test_another_key_creates_another_report(self, client, valid):
        one = _post(client, valid, key="k-1").json()[0]["service_request_id"]
        two = _post(client, valid, key="k-2").json()[0]["service_request_id"]
        assert one != two
        assert PublicReport.objects.count() == 2

    @pytest.mark.parametrize("fmt", ["json", "xml"])
    def test_same_key_with_another_body_is_a_422(self, client, valid, fmt):
        _post(client, valid, fmt, key="k-422")
        changed = _post(client, {**valid, "description": "另一处问题"}, fmt, key="k-422")
        assert changed.status_code == 422
        body = changed.content.decode()
        assert "Idempotency-Key" in body and "422" in body
        assert PublicReport.objects.count() == 1

    def test_the_key_may_come_as_a_form_field(self, client, valid):
        data = {**valid, "idempotency_key": "form-key-1"}
        first = _post(client, data)
        again = _post(client, data)
        assert again["Idempotent-Replayed"] == "true"
        assert again.content == first.content
        assert PublicReport.objects.count() == 1

    def test_multipart_retry_with_a_new_boundary_is_the_same_request(self, client, valid):
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), (10, 120, 200)).save(buffer, "PNG")

        def send(boundary_hint: str):
            photo = io.BytesIO(buffer.getvalue())
            photo.name = "photo.png"
            # Django's test client picks one boundary; vary a harmless field order instead
            # and prove the digest ignores the encoding.
            data = dict(reversed(list(valid.items()))) if boundary_hint else dict(valid)
            return client.post(
                URL.format(fmt="json"),
                {**data, "media": photo},
                headers={"Idempotency-Key": "mp-1"},
            )

        first = send("")
        again = send("reversed")
        assert first.status_code == 200
        assert again["Idempotent-Replayed"] == "true"
        assert PublicReport.objects.count() == 1

    def test_another_photo_under_the_same_key_is_a_422(self, client, valid):
        def send(color):
            buffer = io.BytesIO()
            Image.new("RGB", (40, 30), color).save(buffer, "PNG")
            buffer.name = "photo.png"
            buffer.seek(0)
            return client.post(
                URL.format(fmt="json"),
                {**valid, "media": buffer},
                headers={"Idempotency-Key": "mp-2"},
            )

        assert send((1, 2, 3)).status_code == 200
        assert send((200, 2, 3)).status_code == 422

    def test_a_key_of_one_client_does_not_replay_for_another(self, client, valid):
        from portal.citizen.services import api_client_create

        _other, other_key = api_client_create(name="另一个应用")
        one = _post(client, valid, key="shared").json()[0]["service_request_id"]
        two = _post(client, {**valid, "api_key": other_key}, key="shared")
        assert two.status_code == 200 and "Idempotent-Replayed" not in two
        assert two.json()[0]["service_request_id"] != one

    def test_validation_errors_are_replayed_too(self, client, valid):
        bad = {**valid, "lat": "abc"}
        first = _post(client, bad, key="bad-1")
        assert first.status_code == 400
        again = _post(client, bad, key="bad-1")
        assert again.status_code == 400 and again["Idempotent-Replayed"] == "true"

    def test_a_refused_key_is_not_kept(self, client, valid):
        refused = _post(client, {**valid, "api_key": "wrong"}, key="k-403")
        assert refused.status_code == 403
        assert not IdempotencyKey.objects.filter(key="k-403").exists()

    @pytest.mark.parametrize("key", ["", "x" * 256, "中文键", "tab\there"])
    def test_malformed_keys_are_a_400(self, client, valid, key):
        response = _post(client, valid, key=key)
        assert response.status_code == 400
        assert "Idempotency-Key" in response.json()[0]["description"]
        assert PublicReport.objects.count() == 0

    def test_an_expired_key_runs_again(self, client, valid):
        _post(client, valid, key="old")
        IdempotencyKey.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
        again = _post(client, valid, key="old")
        assert again.status_code == 200 and "Idempotent-Replayed" not in again
        assert PublicReport.objects.count() == 2


@pytest.mark.django_db
def test_keys_expire_after_a_day_and_are_purged(client, valid, settings):
    _post(client, valid, key="purge-me")
    entry = IdempotencyKey.objects.get(key="purge-me")
    assert entry.expires_at - entry.created_at == dt.timedelta(seconds=settings.IDEMPOTENCY_TTL)
    assert settings.IDEMPOTENCY_TTL == 24 * 3600
    assert idempotency_key_purge() == 0
    assert idempotency_key_purge(now=entry.expires_at) == 1
    assert not IdempotencyKey.objects.exists()
    assert PERIODIC_TASKS["portal.idempotency.tasks.idempotency_key_purge_task"] == 3600
    _post(client, valid, key="purge-task")
    IdempotencyKey.objects.update(expires_at=timezone.now())
    assert idempotency_key_purge_task.call() == 1


@pytest.mark.django_db
def test_alarm_acknowledgement_replays_per_user(login, new_case, user):
    case = new_case(category="管道破裂")
    alarm = EmergencyAlarm.objects.filter(case=case).first()
    if alarm is None:  # no active plan for the category in the demo: raise one directly
        from portal.workflow.emergency import alarm_raise
        from portal.workflow.models import EmergencyPlan

        EmergencyPlan.objects.update_or_create(
            category=case.category,
            defaults={"name": "测试预案", "response_minutes": 15, "is_active": True},
        )
        alarm = alarm_raise(case=case)
    url = f"/command/alarms/{alarm.pk}/ack/"
    headers = {"accept": "application/json", "Idempotency-Key": "ack-1"}
    refused = login("chuzhi_hws").post(url, headers=headers)
    assert refused.status_code == 403
    first = login("zhiban01").post(url, headers=headers)
    assert first.status_code == 200
    again = login("zhiban01").post(url, headers=headers)
    assert again["Idempotent-Replayed"] == "true"
    assert json.loads(again.content) == json.loads(first.content)
    other = login("zhiban02").post(url, headers=headers)
    assert "Idempotent-Replayed" not in other  # another user's key space
    bad = login("zhiban01").post(url, headers={**headers, "Idempotency-Key": "x" * 300})
    assert bad.status_code == 400 and "Idempotency-Key" in bad.json()["error"]


@pytest.mark.postgres
@pytest.mark.usefixtures("require_postgres", "demo")
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_duplicates_make_one_report(valid):
    copies = 10
    barrier = threading.Barrier(copies)
    answers, errors = [], []
    lock = threading.Lock()

    def worker() -> None:
        try:
            barrier.wait(timeout=30)
            response = _post(Client(), valid, key="concurrent-1")
            with lock:
                answers.append((response.status_code, response.content))
        except BaseException as exc:  # any failure is a bug the test must show
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert {status for status, _body in answers} == {200}
    numbers = {json.loads(body)[0]["service_request_id"] for _status, body in answers}
    assert len(numbers) == 1
    assert PublicReport.objects.count() == 1
    assert PublicReport.objects.get().tracking_number in numbers
