#!/usr/bin/env python3
"""Reads `perf script` output (call stacks) on stdin; prints the share of samples per layer. A sample goes
to the layer of the nearest frame, walking from the leaf to the root, whose Swift module is known
(runtime, libc and kernel frames count for their caller); a job-running frame of the concurrency runtime
reached first means task scheduling."""
import re, sys
from collections import Counter
MODULES = {
    "payment settlement": "PaymentGateway",
    "tracing (spans, OTLP export)": "ShopTracing Tracing Instrumentation ServiceContextModule",
    "logging": "Logging JSONLogging",
    "metrics": "Prometheus CoreMetrics Metrics ShopMetrics",
    "JWT verification": "JWTKit Crypto _CryptoExtras ShopAuth X509 SwiftASN1",
    "JSON and Foundation": "FoundationEssentials Foundation",
    "PostgreSQL client": "PostgresNIO ShopStore",
    "HTTP server": "Hummingbird HummingbirdCore NIOHTTP1 HTTPTypes NIOHTTPTypesHTTP1 NIOHTTPTypes",
    "HTTP client (gateway, exporter)": "AsyncHTTPClient",
    "shop handlers and cache": "ShopAPI ShopDomain ShopCache ShopRedis",
    "NIO event loop and sockets": "NIOPosix NIOCore NIOConcurrencyHelpers _NIODataStructures",
}
layer_of = {m: layer for layer, ms in MODULES.items() for m in ms.split()}
mangled = re.compile(r"\$s(\d+)([A-Za-z_][A-Za-z0-9_]*)")
scheduling = re.compile(r"swift_job_run|runJobInEstablishedExecutorContext|swift_task_switch|_dispatch_worker_thread")
def layer(stack):
    for frame in stack:
        m = mangled.search(frame)
        if m:
            name = m.group(2)[: int(m.group(1))]
            if name in layer_of: return layer_of[name]
        elif scheduling.search(frame):
            return "task scheduling (concurrency runtime)"
    return "other (runtime, kernel, unattributed)"
counts = Counter(); stack = []
def flush():
    if stack: counts[layer(stack)] += 1
for line in sys.stdin:
    if not line.strip():
        flush(); stack = []
    elif line[0] in " \t":
        parts = line.split(None, 1)
        if len(parts) == 2: stack.append(parts[1])
flush()
total = sum(counts.values())
for name, count in counts.most_common():
    print(f"{100 * count / total:6.1f}%  {name}")
print(f"({total} samples)")
