from django.urls import path

from portal.directory import views

app_name = "directory"
urlpatterns = [path("", views.directory_view, name="index")]
