#!/usr/bin/env python3
"""The lab's client: real HTTP over the kernel's TCP to a VIP, reporting which backend answered.

  get   --vip V [--count N]          N requests, each on a new connection; one line per request
                                     with --verbose, then a JSON summary line
  churn --vip V --seconds S          new connections back to back for S seconds; JSON summary
  hold  --vip V --conns N            open N keep-alive connections (one request each), then take
                                     commands on stdin: "round" sends one request on every
                                     connection and prints a JSON line (ok, broken, moved,
                                     backends); "burst" sends one request on every connection
                                     before reading any answer and also reports how many answers
                                     took longer than 200 ms (stalled) and the slowest; "quit"
                                     closes them. A connection is broken when a request on it
                                     fails; moved when another backend answers.

Every summary is one JSON object on one line, so tests and scripts/demo.sh parse it.
"""
import argparse
import json
import selectors
import socket
import sys
import time


def get_request(host):
    return ("GET / HTTP/1.1\r\nHost: %s\r\nConnection: keep-alive\r\n\r\n" % host).encode()


def answered(data):
    """The backend's name once DATA holds a whole 200 response, None while it is incomplete;
    raises on any other status."""
    if b"\r\n\r\n" not in data:
        return None
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines[0].startswith("HTTP/1.1 200"):
        raise ConnectionError("status: " + lines[0])
    length, backend = 0, ""
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
        elif name.lower() == "x-backend":
            backend = value.strip()
    return backend if len(body) >= length else None


def request(sock, host):
    """One GET / on an open socket; returns the backend name, raises on any failure."""
    sock.sendall(get_request(host))
    data = b""
    while True:
        backend = answered(data)
        if backend is not None:
            return backend
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed by peer")
        data += chunk


def connect(vip, port, timeout):
    family = socket.AF_INET6 if ":" in vip else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((vip, port))
    return s


def summary(**kw):
    print(json.dumps(kw, sort_keys=True), flush=True)


def cmd_get(a):
    ok, errors, backends, failures = 0, 0, {}, []
    for i in range(a.count):
        try:
            s = connect(a.vip, a.port, a.timeout)
            try:
                b = request(s, a.vip)
                sport = s.getsockname()[1]
            finally:
                s.close()
            ok += 1
            backends[b] = backends.get(b, 0) + 1
            if a.verbose:
                print("request %d: source port %d -> %s" % (i + 1, sport, b), flush=True)
        except (OSError, ConnectionError, ValueError) as e:
            errors += 1
            failures.append(str(e))
            if a.verbose:
                print("request %d: FAILED %s" % (i + 1, e), flush=True)
    summary(mode="get", ok=ok, errors=errors, backends=backends, failures=failures[:5])
    return 0


def cmd_churn(a):
    ok, errors, backends, failures = 0, 0, {}, []
    end = time.monotonic() + a.seconds
    while time.monotonic() < end:
        try:
            s = connect(a.vip, a.port, a.timeout)
            try:
                b = request(s, a.vip)
            finally:
                s.close()
            ok += 1
            backends[b] = backends.get(b, 0) + 1
        except (OSError, ConnectionError, ValueError) as e:
            errors += 1
            failures.append(str(e))
        if a.interval > 0:
            time.sleep(a.interval)
    summary(mode="churn", ok=ok, errors=errors, backends=backends, failures=failures[:5])
    return 0


def cmd_hold(a):
    conns = []  # [socket or None, first backend]
    errors = 0
    for _ in range(a.conns):
        try:
            s = connect(a.vip, a.port, a.timeout)
            conns.append([s, request(s, a.vip), s.getsockname()[1]])
        except (OSError, ConnectionError, ValueError):
            errors += 1
    backends = {}
    for c in conns:
        backends[c[1]] = backends.get(c[1], 0) + 1
    summary(mode="hold", opened=len(conns), errors=errors, backends=backends, ports=[c[2] for c in conns])
    rounds = 0
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "quit":
            break
        if cmd == "burst":
            rounds += 1
            burst(conns, a, rounds)
            continue
        if cmd != "round":
            continue
        rounds += 1
        ok, broken, moved, now, failures = 0, 0, 0, {}, []
        for c in conns:
            if c[0] is None:
                broken += 1
                continue
            try:
                b = request(c[0], a.vip)
                ok += 1
                now[b] = now.get(b, 0) + 1
                if b != c[1]:
                    moved += 1
            except (OSError, ConnectionError, ValueError) as e:
                broken += 1
                failures.append("port %d (%s): %s" % (c[2], c[1], e))
                c[0].close()
                c[0] = None
        summary(mode="round", round=rounds, ok=ok, broken=broken, moved=moved, backends=now, failures=failures[:5])
    for c in conns:
        if c[0] is not None:
            c[0].close()
    return 0


# An answer later than this needed a retransmission (Linux's minimum retransmission timeout is
# 200 ms; an answer in the lab takes a few ms) or waited that long for a CPU.
STALL_SECONDS = 0.2
# A burst gives up on an answer after this: a stalled connection retransmits at 0.2, 0.6, 1.4,
# 3 and 6.2 s, so one whose path came back within a few seconds is still answered.
BURST_SECONDS = 10.0


