"""Paths such as ``$.properties.products[0].sku``, read the way the reference reads them.

The reference does not implement JSONPath. It drops the first ``$.``, turns ``[`` before a
quote or digit and ``]`` (or a run of them) after one into dots, splits on dots, skips empty
pieces and deletes every quote. So ``$.a['b.c']`` is ``a`` -> ``b`` -> ``c``, ``$.a[b]``
looks up the key ``a[b]``, and there are no wildcards, slices, negative indexes or filters.
The walk stops at the first falsy value and returns it, so a path through ``null``, ``0``,
``false`` or ``""`` yields that value instead of nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from .text import utf16_units
from .values import ABSENT, is_truthy

_OPENING_BRACKET = re.compile(r"\[(?=['\"0-9])")
_CLOSING_BRACKETS = re.compile(r"(?<=['\"0-9])\]+")
# JavaScript only treats canonical integer strings ("0", "12", not "01" or "+1") as indexes.
_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]*")


@lru_cache(maxsize=4096)
def parse_path(path: str, *, from_root: bool = True) -> tuple[str, ...]:
    """Split a path into the property names it looks up, in order.

    ``@path`` drops the first ``$.``; a ``{{...}}`` in ``@template`` keeps it
    (``{{$.a}}`` looks up a key named ``$``), hence ``from_root=False`` there.
    """
    dotted = path.replace("$.", "", 1) if from_root else path
    dotted = _OPENING_BRACKET.sub(".", dotted)
    dotted = _CLOSING_BRACKETS.sub(".", dotted)
    return tuple(piece.replace("'", "").replace('"', "") for piece in dotted.split(".") if piece)


def resolve_path(path: str, payload: Any, *, from_root: bool = True) -> Any:
    """The value at ``path`` in ``payload``, or ``ABSENT``."""
    current = payload
    for name in parse_path(path, from_root=from_root):
        if not is_truthy(current):
            return current
        current = _property(current, name)
    return current


def _property(container: Any, name: str) -> Any:
    # Only own data is visible: inherited JavaScript members (toString, constructor...)
    # are functions or prototypes that never survive into a JSON request anyway.
    if isinstance(container, Mapping):
        return container.get(name, ABSENT)
    if isinstance(container, list | tuple):
        return _sequence_property(container, name)
    if isinstance(container, str):
        return _string_property(container, name)
    return ABSENT


def _sequence_property(items: list[Any] | tuple[Any, ...], name: str) -> Any:
    if name == "length":
        return len(items)
    if _ARRAY_INDEX.fullmatch(name) and int(name) < len(items):
        return items[int(name)]
    return ABSENT


def _string_property(text: str, name: str) -> Any:
    # JavaScript strings are sequences of UTF-16 code units: "😀".length is 2.
    units = utf16_units(text)
    if name == "length":
        return len(units)
    if _ARRAY_INDEX.fullmatch(name) and int(name) < len(units):
        return units[int(name)]
    return ABSENT
