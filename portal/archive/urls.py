from django.urls import path

from portal.archive import views

app_name = "archive"
urlpatterns = [
    path("", views.archive_search_view, name="search"),
    path("items/<int:pk>/", views.item_detail_view, name="item_detail"),
    path("items/<int:pk>/files/<int:file_id>/", views.item_file_view, name="item_file"),
    path("items/<int:pk>/correct/", views.item_correct_view, name="item_correct"),
    path("verify/<uuid:token>/", views.verify_view, name="verify"),
]
