"""A local HTTP server on 127.0.0.1 that serves ../shared/data, with switchable faults for fetch tests."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote


class MirrorServer:
    """Serves ``root`` at ``/<mode>/<path>``; ``mode`` is one of ok, truncate, missing, flaky, stall, corrupt.

    ``flaky`` answers 500 to the first request for each path and serves it afterwards. ``hits`` counts the
    requests for each (mode, path).
    """

    def __init__(self, root: Path, stall_seconds: float = 3.0):
        self.root = root
        self.stall_seconds = stall_seconds
        self.hits: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                mode, _, rel = unquote(self.path).lstrip("/").partition("/")
                key = f"{mode}/{rel}"
                server.hits[key] = server.hits.get(key, 0) + 1
                path = server.root / rel
                if mode == "missing" or not path.is_file():
                    self.send_error(404, "Not Found")
                    return
                if mode == "flaky" and server.hits[key] == 1:
                    self.send_error(500, "Internal Server Error")
                    return
                body = path.read_bytes()
                if mode == "corrupt":
                    body = body[:-1] + bytes([body[-1] ^ 0xFF])
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if mode == "stall":
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    time.sleep(server.stall_seconds)
                    return
                if mode == "truncate":
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, mode: str) -> str:
        return f"{self.base}/{mode}"

    def __enter__(self) -> MirrorServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
