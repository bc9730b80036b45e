from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from portal import views
from portal.openapi import openapi_view

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("api/openapi.json", openapi_view, name="openapi"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("lang/<str:code>/", views.language_switch, name="language_switch"),
    path("admin/", include(wagtailadmin_urls)),
    path("accounts/", include("portal.accounts.urls")),
    path("cases/", include("portal.workflow.urls")),
    path("documents/", include(wagtaildocs_urls)),
    path("open311/v2/", include("portal.citizen.open311_urls")),
    path("archive/", include("portal.archive.urls")),
    path("command/", include("portal.workflow.command_urls")),
    path("oa/", include("portal.oa.urls")),
    path("todo/", include("portal.inbox.urls")),
    path("directory/", include("portal.directory.urls")),
    path("supervision/", include("portal.supervision.urls")),
    path("notices/", include("portal.notices.urls")),
    path("approvals/", include("portal.approvals.urls")),
    path("search/", views.public_search, name="public_search"),
    path("", include("portal.citizen.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns.append(path("", include(wagtail_urls)))
