"""Functions and procedures.

Procedures sit under `<schema>/_procedures_/<name>`, as pyatlan's Procedure.creator builds
it; functions sit directly under their schema, `<schema>/<name>`, as Atlan's SQL crawlers
place them (pyatlan has no Function creator). An overloaded name gets its argument types
appended, so each signature is one asset.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sourcesense.transform.atlan.common import Entity, context, entity, ref


def routine_entities(
    routines: list[dict[str, Any]], connection: str, base: dict[str, Any]
) -> list[Entity]:
    names = Counter((r["catalog_name"], r["schema_name"], r["routine_name"]) for r in routines)
    out = []
    for routine in routines:
        ctx = context(connection, routine["catalog_name"], routine["schema_name"])
        overloaded = (
            names[(routine["catalog_name"], routine["schema_name"], routine["routine_name"])] > 1
        )
        name = routine["routine_name"] + (
            f"({routine['identity_arguments']})" if overloaded else ""
        )
        schema_qn = ctx["schemaQualifiedName"]
        common = ctx | {"description": routine["comment"], "sourceCreatedBy": routine["owner"]}
        if routine["kind"] in ("procedure", "event"):  # a MySQL event: a scheduled procedure
            out.append(entity(
                "Procedure", name, f"{schema_qn}/_procedures_/{name}", base, **common,
                definition=routine["definition"] or "", subType=routine["kind"],
                atlanSchema=ref("Schema", schema_qn),
            ))  # fmt: skip
            continue
        tabular = (routine["return_type"] or "").startswith(("TABLE", "SETOF"))
        out.append(entity(
            "Function", name, f"{schema_qn}/{name}", base, **common,
            functionDefinition=routine["definition"], functionReturnType=routine["return_type"],
            functionArguments=split_arguments(routine["arguments"] or ""),
            functionLanguage=routine["language"],
            functionType="Tabular" if tabular else "Scalar",
            functionSchema=ref("Schema", schema_qn),
        ))  # fmt: skip
    return out


def split_arguments(text: str) -> list[str]:
    """'a numeric(10,2), b text' -> ['a numeric(10,2)', 'b text']: nested commas stay."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return [part for part in parts if part]
