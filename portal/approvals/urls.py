from django.urls import path

from portal.approvals import views

app_name = "approvals"

urlpatterns = [
    path("", views.request_index, name="index"),
    path("new/<slug:code>/", views.request_new, name="new"),
    path("seal-log/", views.seal_log, name="seal_log"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/edit/", views.request_edit, name="edit"),
    path("<int:pk>/<slug:action>/", views.request_action, name="action"),
]
