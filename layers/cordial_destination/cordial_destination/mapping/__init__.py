"""Segment's mapping language (the JSON with ``@path``, ``@if``...) evaluated in Python.

``transform`` gives what the reference gives for a mapping and an event; ``validate``
lists every problem of a mapping before it is used. See docs/mapping.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..exceptions import MappingError

# Imported for their side effect: each registers its directives or their checks.
from . import objects, rules, selection, strings  # noqa: F401
from .checks import find_problems
from .engine import evaluate
from .text import utf16_units
from .values import ABSENT, finish, is_directive_like

__all__ = ["MappingError", "transform", "validate"]


def transform(mapping: Any, payload: Mapping[str, Any]) -> Any:
    """Evaluate ``mapping`` against ``payload`` (a Segment event).

    A dict mapping gives a dict without the keys whose value is absent; JSON null stays
    None. Returns None when the whole result is absent. Raises MappingError when the
    mapping is invalid in a way the reference also rejects; never anything else.
    """
    problems = find_problems(mapping, strict=False)
    if problems:
        raise MappingError(problems)
    root = mapping if is_directive_like(mapping) else _as_object(mapping)
    event = payload if isinstance(payload, dict) else dict(payload)
    try:
        result = finish(evaluate(root, event))
    except RecursionError as exc:
        # Only an event nested hundreds of levels deep gets here; mappings are capped.
        raise MappingError(["the event is nested too deeply to map"]) from exc
    return None if result is ABSENT else result


def validate(mapping: Any) -> None:
    """Raise MappingError listing every problem of ``mapping``, each with its location.

    Stricter than ``transform``: it also reports what the reference silently ignores,
    such as an unknown option or a path with a wildcard.
    """
    problems = find_problems(mapping, strict=True)
    if problems:
        raise MappingError(problems)


def _as_object(mapping: Any) -> dict[str, Any]:
    # The reference reads a top-level mapping that is not a directive as an object: an
    # array becomes {"0": ..., "1": ...}, a string its characters, anything else {}.
    if isinstance(mapping, dict):
        return mapping
    if isinstance(mapping, list):
        return {str(index): value for index, value in enumerate(mapping)}
    if isinstance(mapping, str):
        return {str(index): unit for index, unit in enumerate(utf16_units(mapping))}
    return {}
