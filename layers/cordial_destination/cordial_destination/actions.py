"""The request body of each action: the Segment event mapped, checked and finished.

A deployment may replace any field's default mapping through its mapping file, an object
keyed by action slug whose values map field names to mappings; the key "*" holds mappings
for every action that has the field. ``resolve_overrides`` checks that file once, at
start; ``build_body`` then runs per event.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final

from cordial_destination.exceptions import MappingError, PayloadValidationError
from cordial_destination.fields import ACTION_FIELDS, default_mappings, fields_of
from cordial_destination.mapping import transform, validate
from cordial_destination.validation import validate_payload

#: The action slugs, in the spec's order.
ACTIONS: Final = tuple(ACTION_FIELDS)
#: The key of the mapping file whose fields apply to every action that has them.
EVERY_ACTION: Final = "*"

_DEFAULTS: Final = MappingProxyType({action: default_mappings(action) for action in ACTIONS})
_MAPPABLE: Final = MappingProxyType(
    {action: frozenset(f.key for f in fields_of(action) if f.mappable) for action in ACTIONS}
)
_SETTING_FIELDS: Final = frozenset(
    f.key for fields in ACTION_FIELDS.values() for f in fields if not f.mappable
)
_ARRAY_FIELDS: Final = MappingProxyType(
    {action: tuple(f.key for f in fields_of(action) if f.type == "array") for action in ACTIONS}
)


def build_body(
    action: str,
    event: Mapping[str, Any],
    *,
    segment_id_key: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON body to POST for ``action``, mapped from the Segment ``event``.

    ``overrides`` replaces default mappings field by field. Raises PayloadValidationError
    when the body misses required fields or has invalid ones, or when the event is nested
    too deeply to map; MappingError when ``overrides`` names a field the action does not
    have.
    """
    mapping = _mapping_of(action, overrides or {})
    try:
        mapped: dict[str, Any] = transform(mapping, event) or {}
        for key in _ARRAY_FIELDS[action]:
            if key in mapping:
                _skip_null_elements(mapped, key, mapping[key], event)
    except MappingError as exc:
        if not isinstance(exc.__cause__, RecursionError):
            raise
        # The event is at fault (nested too deeply), not the mapping: no retry would help.
        raise PayloadValidationError(action, exc.problems) from exc
    if segment_id_key:
        mapped["segmentIdKey"] = segment_id_key

    body = validate_payload(action, mapped)
    return _FINISH.get(action, _unchanged)(body)


def resolve_overrides(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each action's overrides from a mapping file's content, every problem reported at once.

    Raises MappingError naming each unknown action, each field an action does not have,
    and each invalid mapping.
    """
    if not isinstance(config, Mapping):
        raise MappingError("the mapping file must hold a JSON object keyed by action slug")
    problems = [
        f"unknown action '{key}'" for key in config if key not in ACTIONS and key != EVERY_ACTION
    ]
    shared = _entry(config, EVERY_ACTION, problems)
    problems += [
        _not_mappable(EVERY_ACTION, key)
        for key in shared
        if not any(key in fields for fields in _MAPPABLE.values())
    ]
    resolved: dict[str, dict[str, Any]] = {}
    for action in ACTIONS:
        own = _entry(config, action, problems)
        problems += [_not_mappable(action, key) for key in own if key not in _MAPPABLE[action]]
        resolved[action] = {
            key: mapping for key, mapping in {**shared, **own}.items() if key in _MAPPABLE[action]
        }

    if problems:
        raise MappingError(problems)
    return resolved


def _entry(config: Mapping[str, Any], key: str, problems: list[str]) -> dict[str, Any]:
    entry = config.get(key, {})
    if not isinstance(entry, Mapping):
        problems.append(f"'{key}' must be an object of field mappings")
        return {}
    try:
        # Validated as one object of field mappings, where a literal string is a value.
        validate(dict(entry))
    except MappingError as error:
        problems += [f"'{key}': {problem}" for problem in error.problems]
    return dict(entry)


def _not_mappable(action: str, key: str) -> str:
    if key in _SETTING_FIELDS:
        return f"'{action}.{key}' comes from a setting and cannot be mapped"
    if action == EVERY_ACTION:
        return f"'{EVERY_ACTION}': no action has a field '{key}'"
    return f"action '{action}' has no field '{key}'"


def _mapping_of(action: str, overrides: Mapping[str, Any]) -> dict[str, Any]:
    try:
        defaults = _DEFAULTS[action]
    except KeyError:
        raise MappingError(f"unknown action '{action}'") from None
    unknown = [_not_mappable(action, key) for key in overrides if key not in _MAPPABLE[action]]
    if unknown:
        raise MappingError(unknown)
    return {**defaults, **overrides}


def _skip_null_elements(
    mapped: dict[str, Any], key: str, mapping: Any, event: Mapping[str, Any]
) -> None:
    # Fix: the reference maps a null element of the source array to an item of nulls
    # (then sent as blanks); the product maps the array without its null elements.
    directive = mapping.get("@arrayPath") if isinstance(mapping, dict) else None
    if not (isinstance(directive, list) and len(directive) == 2):
        return
    source, item_mapping = directive
    found = transform({"source": {"@path": source} if isinstance(source, str) else source}, event)
    elements = found.get("source") if isinstance(found, dict) else None
    if not (isinstance(elements, list) and None in elements):
        return
    kept = {"elements": [element for element in elements if element is not None]}
    remapped = transform({key: {"@arrayPath": ["$.elements", item_mapping]}}, kept) or {}
    mapped[key] = remapped.get(key)


def _upsert_order(body: dict[str, Any]) -> dict[str, Any]:
    # The reference sends a discount only when it is fixed and non-zero; else null.
    discount = body.get("discountApplication")
    if not (isinstance(discount, dict) and discount.get("type") == "fixed"):
        discount = None
    body["discountApplication"] = discount if discount and discount.get("amount") else None
    return body


def _unchanged(body: dict[str, Any]) -> dict[str, Any]:
    return body


_FINISH: Final[Mapping[str, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "upsertOrder": _upsert_order,
}
