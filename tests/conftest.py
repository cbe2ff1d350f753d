"""Shared fixtures: a Cordial sandbox and the local AWS stack, both on 127.0.0.1."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cordial_local.sandbox import CordialSandbox
from cordial_local.stack import LocalStack
from cordial_local.template import Template

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SAMPLES = ROOT / "samples"
SHARED_EVENTS = ROOT.parent / "shared" / "events"


@pytest.fixture(scope="session")
def api_key() -> str:
    """A key made up for this test session; tests check it never shows in logs or output."""
    return "ck_" + secrets.token_hex(16)


@pytest.fixture
def sandbox(api_key: str) -> Iterator[CordialSandbox]:
    with CordialSandbox(api_key, seed=7) as server:
        yield server


@pytest.fixture(scope="session")
def template() -> Template:
    return Template.load(ROOT / "template.yaml")


@pytest.fixture
def stack(template: Template, api_key: str) -> Iterator[LocalStack]:
    with LocalStack(template, api_key, {"RemoveFromListEventName": "Removed From Group"}) as s:
        yield s


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
