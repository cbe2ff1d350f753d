"""Reading template.yaml, the only copy of the actions' triggers.

The local stack and `preview` take each action's EventBridge rule from the
template, resolve its parameters and conditions the way CloudFormation
would for the few intrinsic functions the rules use, and match events with
an EventBridge-compatible matcher.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from moto.events.models import EventPattern

DEFAULT_TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


class CloudFormationLoader(yaml.SafeLoader):
    """A YAML loader that reads short-form intrinsics (!Ref X) as their long form."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


CloudFormationLoader.add_multi_constructor("!", _intrinsic)


@dataclass(frozen=True)
class Trigger:
    action: str
    rule: str
    pattern: dict[str, Any]

    @cached_property
    def matcher(self) -> EventPattern:
        return EventPattern.load(json.dumps(self.pattern))

    def matches(self, envelope: Mapping[str, Any]) -> bool:
        return bool(self.matcher.matches_event(dict(envelope)))  # type: ignore[arg-type]


class Template:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document

    @classmethod
    def load(cls, path: Path = DEFAULT_TEMPLATE) -> Template:
        with path.open(encoding="utf-8") as stream:
            # CloudFormationLoader is a SafeLoader that also reads the short intrinsics (!Ref).
            document = yaml.load(stream, Loader=CloudFormationLoader)  # noqa: S506  # nosec B506
        return cls(document)

    @property
    def resources(self) -> dict[str, Any]:
        return dict(self.document.get("Resources", {}))

    def parameter_defaults(self) -> dict[str, str]:
        parameters = self.document.get("Parameters", {})
        return {name: str(spec.get("Default", "")) for name, spec in parameters.items()}

    def triggers(self, parameters: Mapping[str, str] | None = None) -> list[Trigger]:
        """The enabled rules, one per action (a target's Id is the action's slug)."""
        values = {**self.parameter_defaults(), **(parameters or {})}
        triggers = []
        for name, resource in self.resources.items():
            if resource.get("Type") != "AWS::Events::Rule":
                continue
            condition = resource.get("Condition")
            if condition and not self.condition(condition, values):
                continue
            properties = resource["Properties"]
            pattern = resolve(properties["EventPattern"], values)
            for target in properties.get("Targets", []):
                triggers.append(Trigger(action=target["Id"], rule=name, pattern=pattern))
        return triggers

    def condition(self, name: str, values: Mapping[str, str]) -> bool:
        return bool(evaluate(self.document["Conditions"][name], values, self.document))


def resolve(node: Any, values: Mapping[str, str]) -> Any:
    """Replace {"Ref": parameter} with the parameter's value, throughout a structure."""
    if isinstance(node, dict):
        if set(node) == {"Ref"} and node["Ref"] in values:
            return values[node["Ref"]]
        return {key: resolve(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(item, values) for item in node]
    return node


def evaluate(node: Any, values: Mapping[str, str], document: Mapping[str, Any]) -> Any:
    """Evaluate the condition functions the template uses: Equals, Not, And, Or, Condition."""
    if not isinstance(node, dict):
        return node
    if "Ref" in node:
        return values.get(node["Ref"], "")
    if "Fn::Equals" in node:
        left, right = (evaluate(item, values, document) for item in node["Fn::Equals"])
        return str(left) == str(right)
    if "Fn::Not" in node:
        return not evaluate(node["Fn::Not"][0], values, document)
    if "Fn::And" in node:
        return all(evaluate(item, values, document) for item in node["Fn::And"])
    if "Fn::Or" in node:
        return any(evaluate(item, values, document) for item in node["Fn::Or"])
    if "Condition" in node:
        return evaluate(document["Conditions"][node["Condition"]], values, document)
    raise ValueError(f"unsupported condition function: {sorted(node)}")
