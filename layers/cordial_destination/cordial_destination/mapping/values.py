"""How the reference's JavaScript values behave, for the parts mappings can observe.

The reference runs on JavaScript, where a missing value (``undefined``) is distinct from
``null`` and where truthiness and loose equality decide several directives. ``ABSENT``
stands for ``undefined``; ``None`` is JSON ``null``.
"""

from __future__ import annotations

from typing import Any, Final


class _Absent:
    """The type of ``ABSENT``; there is only ever one instance."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False


ABSENT: Final = _Absent()


class BuiltObject(dict[str, Any]):
    """An object the engine built; it may hold ``ABSENT`` values until ``finish``.

    The reference drops undefined keys only when the whole result is done, so in between
    an undefined key still counts, e.g. it overrides a key in ``@merge``.
    """


class BuiltArray(list[Any]):
    """An array the engine built; it may hold ``ABSENT`` items until ``finish``."""


def finish(value: Any) -> Any:
    """The result as JSON: absent keys left out, absent array items null.

    Only containers the engine built are walked; data taken from the payload never holds
    ``ABSENT``, so large event objects are returned as they are, without a copy.
    """
    if isinstance(value, BuiltObject):
        return {key: finish(item) for key, item in value.items() if item is not ABSENT}
    if isinstance(value, BuiltArray):
        return [None if item is ABSENT else finish(item) for item in value]
    return value


def is_truthy(value: Any) -> bool:
    """JavaScript truthiness: only undefined, null, false, 0 and "" are false."""
    if value is ABSENT or value is None or value is False:
        return False
    if isinstance(value, int | float | str):
        return bool(value)
    return True


def is_missing(value: Any) -> bool:
    """True for undefined and null, what ``@if`` with ``exists`` treats as not existing."""
    return value is ABSENT or value is None


def is_blank(value: Any) -> bool:
    """What ``@if`` with ``blank`` treats as blank: null, undefined, or ``value == ''``.

    JavaScript's loose equality makes ``0``, ``false`` and an array that joins to the
    empty string (``[]``, ``[null]``, ``[[]]``, ``[""]``) equal to ``''``; objects never are.
    """
    if is_missing(value) or value is False:
        return True
    if value is True:
        return False
    if isinstance(value, int | float):
        return value == 0
    if isinstance(value, str):
        return value == ""
    if isinstance(value, list | tuple):
        return _joins_to_empty(value)
    return False


def _joins_to_empty(items: list[Any] | tuple[Any, ...]) -> bool:
    # Two or more elements always join with a comma, so only 0 or 1 element can be empty.
    if len(items) > 1:
        return False
    if not items:
        return True
    only = items[0]
    if is_missing(only) or only == "":
        return True
    return isinstance(only, list | tuple) and _joins_to_empty(only)


def is_directive_like(value: Any) -> bool:
    """A dict is a directive when one of its keys starts with ``@``."""
    if not isinstance(value, dict):
        return False
    return any(isinstance(key, str) and key.startswith("@") for key in value)


def json_type_name(value: Any) -> str:
    """The type word the error messages use, JavaScript-style (``an array``, ``a null``)."""
    if value is ABSENT:
        return "an undefined"
    if value is None:
        return "a null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "an array"
    return "an object"
