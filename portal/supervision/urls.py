from django.urls import path

from portal.supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.task_index, name="task_list"),
    path("new/", views.task_new, name="task_new"),
    path("bulletins/", views.bulletin_index, name="bulletin_list"),
    path("bulletins/current/", views.bulletin_current, name="bulletin_current"),
    path("bulletins/<int:pk>/", views.bulletin_detail, name="bulletin_detail"),
    path("<int:pk>/", views.task_detail, name="task_detail"),
    path("<int:pk>/reports/<int:report_id>/file/", views.report_file, name="report_file"),
    path("<int:pk>/<slug:action>/", views.task_action, name="task_action"),
]
