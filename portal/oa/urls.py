from django.urls import path

from portal.oa import views

app_name = "oa"

urlpatterns = [
    path("", views.document_index, name="document_list"),
    path("new/", views.document_new, name="document_new"),
    path("<int:pk>/", views.document_detail, name="document_detail"),
    path("<int:pk>/edit/", views.document_edit, name="document_edit"),
    path("<int:pk>/pdf/", views.document_pdf, name="document_pdf"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path(
        "<int:pk>/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path("<int:pk>/<slug:action>/", views.document_action, name="document_action"),
]
