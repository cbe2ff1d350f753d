"""How the key travels: https with the certificate always checked, to the endpoint only.

The environment a function runs in cannot turn certificate checks off or send requests
through a proxy (the client's session ignores the environment); the endpoint must be https
except plain http to a loopback address; a redirect is not followed; a body past the bound
is never sent. The https servers here are the tests' own, on 127.0.0.1, with a certificate
made up for each test.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cordial_destination.api_key import ApiKey
from cordial_destination.client import CordialClient, OversizedBodyError, encode_body
from cordial_destination.exceptions import (
    ConfigurationError,
    CordialRejectedError,
    CordialUnavailableError,
)
from cordial_destination.handler import make_handler, make_processor
from cordial_destination.settings import Settings, normalize_endpoint
from cordial_local.sandbox import CordialSandbox
from cordial_local.stack import LocalStack
from cordial_local.template import Template
from tests.security.reflecting_cordial import ReflectingCordial

KEY: Final = "ck_transport_key_0123456789"
ACTIVITY: Final = {"segmentId": "u1", "action": "Signed Up"}
#: every variable that requests, urllib3 or OpenSSL read for certificates or proxies
TRUST_VARIABLES: Final = (
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "https_proxy",
    "http_proxy",
    "all_proxy",
    "no_proxy",
)


def key_source(*, refresh: bool = False) -> ApiKey:
    return ApiKey(KEY)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in TRUST_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def certificate(tmp_path: Path) -> Path:
    """A self-signed certificate for 127.0.0.1, with its key, in one PEM file."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(private_key, hashes.SHA256())
    )
    path = tmp_path / "cordial-local.pem"
    path.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


@pytest.fixture
def https_cordial(certificate: Path) -> Iterator[ReflectingCordial]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate)
    with ReflectingCordial(200, tls=context) as server:
        yield server


@pytest.mark.parametrize(
    "environment",
    [
        {},
        {"REQUESTS_CA_BUNDLE": "{cert}"},
        {"CURL_CA_BUNDLE": "{cert}"},
        {"CURL_CA_BUNDLE": ""},
        {"REQUESTS_CA_BUNDLE": "", "CURL_CA_BUNDLE": ""},
        {"SSL_CERT_FILE": "{cert}", "SSL_CERT_DIR": "{dir}"},
    ],
    ids=["none", "requests-bundle", "curl-bundle", "empty-curl-bundle", "both-empty", "openssl"],
)
def test_an_untrusted_certificate_is_refused_whatever_the_environment(
    clean_env: pytest.MonkeyPatch,
    certificate: Path,
    https_cordial: ReflectingCordial,
    environment: dict[str, str],
) -> None:
    for name, value in environment.items():
        clean_env.setenv(name, value.format(cert=certificate, dir=certificate.parent))
    client = CordialClient(https_cordial.url, key_source)

    with pytest.raises(CordialUnavailableError, match=r"^cannot reach Cordial \(SSLError\)$"):
        client.send("createContactactivity", ACTIVITY)

    # The handshake failed, so the key never left: the server saw no request.
    assert https_cordial.requests == []


def test_the_test_server_is_reachable_when_its_certificate_is_trusted(
    clean_env: pytest.MonkeyPatch, certificate: Path, https_cordial: ReflectingCordial
) -> None:
    """The control for the test above: only certificate checking stands in the way."""
    response = requests.post(
        f"{https_cordial.url}/api/segment/createContactactivity",
        json=ACTIVITY,
        verify=str(certificate),
        timeout=5,
    )

    assert response.status_code == 200
    assert len(https_cordial.requests) == 1


