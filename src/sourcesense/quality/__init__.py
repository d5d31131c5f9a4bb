"""Data quality from an extraction run: column profiles, schema findings and PII classes.

Statistics come from the raw files and read no table data; sampled profiling reads a bounded
sample of each table only when asked (QualityOptions.profile).
"""

from __future__ import annotations

from sourcesense.quality.assess import assess
from sourcesense.quality.options import QualityOptions
from sourcesense.quality.pii import classify_name, luhn_valid, mask_value
from sourcesense.quality.schemas import FINDINGS_SCHEMA, PROFILE_SCHEMA

__all__ = [
    "FINDINGS_SCHEMA",
    "PROFILE_SCHEMA",
    "QualityOptions",
    "assess",
    "classify_name",
    "luhn_valid",
    "mask_value",
]
