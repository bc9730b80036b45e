from django.urls import path

from portal.inbox import views

app_name = "inbox"
urlpatterns = [path("", views.inbox_view, name="index")]
