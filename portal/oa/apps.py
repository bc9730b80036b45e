from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OaConfig(AppConfig):
    """OA for street and community offices: 公文 flows, notices, 督办, approvals."""

    name = "portal.oa"
    label = "oa"
    verbose_name = _("协同办公")

    def ready(self) -> None:
        from portal.oa.search import OfficialDocumentType
        from search.documents import document_type_register

        document_type_register(OfficialDocumentType())
