#!/usr/bin/env python3
"""A small HTTP/1.1 server that misbehaves on request, for the download
tests. It binds 127.0.0.1 only, on a port the kernel picks, and writes that
port to PORTFILE once it accepts connections. Every request is appended to
LOG as one line: "GET PATH range=RANGE ua=USER-AGENT x-test=X-TEST".

    faultserver.py serve PORTFILE LOG
    faultserver.py body SIZE NAME      # the body /data/SIZE/NAME serves

Paths (SIZE in bytes; NAME is free text and only changes the bytes):
    /data/SIZE/NAME        200 with a deterministic body; honours Range
    /norange/SIZE/NAME     200 with the whole body, whatever Range says
    /seq/STEPS/SIZE/NAME   the k-th request to this exact path does
                           STEPS[k] (comma-separated), then acts as /data:
                             500, 503, ...  that status with a small page
                             429rN, 503rN   that status and Retry-After: N
                             drop           half the body, then a close
                             ok             as /data
    /status/CODE/NAME      always CODE, with a small error page
    /stall/SIZE/NAME       headers and half the body, then silence
    /endless/NAME          a chunked body that never ends
    /redirect/REST         302 to /REST
    /redirect-to?url=U     302 to U
    /loop                  302 to /loop
    /cd/SIZE/NAME?fn=F     /data with Content-Disposition: attachment;
                           filename="F"
"""

import hashlib
import os
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

counts = {}
lock = threading.Lock()
log_path = None


def body(size, name):
    out = bytearray()
    i = 0
    seed = name.encode()
    while len(out) < size:
        out += hashlib.sha256(seed + b":" + str(i).encode()).digest()
        i += 1
    return bytes(out[:size])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "faultserver"

    def setup(self):
        super().setup()
        # Headers and body go out in two writes; without this, Nagle's
        # algorithm and delayed ACKs add 40 ms to every small answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *args):
        pass

    def log_request_line(self):
        line = "%s %s range=%s ua=%s x-test=%s\n" % (
            self.command, self.path, self.headers.get("Range", "-"),
            self.headers.get("User-Agent", "-"),
            self.headers.get("X-Test", "-"))
        with lock:
            with open(log_path, "a") as f:
                f.write(line)

    def send_page(self, code, extra=()):
        page = ("error page %d\n" % code).encode()
        self.send_response(code)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def send_data(self, size, name, ranges=True, extra=()):
        data = body(size, name)
        start = 0
        rng = self.headers.get("Range")
        if ranges and rng and rng.startswith("bytes="):
            first, _, last = rng[6:].partition("-")
            start = int(first)
            end = int(last) if last else size - 1
            if start >= size:
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % size)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range",
                             "bytes %d-%d/%d" % (start, end, size))
            data = data[start:end + 1]
        else:
            self.send_response(200)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def half_then(self, size, name, what):
        data = body(size, name)
        self.send_response(200)
        self.send_header("Content-Length", str(size))
        self.end_headers()
        self.wfile.write(data[:size // 2])
        self.wfile.flush()
        if what == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        # Stall: say nothing until the client gives up.
        for _ in range(600):
            time.sleep(0.1)
            try:
                self.connection.setblocking(False)
                if self.connection.recv(1) == b"":
                    break
            except BlockingIOError:
                pass
            except OSError:
                break
        self.close_connection = True

    def do_GET(self):
        self.log_request_line()
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        parts = url.path.split("/")[1:]
        kind = parts[0] if parts else ""
        try:
            if kind == "data":
                self.send_data(int(parts[1]), "/".join(parts[2:]))
            elif kind == "norange":
                self.send_data(int(parts[1]), "/".join(parts[2:]),
                               ranges=False)
            elif kind == "seq":
                steps = parts[1].split(",")
                with lock:
                    k = counts.get(url.path, 0)
                    counts[url.path] = k + 1
                size, name = int(parts[2]), "/".join(parts[3:])
                step = steps[k] if k < len(steps) else "ok"
                if step == "ok":
                    self.send_data(size, name)
                elif step == "drop":
                    self.half_then(size, name, "drop")
                elif "r" in step:
                    code, _, after = step.partition("r")
                    self.send_page(int(code), [("Retry-After", after)])
                else:
                    self.send_page(int(step))
            elif kind == "status":
                self.send_page(int(parts[1]))
            elif kind == "stall":
                self.half_then(int(parts[1]), "/".join(parts[2:]), "stall")
            elif kind == "endless":
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = b"x" * 65536
                while True:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            elif kind == "redirect":
                self.send_page(302, [("Location", "/" + "/".join(parts[1:]))])
            elif kind == "redirect-to":
                self.send_page(302, [("Location", query["url"][0])])
            elif kind == "loop":
                self.send_page(302, [("Location", "/loop")])
            elif kind == "cd":
                fn = query.get("fn", ["x"])[0]
                self.send_data(int(parts[1]), "/".join(parts[2:]),
                               extra=[("Content-Disposition",
                                       'attachment; filename="%s"' % fn)])
            else:
                self.send_page(404)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def main():
    global log_path
    if len(sys.argv) == 4 and sys.argv[1] == "body":
        sys.stdout.buffer.write(body(int(sys.argv[2]), sys.argv[3]))
        return
    if len(sys.argv) != 4 or sys.argv[1] != "serve":
        sys.exit(__doc__)
    portfile, log_path = sys.argv[2], sys.argv[3]
    open(log_path, "w").close()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    # Renamed into place, so a reader never sees half a number.
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


if __name__ == "__main__":
    main()
