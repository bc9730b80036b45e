"""Fan-out of dashboard events to 200 websockets on the Redis channel layer.

    REDIS_URL=redis://localhost:6379/0 python -m bench.dashboard_fanout \
        [--sockets 200] [--events 20]

Opens the sockets through the real ASGI application (origin check, session auth, routing,
DashboardConsumer) with channels' in-process communicators, signed in as a centre user,
then broadcasts N real event payloads to the centre group the way a committed transition
does, and times each delivery from send to the socket's client side. The baseline is a raw
`send` loop to the same number of bare channels on the same layer. Prints delivered
count (must be sockets × events) and latency p50/p95/p99.

Needs a migrated database with the demo accounts (`make run` or `manage.py load_demo`).
"""

import argparse
import asyncio
import json
import os
import sys
import time


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    if not os.environ.get("REDIS_URL"):
        sys.exit("REDIS_URL is not set: this bench measures the Redis channel layer.")
    import django

    django.setup()


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def _session(username: str) -> str:
    from django.test import Client

    from portal.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    from django.conf import settings

    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _sample_payload() -> dict:
    from django.utils import timezone

    from portal.workflow.dashboard import event_payload
    from portal.workflow.models import CaseEvent

    event = CaseEvent.objects.select_related("case__category", "actor").order_by("-id").first()
    if event is None:
        sys.exit("No case events in the database: run `manage.py load_demo` first.")
    return event_payload(event, event.case, now=timezone.now())


async def _dashboards(sockets: int, events: int, session: str, payload: dict) -> dict:
    from channels.layers import get_channel_layer
    from channels.testing import WebsocketCommunicator
    from django.conf import settings

    from portal.asgi import application
    from portal.workflow.dashboard import CENTRE_GROUP

    headers = [
        (b"origin", b"http://localhost"),
        (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}".encode()),
    ]
    clients = []
    started = time.perf_counter()
    for _ in range(sockets):
        client = WebsocketCommunicator(application, "/ws/command/", headers=headers)
        connected, code = await client.connect(timeout=10)
        if not connected:
            sys.exit(f"socket refused ({code}): is the user a centre user?")
        await client.receive_json_from(timeout=10)  # "ready": subscribed
        clients.append(client)
    connect_s = time.perf_counter() - started
    layer = get_channel_layer()
    latencies: list[float] = []

    async def drain(client) -> int:
        got = 0
        for _ in range(events):
            try:
                message = json.loads(await client.receive_from(timeout=30))
            except TimeoutError:
                break
            latencies.append(time.perf_counter() - message["sent"])
            got += 1
        return got

    drains = [asyncio.create_task(drain(c)) for c in clients]
    started = time.perf_counter()
    for i in range(events):
        message = {**payload, "id": payload["id"] + i, "sent": time.perf_counter()}
        await layer.group_send(CENTRE_GROUP, {"type": "dashboard.message", "payload": message})
    delivered = sum(await asyncio.gather(*drains))
    total_s = time.perf_counter() - started
    for client in clients:
        await client.disconnect()
    return {
        "delivered": delivered,
        "latencies": latencies,
        "total_s": total_s,
        "connect_s": connect_s,
    }


async def _raw(sockets: int, events: int, payload: dict) -> dict:
    """The baseline: a plain `send` loop, one message per channel per event."""
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    channels = [await layer.new_channel() for _ in range(sockets)]
    latencies: list[float] = []

    async def drain(channel: str) -> int:
        got = 0
        for _ in range(events):
            try:
                message = await asyncio.wait_for(layer.receive(channel), 30)
            except TimeoutError:
                break
            latencies.append(time.perf_counter() - message["payload"]["sent"])
            got += 1
        return got

    drains = [asyncio.create_task(drain(c)) for c in channels]
    started = time.perf_counter()
    for i in range(events):
        message = {**payload, "id": payload["id"] + i, "sent": time.perf_counter()}
        for channel in channels:
            await layer.send(channel, {"type": "dashboard.message", "payload": message})
    delivered = sum(await asyncio.gather(*drains))
    total_s = time.perf_counter() - started
    return {"delivered": delivered, "latencies": latencies, "total_s": total_s, "connect_s": 0.0}


def summary(result: dict) -> dict:
    """Delivered count, deliveries per second and latency percentiles in ms (for --json)."""
    lat = [x * 1000 for x in result["latencies"]]
    return {
        "delivered": result["delivered"],
        "rate": round(result["delivered"] / result["total_s"], 1) if result["total_s"] else 0.0,
        "seconds": round(result["total_s"], 3),
        "p50_ms": round(_percentile(lat, 0.50), 2),
        "p95_ms": round(_percentile(lat, 0.95), 2),
        "p99_ms": round(_percentile(lat, 0.99), 2),
        "connect_s": round(result["connect_s"], 2),
    }


def _row(name: str, result: dict, expected: int) -> str:
    lat = [x * 1000 for x in result["latencies"]]
    return (
        f"{name:<34} {result['delivered']:>6}/{expected:<6} "
        f"{_percentile(lat, 0.50):>8.1f} {_percentile(lat, 0.95):>8.1f} "
        f"{_percentile(lat, 0.99):>8.1f} {max(lat, default=float('nan')):>8.1f} "
        f"{result['total_s']:>8.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=200)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--user", default="zhiban01", help="a centre user of the demo")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    args = parser.parse_args(argv)
    _setup()
    from asgiref.sync import async_to_sync
    from django.conf import settings

    if settings.CHANNEL_LAYERS["default"]["BACKEND"] != "channels_redis.core.RedisChannelLayer":
        sys.exit("The channel layer is not Redis.")
    session = _session(args.user)
    payload = _sample_payload()
    expected = args.sockets * args.events
    size = len(json.dumps(payload, ensure_ascii=False).encode())

    async def run() -> tuple[dict, dict]:
        raw = await _raw(args.sockets, args.events, payload)
        sockets = await _dashboards(args.sockets, args.events, session, payload)
        return raw, sockets

    raw, sockets = async_to_sync(run)()
    ok = raw["delivered"] == expected and sockets["delivered"] == expected
    if args.json:
        report = {"expected": expected, "raw": summary(raw), "sockets": summary(sockets)}
        print(json.dumps(report))
        return 0 if ok else 1
    print(
        f"Dashboard fan-out: {args.sockets} sockets × {args.events} events, "
        f"payload {size} bytes, Redis layer {settings.REDIS_URL.rsplit('@', 1)[-1]}"
    )
    print(f"(opening {args.sockets} sockets through the ASGI app: {sockets['connect_s']:.2f} s)")
    print(
        f"{'path':<34} {'delivered':>13} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'max ms':>8} {'total s':>8}"
    )
    print(_row("raw send loop → channel", raw, expected))
    print(_row("group_send → consumer → websocket", sockets, expected))
    print("all delivered" if ok else "MISSING DELIVERIES")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
