from django.urls import path

from portal.citizen import public, views

app_name = "citizen"
urlpatterns = [
    path("report/", views.report_new_view, name="report_new"),
    path("report/nearby/", views.report_nearby_view, name="report_nearby"),
    path("report/done/", views.report_done_view, name="report_done"),
    path("report/grids.json", views.report_grids_view, name="report_grids"),
    path("report/geocode/", views.report_geocode_view, name="report_geocode"),
    path("report/track/", views.report_track_view, name="report_track"),
    path("report/track/rate/", views.report_rate_view, name="report_rate"),
    path("report/track/erase/", views.report_erase_view, name="report_erase"),
    path("hotline/", views.hotline_view, name="hotline"),
    path("hotline/callbacks/", views.callback_list_view, name="callback_list"),
    path("hotline/callbacks/<str:number>/", views.callback_view, name="callback"),
    path("moderation/<str:number>/", views.moderation_view, name="moderation"),
    path("privacy/", views.privacy_view, name="privacy"),
    path("reports/", public.report_list_view, name="report_list"),
    path("reports/map.json", public.report_map_view, name="report_map"),
    path("reports/feed/", public.ReportFeed(), name="report_feed"),
    path("reports/feed/<str:street_code>/", public.ReportFeed(), name="report_feed_street"),
]
