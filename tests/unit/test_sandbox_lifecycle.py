"""Starting, binding and stopping the sandbox: loopback only, quiet, and clean on stop."""

from __future__ import annotations

import socket
import threading
from typing import Any

import pytest
import requests

from cordial_local.sandbox import CordialSandbox

API_KEY = "sandbox-test-key"


NOT_LOOPBACK = ["0.0.0.0", "192.168.1.10", "::", "example.com", ""]  # noqa: S104 - refused


@pytest.mark.parametrize("host", NOT_LOOPBACK)
def test_only_loopback_addresses_are_bound(host: str) -> None:
    with pytest.raises(ValueError, match="binds only loopback addresses"):
        CordialSandbox(API_KEY, host=host)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"api_key": ""}, "non-empty API key"),
        ({"api_key": API_KEY, "port": 70000}, "port must be 0-65535"),
    ],
)
def test_bad_arguments_are_refused(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CordialSandbox(**arguments)


def test_localhost_binds_ipv4_loopback() -> None:
    with CordialSandbox(API_KEY, host="localhost") as sandbox:
        assert sandbox.url.startswith("http://127.0.0.1:")


def test_ipv6_loopback_is_served_when_available() -> None:
    sandbox = CordialSandbox(API_KEY, host="::1")
    try:
        sandbox.start()
    except OSError:
        pytest.skip("this host has no IPv6 loopback")
    try:
        url = sandbox.url
        response = requests.get(f"{url}/api/checkAuth", headers={"x-api-key": API_KEY}, timeout=5)
    finally:
        sandbox.stop()

    assert url.startswith("http://[::1]:")
    assert response.status_code == 200


def test_url_needs_a_bound_socket() -> None:
    sandbox = CordialSandbox(API_KEY)

    with pytest.raises(RuntimeError, match="no address"):
        _ = sandbox.url


def test_serve_forever_runs_until_stopped_from_another_thread() -> None:
    sandbox = CordialSandbox(API_KEY).bind()
    url = sandbox.url
    server = threading.Thread(target=sandbox.serve_forever)
    server.start()

    response = requests.get(f"{url}/api/checkAuth", headers={"x-api-key": API_KEY}, timeout=5)
    sandbox.stop()
    server.join(timeout=5)

    assert response.status_code == 200
    assert not server.is_alive()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/api/checkAuth", timeout=5)


def test_stop_is_safe_twice_and_before_start() -> None:
    CordialSandbox(API_KEY).stop()
    sandbox = CordialSandbox(API_KEY).start()

    sandbox.stop()
    sandbox.stop()

    with pytest.raises(RuntimeError, match="no address"):
        _ = sandbox.url


def test_the_port_is_released_on_stop() -> None:
    with CordialSandbox(API_KEY) as sandbox:
        port = int(sandbox.url.rsplit(":", 1)[1])

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))
