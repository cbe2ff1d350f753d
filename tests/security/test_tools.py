"""The security tools' verdicts, and the checkov suppressions against docs/security.md.

Every checkov finding that remains is suppressed in the template next to its resource,
with a reason; the page lists each check with the number of resources it is suppressed
on. The `tools` tests run checkov and bandit themselves (as `make security` does), and
are skipped where the tools are not installed.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any, Final

import pytest

from cordial_local.template import Template
from tests.conftest import ROOT

CHECKOV: Final = ROOT / ".tools" / "checkov" / "bin" / "checkov"
BANDIT: Final = ROOT / ".venv" / "bin" / "bandit"
PAGE: Final = ROOT / "docs" / "security.md"
#: the resources each check is suppressed on, by resource type
SUPPRESSED: Final = {
    "CKV_AWS_27": ("AWS::SQS::Queue", 16),
    "CKV_AWS_115": ("AWS::Serverless::Function", 8),
    "CKV_AWS_116": ("AWS::Serverless::Function", 8),
    "CKV_AWS_117": ("AWS::Serverless::Function", 8),
    "CKV_AWS_173": ("AWS::Serverless::Function", 8),
    "CKV_AWS_119": ("AWS::DynamoDB::Table", 1),
    "CKV_AWS_149": ("AWS::SecretsManager::Secret", 1),
}


def suppressions(template: Template) -> list[tuple[str, str, str, str]]:
    """(check id, resource name, resource type, reason) of each skip in the template."""
    found = []
    for name, resource in template.resources.items():
        skips = resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
        found += [(s["id"], name, resource["Type"], s.get("comment", "")) for s in skips]
    return found


def page_rows() -> dict[str, str]:
    """The suppression table of docs/security.md: check id -> its resources cell."""
    rows = re.findall(r"^\| (CKV_AWS_\d+) \([^)]*\) \| ([^|]+) \|", PAGE.read_text("utf-8"), re.M)
    return {check: resources.strip() for check, resources in rows}


def test_every_suppression_is_on_the_resources_it_should_be_with_a_reason(
    template: Template,
) -> None:
    found = suppressions(template)

    kinds = Counter((check, kind) for check, _, kind, _ in found)
    assert dict(kinds) == {(check, kind): n for check, (kind, n) in SUPPRESSED.items()}
    assert [name for _, name, _, reason in found if len(reason.split()) < 8] == []


def test_the_security_page_lists_every_suppression(template: Template) -> None:
    rows = page_rows()
    found = suppressions(template)

    assert set(rows) == {check for check, *_ in found}
    for check, cell in rows.items():
        names = sorted({name for c, name, _, _ in found if c == check})
        expected = f"`{names[0]}`" if len(names) == 1 else f"the {len(names)} "
        assert cell.startswith(expected), (check, cell)


def run(*command: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.tools
@pytest.mark.skipif(not CHECKOV.exists(), reason="checkov is not installed in .tools/")
def test_checkov_finds_nothing_unsuppressed(template: Template) -> None:
    result = run(
        CHECKOV,
        "--compact",
        "--skip-download",
        "--framework",
        "cloudformation",
        "--file",
        "template.yaml",
        "--output",
        "json",
    )

    report: dict[str, Any] = json.loads(result.stdout)
    skipped = Counter(
        (check["check_id"], check["resource"].split(".")[-1])
        for check in report["results"]["skipped_checks"]
    )
    assert report["summary"]["failed"] == 0
    assert report["summary"]["parsing_errors"] == 0
    assert skipped == Counter((check, name) for check, name, _, _ in suppressions(template))


@pytest.mark.tools
@pytest.mark.skipif(not BANDIT.exists(), reason="bandit is not installed in .venv/")
def test_bandit_finds_nothing() -> None:
    result = run(
        BANDIT,
        "--quiet",
        "--recursive",
        "--configfile",
        "pyproject.toml",
        "--format",
        "json",
        "layers",
        "src",
        "functions",
    )

    report = json.loads(result.stdout)
    assert [(r["test_id"], r["filename"], r["line_number"]) for r in report["results"]] == []
    assert result.returncode == 0
