"""Segment's mapping language (the JSON with ``@path``, ``@if``...) evaluated in Python.

``transform`` gives what the reference gives for a mapping and an event; ``validate``
lists every problem of a mapping before it is used. See docs/mapping.md.
"""

from __future__ import annotations

import marshal
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

# Fingerprints of mappings that passed transform's checks, oldest first.
_ACCEPTED: dict[bytes, None] = {}
_ACCEPTED_LIMIT = 256


def transform(mapping: Any, payload: Mapping[str, Any]) -> Any:
    """Evaluate ``mapping`` against ``payload`` (a Segment event).

    A dict mapping gives a dict without the keys whose value is absent; JSON null stays
    None. Returns None when the whole result is absent. Raises MappingError when the
    mapping is invalid in a way the reference also rejects; never anything else.
    """
    _check_for_transform(mapping)
    root = mapping if is_directive_like(mapping) else _as_object(mapping)
    # Any other Mapping is read as a dict; a value that is no Mapping at all is mapped as
    # it is, as @arrayPath maps array items (the reference refuses it).
    event = (
        dict(payload) if isinstance(payload, Mapping) and not isinstance(payload, dict) else payload
    )
    try:
        result = finish(evaluate(root, event))
    except RecursionError as exc:
        # Only an event nested hundreds of levels deep gets here; mappings are capped.
        raise MappingError(["the event is nested too deeply to map"]) from exc
    return None if result is ABSENT else result


def _check_for_transform(mapping: Any) -> None:
    """Raise MappingError for what the reference rejects; remember mappings that passed.

    A Lambda maps every event with the same few mappings, and checking one costs about as
    much as evaluating it. marshal gives an exact fingerprint of plain JSON-like data
    cheaply (1 and "1", 1 and 1.0, True and 1 all differ); anything else is checked anew.
    """
    try:
        fingerprint: bytes | None = marshal.dumps(mapping)
    except ValueError:
        fingerprint = None
    if fingerprint is not None and fingerprint in _ACCEPTED:
        return
    problems = find_problems(mapping, strict=False)
    if problems:
        raise MappingError(problems)
    if fingerprint is not None:
        if len(_ACCEPTED) >= _ACCEPTED_LIMIT:
            del _ACCEPTED[next(iter(_ACCEPTED))]
        _ACCEPTED[fingerprint] = None


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