class Proxy:
    """A listening socket on 127.0.0.1 that counts the connections made to it."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.1)
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.socket.getsockname()[1]}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.socket.close()


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    server = Proxy()
    yield server
    server.close()


def test_proxy_variables_are_ignored(
    clean_env: pytest.MonkeyPatch, sandbox: CordialSandbox, api_key: str, proxy: Proxy
) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        clean_env.setenv(name, proxy.url)

    delivery = CordialClient(sandbox.url, lambda *, refresh=False: ApiKey(api_key)).send(
        "createContactactivity", ACTIVITY
    )
    # The control: a session that reads the environment goes to the proxy.
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.Session().get(f"{sandbox.url}/api/checkAuth", timeout=2)

    assert delivery.status == 200
    assert sandbox.accepted == {"createContactactivity": 1}
    assert proxy.connections == 1


def test_the_handlers_client_checks_certificates_and_ignores_the_environment(
    stack: LocalStack, sandbox: CordialSandbox
) -> None:
    settings = Settings(
        endpoint=sandbox.url,
        secret_arn=stack.secret_arn,
        dead_letter_queue_url=stack.queues["upsertOrder"].dead_letter_url,
    )

    processor, _ = make_processor("upsertOrder", settings)

    session = processor.client.session
    assert (session.verify, session.trust_env, session.max_redirects) == (True, False, 0)


def test_a_redirect_is_not_followed_and_the_key_stays_home(
    clean_env: pytest.MonkeyPatch,
) -> None:
    with ReflectingCordial(200) as elsewhere:
        target = {"Location": f"{elsewhere.url}/api/segment/createContactactivity"}
        with ReflectingCordial(307, headers=target) as cordial:
            client = CordialClient(cordial.url, key_source)

            with pytest.raises(CordialRejectedError, match=r"^Cordial answered 307") as raised:
                client.send("createContactactivity", ACTIVITY)

    assert raised.value.status == 307
    assert len(cordial.requests) == 1
    assert elsewhere.requests == []


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://cordial.example.com",
        "http://0.0.0.0:8787",
        "http://192.0.2.10",
        "http://localhost.example.com",
        "http://localhost.",
        "http://127.0.0.1.example.com",
        "http://127.0.0.1:80@cordial.example.com",
        "http://cordial.example.com#@127.0.0.1",
        "http://cordial.example.com?@127.0.0.1",
        "https://key:secret@cordial.example.com",
        "file:///etc/passwd",
        "//cordial.example.com",
        "https:cordial.example.com",
    ],
)
def test_endpoints_the_key_must_not_go_to(endpoint: str) -> None:
    with pytest.raises(ConfigurationError, match=r"^CORDIAL_ENDPOINT must"):
        normalize_endpoint(endpoint)


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://integrations-ingest-svc.usw1.cordial.com",
        "http://127.0.0.1:8787",
        "http://127.8.9.10",
        "http://localhost:8787",
        "http://[::1]:8787",
    ],
)
def test_endpoints_the_key_may_go_to(endpoint: str) -> None:
    assert normalize_endpoint(endpoint) == endpoint


def test_a_plain_http_endpoint_stops_the_function_at_start(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORDIAL_ENDPOINT", "http://cordial.example.com")
    monkeypatch.setenv("CORDIAL_API_KEY_SECRET_ARN", stack.secret_arn)
    monkeypatch.setenv("CORDIAL_DEAD_LETTER_QUEUE_URL", stack.queues["upsertOrder"].url)

    with pytest.raises(ConfigurationError, match="must use https"):
        make_handler("upsertOrder")


def template_endpoint_pattern(template: Template) -> re.Pattern[str]:
    return re.compile(template.document["Parameters"]["CordialEndpoint"]["AllowedPattern"])


@pytest.mark.parametrize(
    ("endpoint", "allowed"),
    [
        ("https://integrations-ingest-svc.usw1.cordial.com", True),
        ("https://integrations-ingest-svc.use2.cordial.com/", True),
        ("http://integrations-ingest-svc.usw1.cordial.com", False),
        ("http://127.0.0.1:8787", False),
        ("https://cordial.example.com?x=1", False),
        ("https://cordial.example.com#x", False),
        ("https://cordial .example.com", False),
    ],
)
def test_the_template_accepts_only_https_endpoints(
    template: Template, endpoint: str, allowed: bool
) -> None:
    assert bool(template_endpoint_pattern(template).fullmatch(endpoint)) is allowed


def test_a_body_at_the_bound_is_sent_and_one_byte_more_is_not() -> None:
    body = {"action": "x" * 100}
    size = len(encode_body(body, max_bytes=10_000))

    assert len(encode_body(body, max_bytes=size)) == size
    with pytest.raises(
        OversizedBodyError, match=f"^body is {size} bytes, above the {size - 1} byte bound$"
    ):
        encode_body(body, max_bytes=size - 1)
