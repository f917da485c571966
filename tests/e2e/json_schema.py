# SPDX-License-Identifier: Apache-2.0
"""A minimal JSON Schema validator (python3 stdlib only) for the schemas in tests/e2e/schemas:
`type` (a name or a list; integer excludes booleans), `required`, `properties`,
`additionalProperties` (false or a schema), `items` and `enum`. Other keywords are ignored."""

import json
import os

SCHEMA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemas")

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "null": lambda v: v is None,
}


def load(name):
    with open(os.path.join(SCHEMA_DIR, name + ".json"), encoding="utf-8") as f:
        return json.load(f)


def errors(value, schema, where="$"):
    """Every violation of `schema` by `value`, as 'path: message' strings."""
    out = []
    types = schema.get("type")
    if types is not None:
        names = types if isinstance(types, list) else [types]
        if not any(_TYPES[n](value) for n in names):
            return [f"{where}: expected {'/'.join(names)}, got {type(value).__name__}"]
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{where}: {value!r} not one of {schema['enum']}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                out.append(f"{where}: missing required '{key}'")
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in props:
                out.extend(errors(item, props[key], f"{where}.{key}"))
            elif extra is False:
                out.append(f"{where}: unexpected key '{key}'")
            elif isinstance(extra, dict):
                out.extend(errors(item, extra, f"{where}.{key}"))
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            out.extend(errors(item, schema["items"], f"{where}[{i}]"))
    return out
