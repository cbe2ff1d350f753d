"""Fault specs and how the sandbox fails with them, over real HTTP."""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from cordial_local.faults import Fault
from cordial_local.sandbox import CordialSandbox

API_KEY = "sandbox-test-key"
CONTACT = {"segmentIdKey": "segment_id", "segmentId": "u1"}
ORDER = CONTACT | {
    "orderID": "o1",
    "purchaseDate": "2024-03-05T10:00:00Z",
    "status": "Order Completed",
    "totalAmount": 10,
    "items": [],
}


@pytest.fixture
def sandbox() -> Iterator[CordialSandbox]:
    with CordialSandbox(API_KEY, seed=7) as running:
        yield running


def post(
    sandbox: CordialSandbox, slug: str = "upsertContact", body: Any = CONTACT, key: str = API_KEY
) -> requests.Response:
    return requests.post(
        f"{sandbox.url}/api/segment/{slug}", json=body, headers={"x-api-key": key}, timeout=5
    )


VALID_SPECS = [
    ("429", Fault("status", status=429)),
    ("429:0.2:retry-after=1", Fault("status", status=429, rate=0.2, retry_after=1)),
    ("503:0.1", Fault("status", status=503, rate=0.1)),
    ("reset:0.05", Fault("reset", rate=0.05)),
    ("slow:0.05:delay=12", Fault("slow", rate=0.05, delay=12.0)),
    ("slow:delay=0.2", Fault("slow", delay=0.2)),
    ("500:action=upsertOrder", Fault("status", status=500, action="upsertOrder")),
    ("502:0:delay=1.5", Fault("status", status=502, rate=0.0, delay=1.5)),
    ("  401:1  ", Fault("status", status=401)),
    (
        "429:retry-after=0:delay=0.1:action=mergeContacts",
        Fault("status", status=429, retry_after=0, delay=0.1, action="mergeContacts"),
    ),
]


@pytest.mark.parametrize(("spec", "fault"), VALID_SPECS)
def test_valid_specs_parse(spec: str, fault: Fault) -> None:
    assert Fault.parse(spec) == fault


@pytest.mark.parametrize(("spec", "fault"), VALID_SPECS)
def test_a_fault_prints_as_a_spec_that_parses_back(spec: str, fault: Fault) -> None:
    assert Fault.parse(str(fault)) == fault


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("", "kind must be an HTTP status code, 'reset' or 'slow'"),
        ("teapot", "kind must be an HTTP status code, 'reset' or 'slow'"),
        ("200", "fault status must be an HTTP error code 400-599, not 200"),
        ("600", "fault status must be an HTTP error code 400-599, not 600"),
        ("429:1.5", "fault rate must be between 0 and 1, not 1.5"),
        ("429:-0.1", "fault rate must be between 0 and 1, not -0.1"),
        ("429:abc", "rate must be a number, not 'abc'"),
        ("429:nan", "rate must be a finite number"),
        ("429:0.5:0.5", "expected NAME=VALUE, got '0.5'"),
        ("429:retry-after=", "expected NAME=VALUE, got 'retry-after='"),
        ("429:color=red", "unknown option 'color'"),
        ("429:retry-after=1:retry-after=2", "option 'retry-after' given twice"),
        ("429:retry-after=1.5", "retry-after must be whole seconds"),
        ("reset:retry-after=1", "retry-after must be whole seconds >= 0 on a status-code fault"),
        ("slow", "a 'slow' fault needs delay=SECONDS greater than 0"),
        ("slow:delay=-1", "fault delay must be a number of seconds >= 0, not -1.0"),
        ("slow:delay=inf", "delay must be a finite number"),
        ("500:action=upsertcontact", "unknown action 'upsertcontact'; expected one of"),
        ("reset:1:action=checkAuth", "unknown action 'checkAuth'"),
    ],
)
def test_invalid_specs_name_the_problem(spec: str, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"bad fault {spec!r}: {problem}")):
        Fault.parse(spec)


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"kind": "status"}, "HTTP error code 400-599, not None"),
        ({"kind": "reset", "status": 500}, "a 'reset' fault takes no status code"),
    ],
)
def test_faults_built_directly_are_checked_too(arguments: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        Fault(**arguments)


def test_a_status_fault_answers_with_retry_after_and_changes_nothing(
    sandbox: CordialSandbox,
) -> None:
    sandbox.set_faults([Fault.parse("429:retry-after=1")])

    response = post(sandbox)

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert response.json() == {"success": False, "error": "sandbox fault 429:1:retry-after=1"}
    snapshot = sandbox.snapshot()
    assert snapshot["contacts"] == {}
    assert snapshot["accepted"] == {}
    assert [(r["status"], r["fault"]) for r in snapshot["requests"]] == [
        (429, "429:1:retry-after=1")
    ]


@pytest.mark.parametrize("status", [400, 401, 408, 500, 501, 502, 503])
def test_a_status_fault_answers_its_code(sandbox: CordialSandbox, status: int) -> None:
    sandbox.set_faults([Fault.parse(str(status))])

    response = post(sandbox)

    assert response.status_code == status
    assert "Retry-After" not in response.headers
    assert response.json() == {"success": False, "error": f"sandbox fault {status}:1"}


def test_a_reset_drops_the_connection_without_an_answer(sandbox: CordialSandbox) -> None:
    sandbox.set_faults([Fault.parse("reset")])

    with pytest.raises(requests.ConnectionError):
        post(sandbox)

    snapshot = sandbox.snapshot()
    assert snapshot["contacts"] == {}
    assert snapshot["accepted"] == {}
    assert [(r["status"], r["fault"]) for r in snapshot["requests"]] == [(None, "reset:1")]


def test_a_slow_fault_answers_normally_after_the_delay(sandbox: CordialSandbox) -> None:
    sandbox.set_faults([Fault.parse("slow:delay=0.2")])

    started = time.monotonic()
    response = post(sandbox)
    elapsed = time.monotonic() - started

    assert elapsed >= 0.2
    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert sandbox.accepted == {"upsertContact": 1}
    assert [(r["status"], r["fault"]) for r in sandbox.requests] == [(200, "slow:1:delay=0.2")]


def test_a_slow_request_whose_client_gave_up_is_not_applied(
    sandbox: CordialSandbox, capfd: pytest.CaptureFixture[str]
) -> None:
    sandbox.set_faults([Fault.parse("slow:delay=0.5")])

    with pytest.raises(requests.Timeout):
        requests.post(
            f"{sandbox.url}/api/segment/upsertContact",
            json=CONTACT,
            headers={"x-api-key": API_KEY},
            timeout=0.1,
        )
    deadline = time.monotonic() + 5
    while not sandbox.requests and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.1)  # the answer is written after the request is logged

    (entry,) = sandbox.requests
    assert sandbox.accepted == {}
    assert sandbox.snapshot()["contacts"] == {}
    assert (entry["status"], entry["fault"]) == (
        None,
        "slow:1:delay=0.5 (client gone, not applied)",
    )
    assert capfd.readouterr() == ("", "")


