"""The cordial-destination command: preview, map, validate-config, check-auth, redrive, sandbox."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from cordial_destination.handler import make_handler
from cordial_destination.settings import Settings
from cordial_local.cli import main
from cordial_local.event_source import FakeLambdaContext
from cordial_local.sandbox import CordialSandbox
from cordial_local.stack import LocalStack
from cordial_local.template import Template
from tests.conftest import ROOT

ENDPOINT = "https://integrations-ingest-svc.usw1.cordial.com"


def lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def write(tmp_path: Path, name: str, content: Any) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
    return path


def test_preview_prints_each_matched_action_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event = {
        "type": "track",
        "event": "Product Added",
        "userId": "u1",
        "messageId": "m1",
        "timestamp": "2024-01-01T00:00:00Z",
        "properties": {
            "product_id": "p1",
            "sku": "S1",
            "quantity": "2",
            "category": "c",
            "name": "n",
            "email": "A@Example.com",
        },
    }
    events = write(tmp_path, "events.json", [event])

    code = main(["preview", str(events), "--segment-id-key", "segment_id"])

    identity = {
        "segmentIdKey": "segment_id",
        "segmentId": "u1",
        "userIdentities": {"channels.email.address": "A@Example.com"},
    }
    assert code == 0
    assert lines(capsys.readouterr().out) == [
        {
            "messageId": "m1",
            "action": "createContactactivity",
            "request": {
                "method": "POST",
                "url": f"{ENDPOINT}/api/segment/createContactactivity",
                "body": {
                    **identity,
                    "action": "Product Added",
                    "time": "2024-01-01T00:00:00Z",
                    "properties": event["properties"],
                },
            },
        },
        {
            "messageId": "m1",
            "action": "addProductToCart",
            "request": {
                "method": "POST",
                "url": f"{ENDPOINT}/api/segment/addProductToCart",
                "body": {
                    **identity,
                    "productID": "p1",
                    "sku": "S1",
                    "qty": 2,
                    "category": "c",
                    "name": "n",
                    "properties": {},
                },
            },
        },
    ]


def test_preview_reports_errors_skips_and_bad_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    no_sku = {"type": "track", "event": "Product Removed", "messageId": "m2", "properties": {}}
    off = {
        "type": "alias",
        "previousId": "a",
        "userId": "b",
        "messageId": "m3",
        "integrations": {"All": False},
    }
    events = write(tmp_path, "events.jsonl", f"{json.dumps(no_sku)}\nnot json\n{json.dumps(off)}\n")

    code = main(["preview", str(events), "--endpoint", "https://cordial.example.com/"])

    captured = capsys.readouterr()
    assert code == 1  # a line could not be read
    assert lines(captured.out) == [
        {
            "messageId": "m2",
            "action": "createContactactivity",
            "request": {
                "method": "POST",
                "url": "https://cordial.example.com/api/segment/createContactactivity",
                "body": {"action": "Product Removed", "properties": {}},
            },
        },
        {
            "messageId": "m2",
            "action": "removeProductFromCart",
            "error": {
                "class": "PayloadValidationError",
                "message": "missing required field 'productID'; missing required field 'qty'",
            },
        },
        {"messageId": "m3", "action": "mergeContacts", "skipped": "integrations"},
    ]
    assert f"{events} line 2: not valid JSON" in captured.err


def test_preview_of_one_action_ignores_the_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event = {"type": "track", "event": "Left VIP", "userId": "u1", "messageId": "m4", "groupId": 42}
    mapping = write(
        tmp_path, "mappings.json", {"removeContactFromList": {"groupId": {"@path": "$.groupId"}}}
    )

    events = write(tmp_path, "e.json", event)

    main(["preview", "--action", "removeContactFromList", "--mapping", str(mapping), str(events)])

    assert lines(capsys.readouterr().out) == [
        {
            "messageId": "m4",
            "action": "removeContactFromList",
            "request": {
                "method": "POST",
                "url": f"{ENDPOINT}/api/segment/removeContactFromList",
                "body": {"segmentId": "u1", "groupId": "42"},
            },
        },
    ]


def test_map_applies_a_mapping_to_each_event(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mapping = write(
        tmp_path,
        "m.json",
        {
            "who": {"@path": "$.userId"},
            "label": {"@template": "{{event}} x{{properties.quantity}}"},
            "missing": {"@path": "$.nope"},
        },
    )
    events = write(
        tmp_path,
        "e.jsonl",
        "\n".join(
            json.dumps(e)
            for e in [
                {
                    "type": "track",
                    "event": "Product Added",
                    "userId": "u1",
                    "properties": {"quantity": 2},
                },
                {"detail-type": "page", "source": "s", "detail": {"type": "page", "userId": "u2"}},
            ]
        ),
    )

    code = main(["map", "--mapping", str(mapping), str(events)])

    assert code == 0
    assert lines(capsys.readouterr().out) == [
        {"who": "u1", "label": "Product Added x2"},
        {"who": "u2", "label": " x"},
    ]


def test_map_refuses_an_invalid_mapping(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mapping = write(tmp_path, "m.json", {"a": {"@paht": "$.x"}})

    code = main(["map", "--mapping", str(mapping), str(write(tmp_path, "e.json", {}))])

    assert code == 2
    assert "unknown directive '@paht'" in capsys.readouterr().err


def test_validate_config_lists_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(
        tmp_path,
        "mappings.json",
        {
            "bogus": {},
            "upsertOrder": {"orderID": {"@paht": "$.x"}, "nope": {"@path": "$.y"}},
            "*": {"userIdentities": {"channels.email.address": {"@path": "$.traits.email"}}},
        },
    )

    code = main(["validate-config", str(config)])

    err = capsys.readouterr().err
    assert code == 1
    assert f"{config}: 3 problem(s)" in err
    assert "unknown action 'bogus'" in err
    assert "at $.orderID: unknown directive '@paht'" in err
    assert "action 'upsertOrder' has no field 'nope'" in err


def test_validate_config_accepts_the_shipped_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate-config"]) == 0
    assert "valid" in capsys.readouterr().out


def test_check_auth(
    sandbox: CordialSandbox,
    api_key: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GOOD_KEY", api_key)
    monkeypatch.setenv("BAD_KEY", "not-the-key")

    good = main(["check-auth", "--endpoint", sandbox.url, "--api-key-env", "GOOD_KEY"])
    bad = main(["check-auth", "--endpoint", sandbox.url, "--api-key-env", "BAD_KEY"])
    unset = main(["check-auth", "--endpoint", sandbox.url, "--api-key-env", "NO_SUCH_VAR"])
    plain_http = main(
        ["check-auth", "--endpoint", "http://cordial.example.com", "--api-key-env", "GOOD_KEY"]
    )

    out, err = capsys.readouterr()
    assert (good, bad, unset, plain_http) == (0, 1, 2, 2)
    assert f"the API key in $GOOD_KEY works with {sandbox.url}" in out
    assert "Cordial refused the API key in $BAD_KEY (401)" in out
    assert "set the Cordial API key in the environment variable NO_SUCH_VAR" in err
    assert "must use https" in err
    assert api_key not in out + err


def test_redrive_a_deployed_stack_by_its_outputs(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    queues = stack.queues["upsertOrder"]
    for reason in ("validation", "rejected", "rejected"):
        stack.sqs.send_message(
            QueueUrl=queues.dead_letter_url,
            MessageBody=json.dumps({"detail": {"type": "track", "reason": reason}}),
            MessageAttributes={"reason": {"DataType": "String", "StringValue": reason}},
        )
    outputs = {
        "UpsertOrderQueueUrl": {"Value": queues.url},
        "UpsertOrderDeadLetterQueueUrl": {"Value": queues.dead_letter_url},
    }
    stack.client("cloudformation").create_stack(
        StackName="cordial",
        TemplateBody=json.dumps(
            {
                "Resources": {"Placeholder": {"Type": "AWS::SQS::Queue"}},
                "Outputs": outputs,
            }
        ),
    )

    dry = main(["redrive", "--stack-name", "cordial", "--region", "us-east-1", "--dry-run"])
    moved = main(
        ["redrive", "--stack-name", "cordial", "--region", "us-east-1", "--reason", "rejected"]
    )

    out = capsys.readouterr().out
    back = stack.sqs.receive_message(QueueUrl=queues.url, MaxNumberOfMessages=10)["Messages"]
    left = stack.sqs.receive_message(
        QueueUrl=queues.dead_letter_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    )["Messages"]
    assert (dry, moved) == (0, 0)
    assert "upsertOrder: would move 2 x rejected" in out
    assert "upsertOrder: would move 1 x validation" in out
    assert "upsertOrder: moved 2 x rejected" in out
    assert [json.loads(m["Body"])["detail"]["reason"] for m in back] == ["rejected", "rejected"]
    assert [m["MessageAttributes"]["reason"]["StringValue"] for m in left] == ["validation"]


def test_sandbox_command_serves_until_stopped(api_key: str) -> None:
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("cordial-destination")),
            "sandbox",
            "--port",
            "0",
            "--api-key",
            api_key,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        url = first.split(" on ")[1].strip()
        good = requests.get(f"{url}/api/checkAuth", headers={"x-api-key": api_key}, timeout=5)
        bad = requests.get(f"{url}/api/checkAuth", headers={"x-api-key": "x"}, timeout=5)
        state = requests.get(f"{url}/_sandbox/state", timeout=5).json()
    finally:
        process.terminate()
        process.wait(timeout=10)

    assert "a local model of Cordial, not Cordial" in first
    assert (good.status_code, bad.status_code) == (200, 401)
    assert state["contacts"] == {}


@pytest.mark.parametrize(
    "sample", sorted((ROOT / "events").glob("sqs-*.json")), ids=lambda p: p.stem
)
def test_the_sam_sample_events_are_delivered(
    stack: LocalStack, sandbox: CordialSandbox, sample: Path
) -> None:
    event = json.loads(sample.read_text("utf-8"))
    envelope = json.loads(event["Records"][0]["body"])
    rules = Template.load(ROOT / "template.yaml").triggers(
        {"RemoveFromListEventName": "Removed From Group"}
    )
    actions = [t.action for t in rules if t.matches(envelope)]
    action = next(a for a in actions if a != "createContactactivity" or len(actions) == 1)
    queues = stack.queues[action]
    handler = make_handler(
        action,
        Settings(
            endpoint=sandbox.url,
            secret_arn=stack.secret_arn,
            segment_id_key="segment_id",
            dead_letter_queue_url=queues.dead_letter_url,
            queue_url=queues.url,
        ),
    )

    response = handler(event, FakeLambdaContext(action, 30))  # type: ignore[arg-type]

    assert response == {"batchItemFailures": []}
    assert [(r["slug"], r["status"]) for r in sandbox.requests] == [(action, 200)]
