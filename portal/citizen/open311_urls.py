"""URLs of the Open311 GeoReport v2 server, mounted at /open311/v2/."""

from django.urls import path, re_path

from portal.citizen.open311 import views

app_name = "open311"
FMT = r"\.(?P<fmt>[^/.]{1,10})$"
urlpatterns = [
    path("openapi.json", views.openapi_view, name="openapi"),
    re_path(r"^discovery" + FMT, views.discovery_view, name="discovery"),
    re_path(r"^services" + FMT, views.service_list_view, name="services"),
    re_path(
        r"^services/(?P<service_code>[^/.]{1,50})" + FMT,
        views.service_definition_view,
        name="service_definition",
    ),
    re_path(r"^requests" + FMT, views.requests_view, name="requests"),
    re_path(
        r"^requests/(?P<service_request_id>[^/.]{1,50})" + FMT,
        views.request_detail_view,
        name="request",
    ),
    re_path(r"^tokens/(?P<token>[^/.]{1,64})" + FMT, views.token_view, name="token"),
    re_path(r"^(?P<path>.*)$", views.not_found_view),
]
