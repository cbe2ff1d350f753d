"""A hostile stand-in for Cordial on 127.0.0.1: it reflects each request back in its answer.

Error pages that echo the request (its body, even its headers) exist in the wild; this one
lets the tests check that nothing such an answer carries, the API key above all, reaches a
log line, a dead letter or the command's output. With a TLS context it serves https, for
the certificate checks; every request that got through is recorded.
"""

from __future__ import annotations

import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


class ReflectingCordial:
    def __init__(
        self,
        status: int,
        *,
        tls: ssl.SSLContext | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.headers = dict(headers or {})
        self.requests: list[dict[str, Any]] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.cordial = self
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.scheme = "https" if tls is not None else "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> ReflectingCordial:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _Server(ThreadingHTTPServer):
    cordial: ReflectingCordial

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A refused TLS handshake is what the certificate tests expect; stay quiet."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read ReflectingCordial.requests."""

    def do_GET(self) -> None:
        self._reflect()

    def do_POST(self) -> None:
        self._reflect()

    def _reflect(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        headers = dict(self.headers.items())
        self.server.cordial.requests.append({"path": self.path, "headers": headers, "body": body})
        # The key first, so that it falls within what a client quotes of an error.
        key = self.headers.get("x-api-key")
        reply = json.dumps(
            {"error": f"refused key {key} for {body}", "headers": headers}, ensure_ascii=False
        ).encode()
        self.send_response(self.server.cordial.status)
        self.send_header("Content-Type", "application/json")
        for name, value in self.server.cordial.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)
