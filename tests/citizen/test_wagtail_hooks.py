"""The admin of Open311 client applications: the key is made by the service and shown once."""

import re

import pytest
from django.urls import reverse

from portal.citizen.models import ApiClient
from portal.citizen.services import secret_hash

pytestmark = pytest.mark.django_db


def test_creating_a_client_shows_its_key_once_and_keeps_only_the_hash(login):
    client = login("xitong01")
    url = reverse("wagtailsnippets_citizen_apiclient:add")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"name": "南京随手拍", "contact": "王工 025-1234", "is_active": "on"}
    )
    assert response.status_code == 200
    key = re.search(r'<code id="api-key">([^<]+)</code>', response.content.decode()).group(1)
    created = ApiClient.objects.get(name="南京随手拍")
    assert created.key_hash == secret_hash(key)
    assert created.key_prefix == key[:8]
    assert created.contact == "王工 025-1234"
    # Afterwards only the prefix is shown: not the key, on the list or the edit page.
    listing = client.get(reverse("wagtailsnippets_citizen_apiclient:list")).content.decode()
    assert created.key_prefix in listing and key not in listing
    edit = reverse("wagtailsnippets_citizen_apiclient:edit", args=[created.pk])
    assert key not in client.get(edit).content.decode()


def test_an_auditor_cannot_create_clients(login):
    response = login("shenji01").post(
        reverse("wagtailsnippets_citizen_apiclient:add"), {"name": "x", "contact": ""}
    )
    assert response.status_code in (302, 403)
    assert not ApiClient.objects.exists()
