"""Websocket routes of every app, gathered in one place."""

from django.urls import path

from portal.consumers import PingConsumer
from portal.workflow.consumers import DashboardConsumer

websocket_urlpatterns = [
    path("ws/ping/", PingConsumer.as_asgi()),
    path("ws/command/", DashboardConsumer.as_asgi()),
]
