"""Evaluation of a mapping against a payload, once the mapping is known to be valid."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .values import BuiltArray, BuiltObject, is_directive_like

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


def evaluate(mapping: Any, payload: Any) -> Any:
    """The value ``mapping`` gives for ``payload``; ``ABSENT`` when it gives nothing.

    Objects and arrays come back as BuiltObject and BuiltArray, which may still hold
    ``ABSENT``; ``values.finish`` turns the final result into plain JSON.
    """
    if isinstance(mapping, dict):
        if is_directive_like(mapping):
            ((name, argument),) = mapping.items()
            return _HANDLERS[name](argument, payload, evaluate)
        return BuiltObject((key, evaluate(value, payload)) for key, value in mapping.items())
    if isinstance(mapping, list):
        return BuiltArray(evaluate(item, payload) for item in mapping)
    return mapping
