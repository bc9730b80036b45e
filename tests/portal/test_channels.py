import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings

from portal.consumers import PingConsumer

pytestmark = pytest.mark.django_db


class _User:
    def __init__(self, staff: bool) -> None:
        self.is_authenticated = staff
        self.is_staff = staff


async def _connect(staff: bool):
    communicator = WebsocketCommunicator(PingConsumer.as_asgi(), "/ws/ping/")
    communicator.scope["user"] = _User(staff)
    connected, code = await communicator.connect()
    return communicator, connected, code


def test_staff_websocket_answers_ping():
    async def scenario():
        communicator, connected, _ = await _connect(staff=True)
        assert connected
        await communicator.send_json_to({"ping": 1})
        reply = await communicator.receive_json_from()
        await communicator.disconnect()
        return reply

    assert async_to_sync(scenario)() == {"pong": 1}


def test_anonymous_websocket_is_refused():
    async def scenario():
        _communicator, connected, code = await _connect(staff=False)
        return connected, code

    assert async_to_sync(scenario)() == (False, 4403)


def _round_trip() -> dict:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.send)(channel, {"type": "hello", "text": "建邺"})
    return async_to_sync(layer.receive)(channel)


def test_channel_layer_matches_configuration():
    expected = (
        "channels_redis.core.RedisChannelLayer"
        if settings.REDIS_URL
        else "channels.layers.InMemoryChannelLayer"
    )
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == expected
    assert _round_trip()["text"] == "建邺"


@pytest.mark.redis
def test_redis_channel_layer_round_trip(require_redis):
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    assert _round_trip()["text"] == "建邺"


@pytest.mark.redis
def test_redis_cache(require_redis):
    from django.core.cache import cache

    cache.set("portal-test", "网格", 30)
    assert cache.get("portal-test") == "网格"
