"""The argument each directive accepts, as checked by ``checks.Inspector``.

"The reference rejects" problems make ``transform`` fail too, whether the reference finds
them before running or only when it reaches them; ``strict_only`` ones are for
``validate``. Lengths are counted in UTF-16 code units, as the reference counts them.
"""

from __future__ import annotations

import re
from typing import Any

from .checks import Location, Scope, child, kind, rule
from .text import utf16_length
from .values import is_directive_like, is_truthy

_TEMPLATE_ROOT = re.compile(r"\{\{\{?\s*\$\.")
# Path syntax the reference has no notion of: it silently resolves to something else.
_UNSUPPORTED_PATH = re.compile(r"\*|\.\.|\[\s*[-?:]|^\$[^.]")
_MAX_PATTERN = 10


def _options(
    argument: Any,
    location: Location,
    scope: Scope,
    name: str,
    *,
    known: frozenset[str],
    typed: frozenset[str] = frozenset(),
) -> dict[str, Any] | None:
    """Check that ``argument`` is an object of options; None when it is not.

    The values of options not in ``typed`` (those that are not plain strings or booleans)
    are mappings and checked as such, unknown options included, as the reference does.
    """
    if not isinstance(argument, dict) or is_directive_like(argument):
        scope.report(location, f"{name} needs an object of options, not {kind(argument)}")
        return None
    for key, value in argument.items():
        if key not in known:
            scope.report(location, f"{name} has no option '{key}'", strict_only=True)
        if key not in typed:
            scope.mapping(value, child(location, key))
    return argument


def _needs(options: dict[str, Any], key: str, location: Location, scope: Scope, name: str) -> bool:
    if key in options:
        return True
    scope.report(location, f"{name} needs '{key}'")
    return False


def _string(value: Any, location: Location, scope: Scope, *, longest: int | None = None) -> bool:
    if not isinstance(value, str):
        scope.report(location, f"must be a string, not {kind(value)}")
        return False
    if longest is not None and utf16_length(value) > longest:
        scope.report(location, f"must be at most {longest} characters long")
        return False
    return True


def _one_of(value: Any, location: Location, scope: Scope, choices: tuple[str, ...]) -> None:
    if not _string(value, location, scope):
        return
    wanted = " or ".join(f"'{choice}'" for choice in choices)
    if value.lower() not in choices:
        scope.report(location, f"must be {wanted}, not '{value}'")
    elif value not in choices:
        scope.report(location, f"must be {wanted} in lower case", strict_only=True)


def _path_or_directive(value: Any, location: Location, scope: Scope, name: str) -> None:
    if is_directive_like(value):
        scope.mapping(value, location)
    elif not isinstance(value, str):
        scope.report(location, f"{name} needs a path string or a directive, not {kind(value)}")
    elif _UNSUPPORTED_PATH.search(value):
        scope.report(
            location,
            f"path '{value}' uses syntax the reference does not support "
            "(wildcards, '..', slices, filters, negative indexes, or no '.' after '$')",
            strict_only=True,
        )


def _string_or_directive(value: Any, location: Location, scope: Scope) -> None:
    if is_directive_like(value):
        scope.mapping(value, location)
    elif not isinstance(value, str):
        scope.report(location, f"must be a string or a directive, not {kind(value)}")


def _object_or_directive(value: Any, location: Location, scope: Scope) -> None:
    if isinstance(value, dict):
        scope.mapping(value, location)
    else:
        scope.report(location, f"must be an object or a directive, not {kind(value)}")


@rule("@path")
def _path(argument: Any, location: Location, scope: Scope) -> None:
    _path_or_directive(argument, location, scope, "@path")


@rule("@literal")
def _literal(argument: Any, location: Location, scope: Scope) -> None:
    scope.mapping(argument, location)


@rule("@excludeWhenNull")
def _exclude_when_null(argument: Any, location: Location, scope: Scope) -> None:
    scope.mapping(argument, location)


@rule("@template")
def _template(argument: Any, location: Location, scope: Scope) -> None:
    if is_directive_like(argument):
        scope.mapping(argument, location)
    elif not isinstance(argument, str):
        scope.report(location, f"@template needs a string or a directive, not {kind(argument)}")
    elif _TEMPLATE_ROOT.search(argument):
        scope.report(
            location,
            "{{$.a}} looks up a key named '$'; write {{a}}",
            strict_only=True,
        )


_IF_OPTIONS = frozenset({"exists", "blank", "then", "else"})


@rule("@if")
def _if(argument: Any, location: Location, scope: Scope) -> None:
    options = _options(argument, location, scope, "@if", known=_IF_OPTIONS)
    if options is None:
        return
    # The reference picks the condition by the raw value's truthiness (0, "", null: none).
    if not (is_truthy(options.get("exists")) or is_truthy(options.get("blank"))):
        scope.report(location, "@if needs an 'exists' or a 'blank' condition")


@rule("@arrayPath")
def _array_path(argument: Any, location: Location, scope: Scope) -> None:
    if not isinstance(argument, list) or not argument:
        scope.report(location, f"@arrayPath needs [path, item mapping], not {kind(argument)}")
        return
    _path_or_directive(argument[0], child(location, 0), scope, "@arrayPath")
    if len(argument) > 1:
        if isinstance(argument[1], dict):
            scope.mapping(argument[1], child(location, 1))
        else:
            # The reference ignores an item mapping that is not an object.
            message = f"an item mapping that is {kind(argument[1])} is ignored; use an object"
            scope.report(child(location, 1), message, strict_only=True)
    if len(argument) > 2:
        scope.report(location, "@arrayPath takes at most 2 elements", strict_only=True)


