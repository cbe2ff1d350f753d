"""Requests to the sandbox as a client sends them, for the sandbox's model tests."""

from __future__ import annotations

from typing import Any

import requests

from cordial_local.sandbox import CordialSandbox

API_KEY = "sandbox-test-key"
EMAIL = "channels.email.address"
CART_LINE = {"sku": "s1", "category": "books", "name": "Notes", "itemPrice": 5}


def email(address: str) -> dict[str, Any]:
    return {"userIdentities": {EMAIL: address}}


def user(segment_id: str) -> dict[str, Any]:
    return {"segmentIdKey": "segment_id", "segmentId": segment_id}


def anonymous(anonymous_id: str) -> dict[str, Any]:
    return {"anonymousId": anonymous_id}


def send(
    sandbox: CordialSandbox, slug: str, body: dict[str, Any], message_id: str | None = None
) -> dict[str, Any]:
    headers = {"x-api-key": API_KEY} | ({"X-Segment-Message-Id": message_id} if message_id else {})
    response = requests.post(
        f"{sandbox.url}/api/segment/{slug}", json=body, headers=headers, timeout=5
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer
