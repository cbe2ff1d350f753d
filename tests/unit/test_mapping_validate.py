"""validate: every problem of a mapping, each with its location; transform's own checks."""

from __future__ import annotations

from typing import Any

import pytest

from cordial_destination.exceptions import ConfigurationError
from cordial_destination.mapping import MappingError, transform, validate

# (mapping, every problem validate reports, in order)
PROBLEMS: list[tuple[Any, list[str]]] = [
    (
        {"properties": {"brand": {"@paht": "$.properties.brand"}}},
        ["at $.properties.brand: unknown directive '@paht'"],
    ),
    (
        {"x": {"@path": "$.a", "y": 1}},
        ["at $.x: a directive must be alone in its object, found keys '@path', 'y'"],
    ),
    (
        {"x": {"@path": "$.a", "@template": "b"}},
        ["at $.x: a directive must be alone in its object, found keys '@path', '@template'"],
    ),
    ({"x": {"@path": 5}}, ["at $.x.@path: @path needs a path string or a directive, not a number"]),
    (
        {"x": {"@path": "$.products[*].sku"}},
        [
            "at $.x.@path: path '$.products[*].sku' uses syntax the reference does not support "
            "(wildcards, '..', slices, filters, negative indexes, or no '.' after '$')"
        ],
    ),
    (
        {"x": {"@if": {"exists": 0, "thne": 1}}},
        [
            "at $.x.@if: @if has no option 'thne'",
            "at $.x.@if: @if needs an 'exists' or a 'blank' condition",
        ],
    ),
    ({"x": {"@if": "yes"}}, ["at $.x.@if: @if needs an object of options, not a string"]),
    (
        {"x": {"@arrayPath": ["$.products", "sku", {}]}},
        [
            "at $.x.@arrayPath[1]: an item mapping that is a string is ignored; use an object",
            "at $.x.@arrayPath: @arrayPath takes at most 2 elements",
        ],
    ),
    (
        {"x": {"@arrayPath": []}},
        ["at $.x.@arrayPath: @arrayPath needs [path, item mapping], not an array"],
    ),
    (
        {"x": {"@template": "Hi {{$.name}}"}},
        ["at $.x.@template: {{$.a}} looks up a key named '$'; write {{a}}"],
    ),
    (
        {"x": {"@template": 1}},
        ["at $.x.@template: @template needs a string or a directive, not a number"],
    ),
    (
        {"x": {"@case": {"operator": "title", "value": 5}}},
        [
            "at $.x.@case.value: must be a string or a directive, not a number",
            "at $.x.@case.operator: must be 'lower' or 'upper', not 'title'",
        ],
    ),
    ({"x": {"@case": {"value": "a"}}}, ["at $.x.@case: @case needs 'operator'"]),
    (
        {"x": {"@replace": {"pattern": "", "value": 5, "global": "yes", "replacement": None}}},
        [
            "at $.x.@replace.value: must be a string or a directive, not a number",
            "at $.x.@replace.global: must be true or false, not a string",
            "at $.x.@replace.pattern: must not be empty",
            "at $.x.@replace.replacement: must be a string, not a null",
        ],
    ),
    (
        {"x": {"@replace": {"pattern": "abcdefghijk", "value": "v", "replacement": "😀" * 6}}},
        [
            "at $.x.@replace.pattern: must be at most 10 characters long",
            "at $.x.@replace.replacement: must be at most 10 characters long",
        ],
    ),
    (
        {"x": {"@replace": {"pattern": "a", "value": "v", "pattern2": "b", "replacement2": 5}}},
        [
            "at $.x.@replace: 'pattern2' needs a non-empty string and 'replacement2' a string; "
            "as given they are ignored"
        ],
    ),
    ({"x": {"@replace": {"value": "v"}}}, ["at $.x.@replace: @replace needs 'pattern'"]),
    (
        {"x": {"@json": {"mode": "ENCODE", "value": None}}},
        [
            "at $.x.@json.mode: must be 'encode' or 'decode' in lower case",
            "at $.x.@json.value: must not be null, 0, '' or false",
        ],
    ),
    (
        {"x": {"@json": {"mode": "yaml", "value": "v"}}},
        ["at $.x.@json.mode: must be 'encode' or 'decode', not 'yaml'"],
    ),
    (
        {"x": {"@flatten": {"value": {"@path": "$.a"}, "separator": ""}}},
        ["at $.x.@flatten.separator: must not be empty"],
    ),
    ({"x": {"@flatten": {"separator": "."}}}, ["at $.x.@flatten: @flatten needs 'value'"]),
    (
        {"x": {"@merge": {"objects": [5, {"@path": "$.a"}], "direction": "up"}}},
        [
            "at $.x.@merge.direction: must be 'left' or 'right', not 'up'",
            "at $.x.@merge.objects[0]: must be an object or a directive, not a number",
        ],
    ),
    (
        {"x": {"@merge": {"objects": [{}], "direction": "Right"}}},
        ["at $.x.@merge.direction: must be 'left' or 'right' in lower case"],
    ),
    (
        {"x": {"@transform": {"apply": 5}}},
        [
            "at $.x.@transform.apply: must be an object or a directive, not a number",
            "at $.x.@transform: @transform needs 'mapping'",
        ],
    ),
    (
        {"x": {"@excludeWhenNull": {"@nope": 1}}},
        ["at $.x.@excludeWhenNull: unknown directive '@nope'"],
    ),
    ({"x": [{"@nope": 1}]}, ["at $.x[0]: unknown directive '@nope'"]),
    ({"first name": {"@nope": 1}}, ["at $[\"first name\"]: unknown directive '@nope'"]),
    (None, ["at $: the mapping is null; it must be an object or a directive"]),
    (["a"], ["at $: a mapping should be an object or a directive, not an array"]),
    ({1: "a"}, ["at $: keys must be strings, not a number 1"]),
]


