"""Validation of a mapping: every problem, each with where it is in the mapping.

Two levels. The problems the reference also rejects make ``transform`` fail. ``validate``
adds the strict ones, mistakes the reference silently ignores (an option it does not know,
a path with a wildcard), so a typo in a mapping file is caught on deploy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from .values import is_directive_like, json_type_name

_PLAIN_NAME = re.compile(r"[A-Za-z_@$][A-Za-z0-9_@$]*")
#: deeper mappings are refused rather than risk Python's recursion limit
MAX_DEPTH = 64

#: where a value is inside the mapping: the keys and indexes leading to it from the top;
#: made into text only when a problem is reported
Location = tuple[Any, ...]


class Inspector:
    """Walks a mapping and collects problems as ``at <location>: <message>``."""

    def __init__(self, *, strict: bool) -> None:
        self.strict = strict
        self.problems: list[str] = []

    def report(self, location: Location, message: str, *, strict_only: bool = False) -> None:
        if self.strict or not strict_only:
            self.problems.append(f"at {where(location)}: {message}")

    def mapping(self, mapping: Any, location: Location, depth: int = 0) -> None:
        """Check any mapping: a literal, a plain object or array, or a directive."""
        if depth > MAX_DEPTH:
            self.report(location, f"the mapping is nested more than {MAX_DEPTH} levels deep")
        elif isinstance(mapping, dict):
            if is_directive_like(mapping):
                self._directive(mapping, location, depth)
                return
            for key, value in mapping.items():
                if not isinstance(key, str):
                    self.report(location, f"keys must be strings, not {kind(key)} {key!r}")
                self.mapping(value, child(location, key), depth + 1)
        elif isinstance(mapping, list):
            for index, value in enumerate(mapping):
                self.mapping(value, (*location, index), depth + 1)

    def _directive(self, mapping: dict[str, Any], location: Location, depth: int) -> None:
        if len(mapping) != 1:
            keys = ", ".join(f"'{key}'" for key in mapping)
            self.report(location, f"a directive must be alone in its object, found keys {keys}")
        for name, argument in mapping.items():
            if not (isinstance(name, str) and name.startswith("@")):
                continue
            rule = _RULES.get(name)
            if rule is None:
                self.report(location, f"unknown directive '{name}'")
            else:
                rule(argument, child(location, name), Scope(self, depth + 1))


class Scope:
    """What a directive's rule sees: the inspector, at the depth of the directive."""

    def __init__(self, inspector: Inspector, depth: int) -> None:
        self.inspector = inspector
        self.depth = depth

    def report(self, location: Location, message: str, *, strict_only: bool = False) -> None:
        self.inspector.report(location, message, strict_only=strict_only)

    def mapping(self, mapping: Any, location: Location) -> None:
        self.inspector.mapping(mapping, location, self.depth + 1)


Rule = Callable[[Any, Location, Scope], None]
_RULES: dict[str, Rule] = {}


def rule(name: str) -> Callable[[Rule], Rule]:
    """Declare the function below as the check of directive ``name``'s argument."""

    def decorate(checker: Rule) -> Rule:
        _RULES[name] = checker
        return checker

    return decorate


def known_directives() -> frozenset[str]:
    return frozenset(_RULES)


def find_problems(mapping: Any, *, strict: bool) -> list[str]:
    inspector = Inspector(strict=strict)
    if mapping is None:
        inspector.report((), "the mapping is null; it must be an object or a directive")
    elif not isinstance(mapping, dict):
        inspector.report(
            (),
            f"a mapping should be an object or a directive, not {kind(mapping)}",
            strict_only=True,
        )
    inspector.mapping(mapping, ())
    return inspector.problems


def child(location: Location, key: Any) -> Location:
    return (*location, key)


def where(location: Location) -> str:
    """A location as text, e.g. ``$.properties["first name"].@if.then[0]``."""
    parts = ["$"]
    for key in location:
        if isinstance(key, int) and not isinstance(key, bool):
            parts.append(f"[{key}]")
        elif isinstance(key, str) and _PLAIN_NAME.fullmatch(key):
            parts.append(f".{key}")
        else:
            parts.append(f"[{json.dumps(key, ensure_ascii=False)}]")
    return "".join(parts)


def kind(value: Any) -> str:
    """The value's type in words, for messages: ``a string``, ``an array``, ``a directive``."""
    return "a directive" if is_directive_like(value) else json_type_name(value)
