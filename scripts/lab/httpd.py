#!/usr/bin/env python3
"""A lab backend's HTTP server: HTTP/1.1 with keep-alive, on every address of the namespace
(the VIP on lo included, so it answers traffic Levitate tunnels to it, and its own address, so
Levitate's health checks reach it).

  GET /healthz   -> 200 "ok"
  GET /bytes/N   -> 200 and N bytes (a download of N bytes; N at most 64 MiB)
  POST /...      -> 200 "<name> received N <sha256 of the body>" after reading the N-byte body (an
                    upload: the client's full-size segments are the ones that cross a Levitate)
  GET /...       -> 200 "<name> <client address>:<port>"
Every answer carries the header X-Backend: <name>.

The answer leaves with the VIP as its source and goes straight to the client (direct server
return): Levitate never sees it.
"""
import argparse
import hashlib
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_TRANSFER = 64 << 20


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: one connection carries many requests
    server_version = "levitate-lab"

    def do_GET(self):
        if self.path == "/healthz":
            body = b"ok\n"
        elif self.path.startswith("/bytes/") and self.path[7:].isdigit() and int(self.path[7:]) <= MAX_TRANSFER:
            n = int(self.path[7:])
            body = (bytes(range(256)) * (n // 256 + 1))[:n]
        else:
            body = ("%s %s:%d\n" % (self.server.name, self.client_address[0], self.client_address[1])).encode()
        self.answer(body)

    def do_POST(self):
        # An upload: the client's full-size segments are the ones that cross a Levitate.
        length = int(self.headers.get("Content-Length", "0"))
        received = 0
        digest = hashlib.sha256()
        while received < length:
            chunk = self.rfile.read(min(65536, length - received))
            if not chunk:
                return
            digest.update(chunk)
            received += len(chunk)
        self.answer(("%s received %d %s\n" % (self.server.name, received, digest.hexdigest())).encode())

    def answer(self, body):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Backend", self.server.name)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass  # one line per request would flood the lab logs


class DualStackServer(ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--name", required=True)
    p.add_argument("--port", type=int, default=80)
    a = p.parse_args()
    server = DualStackServer(("::", a.port), Handler)
    server.name = a.name
    print("httpd: %s listening on [::]:%d" % (a.name, a.port), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
