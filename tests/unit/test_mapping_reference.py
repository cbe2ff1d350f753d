"""The recorded tables still say what the reference says (needs node and the oracle).

tests/data/mapping_cases_*.jsonl were recorded by running each case through Segment's
published mapping runtime (../shared/oracle/oracle.js). This re-runs them when node and
the reference install are present, and is skipped otherwise: the other tests use the
recorded results and need no node.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.unit.test_mapping_cases import CASES, canonical

ROOT = Path(__file__).resolve().parents[2]
ORACLE = Path(os.environ.get("CORDIAL_ORACLE", ROOT.parent / "shared" / "oracle" / "oracle.js"))
REFERENCE = Path(os.environ.get("CORDIAL_REFERENCE", "/tmp/cordial-reference"))  # noqa: S108

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not ORACLE.is_file() or not REFERENCE.is_dir(),
    reason="node, the oracle or the reference install is not available",
)


def run_oracle(cases: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    lines = "\n".join(
        json.dumps(
            {"id": c["id"], "transform": True, "mapping": c["mapping"], "payload": c["payload"]}
        )
        for c in cases
    )
    completed = subprocess.run(
        ["node", str(ORACLE)],
        input=lines,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={**os.environ, "CORDIAL_REFERENCE": str(REFERENCE)},
    )
    # Split on "\n" only: str.splitlines would also split inside values at U+2028.
    results = (json.loads(line) for line in completed.stdout.split("\n") if line)
    return {result["id"]: result for result in results}


def test_the_reference_still_gives_the_recorded_results() -> None:
    results = run_oracle(CASES)

    changed = [case["id"] for case in CASES if _differs(case, results[case["id"]])]
    assert changed == []


def _differs(recorded: dict[str, Any], result: dict[str, Any]) -> bool:
    if ("error" in recorded) != ("error" in result):
        return True
    return canonical(recorded.get("output")) != canonical(result.get("output"))
