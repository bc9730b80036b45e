from django.urls import path

from portal.oa import views

app_name = "oa"

urlpatterns = [
    path("", views.document_index, name="document_list"),
    path("new/", views.document_new, name="document_new"),
    path("incoming/", views.incoming_index, name="incoming_list"),
    path("incoming/new/", views.incoming_new, name="incoming_new"),
    path("incoming/<int:pk>/", views.incoming_detail, name="incoming_detail"),
    path("incoming/<int:pk>/sheet/", views.incoming_sheet, name="incoming_sheet"),
    path(
        "incoming/<int:pk>/attachments/",
        views.incoming_attachment_upload,
        name="incoming_attachment_upload",
    ),
    path(
        "incoming/<int:pk>/attachments/<int:attachment_id>/",
        views.incoming_attachment_download,
        name="incoming_attachment_download",
    ),
    path("incoming/<int:pk>/<slug:action>/", views.incoming_action, name="incoming_action"),
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
