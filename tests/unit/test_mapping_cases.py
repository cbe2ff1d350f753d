"""The mapping engine against the reference's recorded results.

Each line of tests/data/mapping_cases_*.jsonl holds a mapping, a payload and what the
reference (Segment's mapping runtime) gave: ``output`` (left out when undefined) or
``error``. A line may add ``product``, what this product gives instead, with a ``note``
saying why; docs/mapping.md lists those differences.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cordial_destination.mapping import MappingError, transform

DATA = Path(__file__).resolve().parents[1] / "data"


def load_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for table in sorted(DATA.glob("mapping_cases_*.jsonl")):
        with table.open(encoding="utf-8") as lines:
            cases.extend(json.loads(line) for line in lines if line.strip())
    return cases


CASES = load_cases()


def canonical(value: Any) -> str:
    """``value`` as JSON text with every number read as JavaScript reads it, a double.

    So 2.0 and 2 are equal, as are 12345678901234567000 and 1.2345678901234567e19. Text
    comparison still tells 1 from True and "1" from 1; key order does not matter.
    """
    return json.dumps(_numbers_as_doubles(value), sort_keys=True)


def _numbers_as_doubles(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        double = float(value)
        return int(double) if double.is_integer() and abs(double) < 2**53 else double
    if isinstance(value, dict):
        return {key: _numbers_as_doubles(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_numbers_as_doubles(item) for item in value]
    return value


def test_the_tables_are_there() -> None:
    assert len(CASES) > 100
    assert len({case["id"] for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_transform_gives_the_reference_result(case: dict[str, Any]) -> None:
    expected = case.get("product", case)

    if "error" in expected:
        with pytest.raises(MappingError):
            transform(case["mapping"], case["payload"])
    else:
        result = transform(case["mapping"], case["payload"])
        assert canonical(result) == canonical(expected.get("output"))
