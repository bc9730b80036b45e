"""The dashboard's websocket: authenticated, scoped per role, fed by dashboard.py's groups."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from portal.workflow.dashboard import dashboard_scope

REFUSED = 4403


class DashboardConsumer(AsyncJsonWebsocketConsumer):
    """Joins the user's scope group (centre, or their department) before accepting, so the
    client may fetch the HTTP snapshot as soon as it hears "ready" and miss nothing."""

    groups_joined: list[str]

    async def connect(self) -> None:
        self.groups_joined = []
        user = self.scope.get("user")
        scope = None
        if user is not None and user.is_authenticated:
            scope = await database_sync_to_async(dashboard_scope)(user=user)
        if scope is None:
            await self.close(code=REFUSED)
            return
        for group in scope.groups:
            await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined = scope.groups
        await self.accept()
        await self.send_json({"type": "ready", "scope": "centre" if scope.centre else "department"})

    async def disconnect(self, code) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def dashboard_message(self, message: dict) -> None:
        await self.send_json(message["payload"])
