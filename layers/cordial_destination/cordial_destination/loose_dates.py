"""Whether JavaScript's ``Date.parse`` reads a string as a date: ISO 8601 or a loose form.

Loose forms are read as words and numbers: numbers give the date (month first unless the
first is over 31, then year first), ``h:m[:s[.ms]]`` the time, month names (three letters
suffice) the month, ``am``/``pm``, zone names and ``+hhmm`` the zone; words before the
first number (weekdays) and text in parentheses are ignored. Only acceptance matters here:
the value is sent as written. Probing against Node's ``Date.parse`` found the rules; a few
odd inputs are read differently (see docs/differences.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

_ISO: Final = re.compile(
    r"([+-][0-9]{6}|[0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?"
    r"(?:[Tt]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?(?:[Zz]|[+-]([0-9]{2}):?([0-9]{2}))?"
    r"|[Zz])?"
)
# An ISO date followed by "T", or a whole one followed by a date or time separator, must
# be ISO to the end; no loose reading is tried.
_ISO_PREFIX: Final = re.compile(
    r"(?:[+-][0-9]{6}|[0-9]{4})(?:(?:-[0-9]{2}){0,2}[Tt]|-[0-9]{2}-[0-9]{2}[-/.:+].)"
)
_PART: Final = re.compile(r"[0-9]+|[^\W\d_]+|\s+|.", re.DOTALL)
_MONTHS: Final = (
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
)
_ZONES: Final = frozenset(
    {"z", "ut", "utc", "gmt", "est", "edt", "cst", "cdt", "mst", "mdt", "pst", "pdt"}
)
_LAST_YEAR: Final = 275760
#: JavaScript dates span 100,000,000 days either side of 1970.
_FIRST_DAY: Final = (-271821, 4, 20)
_LAST_DAY: Final = (275760, 9, 13)
#: The year JavaScript assumes when a loose date gives none.
_DEFAULT_YEAR: Final = 2001
#: Stands for a number too long to read: larger than any part of any date.
_TOO_LARGE: Final = 10**20


def parses(text: str) -> bool:
    """Whether ``Date.parse(text)`` gives a date rather than NaN."""
    iso = _ISO.fullmatch(text)
    if iso:
        return _iso_in_range(iso)
    if _ISO_PREFIX.match(text):
        return False
    scan = _Scan(_parts(text))
    return scan.run() and scan.in_range()


def _iso_in_range(match: re.Match[str]) -> bool:
    year, month, day, hour, minute, second, zone_hours, zone_minutes = (
        int(part) if part else None for part in match.groups()
    )
    if year is None or abs(year) > _LAST_YEAR or match.group(1) == "-000000":
        return False
    if (zone_hours or 0) > 23 or (zone_minutes or 0) > 59:
        return False
    return _day_in_range(month or 1, day or 1) and _time_in_range(
        [hour or 0, minute or 0, second or 0]
    )


def _day_in_range(month: int, day: int) -> bool:
    # No check of the month's length: 02/31 rolls over to March, as in JavaScript.
    return 1 <= month <= 12 and 1 <= day <= 31


def _time_in_range(time: list[int]) -> bool:
    hour, minute, second = [*time, 0, 0, 0][:3]
    if hour == 24:
        return minute == second == 0
    return hour <= 23 and minute <= 59 and second <= 59


def _parts(text: str) -> list[str]:
    # Text in parentheses is a comment, nested or left open to the end; it separates
    # like a space.
    parts: list[str] = []
    depth = 0
    for part in _PART.findall(text):
        if part == "(":
            depth += 1
            parts.append(" ")
        elif part == ")" and depth:
            depth -= 1
        elif not depth:
            parts.append(part)
    return parts


@dataclass
class _Scan:
    parts: list[str]
    position: int = 0
    numbers: list[int] = field(default_factory=list)
    month: int | None = None
    time: list[int] = field(default_factory=list)
    time_done: bool = False
    zone_named: bool = False
    zone_minutes_next: bool = False
    seen_number: bool = False

    def peek(self) -> str:
        return self.parts[self.position] if self.position < len(self.parts) else ""

    def take(self, expected: str) -> bool:
        if self.peek() != expected:
            return False
        self.position += 1
        return True

    def run(self) -> bool:
        while self.position < len(self.parts):
            part = self.parts[self.position]
            self.position += 1
            if part.isdigit() and part.isascii():
                accepted = self.number(_digits_value(part))
            elif part.isalpha():
                accepted = self.word(part.lower())
            elif part in "+-":
                accepted = self.sign()
            else:
                accepted = part != ")" or not self.seen_number
            if not accepted:
                return False
        return True

    def number(self, value: int) -> bool:
        self.seen_number = True
        if self.take(":"):
            return self.time_part(value)
        if self.peek() == "." and len(self.time) == 2 and self.expects(value):
            self.position += 1
            if not self.peek().isdigit():
                return False
            self.position += 1
            self.time.append(value)
            self.time_done = True
            return True
        if self.zone_minutes_next:
            self.zone_minutes_next = False
            return True
        if self.expects(value):
            self.time.append(value)
            self.time_done = True
            follower = self.peek()
            return not follower or follower.isspace() or follower in ("z", "Z", "+", "-")
        self.numbers.append(value)
        self.take("-")
        return len(self.numbers) <= 3

    def expects(self, value: int) -> bool:
        # A number out of range for the next minute or second is read as a date number.
        return bool(self.time) and not self.time_done and value <= 59

    def time_part(self, value: int) -> bool:
        if self.take(":"):
            if self.time:
                return False
            self.time = [value, 0]
            return True
        if len(self.time) >= 3 or self.time_done:
            return False
        self.time.append(value)
        self.take(".")
        return True

    def word(self, word: str) -> bool:
        if word in ("am", "pm") and self.time:
            return self.twelve_hour(afternoon=word == "pm")
        if len(word) >= 3 and word[:3] in _MONTHS:
            self.month = _MONTHS.index(word[:3]) + 1
            self.take("-")
            return True
        if word in _ZONES and self.seen_number:
            self.zone_named = True
            return True
        # Other words are allowed only before the first number, apart from it.
        return not self.seen_number and not self.peek().isdigit()

    def twelve_hour(self, *, afternoon: bool) -> bool:
        if self.time[0] > 12:
            return False
        self.time[0] = self.time[0] % 12 + (12 if afternoon else 0)
        return True

    def sign(self) -> bool:
        if not (self.zone_named or self.time):
            return not self.seen_number
        self.seen_number = True
        digits = self.peek() if self.peek().isdigit() else ""
        self.position += bool(digits)
        if self.take(":"):
            self.zone_minutes_next = True
            return True
        return 1 <= len(digits) <= 4

    def in_range(self) -> bool:
        date = self.date()
        if date is None or not _day_in_range(date[1], date[2]):
            return False
        return _FIRST_DAY <= date <= _LAST_DAY and _time_in_range(self.time)

    def date(self) -> tuple[int, int, int] | None:
        """(year, month, day) from the numbers read, or None when there are none."""
        if not self.numbers:
            return None
        first, *rest = self.numbers
        # A first number that cannot be a day or month starts with the year.
        year_first = first > 31 or first == 0
        if self.month is not None:
            other = rest[0] if rest else None
            if year_first:
                return _year(first), self.month, 1 if other is None else other
            return _year(_DEFAULT_YEAR if other is None else other), self.month, first
        if not rest:
            if year_first:
                return _year(first), 1, 1
            return (_DEFAULT_YEAR, first, 1) if first <= 12 else None
        second, *last = rest
        if year_first:
            return _year(first), second, last[0] if last else 1
        return _year(last[0] if last else _DEFAULT_YEAR), first, second


def _digits_value(digits: str) -> int:
    # int() refuses more than 4300 digits; a number that long is past every date range,
    # and so is the stand-in, which compares the same way in every check here.
    significant = digits.lstrip("0") or "0"
    return int(significant) if len(significant) <= 20 else _TOO_LARGE


def _year(value: int) -> int:
    # Two-digit years: 0-49 are 2000-2049, 50-99 are 1950-1999.
    if value < 50:
        return value + 2000
    return value + 1900 if value < 100 else value
