"""Directives that pick values: @path, @if, @arrayPath, @literal, @transform, @excludeWhenNull."""

from __future__ import annotations

from typing import Any

from .engine import Evaluate, register
from .paths import resolve_path
from .values import ABSENT, BuiltArray, BuiltObject, is_blank, is_missing, is_truthy


@register("@path")
def path(argument: Any, payload: Any, evaluate: Evaluate) -> Any:
    if isinstance(argument, str):
        return resolve_path(argument, payload)
    # A computed path that is not a string is an error in the reference; it depends on the
    # event, not the mapping, so here it gives nothing and the event's field checks decide.
    computed = evaluate(argument, payload)
    return resolve_path(computed, payload) if isinstance(computed, str) else ABSENT


@register("@if")
def if_(argument: dict[str, Any], payload: Any, evaluate: Evaluate) -> Any:
    # The reference picks the condition by the truthiness of the raw mapping, exists first.
    if is_truthy(argument.get("exists", ABSENT)):
        holds = not is_missing(evaluate(argument["exists"], payload))
    else:
        holds = not is_blank(evaluate(argument["blank"], payload))
    if holds:
        return evaluate(argument["then"], payload) if "then" in argument else ABSENT
    # Unlike "then", an "else" of null, 0, "" or false gives nothing in the reference.
    otherwise = argument.get("else")
    return evaluate(otherwise, payload) if is_truthy(otherwise) else ABSENT


@register("@arrayPath")
def array_path(argument: list[Any], payload: Any, evaluate: Evaluate) -> Any:
    source = argument[0]
    # A directive in first place gives the data itself, a string is a path to it.
    data = resolve_path(source, payload) if isinstance(source, str) else evaluate(source, payload)
    item_mapping = argument[1] if len(argument) > 1 else None
    if not isinstance(item_mapping, dict) or not item_mapping:
        return data
    if isinstance(data, dict):
        data = [data]
    elif not isinstance(data, list):
        return data
    return BuiltArray(evaluate(item_mapping, element) for element in data)


@register("@literal")
def literal(argument: Any, payload: Any, evaluate: Evaluate) -> Any:
    # Not quite literal in the reference: directives nested in the value are evaluated.
    return evaluate(argument, payload)


@register("@transform")
def transform_(argument: dict[str, Any], payload: Any, evaluate: Evaluate) -> Any:
    if payload is not ABSENT and not isinstance(payload, dict):
        # The reference throws when the data @transform starts from is not an object (an
        # array item, say); that depends on the event, so here it gives nothing.
        return ABSENT
    applied = evaluate(argument["apply"], payload)
    return evaluate(argument["mapping"], applied)


@register("@excludeWhenNull")
def exclude_when_null(argument: Any, payload: Any, evaluate: Evaluate) -> Any:
    value = evaluate(argument, payload)
    if value is None:
        return ABSENT
    return _without_null_keys(value) if isinstance(value, dict) else value


def _without_null_keys(obj: dict[str, Any]) -> BuiltObject:
    # Nulls go from objects at every depth, but not from arrays (nor objects inside them).
    return BuiltObject(
        (key, _without_null_keys(value) if isinstance(value, dict) else value)
        for key, value in obj.items()
        if value is not None
    )
