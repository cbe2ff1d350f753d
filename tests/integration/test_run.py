"""`cordial-destination run` end to end: bus, rules, queues, handlers and the sandbox."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cordial_destination.events import skipped_by_integrations
from cordial_local.cli import main
from tests.conftest import SAMPLES, SHARED_EVENTS, read_jsonl
from tests.unit.test_template import spec_actions

SAMPLE_FILES = sorted(SAMPLES.glob("*.jsonl"))
SHARED_FILES = sorted(SHARED_EVENTS.glob("*.jsonl")) if SHARED_EVENTS.is_dir() else []


def run(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    summary = tmp_path / "summary.json"
    code = main(["run", *args, "--summary-json", str(summary)])
    return code, json.loads(summary.read_text(encoding="utf-8"))


def expected_counts(messages: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """(matched, skipped) per action, from the spec's triggers and integrations rule."""
    counts: dict[str, tuple[int, int]] = {}
    for message in messages:
        for action in spec_actions(message):
            matched, skipped = counts.get(action, (0, 0))
            counts[action] = (matched + 1, skipped + skipped_by_integrations(message))
    return counts


def assert_reconciles(summary: dict[str, Any], messages: list[dict[str, Any]]) -> None:
    expected = expected_counts(messages)
    actions = summary["actions"]
    assert summary["unaccounted"] == 0
    assert {a: (c["matched"], c["skipped"]) for a, c in actions.items() if c["matched"]} == expected
    for action, counts in actions.items():
        rejected = counts["rejected"]
        assert counts["matched"] == (
            counts["delivered"] + counts["dead_lettered"] + counts["skipped"]
        ), action
        assert rejected == counts["dead_lettered"], action
        assert summary["sandbox"]["accepted"].get(action, 0) == counts["delivered"], action
    assert summary["sandbox"]["repeats"] == 0


@pytest.mark.slow
def test_run_over_the_shipped_samples(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, summary = run(tmp_path, *map(str, SAMPLE_FILES))

    messages = [m for path in SAMPLE_FILES for m in read_jsonl(path)]
    assert code == 0
    assert summary["events"] == len(messages) == 358
    assert_reconciles(summary, messages)
    out = capsys.readouterr().out
    assert "every matched event is accounted for" in out


@pytest.mark.slow
@pytest.mark.skipif(not SHARED_FILES, reason="../shared/events is not beside this checkout")
@pytest.mark.parametrize("path", SHARED_FILES, ids=lambda p: p.name)
def test_run_over_the_shared_corpus(tmp_path: Path, path: Path) -> None:
    code, summary = run(tmp_path, str(path))

    items = read_jsonl(path)
    messages = [item.get("detail", item) for item in items]
    assert code == 0
    assert summary["events"] == len(messages)
    assert_reconciles(summary, messages)


def test_bad_lines_are_reported_and_the_rest_still_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = tmp_path / "events.jsonl"
    good = {"type": "alias", "userId": "u2", "previousId": "u1", "messageId": "a1"}
    events.write_text(f"{json.dumps(good)}\n{{oops\n[1]\n", encoding="utf-8")

    code, summary = run(tmp_path, str(events))

    assert code == 1  # the run went on, but not every input could be read
    assert summary["unreadable_inputs"] == 2
    assert summary["actions"]["mergeContacts"]["delivered"] == 1
    err = capsys.readouterr().err
    assert f"{events} line 2: not valid JSON" in err
    assert f"{events} line 3: not a JSON object" in err
