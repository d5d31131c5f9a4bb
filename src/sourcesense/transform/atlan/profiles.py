"""Column profiles as Atlan Column attributes, typed as pyatlan's Column model declares
them, and PII classes as Atlan tags."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sourcesense.errors import ConfigError
from sourcesense.quality.pii import PII_CLASSES
from sourcesense.store.readers import read_rows

# quality/column_profiles.parquet field -> Atlan Column attribute; min and max are typed below.
QUALITY_ATTRIBUTES = {
    "n_distinct": "columnDistinctValuesCountLong",
    "null_count": "columnMissingValuesCountLong",
    "mean": "columnMean",
    "stddev": "columnStandardDeviation",
    "avg_length": "columnAverageLength",
    "max_length": "columnMaximumStringLength",
    "min_length": "columnMinimumStringLength",
}
# columnMin/columnMax are floats in Atlan: only numeric types' values go there. Other types'
# sampled bounds go to columnMins/columnMaxs, Atlan's sets of strings.
NUMERIC_TYPE = re.compile(
    r"^(smallint|integer|bigint|numeric|decimal|real|double precision)(\([0-9, ]+\))?$"
)
DEFAULT_PII_TAGS: dict[str, str] = {
    "email": "PII Email",
    "phone": "PII Phone",
    "person_name": "PII Person Name",
    "address": "PII Address",
    "card_number": "PII Card Number",
    "national_id": "PII National ID",
}


@dataclass
class Profile:
    attributes: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)


def pii_tags(option: str | None) -> dict[str, str]:
    """The tag per PII class: the defaults, overridden by `class=Tag name,...` (an empty
    name exports no tag for that class). Unknown classes are refused."""
    tags = dict(DEFAULT_PII_TAGS)
    for part in (option or "").split(","):
        if not part.strip():
            continue
        pii_class, _, name = part.partition("=")
        if pii_class.strip() not in PII_CLASSES:
            known = ", ".join(PII_CLASSES)
            raise ConfigError(f"unknown PII class {pii_class.strip()!r} (known: {known})")
        tags[pii_class.strip()] = name.strip()
    return tags


def profiles(
    run_dir: Path, only: set[str] | None, tags: Mapping[str, str]
) -> dict[tuple[str, ...], Profile]:
    found: dict[tuple[str, ...], Profile] = {}
    fields = ["catalog_name", "schema_name", "table_name", "column_name", "data_type",
              "null_fraction", "null_ratio", "min_value", "max_value", "pii_class",
              *QUALITY_ATTRIBUTES]  # fmt: skip
    for row in read_rows(run_dir, "quality/column_profiles.parquet", fields, only):
        key = (row["catalog_name"], row["schema_name"], row["table_name"], row["column_name"])
        tag = tags.get(row["pii_class"] or "")
        found[key] = Profile(profile_attributes(row), [tag] if tag else [])
    return found


def profile_attributes(row: dict[str, Any]) -> dict[str, Any]:
    attributes = {atlan: row.get(name) for name, atlan in QUALITY_ATTRIBUTES.items()}
    if attributes["columnDistinctValuesCountLong"] is not None:
        attributes["columnDistinctValuesCountLong"] = round(
            attributes["columnDistinctValuesCountLong"]
        )
    ratio = row["null_ratio"] if row["null_ratio"] is not None else row["null_fraction"]
    if ratio is not None:
        attributes["columnMissingValuesPercentage"] = ratio * 100
    attributes |= _bounds(row["data_type"], row["min_value"], row["max_value"])
    return {k: v for k, v in attributes.items() if v is not None}


def _bounds(data_type: str | None, low: str | None, high: str | None) -> dict[str, Any]:
    """Sampled min and max: numbers for numeric types, text in the set attributes otherwise;
    a numeric value that is not a finite number (NaN, Infinity) is left out."""
    if NUMERIC_TYPE.match(data_type or ""):
        return {"columnMin": _number(low), "columnMax": _number(high)}
    return {
        "columnMins": [low] if low is not None else None,
        "columnMaxs": [high] if high is not None else None,
    }


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
