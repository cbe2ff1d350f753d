"""Which strings the reference accepts as a date for a datetime field, sent unchanged.

The reference accepts three kinds, tried in this order (learned by probing it):

1. a number written as JavaScript writes it ("1700000000", "-1.5"), read as unix
   seconds: valid while that second is within JavaScript's date range;
2. a year-first compact form: four digits, then optional month, day, time and fraction
   ("2024-1-5", "20240105", "2024/01/05 10:00"), unless it ends in "Z";
3. whatever JavaScript's ``Date.parse`` reads: ISO 8601 and the loose forms of browsers
   ("03/05/2024", "Jan 5, 2024", "Tue, 05 Mar 2024 10:00:00 GMT").

The third kind is approximated by ``loose_dates.parses``; see docs/differences.md.
"""

from __future__ import annotations

import math
import re
from typing import Final

from cordial_destination.js_numbers import to_number, to_string
from cordial_destination.loose_dates import parses

#: JavaScript dates span 8.64e15 ms either side of 1970.
_MAX_MILLISECONDS: Final = 8.64e15

_COMPACT: Final = re.compile(
    r"[0-9]{4}[-/]?[0-9]{0,2}[-/]?[0-9]{0,2}[Tt\s]*"
    r"[0-9]{0,2}:?[0-9]{0,2}:?[0-9]{0,2}[.:]?[0-9]*"
)


def is_date_like(text: str) -> bool:
    """Whether the reference accepts ``text`` as a date."""
    number = to_number(text)
    if not math.isnan(number) and to_string(number) == text:
        return math.isfinite(number) and abs(number * 1000) <= _MAX_MILLISECONDS
    if not text.endswith(("z", "Z")) and _COMPACT.fullmatch(text):
        return True
    return parses(text)