def burst(conns, a, rounds):
    """One request on every open connection, all sent before any answer is read, so a failure
    that begins just before shows as answers that stall (or never come) on the connections it
    hit, not only on the first one a sequential round would wait on."""
    sel = selectors.DefaultSelector()
    ok, broken, moved, stalled, slowest, now, failures = 0, 0, 0, 0, 0.0, {}, []
    pending = {}
    start = time.monotonic()

    def fail(i, e):
        nonlocal broken
        c = conns[i]
        broken += 1
        failures.append("port %d (%s): %s" % (c[2], c[1], e))
        c[0].close()
        c[0] = None

    for i, c in enumerate(conns):
        if c[0] is None:
            broken += 1
            continue
        try:
            c[0].sendall(get_request(a.vip))
        except OSError as e:
            fail(i, e)
            continue
        c[0].setblocking(False)
        sel.register(c[0], selectors.EVENT_READ, i)
        pending[i] = b""
    while pending:
        left = start + BURST_SECONDS - time.monotonic()
        if left <= 0:
            break
        for key, _ in sel.select(timeout=left):
            i = key.data
            try:
                chunk = conns[i][0].recv(4096)
                if not chunk:
                    raise ConnectionError("closed by peer")
                pending[i] += chunk
                b = answered(pending[i])
            except (OSError, ConnectionError, ValueError) as e:
                sel.unregister(conns[i][0])
                del pending[i]
                fail(i, e)
                continue
            if b is None:
                continue
            took = time.monotonic() - start
            slowest = max(slowest, took)
            stalled += took > STALL_SECONDS
            sel.unregister(conns[i][0])
            conns[i][0].settimeout(a.timeout)
            del pending[i]
            ok += 1
            now[b] = now.get(b, 0) + 1
            moved += b != conns[i][1]
    for i in list(pending):
        sel.unregister(conns[i][0])
        fail(i, "no answer within %.0f s" % BURST_SECONDS)
    summary(mode="burst", round=rounds, ok=ok, broken=broken, moved=moved, stalled=stalled,
            slowest_ms=int(slowest * 1000), backends=now, failures=failures[:5])


def transfer(a, upload):
    """a.count uploads or downloads of a.bytes, each on a new connection; a stall longer than
    a.timeout fails one. The summary has the client's send MSS (what the backend's SYN-ACK
    allowed) and the slowest transfer's time."""
    ok, errors, backends, failures, mss, slowest, total = 0, 0, {}, [], None, 0, 0
    for _ in range(a.count):
        start = time.monotonic()
        moved = 0
        try:
            s = connect(a.vip, a.port, a.timeout)
            try:
                mss = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG)
                if upload:
                    s.sendall(("POST /upload HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n"
                               % (a.vip, a.bytes)).encode())
                    chunk = b"\xa5" * 65536
                    while moved < a.bytes:
                        n = min(len(chunk), a.bytes - moved)
                        s.sendall(chunk[:n])
                        moved += n
                    head, body = response(s)
                    if ("received %d" % a.bytes).encode() not in body:
                        raise ConnectionError("backend got: " + body.decode("latin-1").strip())
                else:
                    s.sendall(("GET /bytes/%d HTTP/1.1\r\nHost: %s\r\n\r\n" % (a.bytes, a.vip)).encode())
                    head, body = response(s)
                    moved = len(body)
                    if body != (bytes(range(256)) * (a.bytes // 256 + 1))[:a.bytes]:
                        raise ConnectionError("wrong bytes")
            finally:
                s.close()
            ok += 1
            total += moved
            b = head.get("x-backend")
            backends[b] = backends.get(b, 0) + 1
        except (OSError, ConnectionError, ValueError) as e:
            errors += 1
            failures.append("%s after %d bytes" % (e or type(e).__name__, moved))
        slowest = max(slowest, time.monotonic() - start)
    summary(mode="upload" if upload else "download", ok=ok, errors=errors, bytes=total, mss=mss,
            slowest_ms=int(slowest * 1000), backends=backends, failures=failures[:5])
    return 0


def response(sock):
    """Reads one HTTP/1.1 response with a Content-Length; returns (headers by lower-case name, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed by peer")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines[0].startswith("HTTP/1.1 200"):
        raise ConnectionError("status: " + lines[0])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    parts = [body]
    got = len(body)
    while got < length:
        chunk = sock.recv(min(1 << 20, length - got))
        if not chunk:
            raise ConnectionError("closed in body after %d of %d bytes" % (got, length))
        parts.append(chunk)
        got += len(chunk)
    return headers, b"".join(parts)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["get", "churn", "hold", "upload", "download"])
    p.add_argument("--vip", required=True)
    p.add_argument("--port", type=int, default=80)
    p.add_argument("--count", type=int, default=10)
    p.add_argument("--conns", type=int, default=100)
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--interval", type=float, default=0.0)
    p.add_argument("--timeout", type=float, default=3.0)
    p.add_argument("--bytes", type=int, default=1 << 20)
    p.add_argument("--verbose", action="store_true")
    a = p.parse_args()
    return {"get": cmd_get, "churn": cmd_churn, "hold": cmd_hold, "upload": lambda x: transfer(x, True),
            "download": lambda x: transfer(x, False)}[a.mode](a)


if __name__ == "__main__":
    sys.exit(main())
