"""Check a mapped body against its action's fields, coercing values as the reference does.

The reference leaves out top-level values that are null or "", reads numeric strings as
numbers and numbers as strings, unwraps one-element arrays, and rejects what it cannot
coerce; this module does the same so that Cordial receives the same bodies. Where the
spec says "fix" it differs: inside order items a null is left out instead of becoming
"" or 0, and a null element of the items is skipped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, Final

from cordial_destination.date_like import is_date_like
from cordial_destination.exceptions import PayloadValidationError
from cordial_destination.field_schema import Field
from cordial_destination.fields import fields_of
from cordial_destination.js_numbers import to_json, to_number, to_string


class _Invalid(Exception):
    """A value its field cannot take; the message ends "'<field>' must be ..."."""


def validate_payload(action: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The body to send for ``payload``, mapped for ``action``, in the action's key order.

    Raises PayloadValidationError listing every missing and every invalid field.
    """
    problems: list[str] = []
    body: dict[str, Any] = {}
    for field in fields_of(action):
        value = payload.get(field.key)
        if value is None or value == "":
            _require(field, field.key, problems)
            continue
        checked = _check(field, value, field.key, problems)
        if checked is not _LEFT_OUT:
            body[field.key] = checked

    if problems:
        raise PayloadValidationError(action, problems)
    return body


_LEFT_OUT: Final = object()


def _require(field: Field, where: str, problems: list[str]) -> None:
    if field.required:
        problems.append(f"missing required field '{where}'")


def _check(field: Field, value: Any, where: str, problems: list[str]) -> Any:
    try:
        if field.type == "array":
            return _array(field, value, where, problems)
        if field.type == "object":
            return _object(field, value, where, problems)
        return _scalar(field, value)
    except _Invalid as invalid:
        problems.append(f"'{where}' must be {invalid}")
        return _LEFT_OUT


def _scalar(field: Field, value: Any) -> Any:
    # A one-element array stands for its element (not for a datetime).
    if isinstance(value, list) and len(value) == 1 and field.type != "datetime":
        value = value[0]
    coerced = _COERCE[field.type](value)
    if field.choices and coerced not in field.choices:
        raise _Invalid("one of: " + ", ".join(field.choices))
    return coerced


def _string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return to_string(value)
    if isinstance(value, str):
        return value
    raise _Invalid("a string")


def _number_or_none(value: Any) -> float | None:
    # null is 0 and booleans 1 or 0; a string counts when non-empty and numeric.
    if value is None or isinstance(value, bool):
        return float(bool(value))
    if isinstance(value, int | float):
        return float(value) if isinstance(value, float) else value
    if isinstance(value, str) and value:
        number = to_number(value)
        return None if math.isnan(number) else number
    return None


def _number(value: Any) -> int | float | None:
    number = _number_or_none(value)
    if number is None:
        raise _Invalid("a number")
    return to_json(number)


def _integer(value: Any) -> int | float | None:
    number = _number_or_none(value)
    # An infinite "integer" passes, as in the reference, and is sent as null.
    if number is None or (math.isfinite(number) and number % 1):
        raise _Invalid("an integer")
    return to_json(number)


def _datetime(value: Any) -> Any:
    # Numbers pass as they are; strings must read as a date; both are sent unchanged.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return to_json(value)
    if isinstance(value, str) and is_date_like(value):
        return value
    raise _Invalid("a date-like string")


def _boolean(value: Any) -> bool:
    if value in (True, False, None, 0, 1, "true", "false"):
        return value in (True, 1, "true")
    raise _Invalid("a boolean")


_COERCE: Final[Mapping[str, Callable[[Any], Any]]] = {
    "string": _string,
    "number": _number,
    "integer": _integer,
    "datetime": _datetime,
    "boolean": _boolean,
}


def _object(field: Field, value: Any, where: str, problems: list[str]) -> Any:
    if not isinstance(value, dict):
        raise _Invalid("an object")
    if not field.properties:
        return value
    # A typed object keeps its declared keys, leaving out null and "" like the top level.
    kept = {key: inner for key, inner in value.items() if inner is not None and inner != ""}
    return _declared(field.properties, kept, where, problems)


def _array(field: Field, value: Any, where: str, problems: list[str]) -> list[Any]:
    elements = value if isinstance(value, list) else [value]
    result: list[Any] = []
    # Fix: a null element is skipped rather than sent as an item of blanks.
    for index, element in enumerate(e for e in elements if e is not None):
        at = f"{where}[{index}]"
        if not isinstance(element, dict):
            problems.append(f"'{at}' must be an object")
            continue
        # Fix: a null inside an item is left out rather than sent as "" or 0.
        kept = {key: inner for key, inner in element.items() if inner is not None}
        result.append(_declared(field.properties, kept, at, problems))
    return result


def _declared(
    properties: tuple[Field, ...], value: Mapping[str, Any], where: str, problems: list[str]
) -> dict[str, Any]:
    # Keys keep the order the mapping gave them, as the reference's bodies do.
    declared = {inner.key: inner for inner in properties}
    result: dict[str, Any] = {}
    for key, inner in value.items():
        if key in declared:
            checked = _check(declared[key], inner, f"{where}.{key}", problems)
            if checked is not _LEFT_OUT:
                result[key] = checked
    for inner_field in properties:
        if inner_field.key not in value:
            _require(inner_field, f"{where}.{inner_field.key}", problems)
    return result
