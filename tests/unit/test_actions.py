"""build_body and resolve_overrides.

The cases in tests/data/action_cases_*.jsonl were run through the reference (the oracle)
and through this product; "expected" is the reference's body wherever the two agree, and
this product's body, with the reference's beside it and the reason, where the spec says
the product differs. Rejections record this product's problems and the reference's error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cordial_destination.actions import ACTIONS, build_body, resolve_overrides
from cordial_destination.exceptions import MappingError, PayloadValidationError

DATA = Path(__file__).parent.parent / "data"
MAPPINGS_FILE = (
    Path(__file__).parents[2] / "layers/cordial_destination/cordial_destination/mappings.json"
)


def load(name: str) -> list[dict[str, Any]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def ordered(value: Any) -> Any:
    """The value with every object as a list of pairs, so that key order is compared too."""
    if isinstance(value, dict):
        return [(key, ordered(inner)) for key, inner in value.items()]
    if isinstance(value, list):
        return [ordered(inner) for inner in value]
    return value


CASES = load("action_cases_edges.jsonl") + load("action_cases_events.jsonl")


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_body_is_the_recorded_one(case: dict[str, Any]) -> None:
    expected = case["expected"]

    def build() -> dict[str, Any]:
        return build_body(
            case["action"],
            case["event"],
            segment_id_key=case.get("segment_id_key", "segment_id"),
            overrides=case.get("overrides"),
        )

    if "problems" in expected:
        with pytest.raises(PayloadValidationError) as raised:
            build()
        assert raised.value.problems == expected["problems"]
    else:
        assert ordered(build()) == ordered(expected["body"])


def test_recorded_cases_cover_every_action_and_mark_each_difference() -> None:
    assert {case["action"] for case in CASES} == set(ACTIONS)
    for case in CASES:
        assert ("difference" in case) == ("body" in case.get("reference", {}))


def test_mapping_file_shipped_with_the_code_overrides_nothing() -> None:
    config = json.loads(MAPPINGS_FILE.read_text(encoding="utf-8"))

    resolved = resolve_overrides(config)

    assert resolved == {action: {} for action in ACTIONS}


EMAIL = {"channels.email.address": {"@path": "$.traits.email"}}


def test_shared_fields_apply_to_every_action_that_has_them() -> None:
    config = {"*": {"userIdentities": EMAIL, "groupId": {"@path": "$.traits.group"}}}

    resolved = resolve_overrides(config)

    assert resolved["mergeContacts"] == {}
    assert resolved["upsertOrder"] == {"userIdentities": EMAIL}
    assert resolved["addContactToList"] == {
        "userIdentities": EMAIL,
        "groupId": {"@path": "$.traits.group"},
    }


def test_an_actions_own_entry_wins_over_the_shared_one() -> None:
    own = {"channels.sms.address": {"@path": "$.traits.phone"}}
    config = {"*": {"userIdentities": EMAIL}, "upsertContact": {"userIdentities": own}}

    resolved = resolve_overrides(config)

    assert resolved["upsertContact"] == {"userIdentities": own}
    assert resolved["createContactactivity"] == {"userIdentities": EMAIL}


def test_every_problem_of_a_mapping_file_is_named() -> None:
    config = {
        "*": {"bogus": "x"},
        "upsertCart": {},
        "mergeContacts": {"userIdentities": EMAIL},
        "upsertContact": {"segmentIdKey": "x", "attributes": {"@path": 5}},
        "upsertOrder": [],
    }

    with pytest.raises(MappingError) as raised:
        resolve_overrides(config)

    problems = raised.value.problems
    assert "unknown action 'upsertCart'" in problems
    assert "'*': no action has a field 'bogus'" in problems
    assert "action 'mergeContacts' has no field 'userIdentities'" in problems
    assert "'upsertContact.segmentIdKey' comes from a setting and cannot be mapped" in problems
    assert "'upsertOrder' must be an object of field mappings" in problems
    assert any(p.startswith("'upsertContact': ") and "attributes" in p for p in problems)
    assert len(problems) == 6


def test_a_mapping_file_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(MappingError, match="JSON object keyed by action slug"):
        resolve_overrides([])  # type: ignore[arg-type]


def test_an_override_replaces_only_its_field() -> None:
    event = {"type": "group", "groupId": "g1", "userId": "u1", "traits": {"name": "VIP"}}

    body = build_body(
        "addContactToList", event, overrides={"listName": {"@template": "list-{{groupId}}"}}
    )

    assert body == {"segmentId": "u1", "groupId": "g1", "listName": "list-g1"}


def test_a_null_override_turns_a_default_off() -> None:
    event = {"type": "identify", "userId": "u1", "traits": {"email": "t@example.com"}}

    body = build_body("upsertContact", event, overrides={"userIdentities": None})

    assert body == {"segmentId": "u1"}


def test_an_override_of_an_unknown_field_is_a_mapping_error() -> None:
    with pytest.raises(MappingError, match="action 'removeProductFromCart' has no field 'sku'"):
        build_body("removeProductFromCart", {}, overrides={"sku": "x"})


def test_an_unknown_action_is_a_mapping_error() -> None:
    with pytest.raises(MappingError, match="unknown action 'upsertCart'"):
        build_body("upsertCart", {})
