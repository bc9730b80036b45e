"""Site-wide websocket consumers."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer


class PingConsumer(AsyncJsonWebsocketConsumer):
    """Liveness check for the websocket path: staff only, answers {"pong": ...}.

    The command-centre dashboard reuses the same stack (auth middleware, channel layer).
    """

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_staff:
            await self.close(code=4403)
            return
        await self.accept()

    async def receive_json(self, content, **kwargs) -> None:
        await self.send_json({"pong": content.get("ping")})
