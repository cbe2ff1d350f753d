"""Properties of the mapping engine over generated mappings and events.

Whatever the mapping and the event, transform returns JSON or raises MappingError, a
mapping validate accepts never fails in transform, and neither input is changed.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cordial_destination.mapping import MappingError, transform, validate

DIRECTIVES = [
    "@path",
    "@if",
    "@arrayPath",
    "@template",
    "@literal",
    "@case",
    "@replace",
    "@json",
    "@flatten",
    "@merge",
    "@transform",
    "@excludeWhenNull",
    "@paht",
]
OPTION_NAMES = [
    "exists",
    "blank",
    "then",
    "else",
    "operator",
    "value",
    "pattern",
    "replacement",
    "pattern2",
    "replacement2",
    "global",
    "ignorecase",
    "mode",
    "separator",
    "objects",
    "direction",
    "apply",
    "mapping",
]
WORDS = st.sampled_from(
    ["", "a", "$.a", "$.b.c", "$.l[0]", "{{a}}", "x{{ b.c }}y", "lower", "upper", "encode",
     "decode", "left", "right", ".", "é😀", "$&", "aaaaaaaaaaaa"]
)  # fmt: skip
KEYS = st.sampled_from(["a", "b", "c", "l", "0", "", "k.e", "é"])

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | WORDS
    | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=12,
)


def _directive(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    options = st.dictionaries(st.sampled_from(OPTION_NAMES), inner | WORDS, max_size=4)
    argument = WORDS | options | st.lists(inner | WORDS, max_size=3) | inner
    return st.builds(lambda name, arg: {name: arg}, st.sampled_from(DIRECTIVES), argument)


mappings = st.recursive(
    json_values,
    lambda inner: (
        _directive(inner) | st.dictionaries(KEYS, inner, max_size=3) | st.lists(inner, max_size=3)
    ),
    max_leaves=16,
)
payloads = st.dictionaries(KEYS, json_values, max_size=5) | json_values

# Well-formed directives with arbitrary values in them, so that most pass validate.
PATHS = st.sampled_from(["$.a", "$.b.c", "$.l[0]", "$.l.length", "", "a", "$.missing", "$['k.e']"])
SHORT = st.text(min_size=1, max_size=3)
directive_objects: st.SearchStrategy[Any]
shaped: st.SearchStrategy[Any] = st.deferred(
    lambda: st.one_of(
        json_values,
        st.dictionaries(KEYS, shaped, max_size=3),
        st.lists(shaped, max_size=2),
        st.builds(lambda path: {"@path": path}, PATHS),
        st.builds(lambda text: {"@template": text}, WORDS | st.text(max_size=8)),
        st.builds(lambda value: {"@literal": value}, shaped),
        st.builds(lambda value: {"@excludeWhenNull": value}, shaped),
        st.builds(
            lambda kind, cond, then, other: {"@if": {kind: cond, "then": then, "else": other}},
            st.sampled_from(["exists", "blank"]),
            st.builds(lambda path: {"@path": path}, PATHS),
            shaped,
            shaped,
        ),
        st.builds(lambda path, item: {"@arrayPath": [path, item]}, PATHS, directive_objects),
        st.builds(
            lambda op, value: {"@case": {"operator": op, "value": value}},
            st.sampled_from(["lower", "upper"]),
            st.builds(lambda path: {"@path": path}, PATHS) | SHORT,
        ),
        st.builds(
            lambda pattern, repl, value, flag: {
                "@replace": {
                    "pattern": pattern,
                    "replacement": repl,
                    "value": value,
                    "global": flag,
                }
            },
            SHORT,
            st.text(max_size=4),
            st.builds(lambda path: {"@path": path}, PATHS),
            st.booleans(),
        ),
        st.builds(
            lambda mode, value: {"@json": {"mode": mode, "value": value}},
            st.sampled_from(["encode", "decode", "Encode"]),
            st.builds(lambda path: {"@path": path}, PATHS),
        ),
        st.builds(
            lambda value, sep: {"@flatten": {"value": value, "separator": sep}}, shaped, SHORT
        ),
        st.builds(
            lambda objects, direction: {"@merge": {"objects": objects, "direction": direction}},
            st.lists(directive_objects, max_size=3),
            st.sampled_from(["left", "right", "LEFT"]),
        ),
        st.builds(
            lambda apply, mapping: {"@transform": {"apply": apply, "mapping": mapping}},
            directive_objects,
            directive_objects,
        ),
    )
)
directive_objects = st.dictionaries(KEYS, shaped, max_size=3) | st.builds(
    lambda path: {"@path": path}, PATHS
)

FAST = settings(
    derandomize=True,
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _transform_or_error(mapping: Any, payload: dict[str, Any]) -> Any:
    try:
        return transform(mapping, payload)
    except MappingError as exc:
        return exc


@FAST
@given(mapping=mappings | shaped, payload=payloads)
def test_transform_returns_json_or_raises_mapping_error(mapping: Any, payload: Any) -> None:
    result = _transform_or_error(mapping, payload)

    if not isinstance(result, MappingError):
        json.dumps(result, allow_nan=False)


@FAST
@given(mapping=mappings | shaped, payload=payloads)
def test_transform_never_fails_on_a_mapping_validate_accepts(mapping: Any, payload: Any) -> None:
    try:
        validate(mapping)
    except MappingError:
        return

    transform(mapping, payload)


@FAST
@given(mapping=mappings | shaped, payload=payloads)
def test_transform_changes_neither_the_mapping_nor_the_event(mapping: Any, payload: Any) -> None:
    mapping_before, payload_before = copy.deepcopy(mapping), copy.deepcopy(payload)

    _transform_or_error(mapping, payload)

    assert mapping == mapping_before
    assert payload == payload_before


@FAST
@given(mapping=mappings)
def test_validate_is_at_least_as_strict_as_transform(mapping: Any) -> None:
    try:
        validate(mapping)
    except MappingError as exc:
        assert exc.problems
        assert all(problem.startswith("at $") for problem in exc.problems)
        return

    transform(mapping, {})
