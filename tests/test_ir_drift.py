"""The pydantic IR models (python/promotor/ir.py) and the serde types (ir.rs) describe the same
documents: same tags, same field names, same defaults. The golden file holds every variant; the
Rust test `ir_drift` fails when a Rust variant is missing from it."""

import json
from pathlib import Path
from typing import Any

import promotor as pm
from promotor import _native, ir

GOLDEN = json.loads((Path(__file__).parent / "data" / "ir" / "all_variants.json").read_text())


def tags_and_fields(node: Any, found: dict[str, set[str]], parent: str = "") -> None:
    if isinstance(node, dict):
        if "type" in node and isinstance(node["type"], str):
            found.setdefault(f"{parent}:{node['type']}", set()).update(node)
        for key, value in node.items():
            kind = {"on": "target", "effect": "effect", "effects": "effect"}.get(key, "expr")
            tags_and_fields(value, found, kind)
    elif isinstance(node, list):
        for value in node:
            tags_and_fields(value, found, parent)


def schema_tags(schema: dict[str, Any]) -> set[str]:
    tags = set()
    for definition in schema["$defs"].values():
        type_prop = definition.get("properties", {}).get("type", {})
        if "const" in type_prop:
            tags.add(type_prop["const"])
    return tags


def test_pydantic_and_serde_read_and_write_the_same_documents() -> None:
    rust = json.loads(_native.normalize_ir(json.dumps(GOLDEN)))
    model = ir.EngineDef.model_validate(GOLDEN)
    via_python = json.loads(_native.normalize_ir(json.dumps(ir.dump(model))))
    assert via_python == rust
    # and pydantic reads back what Rust writes, unchanged
    assert ir.dump(ir.EngineDef.model_validate(rust)) == ir.dump(model)


def test_same_tags_and_fields_per_variant() -> None:
    rust_fields: dict[str, set[str]] = {}
    normalized = json.loads(_native.normalize_ir(json.dumps(GOLDEN)))
    tags_and_fields([normalized["campaigns"], normalized["programs"]], rust_fields)
    python_fields: dict[str, set[str]] = {}
    dumped = ir.EngineDef.model_validate(GOLDEN).model_dump(mode="json", by_alias=True)
    tags_and_fields([dumped["campaigns"], dumped["programs"]], python_fields)
    assert python_fields == rust_fields
    # every tag pydantic knows is in the golden file (and so known to serde)
    golden_tags = {key.split(":")[1] for key in rust_fields}
    assert schema_tags(pm.json_schema()) == golden_tags


def test_json_schema_describes_engine_definitions() -> None:
    schema = pm.json_schema()
    assert schema["title"] == "EngineDef"
    assert {"version", "currency", "campaigns"} <= set(schema["properties"])
    assert "CampaignDef" in schema["$defs"]
