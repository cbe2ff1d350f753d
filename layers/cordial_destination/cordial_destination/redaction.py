"""Masking of personal data in text that goes to logs and dead-letter attributes."""

from __future__ import annotations

import re
from typing import Final

EMAIL: Final = re.compile(r"[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9.\-]{1,255}\.[A-Za-z]{2,63}")
# Seven or more digits, optionally grouped by spaces, dots, dashes or brackets, maybe with a '+'.
PHONE: Final = re.compile(r"\+?\(?\d[\d\s().\-]{5,}\d")


def mask_personal_data(text: str) -> str:
    """Replace email addresses and phone-like numbers with a fixed mask."""
    text = EMAIL.sub("<email>", text)
    return PHONE.sub(_mask_phone, text)


def _mask_phone(match: re.Match[str]) -> str:
    digits = sum(ch.isdigit() for ch in match.group())
    return "<phone>" if digits >= 7 else match.group()
