"""Reading events from files: a JSON object, a JSON array or JSON Lines, Segment or EventBridge.

A bad line or item is reported with where it was and does not stop the rest.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LOCAL_SOURCE = "segment.local"
LOCAL_ACCOUNT = "000000000000"


@dataclass
class InputProblem:
    where: str
    problem: str

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}"


@dataclass
class Inputs:
    """EventBridge events read from the given files, and what could not be read."""

    envelopes: list[dict[str, Any]] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)


def read_inputs(paths: list[str]) -> Inputs:
    inputs = Inputs()
    for path in paths or ["-"]:
        name = "<stdin>" if path == "-" else path
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            inputs.problems.append(InputProblem(name, f"cannot read: {exc}"))
            continue
        for where, item in parse_items(name, text, inputs.problems):
            if isinstance(item, dict):
                inputs.envelopes.append(as_eventbridge(item))
            else:
                inputs.problems.append(InputProblem(where, "not a JSON object"))
    return inputs


def strict_json(text: str) -> Any:
    """json.loads without NaN and Infinity, which are not JSON (EventBridge refuses them)."""
    return json.loads(text, parse_constant=_refuse_constant)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_items(name: str, text: str, problems: list[InputProblem]) -> Iterator[tuple[str, Any]]:
    stripped = text.strip()
    if not stripped:
        problems.append(InputProblem(name, "empty: no events"))
        return
    try:
        whole = strict_json(stripped)
    except (ValueError, RecursionError):
        whole = None
    else:
        if isinstance(whole, list):
            yield from ((f"{name} item {i + 1}", item) for i, item in enumerate(whole))
        else:
            yield f"{name}", whole
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = strict_json(line)
        except ValueError as exc:
            problems.append(InputProblem(f"{name} line {number}", f"not valid JSON ({exc})"))
        except RecursionError:
            problems.append(InputProblem(f"{name} line {number}", "nested too deeply to read"))
        else:
            yield f"{name} line {number}", item


def is_eventbridge(item: dict[str, Any]) -> bool:
    return "detail" in item and ("detail-type" in item or "source" in item)


def as_eventbridge(item: dict[str, Any]) -> dict[str, Any]:
    """An EventBridge event: the item itself, or a Segment message wrapped as Segment's bus does."""
    if is_eventbridge(item):
        return item
    kind = item.get("type")
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": kind if isinstance(kind, str) and kind else "segment",
        "source": LOCAL_SOURCE,
        "account": LOCAL_ACCOUNT,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1",
        "resources": [],
        "detail": item,
    }
