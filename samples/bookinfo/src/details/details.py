"""details: a book's publication details. Python's standard library only: the mesh is polyglot.

Listens on 127.0.0.1:$PORT (the sidecar owns the port peers use).
GET /details/ID answers JSON; GET /health answers when the service is up.
"""
import json
import os
import re
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def book_details(book_id):
    return {
        "id": book_id,
        "author": "William Shakespeare",
        "year": 1595,
        "type": "paperback",
        "pages": 200,
        "publisher": "PublisherA",
        "language": "English",
        "ISBN-10": "1234567890",
        "ISBN-13": "123-1234567890",
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        match = re.fullmatch(r"/details/(\d+)", path)
        if path == "/health":
            self.send_json(200, {"status": "Details is healthy"})
        elif match:
            self.send_json(200, book_details(int(match.group(1))))
        else:
            self.send_json(404, {"error": "please use /details/ID"})

    def send_json(self, status, value):
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        sys.stderr.write("details: " + (fmt % args) + "\n")


def stop(*_):
    """SIGTERM ends serve_forever the same way Ctrl-C does."""
    raise KeyboardInterrupt


def main():
    port = int(os.environ.get("PORT", "9080"))
    server = ThreadingHTTPServer((os.environ.get("BIND_ADDRESS", "127.0.0.1"), port), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, stop)
    print(f"details listening on {port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    server.server_close()


if __name__ == "__main__":
    main()
