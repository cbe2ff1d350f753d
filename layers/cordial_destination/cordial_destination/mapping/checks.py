"""Validation of a mapping: every problem, each with where it is in the mapping.

Two levels. The problems the reference also rejects make ``transform`` fail. ``validate``
adds the strict ones, mistakes the reference silently ignores (an option key it does not
know, a third element in ``@arrayPath``), so a typo in a mapping file is caught on deploy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from .values import is_directive_like, is_truthy, json_type_name

_PLAIN_NAME = re.compile(r"[A-Za-z_@$][A-Za-z0-9_@$]*")


class Inspector:
    """Walks a mapping and collects problems as ``at <location>: <message>``."""

    def __init__(self, *, strict: bool) -> None:
        self.strict = strict
        self.problems: list[str] = []

    def report(self, location: str, message: str, *, strict_only: bool = False) -> None:
        if self.strict or not strict_only:
            self.problems.append(f"at {location}: {message}")

    def mapping(self, mapping: Any, location: str) -> None:
        """Check any mapping: a literal, a plain object or array, or a directive."""
        if isinstance(mapping, dict):
            if is_directive_like(mapping):
                self._directive(mapping, location)
                return
            for key, value in mapping.items():
                self.mapping(value, child(location, key))
        elif isinstance(mapping, list):
            for index, value in enumerate(mapping):
                self.mapping(value, f"{location}[{index}]")

    def path_or_directive(self, value: Any, location: str, name: str) -> None:
        """Arguments that are a path string, or a directive computing the value or path."""
        if isinstance(value, str):
            return
        if is_directive_like(value):
            self.mapping(value, location)
            return
        self.report(location, f"{name} needs a path string or a directive, not {kind(value)}")

    def _directive(self, mapping: dict[str, Any], location: str) -> None:
        if len(mapping) != 1:
            keys = ", ".join(f"'{key}'" for key in mapping)
            self.report(location, f"a directive must be alone in its object, found keys {keys}")
        for name, argument in mapping.items():
            if not (isinstance(name, str) and name.startswith("@")):
                continue
            checker = _CHECKERS.get(name)
            if checker is None:
                self.report(location, f"unknown directive '{name}'")
            else:
                checker(argument, child(location, name), self)


Checker = Callable[[Any, str, Inspector], None]
_CHECKERS: dict[str, Checker] = {}


def checks(name: str) -> Callable[[Checker], Checker]:
    """Declare the function below as the argument check of directive ``name``."""

    def decorate(checker: Checker) -> Checker:
        _CHECKERS[name] = checker
        return checker

    return decorate


def find_problems(mapping: Any, *, strict: bool) -> list[str]:
    inspector = Inspector(strict=strict)
    if mapping is None:
        inspector.report("$", "the mapping is null; it must be an object or a directive")
    inspector.mapping(mapping, "$")
    return inspector.problems


def child(location: str, key: Any) -> str:
    """The location of ``key`` inside ``location``, e.g. ``$.properties["first name"]``."""
    if isinstance(key, str) and _PLAIN_NAME.fullmatch(key):
        return f"{location}.{key}"
    return f"{location}[{json.dumps(key, ensure_ascii=False)}]"


def kind(value: Any) -> str:
    return json_type_name(value)


def options_object(
    argument: Any, location: str, inspector: Inspector, name: str, known: frozenset[str]
) -> bool:
    """Check that a directive's argument is an object of options; True when it is."""
    if not isinstance(argument, dict):
        inspector.report(location, f"{name} needs an object of options, not {kind(argument)}")
        return False
    for key in argument:
        if key not in known:
            inspector.report(location, f"{name} has no option '{key}'", strict_only=True)
    return True


@checks("@path")
def _path(argument: Any, location: str, inspector: Inspector) -> None:
    inspector.path_or_directive(argument, location, "@path")


_IF_OPTIONS = frozenset({"exists", "blank", "then", "else"})


@checks("@if")
def _if(argument: Any, location: str, inspector: Inspector) -> None:
    if not options_object(argument, location, inspector, "@if", _IF_OPTIONS):
        return
    for key, value in argument.items():
        inspector.mapping(value, child(location, key))
    # The reference chooses the condition by the raw value's truthiness (0, "", null: none).
    if not (is_truthy(argument.get("exists")) or is_truthy(argument.get("blank"))):
        inspector.report(location, "@if needs an 'exists' or a 'blank' condition")


@checks("@arrayPath")
def _array_path(argument: Any, location: str, inspector: Inspector) -> None:
    if not isinstance(argument, list):
        inspector.report(location, f"@arrayPath needs [path, item mapping], not {kind(argument)}")
        return
    if not argument:
        inspector.report(location, "@arrayPath needs [path, item mapping], not an empty array")
        return
    inspector.path_or_directive(argument[0], f"{location}[0]", "@arrayPath")
    if len(argument) > 1:
        _array_path_items(argument[1], f"{location}[1]", inspector)
    if len(argument) > 2:
        inspector.report(location, "@arrayPath takes at most 2 elements", strict_only=True)


def _array_path_items(item_mapping: Any, location: str, inspector: Inspector) -> None:
    if isinstance(item_mapping, dict):
        inspector.mapping(item_mapping, location)
    else:
        # The reference ignores an item mapping that is not an object and keeps the items.
        inspector.report(
            location,
            f"@arrayPath's item mapping must be an object, not {kind(item_mapping)}",
            strict_only=True,
        )
