"""Masking of personal data in text that goes to logs and dead-letter attributes."""

from __future__ import annotations

import re
from typing import Final

# Anything@anything: internationalised addresses (jöhn@exämple.com, 用户@例子.广告) and
# hosts without a dot (user@localhost) are addresses too; a false mask costs nothing.
EMAIL: Final = re.compile(r"[^\s@<>()\[\]{}\"',;:]{1,64}@[^\s@<>()\[\]{}\"',;:]{1,255}")
# Seven to fifteen digits (E.164's longest), optionally grouped by spaces, dots, dashes or
# brackets, maybe with a '+'.
PHONE: Final = re.compile(r"(?<![\w.])\+?\(?\d[\d\s().\-]{5,22}\d(?![\w.])")


def mask_personal_data(text: str) -> str:
    """Replace email addresses and phone-like numbers with a fixed mask."""
    text = EMAIL.sub("<email>", text)
    return PHONE.sub(_mask_phone, text)


def _mask_phone(match: re.Match[str]) -> str:
    digits = sum(ch.isdigit() for ch in match.group())
    return "<phone>" if 7 <= digits <= 15 else match.group()


def mask_email_addresses(text: str) -> str:
    """Replace email addresses only: for identifiers such as a caller-supplied messageId."""
    return EMAIL.sub("<email>", text)
