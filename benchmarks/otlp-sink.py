#!/usr/bin/env python3
"""A local OTLP/HTTP trace sink for benchmarks: accepts POST /v1/traces (protobuf or JSON), answers 200 at once
and keeps the bodies; GET /spans decodes what arrived and answers the number of spans. Decoding waits for that
GET so the sink takes as little CPU as possible from the server under test while the load runs.
With --discard it keeps nothing (GET /spans then answers "- N", N the requests): for long runs, where kept
bodies would grow to gigabytes and slow the machine under test.
Usage: otlp-sink.py PORT [--discard]
"""
import gzip
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

bodies = []
requests = 0
discard = "--discard" in sys.argv
lock = threading.Lock()


def varint(data, i):
    value = shift = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def fields(data):
    """Yields (field number, payload) of the length-delimited fields of one protobuf message."""
    i = 0
    while i < len(data):
        key, i = varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 2:
            length, i = varint(data, i)
            yield number, data[i:i + length]
            i += length
        elif wire == 0:
            _, i = varint(data, i)
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        else:
            raise ValueError(f"unexpected wire type {wire}")


def count_spans(body, content_type):
    if "json" in content_type:
        request = json.loads(body)
        return sum(len(scope.get("spans", [])) for resource in request.get("resourceSpans", [])
                   for scope in resource.get("scopeSpans", []))
    # ExportTraceServiceRequest.resource_spans = 1, ResourceSpans.scope_spans = 2, ScopeSpans.spans = 2
    return sum(1 for number, resource in fields(body) if number == 1
               for n, scope in fields(resource) if n == 2
               for m, _ in fields(scope) if m == 2)


class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        global requests
        with lock:
            requests += 1
            if not discard:
                bodies.append((body, self.headers.get("Content-Type", "")))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        with lock:
            received, count = list(bodies), requests
        spans = "-" if discard else sum(count_spans(body, kind) for body, kind in received)
        answer = f"{spans} {count}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *_):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
