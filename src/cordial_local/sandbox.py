"""A local HTTP server that stands in for Cordial's ingest endpoint, on loopback only.

It answers `GET /api/checkAuth` and `POST /api/segment/{slug}` as `sandbox_endpoint` decides,
keeps the account state of `sandbox_model`, records every request for tests and the local
runner, and can fail on purpose (`faults`) so retries can be exercised against real HTTP.
"""

from __future__ import annotations

import ipaddress
import json
import select
import socket
import socketserver
import sys
import threading
from collections.abc import Iterable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from cordial_local.faults import Fault
from cordial_local.sandbox_endpoint import MAX_BODY_BYTES, IngestEndpoint

__all__ = ["CordialSandbox", "Fault"]

# How often serving checks for stop(); the default half second would make each test wait.
POLL_SECONDS = 0.05


class CordialSandbox(IngestEndpoint):
    """Cordial's ingest API for one account, served on 127.0.0.1 (or another loopback address).

    `faults` are tried in order on each ingest request and the first that hits answers it;
    `seed` makes those draws repeatable. `known_attributes` are the contact attributes the
    account declares; others sent by upsertContact are ignored, as Cordial ignores them.
    """

    def __init__(
        self,
        api_key: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Sequence[Fault] = (),
        seed: int | None = None,
        known_attributes: Iterable[str] | None = None,
    ) -> None:
        super().__init__(api_key, faults=faults, seed=seed, known_attributes=known_attributes)
        if not 0 <= port <= 65535:
            raise ValueError(f"port must be 0-65535, not {port}")
        self._host, self._family = _loopback(host)
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox has no address until bind() or start()")
        port = self._server.server_address[1]
        host = f"[{self._host}]" if self._family == socket.AF_INET6 else self._host
        return f"http://{host}:{port}"

    def bind(self) -> CordialSandbox:
        """Open the listening socket, so that `url` is known before `serve_forever()`."""
        self._bound_server()
        return self

    def start(self) -> CordialSandbox:
        """Serve in a daemon thread until `stop()`."""
        if self._thread is not None:
            raise RuntimeError("the sandbox is already started")
        server = self._bound_server()
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": POLL_SECONDS},
            name="cordial-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until `stop()` is called from another one."""
        server = self._bound_server()
        self._thread = threading.current_thread()
        try:
            server.serve_forever(poll_interval=POLL_SECONDS)
        finally:
            server.server_close()

    def stop(self) -> None:
        self._stopping.set()
        server, thread, self._server, self._thread = self._server, self._thread, None, None
        if server is None:
            return

        # shutdown() waits for serve_forever to end, so it must not run when nothing serves.
        if thread is not None:
            server.shutdown()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        server.server_close()

    def __enter__(self) -> CordialSandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _bound_server(self) -> _Server:
        if self._server is None:
            self._stopping.clear()
            self._server = _Server((self._host, self._port), self._family, self)
        return self._server


class _Server(ThreadingHTTPServer):
    def __init__(
        self, address: tuple[str, int], family: socket.AddressFamily, sandbox: CordialSandbox
    ) -> None:
        self.address_family = family
        self.sandbox = sandbox
        self.host = address[0]
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up (getfqdn); loopback needs no lookup.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.host, self.server_address[1]

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (its timeout during a slow fault) is expected here and must
        # not print a traceback; any other error is a sandbox bug and is still reported.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so that clients' pooled connections are used
    # Headers and body go out in two writes; with Nagle's algorithm on, the body then waits
    # for the client's delayed ACK (~40 ms a request on loopback).
    disable_nagle_algorithm = True
    server: _Server

    def version_string(self) -> str:
        return "CordialSandbox"

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests and the local runner read `CordialSandbox.requests` instead."""

    def _serve(self) -> None:
        body = self._read_body()
        reply = self.server.sandbox.handle(
            self.command, self.path, self.headers, body, client_gone=self._client_gone
        )
        if reply.status is None:
            self.close_connection = True
            return

        payload = json.dumps(reply.body).encode()
        self.send_response(reply.status)
        headers = {"Content-Type": "application/json", "Content-Length": str(len(payload))}
        for name, value in (headers | reply.headers).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _client_gone(self) -> bool:
        """True when the client closed its side (a timed-out client does)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _read_body(self) -> bytes | None:
        length = self.headers.get("Content-Length", "0")
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            # The unread body would be taken for the next request, so this connection ends.
            self.close_connection = True
            return None
        return self.rfile.read(int(length))


def _loopback(host: str) -> tuple[str, socket.AddressFamily]:
    if host == "localhost":
        return "127.0.0.1", socket.AF_INET
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is None or not address.is_loopback:
        raise ValueError(
            f"the sandbox binds only loopback addresses such as 127.0.0.1, not {host!r}"
        )
    return str(address), socket.AF_INET6 if address.version == 6 else socket.AF_INET
