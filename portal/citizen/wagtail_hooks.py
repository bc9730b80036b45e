"""Admin screens of the citizen side: the Open311 client applications (ApiClient)."""

from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from wagtail.admin.panels import FieldPanel
from wagtail.log_actions import log
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView, SnippetViewSet

from portal.citizen.models import ApiClient
from portal.citizen.services import api_client_create


class ApiClientCreateView(CreateView):
    """Create through the service (only the key's hash is stored) and show the key once, on
    the response itself: no redirect, so it never passes through the session's messages."""

    def save_instance(self) -> ApiClient:
        data = self.form.cleaned_data
        client, self.api_key = api_client_create(name=data["name"], contact=data["contact"])
        log(instance=client, action="wagtail.create", user=self.request.user)
        return client

    def save_action(self) -> TemplateResponse:
        return TemplateResponse(
            self.request,
            "citizen/admin/api_client_key.html",
            {
                "page_title": _("API 密钥"),
                "header_icon": "key",
                "client": self.object,
                "api_key": self.api_key,
                "index_url": self.get_success_url(),
            },
        )


class ApiClientViewSet(SnippetViewSet):
    model = ApiClient
    icon = "key"
    add_view_class = ApiClientCreateView
    list_display = ["name", "key_prefix", "contact", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "contact"]
    panels = [FieldPanel("name"), FieldPanel("contact"), FieldPanel("is_active")]


register_snippet(ApiClientViewSet)
