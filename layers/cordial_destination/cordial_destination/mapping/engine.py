"""Evaluation of a mapping against a payload, once the mapping is known to be valid."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..exceptions import MappingError
from .values import ABSENT, is_directive_like

#: evaluates a (sub-)mapping against a payload; handed to every directive
Evaluate = Callable[[Any, Any], Any]
#: a directive's implementation: (its argument, the payload, evaluate) -> value or ABSENT
Handler = Callable[[Any, Any, Evaluate], Any]

_HANDLERS: dict[str, Handler] = {}


def register(name: str) -> Callable[[Handler], Handler]:
    """Declare the function below as the implementation of directive ``name``."""

    def decorate(handler: Handler) -> Handler:
        _HANDLERS[name] = handler
        return handler

    return decorate


def known_directives() -> frozenset[str]:
    return frozenset(_HANDLERS)


def evaluate(mapping: Any, payload: Any) -> Any:
    """The value ``mapping`` gives for ``payload``; ``ABSENT`` when it gives nothing."""
    if isinstance(mapping, dict):
        if is_directive_like(mapping):
            return _evaluate_directive(mapping, payload)
        return evaluate_object(mapping, payload)
    if isinstance(mapping, list):
        # JSON has no "undefined": an absent array element is sent as null.
        return [none_if_absent(evaluate(item, payload)) for item in mapping]
    return mapping


def evaluate_object(mapping: dict[str, Any], payload: Any) -> dict[str, Any]:
    """A plain object of mappings: absent values leave their key out."""
    result: dict[str, Any] = {}
    for key, value in mapping.items():
        resolved = evaluate(value, payload)
        if resolved is not ABSENT:
            result[key] = resolved
    return result


def none_if_absent(value: Any) -> Any:
    return None if value is ABSENT else value


def _evaluate_directive(mapping: dict[str, Any], payload: Any) -> Any:
    ((name, argument),) = mapping.items()
    handler = _HANDLERS.get(name)
    if handler is None:
        raise MappingError([f"unknown directive {name!r}"])
    return handler(argument, payload, evaluate)
