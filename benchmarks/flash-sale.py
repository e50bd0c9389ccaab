#!/usr/bin/env python3
"""The flash sale's clients: ORDERS single-unit orders for one SKU, from the customers whose tokens are on
stdin (one per line, taken in turn), IN_FLIGHT at a time over keep-alive connections, each request timed
from its send to its answer. Prints one JSON object: counts per status and latency percentiles in ms.
Usage: flash-sale.py PORT SKU ORDERS IN_FLIGHT < tokens"""
import asyncio, json, sys, time

async def main(port, sku, orders, in_flight, tokens):
    body = json.dumps({"items": [{"sku": sku, "quantity": 1}]}).encode()
    statuses, latencies, next_index = {}, [], iter(range(orders))

    async def client():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for index in next_index:
            request = (f"POST /v1/orders HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {tokens[index % len(tokens)]}\r\n"
                       f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0)
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            status = int(head.split(b" ", 2)[1])
            statuses[status] = statuses.get(status, 0) + 1
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(in_flight)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    percentile = lambda p: round(1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))], 1)
    print(json.dumps({"statuses": {str(k): v for k, v in sorted(statuses.items())}, "seconds": round(elapsed, 2),
                      "p50_ms": percentile(0.50), "p99_ms": percentile(0.99), "max_ms": round(1000 * latencies[-1], 1)}))

port, sku, orders, in_flight = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
asyncio.run(main(port, sku, orders, in_flight, [line.strip() for line in sys.stdin if line.strip()]))
