from django.urls import path

from portal.workflow import command_views as views

app_name = "command"
urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("snapshot/", views.snapshot_view, name="snapshot"),
    path("grids/", views.grids_view, name="grids"),
    path("charts/", views.charts_view, name="charts"),
    path("efficiency/", views.efficiency_view, name="efficiency"),
    path("efficiency/cases/", views.efficiency_cases_view, name="efficiency_cases"),
    path("report/", views.report_view, name="report"),
    path("alarms/", views.alarms_view, name="alarms"),
    path("alarms/<int:pk>/ack/", views.alarm_ack_view, name="alarm_ack"),
]