@rule("@transform")
def _transform(argument: Any, location: Location, scope: Scope) -> None:
    typed = frozenset({"apply", "mapping"})
    options = _options(argument, location, scope, "@transform", known=typed, typed=typed)
    if options is None:
        return
    for key in ("apply", "mapping"):
        if _needs(options, key, location, scope, "@transform"):
            _object_or_directive(options[key], child(location, key), scope)


@rule("@merge")
def _merge(argument: Any, location: Location, scope: Scope) -> None:
    typed = frozenset({"objects", "direction"})
    options = _options(argument, location, scope, "@merge", known=typed, typed=typed)
    if options is None:
        return
    if _needs(options, "direction", location, scope, "@merge"):
        _one_of(options["direction"], child(location, "direction"), scope, ("left", "right"))
    if not _needs(options, "objects", location, scope, "@merge"):
        return
    objects, where = options["objects"], child(location, "objects")
    if not isinstance(objects, list):
        scope.report(where, f"must be an array of objects, not {kind(objects)}")
        return
    for index, item in enumerate(objects):
        _object_or_directive(item, child(where, index), scope)


@rule("@flatten")
def _flatten(argument: Any, location: Location, scope: Scope) -> None:
    options = _options(
        argument,
        location,
        scope,
        "@flatten",
        known=frozenset({"value", "separator"}),
        typed=frozenset({"separator"}),
    )
    if options is None:
        return
    _needs(options, "value", location, scope, "@flatten")
    if _needs(options, "separator", location, scope, "@flatten"):
        where = child(location, "separator")
        if _string(options["separator"], where, scope) and not options["separator"]:
            scope.report(where, "must not be empty")


@rule("@json")
def _json(argument: Any, location: Location, scope: Scope) -> None:
    options = _options(
        argument,
        location,
        scope,
        "@json",
        known=frozenset({"value", "mode"}),
        typed=frozenset({"mode"}),
    )
    if options is None:
        return
    if _needs(options, "mode", location, scope, "@json"):
        _one_of(options["mode"], child(location, "mode"), scope, ("encode", "decode"))
    # A value of null, 0, "" or false counts as no value in the reference.
    if _needs(options, "value", location, scope, "@json") and not is_truthy(options["value"]):
        scope.report(child(location, "value"), "must not be null, 0, '' or false")


@rule("@case")
def _case(argument: Any, location: Location, scope: Scope) -> None:
    typed = frozenset({"operator", "value"})
    options = _options(argument, location, scope, "@case", known=typed, typed=typed)
    if options is None:
        return
    if "value" in options:
        _string_or_directive(options["value"], child(location, "value"), scope)
    # The reference checks the operator only once the value turns out to be a string.
    if _needs(options, "operator", location, scope, "@case"):
        where = child(location, "operator")
        if _string(options["operator"], where, scope) and options["operator"] not in (
            "lower",
            "upper",
        ):
            scope.report(where, f"must be 'lower' or 'upper', not '{options['operator']}'")


_REPLACE_TEXTS = frozenset({"pattern", "replacement", "pattern2", "replacement2"})
_REPLACE_FLAGS = frozenset({"global", "ignorecase"})


@rule("@replace")
def _replace(argument: Any, location: Location, scope: Scope) -> None:
    typed = _REPLACE_TEXTS | _REPLACE_FLAGS
    options = _options(argument, location, scope, "@replace", known=typed | {"value"}, typed=typed)
    if options is None:
        return
    if _needs(options, "value", location, scope, "@replace"):
        _string_or_directive(options["value"], child(location, "value"), scope)
    for flag in _REPLACE_FLAGS & options.keys():
        if not isinstance(options[flag], bool):
            scope.report(child(location, flag), f"must be true or false, not {kind(options[flag])}")
    if _needs(options, "pattern", location, scope, "@replace"):
        _pattern(options["pattern"], child(location, "pattern"), scope)
    if "replacement" in options:
        _string(options["replacement"], child(location, "replacement"), scope, longest=_MAX_PATTERN)
    _second_replacement(options, location, scope)


def _pattern(pattern: Any, location: Location, scope: Scope) -> None:
    if _string(pattern, location, scope, longest=_MAX_PATTERN) and not pattern:
        scope.report(location, "must not be empty")


def _second_replacement(options: dict[str, Any], location: Location, scope: Scope) -> None:
    pattern, replacement = options.get("pattern2"), options.get("replacement2")
    # The reference skips a second pattern that is not a non-empty string, or whose
    # replacement is neither absent, null nor a string, instead of rejecting it.
    active = (
        isinstance(pattern, str)
        and bool(pattern)
        and (replacement is None or isinstance(replacement, str))
    )
    if active:
        _string(pattern, child(location, "pattern2"), scope, longest=_MAX_PATTERN)
        if isinstance(replacement, str):
            _string(replacement, child(location, "replacement2"), scope, longest=_MAX_PATTERN)
    elif "pattern2" in options or "replacement2" in options:
        scope.report(
            location,
            "'pattern2' needs a non-empty string and 'replacement2' a string; "
            "as given they are ignored",
            strict_only=True,
        )