def test_a_slow_request_whose_client_waits_is_applied(sandbox: CordialSandbox) -> None:
    sandbox.set_faults([Fault.parse("slow:delay=0.3")])

    response = requests.post(
        f"{sandbox.url}/api/segment/upsertContact",
        json=CONTACT,
        headers={"x-api-key": API_KEY},
        timeout=5,
    )

    assert response.status_code == 200
    assert sandbox.accepted == {"upsertContact": 1}


def test_a_delay_on_a_status_fault_comes_before_the_error(sandbox: CordialSandbox) -> None:
    sandbox.set_faults([Fault.parse("503:delay=0.2")])

    started = time.monotonic()
    response = post(sandbox)

    assert time.monotonic() - started >= 0.2
    assert response.status_code == 503


def test_a_fault_for_one_action_leaves_the_others_alone(sandbox: CordialSandbox) -> None:
    sandbox.set_faults([Fault.parse("500:action=upsertOrder")])

    assert post(sandbox, "upsertContact").status_code == 200
    assert post(sandbox, "upsertOrder", ORDER).status_code == 500
    assert sandbox.accepted == {"upsertContact": 1}


def test_the_first_fault_that_hits_wins(sandbox: CordialSandbox) -> None:
    sandbox.set_faults([Fault.parse("503:action=upsertOrder"), Fault.parse("429")])

    assert post(sandbox, "upsertOrder", ORDER).status_code == 503
    assert post(sandbox, "upsertContact").status_code == 429


def test_the_rate_follows_the_seeded_draws() -> None:
    draws = random.Random(7)
    expected = [503 if draws.random() < 0.5 else 200 for _ in range(20)]

    with CordialSandbox(API_KEY, faults=[Fault.parse("503:0.5")], seed=7) as sandbox:
        statuses = [post(sandbox).status_code for _ in range(20)]

    assert statuses == expected
    assert set(statuses) == {200, 503}
    assert sandbox.accepted == {"upsertContact": statuses.count(200)}


def test_clearing_the_faults_restores_normal_answers(sandbox: CordialSandbox) -> None:
    sandbox.set_faults([Fault.parse("503")])
    assert post(sandbox).status_code == 503

    sandbox.set_faults([])

    assert post(sandbox).status_code == 200
    assert sandbox.snapshot()["faults"] == []


def test_faults_come_before_the_key_is_checked(sandbox: CordialSandbox) -> None:
    sandbox.set_faults([Fault.parse("503")])

    assert post(sandbox, key="wrong").status_code == 503


def test_check_auth_is_never_faulted(sandbox: CordialSandbox) -> None:
    sandbox.set_faults([Fault.parse("503"), Fault.parse("reset")])

    response = requests.get(
        f"{sandbox.url}/api/checkAuth", headers={"x-api-key": API_KEY}, timeout=5
    )

    assert response.status_code == 200


def test_a_faulted_delivery_that_is_retried_counts_no_repeat(sandbox: CordialSandbox) -> None:
    headers = {"x-api-key": API_KEY, "X-Segment-Message-Id": "m1"}
    url = f"{sandbox.url}/api/segment/upsertContact"

    sandbox.set_faults([Fault.parse("503")])
    first = requests.post(url, json=CONTACT, headers=headers, timeout=5)
    sandbox.set_faults([])
    second = requests.post(url, json=CONTACT, headers=headers, timeout=5)

    assert (first.status_code, second.status_code) == (503, 200)
    assert sandbox.repeats == 0
    assert sandbox.accepted == {"upsertContact": 1}


def test_stopping_cuts_a_slow_fault_short() -> None:
    sandbox = CordialSandbox(API_KEY, faults=[Fault.parse("slow:delay=30")]).start()
    outcome: list[object] = []

    def deliver() -> None:
        try:
            outcome.append(post(sandbox).status_code)
        except requests.RequestException as exc:
            outcome.append(type(exc))

    client = threading.Thread(target=deliver)
    client.start()
    time.sleep(0.2)
    started = time.monotonic()
    sandbox.stop()
    client.join(timeout=5)

    assert time.monotonic() - started < 2
    assert not client.is_alive()
    assert outcome == [200]
