#!/usr/bin/env python3
"""A local OTLP/HTTP trace sink for benchmarks and tests: accepts POST /v1/traces (protobuf or JSON), answers
200 at once and keeps the bodies; GET /spans decodes what arrived and answers the number of spans and of
requests; GET /spans.json answers every span decoded (name, kind, ids in hex, parent, attributes, status).
Decoding is opentelemetry-proto's (PyPI: pip install opentelemetry-proto), the reference schema, not ours,
and waits for a GET so the sink takes as little CPU as possible from the server under test during a run.
With --discard it keeps nothing (GET /spans then answers "- N", N the requests): for long runs, where kept
bodies would grow to gigabytes and slow the machine under test.
For the exporter's tests: POST /fail?count=N&status=S[&retry_after=SECONDS] answers the next N exports with
status S (they are counted in GET /spans but not kept); GET /headers.json answers the last export's headers.
With --until-stdin-closes it exits when its standard input does: a test's sink ends with the test process.
Usage: otlp-sink.py PORT [--discard] [--until-stdin-closes]
"""
import gzip
import json
import os
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

bodies = []
requests = 0
failures = {"count": 0, "status": 503, "retry_after": None}
last_headers = {}
discard = "--discard" in sys.argv
lock = threading.Lock()


def decode(body, content_type):
    """The spans of one export request, each with its resource and scope."""
    if "json" in content_type:
        request = json_format.Parse(body, ExportTraceServiceRequest(), ignore_unknown_fields=True)
    else:
        request = ExportTraceServiceRequest.FromString(body)
    return [(span, resource.resource, scope.scope)
            for resource in request.resource_spans for scope in resource.scope_spans for span in scope.spans]


def value(any_value):
    kind = any_value.WhichOneof("value")
    if kind == "array_value":
        return [value(element) for element in any_value.array_value.values]
    if kind == "kvlist_value":
        return {pair.key: value(pair.value) for pair in any_value.kvlist_value.values}
    if kind == "bytes_value":
        return any_value.bytes_value.hex()
    return getattr(any_value, kind) if kind else None


def attributes(pairs):
    return {pair.key: value(pair.value) for pair in pairs}


def described(span, resource, scope):
    return {
        "resource": attributes(resource.attributes), "scope": scope.name,
        "trace_state": span.trace_state, "flags": span.flags,
        "dropped_attributes": span.dropped_attributes_count, "dropped_events": span.dropped_events_count,
        "status_message": span.status.message,
        "events": [{"name": event.name, "time_ns": event.time_unix_nano, "attributes": attributes(event.attributes)} for event in span.events],
        "links": [{"trace_id": link.trace_id.hex(), "span_id": link.span_id.hex(), "trace_state": link.trace_state,
                   "attributes": attributes(link.attributes)} for link in span.links],
        "name": span.name, "kind": span.kind, "trace_id": span.trace_id.hex(), "span_id": span.span_id.hex(),
        "parent_span_id": span.parent_span_id.hex(), "status": span.status.code,
        "start_ns": span.start_time_unix_nano, "end_ns": span.end_time_unix_nano,
        "attributes": attributes(span.attributes),
    }


class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path.startswith("/fail"):
            query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
            with lock:
                failures["count"] = int(query.get("count", ["1"])[0])
                failures["status"] = int(query.get("status", ["503"])[0])
                failures["retry_after"] = query.get("retry_after", [None])[0]
            self.answer(b"", "text/plain")
            return
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        global requests
        with lock:
            requests += 1
            last_headers.clear()
            last_headers.update({key.lower(): value for key, value in self.headers.items()})
            failing = failures["count"] > 0
            if failing:
                failures["count"] -= 1
            elif not discard:
                bodies.append((body, self.headers.get("Content-Type", "")))
        if failing:
            self.send_response(failures["status"])
            if failures["retry_after"] is not None:
                self.send_header("Retry-After", failures["retry_after"])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        with lock:
            received, count = list(bodies), requests
        if self.path == "/spans.json":
            answer = json.dumps([described(*span) for body, kind in received for span in decode(body, kind)]).encode()
            content_type = "application/json"
        elif self.path == "/headers.json":
            with lock:
                answer = json.dumps(last_headers).encode()
            content_type = "application/json"
        else:
            spans = "-" if discard else sum(len(decode(body, kind)) for body, kind in received)
            answer = f"{spans} {count}\n".encode()
            content_type = "text/plain"
        self.answer(answer, content_type)

    def answer(self, answer, content_type):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *_):
        pass


if __name__ == "__main__":
    if "--until-stdin-closes" in sys.argv:
        threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
