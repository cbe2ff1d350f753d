"""The commands about mappings and bodies: preview, map and validate-config."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from cordial_destination.actions import build_body, resolve_overrides
from cordial_destination.client import as_javascript_numbers
from cordial_destination.events import from_eventbridge, skipped_by_integrations
from cordial_destination.exceptions import CordialDestinationError, MappingError
from cordial_destination.mapping import transform, validate
from cordial_destination.settings import normalize_endpoint
from cordial_local.exceptions import UsageError
from cordial_local.inputs import read_inputs, strict_json
from cordial_local.template import DEFAULT_TEMPLATE, Template


def print_json(document: Any) -> None:
    """One JSON line; text that UTF-8 cannot hold (a lone surrogate) is written escaped."""
    try:
        line = json.dumps(document, ensure_ascii=False, allow_nan=False)
        sys.stdout.write(line + "\n")
    except UnicodeEncodeError:
        sys.stdout.write(json.dumps(document, allow_nan=False) + "\n")


def load_mapping_file(path: Path) -> dict[str, dict[str, Any]]:
    config = read_json_file(path)
    try:
        return resolve_overrides(config)
    except RecursionError:
        raise UsageError(f"{path}: the mapping is nested too deeply") from None


def preview_command(args: argparse.Namespace) -> int:
    overrides = load_mapping_file(args.mapping)
    endpoint = normalize_endpoint(args.endpoint)
    triggers = Template.load(DEFAULT_TEMPLATE).triggers(
        {"RemoveFromListEventName": args.remove_from_list_event}
    )
    inputs = read_inputs(args.files)
    for problem in inputs.problems:
        print(f"skipped input: {problem}", file=sys.stderr)
    for envelope in inputs.envelopes:
        detail = envelope.get("detail")
        message_id = detail.get("messageId") if isinstance(detail, dict) else None
        if args.action:
            actions = [args.action]
        else:
            actions = [t.action for t in triggers if t.matches(envelope)]
        for action in actions:
            line: dict[str, Any] = {"messageId": message_id, "action": action}
            line.update(preview_one(action, envelope, endpoint, args.segment_id_key, overrides))
            print_json(line)
    return 1 if inputs.problems else 0


def preview_one(
    action: str,
    envelope: dict[str, Any],
    endpoint: str,
    segment_id_key: str | None,
    overrides: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    try:
        message = from_eventbridge(envelope).message
        if skipped_by_integrations(message):
            return {"skipped": "integrations"}
        body = build_body(
            action, message, segment_id_key=segment_id_key, overrides=overrides.get(action, {})
        )
        body = as_javascript_numbers(body)
    except CordialDestinationError as exc:
        return {"error": {"class": type(exc).__name__, "message": str(exc)}}
    except RecursionError:
        return {"error": {"class": "PayloadValidationError", "message": "nested too deeply"}}
    url = f"{endpoint}/api/segment/{action}"
    return {"request": {"method": "POST", "url": url, "body": body}}


def read_json_file(path: Path) -> Any:
    try:
        return strict_json(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from exc
    except RecursionError:
        raise UsageError(f"cannot read {path}: nested too deeply") from None


def map_command(args: argparse.Namespace) -> int:
    mapping_document = read_json_file(args.mapping)
    try:
        validate(mapping_document)
    except MappingError as exc:
        raise UsageError(f"{args.mapping}: invalid mapping: {exc}") from exc
    except RecursionError:
        raise UsageError(f"{args.mapping}: the mapping is nested too deeply") from None
    inputs = read_inputs(args.files)
    for problem in inputs.problems:
        print(f"skipped input: {problem}", file=sys.stderr)
    for envelope in inputs.envelopes:
        detail = envelope.get("detail")
        message = detail if isinstance(detail, dict) else {}
        try:
            print_json(transform(mapping_document, message))
        except MappingError as exc:
            print_json({"error": {"class": "MappingError", "message": str(exc)}})
    return 1 if inputs.problems else 0


def validate_config_command(args: argparse.Namespace) -> int:
    document = read_json_file(args.file)
    try:
        overrides = resolve_overrides(document)
    except RecursionError:
        raise UsageError(f"{args.file}: the mapping is nested too deeply") from None
    except MappingError as exc:
        print(f"{args.file}: {len(exc.problems)} problem(s)", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    configured = {action: sorted(fields) for action, fields in overrides.items() if fields}
    print(f"{args.file}: valid")
    for action, fields in configured.items():
        print(f"  {action}: overrides {', '.join(fields)}")
    if not configured:
        print("  no overrides: every action uses its default mappings")
    return 0
