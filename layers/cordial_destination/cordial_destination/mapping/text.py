"""JavaScript's ways of turning values into text, which directives' results depend on.

Strings in JavaScript are UTF-16: lengths, indexes and pattern matches count code units,
so an emoji is two. Python strings here never hold a valid surrogate pair split in two
(``from_utf16_units`` re-pairs them); a lone surrogate stays as it is, as in JavaScript.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from ..js_numbers import to_string
from .values import ABSENT

# The characters String.prototype.trim removes (Python's str.strip removes a different set).
JS_WHITESPACE = (
    " \t\n\v\f\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]{0,9}")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_SAFE_INTEGER = 2**53
_MAX_INDEX = 2**32 - 1


def utf16_units(text: str) -> str:
    """``text`` with each astral character split into its two surrogate code units."""
    if text.isascii() or max(text) < "\U00010000":
        return text
    encoded = text.encode("utf-16-le", "surrogatepass")
    return "".join(
        chr(int.from_bytes(encoded[i : i + 2], "little")) for i in range(0, len(encoded), 2)
    )


def from_utf16_units(units: str) -> str:
    """Undo ``utf16_units``: surrogate pairs become characters again, lone ones stay."""
    if units.isascii() or not _LONE_SURROGATE.search(units):
        return units
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def utf16_length(text: str) -> int:
    return len(text) + sum(1 for char in text if char > "\uffff")


def number_text(number: float) -> str:
    """JavaScript's ``String(number)``: 1, 2.5, 1e+21, 1e-7, 123456789012345680000."""
    if isinstance(number, int) and abs(number) < _MAX_SAFE_INTEGER:
        return str(number)
    return to_string(float(number))


def string_of(value: Any) -> str:
    """JavaScript's ``String(value)`` for JSON values; null and undefined print as empty."""
    if value is ABSENT or value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_text(value)
    if isinstance(value, list | tuple):
        return ",".join(string_of(item) for item in value)
    return "[object Object]"


def property_order(obj: dict[str, Any]) -> list[str]:
    """Keys in JavaScript's order: array-index keys ascending first, then the rest.

    The order shows in JSON text and decides which key wins when @flatten makes two
    equal keys ({"": [1], "0": null} flattens to {"0": 1}).
    """
    indexes = sorted((key for key in obj if _is_array_index(key)), key=int)
    if not indexes:
        return list(obj)
    index_set = set(indexes)
    return indexes + [key for key in obj if key not in index_set]


def _is_array_index(key: Any) -> bool:
    return isinstance(key, str) and bool(_ARRAY_INDEX.fullmatch(key)) and int(key) < _MAX_INDEX


def json_text(value: Any) -> Any:
    """JavaScript's ``JSON.stringify(value)``; ``ABSENT`` for a value it cannot encode."""
    if value is ABSENT:
        return ABSENT
    return "".join(_json_parts(value))


def _json_parts(value: Any) -> list[str]:
    if value is ABSENT or value is None:
        return ["null"]
    if isinstance(value, str):
        return [_json_string(value)]
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, int | float):
        return [number_text(value) if math.isfinite(value) else "null"]
    if isinstance(value, list | tuple):
        return ["[", ",".join("".join(_json_parts(item)) for item in value), "]"]
    if isinstance(value, dict):
        members = (
            f"{_json_string(key)}:{''.join(_json_parts(value[key]))}"
            for key in property_order(value)
            if value[key] is not ABSENT
        )
        return ["{", ",".join(members), "}"]
    return ["null"]


def _json_string(text: str) -> str:
    encoded = json.dumps(text, ensure_ascii=False)
    # JSON.stringify escapes lone surrogates, which json.dumps would leave raw.
    return _LONE_SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", encoded)


def parse_json(text: str) -> Any:
    """JavaScript's ``JSON.parse``; raises ValueError where it would throw."""
    return json.loads(
        text, parse_constant=_reject_constant, parse_int=_js_integer, parse_float=_js_float
    )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _js_float(digits: str) -> float | None:
    # 1e400 parses to Infinity, which JSON.stringify sends as null.
    number = float(digits)
    return number if math.isfinite(number) else None


def _js_integer(digits: str) -> int | float:
    # Every JavaScript number is a double: larger integers lose their low digits.
    number = int(digits)
    return number if abs(number) < _MAX_SAFE_INTEGER else float(number)
