"""The shape of a field schema: what one body key of an action is and how it is filled."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

FieldType = Literal["string", "integer", "number", "datetime", "object", "array", "boolean"]


@dataclass(frozen=True, slots=True)
class Field:
    """One body key of an action and how it is filled and checked."""

    key: str
    type: FieldType
    description: str
    required: bool = False
    #: mapping in Segment's mapping language; None: no default (the user may set one)
    default: Any = None
    #: declared keys of a typed object, or of each element of an array of objects;
    #: other keys are dropped from such objects
    properties: tuple[Field, ...] = ()
    #: the only values allowed, when not empty
    choices: tuple[str, ...] = ()
    #: name of the setting that gives the value; such a field is not mapped
    setting: str | None = None

    @property
    def mappable(self) -> bool:
        return self.setting is None


def path(json_path: str) -> dict[str, str]:
    """The mapping that reads ``json_path`` from the Segment event."""
    return {"@path": json_path}


def string(key: str, description: str, default: Any = None, *, required: bool = False) -> Field:
    """A string field."""
    return Field(key, "string", description, required=required, default=default)
