"""The load client: HTTP/1.1 keep-alive over asyncio streams, run as its own process.

    python -m bench.client SPEC.json    # prints one JSON object (bench.stats.Measure)

The spec names the server, the concurrency (connections), the duration and warm-up in
seconds, and the requests to send, cycled in order across the connections (`once`: send
each exactly once, all at the same time when concurrency ≥ their number). A request is
{"method", "path", "headers": {...}, "body": "text"} or with "body_file": a path whose
bytes are sent as is. Responses with a status in `ok_statuses` count as done; the others
are errors, counted per status. Only requests started after the warm-up are measured.
`"cycle": false` sends each request at most once (each transition needs its own case).

No dependency beyond the standard library, so the client costs the same for the baseline
and the scenario, and leaves the server's processes alone.
"""

import asyncio
import itertools
import json
import sys
import time
from pathlib import Path

from bench.stats import Measure


def request_bytes(spec: dict, host: str) -> bytes:
    """The wire form of one request of the spec."""
    if "body_file" in spec:
        body = Path(spec["body_file"]).read_bytes()
    else:
        body = spec.get("body", "").encode()
    headers = {"Host": host, "Connection": "keep-alive", **spec.get("headers", {})}
    if body or spec.get("method", "GET") in ("POST", "PUT", "PATCH"):
        headers["Content-Length"] = str(len(body))
    head = f"{spec.get('method', 'GET')} {spec['path']} HTTP/1.1\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return head.encode("latin-1") + b"\r\n" + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool, bytes]:
    """Read one response: (status, server keeps the connection, body)."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed")
    status = int(status_line.split(b" ", 2)[1])
    length, chunked, keep = None, False, True
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value:
            chunked = True
        elif name == "connection" and value == "close":
            keep = False
    if chunked:
        parts = []
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            if size == 0:
                await reader.readline()
                break
            parts.append(await reader.readexactly(size))
            await reader.readline()
        body = b"".join(parts)
    elif length is not None:
        body = await reader.readexactly(length)
    else:
        body = await reader.read()
        keep = False
    return status, keep, body


async def run(spec: dict) -> Measure:
    host, port = spec.get("host", "127.0.0.1"), int(spec["port"])
    wires = [request_bytes(r, f"{host}:{port}") for r in spec["requests"]]
    ok_statuses = set(spec.get("ok_statuses", [200]))
    once = spec.get("once", False)
    concurrency = int(spec.get("concurrency", 32))
    warmup = 0.0 if once else float(spec.get("warmup", 1.0))
    duration = float(spec.get("duration", 10.0))
    cycle = spec.get("cycle", True) and not once
    order = itertools.cycle(range(len(wires))) if cycle else iter(range(len(wires)))
    start = time.perf_counter()
    measured_from = start + warmup
    deadline = measured_from + duration if not once else float("inf")
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    counts = {"ok": 0, "errors": 0}
    ends: list[float] = []

    async def connection() -> None:
        reader = writer = None
        while time.perf_counter() < deadline:
            index = next(order, None)
            if index is None:
                break
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            sent = time.perf_counter()
            try:
                writer.write(wires[index])
                await writer.drain()
                status, keep, _body = await read_response(reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                status, keep = 0, False
            done = time.perf_counter()
            if not keep:
                writer.close()
                reader = writer = None
            if sent < measured_from or done > deadline:
                continue
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            if status in ok_statuses:
                counts["ok"] += 1
                latencies.append(done - sent)
            else:
                counts["errors"] += 1
            ends.append(done)
        if writer is not None:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(concurrency)))
    finished = time.perf_counter()
    seconds = (min(deadline, finished) if not once else max(ends, default=finished)) - (
        measured_from
    )
    return Measure(
        ok=counts["ok"],
        errors=counts["errors"],
        seconds=seconds,
        latencies=latencies,
        statuses=statuses,
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    measure = asyncio.run(run(spec))
    out = measure.summary()
    if spec.get("latencies"):
        out["latencies"] = measure.latencies
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
