"""The actions' field reference as Markdown, from the schemas in the layer (docs/actions.md)."""

from __future__ import annotations

import json
from typing import Any

from cordial_destination.actions import ACTIONS
from cordial_destination.field_schema import Field
from cordial_destination.fields import fields_of

HEADER = """# Actions and their fields

Generated from `layers/cordial_destination/cordial_destination/fields.py` by
`cordial-destination fields > docs/actions.md`; a test keeps the two in step.
Each action is `POST {endpoint}/api/segment/{action}`. A default is a mapping in
Segment's mapping language, evaluated on the Segment event; override it in
`mappings.json`.
"""


def fields_markdown() -> str:
    parts = [HEADER]
    for action in ACTIONS:
        parts.append(f"\n## {action}\n\n| field | type | required | default | description |")
        parts.append("|---|---|---|---|---|")
        parts.extend(rows(fields_of(action), prefix=""))
    return "\n".join(parts) + "\n"


def rows(fields: tuple[Field, ...], prefix: str) -> list[str]:
    lines = []
    for field in fields:
        key = f"{prefix}{field.key}"
        default = f"setting {field.setting}" if field.setting else show(field.default)
        lines.append(
            f"| `{key}` | {field.type} | {'yes' if field.required else ''} | {default} "
            f"| {field.description} |"
        )
        inner = f"{key}[*]." if field.type == "array" else f"{key}."
        lines.extend(rows(field.properties, prefix=inner))
    return lines


def show(mapping: Any) -> str:
    if mapping is None:
        return ""
    text = json.dumps(mapping, ensure_ascii=False)
    return f"`{text}`".replace("|", "\\|")
