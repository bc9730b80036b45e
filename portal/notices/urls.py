from django.urls import path

from portal.notices import views

app_name = "notices"

urlpatterns = [
    path("", views.notice_index, name="notice_list"),
    path("new/", views.notice_new, name="notice_new"),
    path("<int:pk>/", views.notice_detail, name="notice_detail"),
    path("<int:pk>/edit/", views.notice_edit, name="notice_edit"),
    path("<int:pk>/<slug:action>/", views.notice_action, name="notice_action"),
]
