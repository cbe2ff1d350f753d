"""The rules in template.yaml are the spec's trigger table, and nothing else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cordial_local.inputs import as_eventbridge
from cordial_local.reference import fields_markdown
from cordial_local.template import Template
from tests.conftest import SAMPLES, read_jsonl

Message = dict[str, Any]
ORDER_EVENTS = {"Order Completed", "Order Updated", "Order Refunded", "Order Cancelled"}

# The spec's "default trigger" column, written as predicates on the Segment event.
SPEC_TRIGGERS: dict[str, Callable[[Message], bool]] = {
    "createContactactivity": lambda m: m.get("type") in ("track", "page"),
    "upsertContact": lambda m: m.get("type") == "identify",
    "addContactToList": lambda m: m.get("type") == "group",
    "addProductToCart": lambda m: m.get("type") == "track" and m.get("event") == "Product Added",
    "removeProductFromCart": lambda m: (
        m.get("type") == "track" and m.get("event") == "Product Removed"
    ),
    "upsertOrder": lambda m: m.get("event") in ORDER_EVENTS,
    "mergeContacts": lambda m: m.get("type") == "alias",
}

EXPECTED_PATTERNS = {
    "createContactactivity": {"detail": {"type": ["page", "track"]}},
    "upsertContact": {"detail": {"type": ["identify"]}},
    "addContactToList": {"detail": {"type": ["group"]}},
    "addProductToCart": {"detail": {"type": ["track"], "event": ["Product Added"]}},
    "removeProductFromCart": {"detail": {"type": ["track"], "event": ["Product Removed"]}},
    "upsertOrder": {"detail": {"event": sorted(ORDER_EVENTS)}},
    "mergeContacts": {"detail": {"type": ["alias"]}},
}


def normalized(pattern: dict[str, Any]) -> dict[str, Any]:
    return {"detail": {key: sorted(values) for key, values in pattern["detail"].items()}}


def test_default_rules_are_the_spec_triggers(template: Template) -> None:
    triggers = template.triggers()

    assert {t.action: normalized(t.pattern) for t in triggers} == EXPECTED_PATTERNS


def test_remove_from_list_has_no_rule_unless_an_event_is_named(template: Template) -> None:
    named = template.triggers({"RemoveFromListEventName": "Removed From Group"})

    assert "removeContactFromList" not in {t.action for t in template.triggers()}
    assert [t.pattern for t in named if t.action == "removeContactFromList"] == [
        {"detail": {"type": ["track"], "event": ["Removed From Group"]}}
    ]


def spec_actions(message: Message) -> set[str]:
    return {action for action, matches in SPEC_TRIGGERS.items() if matches(message)}


def rule_actions(template: Template, message: Message) -> set[str]:
    envelope = as_eventbridge(message)
    return {t.action for t in template.triggers() if t.matches(envelope)}


@pytest.mark.parametrize("sample", sorted(SAMPLES.glob("*.jsonl")), ids=lambda p: p.name)
def test_rules_match_the_samples_as_the_spec_says(template: Template, sample: Any) -> None:
    messages = read_jsonl(sample)

    mismatches = [
        (m.get("messageId"), rule_actions(template, m), spec_actions(m))
        for m in messages
        if rule_actions(template, m) != spec_actions(m)
    ]

    assert mismatches == []
    assert sum(len(spec_actions(m)) for m in messages) > len(messages) * 0.9


@pytest.mark.parametrize(
    ("message", "actions"),
    [
        (
            {"type": "track", "event": "Product Added"},
            {"createContactactivity", "addProductToCart"},
        ),
        ({"type": "track", "event": "product added"}, {"createContactactivity"}),
        ({"type": "track", "event": "Order Completed"}, {"createContactactivity", "upsertOrder"}),
        ({"type": "page", "event": "Order Refunded"}, {"createContactactivity", "upsertOrder"}),
        ({"type": "identify", "event": "Order Cancelled"}, {"upsertContact", "upsertOrder"}),
        ({"type": "screen", "name": "Home"}, set()),
        ({"type": "page", "event": "Product Added"}, {"createContactactivity"}),
        ({"type": "alias", "previousId": "a"}, {"mergeContacts"}),
        ({"type": "group", "groupId": 5}, {"addContactToList"}),
        ({"type": "Track", "event": "Product Added"}, set()),
        ({"event": "Order Updated"}, {"upsertOrder"}),
        ({"type": "track", "event": "Removed From Group"}, {"createContactactivity"}),
    ],
)
def test_rule_matching_edge_cases(template: Template, message: Message, actions: set[str]) -> None:
    assert rule_actions(template, message) == actions
    assert spec_actions(message) == actions


def test_every_function_has_queue_dead_letters_and_partial_batch_responses(
    template: Template,
) -> None:
    resources = template.resources
    functions = {n: r for n, r in resources.items() if r["Type"] == "AWS::Serverless::Function"}

    assert len(functions) == 8
    for name, function in functions.items():
        source = function["Properties"]["Events"]["Queue"]["Properties"]
        queue = source["Queue"]["Fn::GetAtt"][0]
        redrive = resources[queue]["Properties"]["RedrivePolicy"]
        assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"], name
        assert resources[redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]]["Type"] == (
            "AWS::SQS::Queue"
        )
    globals_ = template.document["Globals"]["Function"]
    assert (globals_["Runtime"], globals_["Architectures"], globals_["MemorySize"]) == (
        "python3.13",
        ["arm64"],
        128,
    )


def test_timeouts_agree(template: Template) -> None:
    timeouts = template.document["Mappings"]["Timeouts"]
    function = timeouts["Function"]["Timeout"]
    http = float(timeouts["Http"]["Connect"]) + float(timeouts["Http"]["Read"])

    window = template.document["Parameters"]["MaximumBatchingWindowInSeconds"]["MaxValue"]

    # a 401 makes two requests, both must fit in one invocation
    assert 2 * http < function
    assert timeouts["Queue"]["VisibilityTimeout"] >= 6 * function + window


def test_policies_name_resources_not_wildcards(template: Template) -> None:
    text = (SAMPLES.parent / "template.yaml").read_text(encoding="utf-8")
    for name, resource in template.resources.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for entry in resource["Properties"]["Policies"][0]["Statement"]:
            # the optional KMS grant is an Fn::If: check its one real branch
            statement = entry["Fn::If"][1] if "Fn::If" in entry else entry
            assert statement["Resource"] != "*", (name, statement["Sid"])
    assert "Resource: '*'" not in text and 'Resource: "*"' not in text


def test_queue_policies_admit_only_their_own_rule(template: Template) -> None:
    resources = template.resources
    for name, resource in resources.items():
        if resource["Type"] != "AWS::SQS::QueuePolicy":
            continue
        (statement,) = resource["Properties"]["PolicyDocument"]["Statement"]
        rule = statement["Condition"]["ArnEquals"]["aws:SourceArn"]["Fn::GetAtt"][0]
        assert name.removesuffix("QueuePolicy") + "Rule" == rule
        assert statement["Principal"] == {"Service": "events.amazonaws.com"}


def test_the_field_reference_in_docs_is_current() -> None:
    reference = SAMPLES.parent / "docs" / "actions.md"
    assert reference.read_text(encoding="utf-8") == fields_markdown(), (
        "docs/actions.md is stale: run `cordial-destination fields > docs/actions.md`"
    )


def test_retry_attempts_stay_below_the_queues_receive_limit(template: Template) -> None:
    parameters = template.document["Parameters"]

    assert parameters["MaxAttempts"]["Default"] < parameters["QueueMaxReceiveCount"]["Default"]
    assert parameters["MaxAttempts"]["MaxValue"] < parameters["QueueMaxReceiveCount"]["Default"]
