"""Row-level security and view options of a relation, as Atlas custom attributes.

pyatlan's Table and View models have no attribute for them, so they go to the entity's
`customAttributes` (a string map beside `attributes`), within Atlas's default limits: keys of
letters, digits, `_` and `-` up to 50 characters, values up to 500 (longer ones are cut and end
with an ellipsis). Written only where something is set, so plain tables carry none.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from sourcesense.incremental.fingerprints import relation_key
from sourcesense.store.readers import raw

VALUE_LIMIT = 500
SECURITY_FIELDS = [
    "row_security", "force_row_security", "security_barrier", "security_invoker", "check_option",
]  # fmt: skip


def policies_by_relation(run_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """raw/policies.parquet rows by relation key (few: read whole)."""
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for policy in raw(run_dir, "policies"):
        key = relation_key(policy["catalog_name"], policy["schema_name"], policy["table_name"])
        found[key].append(policy)
    return found


def custom_attributes(rel: dict[str, Any], policies: list[dict[str, Any]]) -> dict[str, str]:
    """rowLevelSecurity, policyCount and policy_<n> (name order), securityBarrier,
    securityInvoker, checkOption: those that are set."""
    found: dict[str, str] = {}
    if rel["row_security"]:
        found["rowLevelSecurity"] = "forced" if rel["force_row_security"] else "enabled"
    if policies:
        found["policyCount"] = str(len(policies))
    for number, policy in enumerate(policies, start=1):
        found[f"policy_{number}"] = _cut(policy_text(policy))
    for field, name in (("security_barrier", "securityBarrier"),
                        ("security_invoker", "securityInvoker")):  # fmt: skip
        if rel[field]:
            found[name] = "true"
    if rel["check_option"]:
        found["checkOption"] = rel["check_option"]
    return found


def policy_text(policy: dict[str, Any]) -> str:
    """`name: AS PERMISSIVE FOR SELECT TO public USING (...) WITH CHECK (...)`, as CREATE
    POLICY reads."""
    text = (
        f"{policy['policy_name']}: AS {policy['policy_type'].upper()} "
        f"FOR {policy['command'].upper()} TO {', '.join(policy['roles'])}"
    )
    if policy["using_expression"] is not None:
        text += f" USING ({policy['using_expression']})"
    if policy["with_check_expression"] is not None:
        text += f" WITH CHECK ({policy['with_check_expression']})"
    return text


def _cut(text: str) -> str:
    return text if len(text) <= VALUE_LIMIT else text[: VALUE_LIMIT - 1] + "…"
