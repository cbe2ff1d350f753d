"""Directives that produce text: @template, @case, @replace."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .engine import Evaluate, register
from .paths import resolve_path
from .text import JS_WHITESPACE, from_utf16_units, string_of, utf16_units
from .values import ABSENT

# Triple braces are replaced first, then double braces in the result of that.
_TRIPLE_BRACES = re.compile(r"\{\{\{([^}]+)\}\}\}")
_DOUBLE_BRACES = re.compile(r"\{\{([^}]+)\}\}")
_SUBSTITUTION = re.compile(r"\$([$&`'])")


@register("@template")
def template(argument: Any, payload: Any, evaluate: Evaluate) -> Any:
    text = argument if isinstance(argument, str) else evaluate(argument, payload)
    if not isinstance(text, str):
        # The reference throws here; it depends on the event, so the result is nothing.
        return ABSENT

    def placeholder(match: re.Match[str]) -> str:
        name = match.group(1).strip(JS_WHITESPACE)
        return string_of(resolve_path(name, payload, from_root=False))

    return _DOUBLE_BRACES.sub(placeholder, _TRIPLE_BRACES.sub(placeholder, text))


@register("@case")
def case(argument: dict[str, Any], payload: Any, evaluate: Evaluate) -> Any:
    # No value, or the empty string written as the value, gives nothing in the reference.
    if argument.get("value", "") == "":
        return ABSENT
    value = evaluate(argument["value"], payload)
    if not isinstance(value, str):
        return value
    return value.lower() if argument["operator"] == "lower" else value.upper()


@register("@replace")
def replace(argument: dict[str, Any], payload: Any, evaluate: Evaluate) -> Any:
    if argument["value"] == "":
        # The empty string written as the value gives nothing in the reference.
        return ABSENT
    every = argument.get("global", True)
    ignore_case = argument.get("ignorecase", False)
    units = utf16_units(_subject(evaluate(argument["value"], payload)))
    units = replace_text(
        units, argument["pattern"], argument.get("replacement", ""), every, ignore_case
    )
    second_pattern = argument.get("pattern2")
    second_replacement = argument.get("replacement2")
    if second_replacement is None:
        second_replacement = ""
    # A second pattern that is not a non-empty string, or a non-string replacement for it,
    # is ignored by the reference.
    if isinstance(second_pattern, str) and second_pattern and isinstance(second_replacement, str):
        units = replace_text(units, second_pattern, second_replacement, every, ignore_case)
    return from_utf16_units(units)


def _subject(value: Any) -> str:
    """The text @replace works on: numbers and booleans as text, other non-strings empty."""
    return string_of(value) if isinstance(value, str | bool | int | float) else ""


def replace_text(units: str, pattern: str, replacement: str, every: bool, fold: bool) -> str:
    """Replace ``pattern`` as literal text (the reference escapes it) in UTF-16 ``units``."""
    needle = utf16_units(pattern)
    haystack = _fold(units) if fold else units
    if fold:
        needle = _fold(needle)
    replacement = utf16_units(replacement)
    pieces: list[str] = []
    position = 0
    while (start := haystack.find(needle, position)) >= 0:
        end = start + len(needle)
        pieces += [units[position:start], _substitute(replacement, units, start, end)]
        position = end
        if not every:
            break
    pieces.append(units[position:])
    return "".join(pieces)


def _substitute(replacement: str, units: str, start: int, end: int) -> str:
    """Expand ``$$``, ``$&``, ``$``` and ``$'`` as String.prototype.replace does."""
    if "$" not in replacement:
        return replacement
    expansions = {"$": "$", "&": units[start:end], "`": units[:start], "'": units[end:]}
    return _SUBSTITUTION.sub(lambda match: expansions[match.group(1)], replacement)


def _fold(units: str) -> str:
    if units.isascii():
        return units.upper()
    return "".join(_fold_unit(unit) for unit in units)


@lru_cache(maxsize=4096)
def _fold_unit(unit: str) -> str:
    # Case-insensitive regular expressions without the u flag compare upper-cased code
    # units, except where that maps a non-ASCII unit to ASCII (the long s U+017F is not s).
    upper = unit.upper()
    if len(upper) != 1 or (unit >= "\x80" and upper < "\x80"):
        return unit
    return upper
