"""The load client against a small HTTP/1.1 server on loopback: keep-alive, chunked
bodies, error statuses and send-each-once mode."""

import asyncio
import json

from bench.client import request_bytes, run


async def _serve(handler) -> tuple[asyncio.AbstractServer, int]:
    async def client(reader, writer):
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            if not head:
                break
            lines = head.decode().split("\r\n")
            length = next(
                (int(h.split(":")[1]) for h in lines if h.lower().startswith("content-length")),
                0,
            )
            body = await reader.readexactly(length) if length else b""
            writer.write(handler(lines[0], body))
            await writer.drain()

    async def guarded(reader, writer):
        try:
            await client(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(guarded, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


def _response(status: int, body: bytes, chunked: bool = False) -> bytes:
    if chunked:
        half = len(body) // 2
        parts = [body[:half], body[half:]]
        payload = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"
        return f"HTTP/1.1 {status} X\r\nTransfer-Encoding: chunked\r\n\r\n".encode() + payload
    return f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body


def test_request_bytes_carry_length_and_headers():
    wire = request_bytes(
        {"method": "POST", "path": "/x", "headers": {"X-A": "1"}, "body": "é"}, "h:1"
    )
    head, body = wire.split(b"\r\n\r\n")
    assert head.startswith(b"POST /x HTTP/1.1\r\nHost: h:1\r\n")
    assert b"X-A: 1" in head and b"Content-Length: 2" in head
    assert body == "é".encode()


def test_counts_statuses_and_latencies():
    seen = []

    def handler(request_line: str, body: bytes) -> bytes:
        seen.append(request_line)
        if "/bad" in request_line:
            return _response(409, b"conflict")
        return _response(200, b"x" * 3000, chunked="/chunked" in request_line)

    async def main():
        server, port = await _serve(handler)
        spec = {
            "port": port,
            "concurrency": 4,
            "duration": 0.5,
            "warmup": 0.1,
            "requests": [{"path": "/ok"}, {"path": "/chunked"}, {"path": "/bad"}],
        }
        measure = await run(spec)
        server.close()
        return measure

    m = asyncio.run(main())
    assert m.ok > 10 and m.errors > 5
    assert set(m.statuses) == {"200", "409"}
    assert m.statuses["200"] == m.ok and len(m.latencies) == m.ok
    assert 0.4 < m.seconds < 0.7
    assert json.dumps(m.summary())


def test_once_sends_each_request_exactly_once():
    bodies = []

    def handler(request_line: str, body: bytes) -> bytes:
        bodies.append(body)
        return _response(302 if len(bodies) == 1 else 409, b"")

    async def main():
        server, port = await _serve(handler)
        requests = [{"method": "POST", "path": "/t", "body": f"n={n}"} for n in range(50)]
        spec = {"port": port, "concurrency": 50, "requests": requests, "once": True}
        spec["ok_statuses"] = [302]
        measure = await run(spec)
        server.close()
        return measure

    m = asyncio.run(main())
    assert len(bodies) == 50 and len(set(bodies)) == 50
    assert (m.ok, m.errors) == (1, 49)
    assert m.statuses == {"302": 1, "409": 49}