@pytest.mark.parametrize(("mapping", "problems"), PROBLEMS)
def test_validate_lists_every_problem_with_its_location(mapping: Any, problems: list[str]) -> None:
    with pytest.raises(MappingError) as raised:
        validate(mapping)

    assert raised.value.problems == problems


def test_problems_are_all_reported_at_once() -> None:
    mapping = {
        "a": {"@paht": "$.a"},
        "b": {"c": {"@if": {}}},
        "d": [{"@json": {"mode": "x", "value": "v"}}],
    }

    with pytest.raises(MappingError) as raised:
        validate(mapping)

    assert raised.value.problems == [
        "at $.a: unknown directive '@paht'",
        "at $.b.c.@if: @if needs an 'exists' or a 'blank' condition",
        "at $.d[0].@json.mode: must be 'encode' or 'decode', not 'x'",
    ]
    assert str(raised.value) == "; ".join(raised.value.problems)


def test_a_mapping_error_is_a_configuration_error_and_a_value_error() -> None:
    with pytest.raises(MappingError) as raised:
        validate({"a": {"@paht": "$.a"}})

    assert isinstance(raised.value, ConfigurationError)
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize(
    "mapping",
    [
        {"a": {"@path": "$.a"}, "b": {"@template": "{{a}}"}, "c": "literal", "d": None},
        {"items": {"@arrayPath": ["$.products", {"sku": {"@path": "$.sku"}}]}},
        {"x": {"@if": {"blank": {"@path": "$.a"}, "then": 1}}},
        {"x": {"@replace": {"pattern": "-", "value": {"@path": "$.phone"}}}},
        {"x": {"@merge": {"objects": [{"@path": "$.a"}, {"b": 1}], "direction": "right"}}},
    ],
)
def test_validate_accepts_a_good_mapping(mapping: Any) -> None:
    validate(mapping)


# Mistakes the reference ignores: validate reports them, transform does as the reference.
IGNORED_BY_THE_REFERENCE: list[tuple[Any, dict[str, Any], Any]] = [
    ({"x": {"@if": {"exists": {"@path": "$.a"}, "then": 1, "thne": 2}}}, {"a": 0}, {"x": 1}),
    ({"x": {"@path": "$.l[*]"}}, {"l": [1]}, {}),
    ({"x": {"@template": "{{$.a}}"}}, {"a": 1}, {"x": ""}),
    ({"x": {"@json": {"mode": "Encode", "value": {"@path": "$.a"}}}}, {"a": 1}, {}),
    (
        {"x": {"@merge": {"objects": [{"a": 1}, {"a": 2}], "direction": "LEFT"}}},
        {},
        {"x": {"a": 2}},
    ),
    ({"x": {"@arrayPath": ["$.l", "ignored", "extra"]}}, {"l": [1]}, {"x": [1]}),
    (["a", "b"], {}, {"0": "a", "1": "b"}),
]


@pytest.mark.parametrize(("mapping", "payload", "output"), IGNORED_BY_THE_REFERENCE)
def test_transform_accepts_what_only_validate_rejects(
    mapping: Any, payload: dict[str, Any], output: Any
) -> None:
    with pytest.raises(MappingError):
        validate(mapping)

    assert transform(mapping, payload) == output


def test_transform_rejects_an_invalid_mapping_before_reading_the_event() -> None:
    with pytest.raises(MappingError) as raised:
        transform({"a": {"@if": {"exists": {"@path": "$.a"}, "else": {"@nope": 1}}}}, {"a": 1})

    assert raised.value.problems == ["at $.a.@if.else: unknown directive '@nope'"]


def test_an_event_nested_too_deeply_is_a_mapping_error() -> None:
    deep: Any = "bottom"
    for _ in range(5000):
        deep = {"a": deep}

    with pytest.raises(MappingError, match="nested too deeply"):
        transform(
            {"x": {"@flatten": {"value": {"@path": "$.deep"}, "separator": "."}}}, {"deep": deep}
        )


def test_a_mapping_nested_too_deeply_is_refused() -> None:
    mapping: Any = {"@path": "$.a"}
    for _ in range(70):
        mapping = {"k": mapping}

    with pytest.raises(MappingError, match="nested more than 64 levels deep"):
        validate(mapping)


def test_a_mapping_changed_after_it_passed_is_checked_again() -> None:
    mapping: dict[str, Any] = {"x": {"@path": "$.a"}}
    assert transform(mapping, {"a": 1}) == {"x": 1}

    mapping["x"] = {"@path": 1}

    with pytest.raises(MappingError):
        transform(mapping, {"a": 1})


def test_mappings_that_differ_only_in_types_are_told_apart() -> None:
    assert transform({"x": {"@literal": 1}}, {})["x"] is not True
    assert transform({"x": {"@literal": True}}, {})["x"] is True
