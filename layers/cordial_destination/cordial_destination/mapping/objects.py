"""Directives that reshape objects: @merge, @flatten, @json."""

from __future__ import annotations

from typing import Any

from .engine import Evaluate, register
from .text import json_text, parse_json, property_order, utf16_units
from .values import ABSENT, BuiltObject


@register("@merge")
def merge(argument: dict[str, Any], payload: Any, evaluate: Evaluate) -> Any:
    sources = [evaluate(source, payload) for source in argument["objects"]]
    # Only exactly "left" merges leftwards; the reference's check accepts "LEFT" but then
    # merges it to the right.
    if argument["direction"] == "left":
        sources.reverse()
    merged = BuiltObject()
    for source in sources:
        _assign(merged, source)
    return merged


def _assign(target: BuiltObject, source: Any) -> None:
    """Object.assign: copy own keys; arrays and strings give index keys, the rest nothing."""
    if isinstance(source, dict):
        target.update(source)
    elif isinstance(source, list):
        target.update((str(index), item) for index, item in enumerate(source))
    elif isinstance(source, str):
        target.update((str(index), unit) for index, unit in enumerate(utf16_units(source)))


@register("@flatten")
def flatten(argument: dict[str, Any], payload: Any, evaluate: Evaluate) -> Any:
    flat = BuiltObject()
    _flatten_into(flat, evaluate(argument["value"], payload), "", argument["separator"])
    return flat


def _flatten_into(flat: BuiltObject, value: Any, prefix: str, separator: str) -> None:
    if isinstance(value, dict):
        children = [(key, value[key]) for key in property_order(value)]
    elif isinstance(value, list):
        children = [(str(index), item) for index, item in enumerate(value)]
    else:
        flat[prefix] = value
        return
    # An empty object or array leaves no key at all.
    for key, child in children:
        _flatten_into(flat, child, f"{prefix}{separator}{key}" if prefix else key, separator)


@register("@json")
def json_(argument: dict[str, Any], payload: Any, evaluate: Evaluate) -> Any:
    value = evaluate(argument["value"], payload)
    mode = argument["mode"]
    if mode == "encode":
        return json_text(value)
    if mode == "decode":
        return _decoded(value)
    # The reference's check accepts "Encode" or "DECODE", which then give nothing.
    return ABSENT


def _decoded(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return parse_json(value)
    except ValueError:
        # Text that is not JSON is kept as it is, as the reference does.
        return value
