"""JavaScript's number conversions, which the reference applies when it coerces a field.

The reference reads "0x10" as 16 and " 2 " as 2, writes 1e21 as "1e+21", and sends an
infinite number as null; matching it keeps the bodies Cordial receives the same.
"""

from __future__ import annotations

import math
import re
from typing import Final

# JavaScript's StrWhiteSpaceChar: WhiteSpace and LineTerminator (not Python's isspace set).
_JS_SPACE: Final = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_DECIMAL: Final = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_RADIX: Final = {"0x": (16, "0-9a-fA-F"), "0o": (8, "0-7"), "0b": (2, "01")}
_INFINITY: Final = {"Infinity": math.inf, "+Infinity": math.inf, "-Infinity": -math.inf}
#: Past this, integers are no longer exact in a JavaScript number.
_EXACT_LIMIT: Final = 2**53


def to_number(text: str) -> float:
    """``Number(text)``: the number a string denotes, NaN when it denotes none."""
    text = text.strip(_JS_SPACE)
    if not text:
        return 0.0
    if text in _INFINITY:
        return _INFINITY[text]
    radix = _RADIX.get(text[:2].lower())
    if radix is not None:
        base, digits = radix
        if not re.fullmatch(f"[{digits}]+", text[2:]):
            return math.nan
        try:
            return float(int(text[2:], base))
        except OverflowError:
            # JavaScript reads a literal past the largest double as Infinity.
            return math.inf
    if _DECIMAL.fullmatch(text):
        return float(text)
    return math.nan


def to_string(value: float) -> str:
    """``String(value)`` for a number, e.g. 2.0 -> "2", 1e21 -> "1e+21", 1e-7 -> "1e-7"."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    if value < 0:
        return "-" + to_string(-value)
    digits, exponent = _shortest_digits(value)
    return _format(digits, exponent)


def to_json(value: float) -> int | float | None:
    """The number as JSON.stringify writes it: whole numbers without a fraction, inf as null."""
    if isinstance(value, int):
        return value
    if not math.isfinite(value):
        return None
    if value.is_integer() and abs(value) < _EXACT_LIMIT:
        return int(value)
    return value


def _shortest_digits(value: float) -> tuple[str, int]:
    # repr gives the shortest digits that read back as the same float, as JavaScript does;
    # returns them with n, the position of the decimal point (value = 0.digits * 10**n).
    mantissa, _, exp = f"{value!r}".partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    leading_zeros = len(whole + fraction) - len((whole + fraction).lstrip("0"))
    point = len(whole) - leading_zeros + (int(exp) if exp else 0)
    return digits.rstrip("0") or "0", point


def _format(digits: str, point: int) -> str:
    # ECMAScript Number::toString: plain notation for 1e-7 < value < 1e21, else exponent.
    count = len(digits)
    if count <= point <= 21:
        return digits + "0" * (point - count)
    if 0 < point <= 21:
        return f"{digits[:point]}.{digits[point:]}"
    if -6 < point <= 0:
        return "0." + "0" * -point + digits
    exponent = point - 1
    sign = "+" if exponent >= 0 else "-"
    mantissa = digits if count == 1 else f"{digits[0]}.{digits[1:]}"
    return f"{mantissa}e{sign}{abs(exponent)}"
