"""Personal data classification of columns, by name and by sampled values, and masking.

Name rules match whole words of the snake_cased column name, so `hotel` is not a phone and
`card_id` (a reference, not the number) is not a card. Value rules need most sampled values to
match, because one stray e-mail in a comment column does not make it an e-mail column.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

PII_CLASSES = ("email", "phone", "person_name", "address", "card_number", "national_id")

# The same patterns run on the server (POSIX regex, inside the profiling query); keep them
# to syntax both PostgreSQL and Python read alike.
EMAIL_PATTERN = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
PHONE_PATTERN = r"^\+?[0-9(][0-9 ().-]{5,20}[0-9]$"
# A phone value also needs a +, space, dot, dash or parenthesis: bare digit strings are far
# more often ids and codes than phone numbers.
PHONE_MARK_PATTERN = r"[^0-9]"
CARD_SEPARATORS = r"[ -]"
CARD_PATTERN = r"^[0-9]{13,19}$"
PHONE_DIGITS = (7, 15)  # E.164 allows at most 15 digits; fewer than 7 is a code, not a number

# Share of non-null sampled values that must match for a value-based class.
VALUE_SHARE = 0.8
# Share of card-shaped candidates that must pass the Luhn check (typos and test data aside).
LUHN_SHARE = 0.9
# Types that cannot hold the values these classes describe (e.g. `email_verified boolean`).
_NON_PII_TYPES = re.compile(r"^(boolean|date|time|timestamp|interval|uuid)\b")

_NAME_RULES: tuple[tuple[str, str], ...] = (
    ("email", r"e_?mail(_?address)?"),
    (
        "national_id",
        r"ssn|social_security(_number|_no)?|national_id(_number|_no)?|national_insurance_number",
    ),
    (
        "card_number",
        r"credit_?card(_?(number|num|no))?|card_?(number|num|no)|cc_?(number|num|no)|ccnum|pan"
        r"|card",
    ),
    ("phone", r"phone(_?(number|num|no))?|tel(ephone)?|mobile(_?phone)?|cell_?phone|fax"),
    (
        "person_name",
        r"(first|last|full|given|family|middle|sur|fore|maiden)_?name|(card_?)?holder(_?name)?",
    ),
    ("address", r"address(_?line_?\d*)?|street|city|zip(_?code)?|postal(_?code)?|post_?code"),
)
_COMPILED = tuple(
    (cls, re.compile(rf"(?:^|_)(?:{pattern})(?=_|$)")) for cls, pattern in _NAME_RULES
)
# A trailing word like these says the column describes the value rather than holding it.
_DESCRIPTOR = {"id", "ids", "uuid", "count", "type", "kind", "status", "brand", "hash",
               "verified", "valid", "enabled", "flag", "at", "on", "key"}  # fmt: skip
_ADDRESS_NOT_POSTAL = re.compile(r"(?:^|_)(ip|mac|ipv4|ipv6|wallet|web|url)_?address")


@dataclass(frozen=True)
class ValueEvidence:
    """Counts over the non-null sampled values of one text column."""

    non_null: int
    email_matches: int = 0
    phone_matches: int = 0
    card_shaped: int = 0
    card_candidates: list[str] = field(default_factory=list)


def snake_case(name: str) -> str:
    """`firstName`, `First-Name` and `FIRST_NAME` all become `first_name`."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


@functools.lru_cache(maxsize=65_536)  # names repeat across tables: id, email, created_at...
def classify_name(column_name: str, base_type: str = "text") -> str | None:
    """The PII class a column's name suggests, or None."""
    if _NON_PII_TYPES.match(base_type):
        return None
    name = snake_case(column_name)
    found: list[tuple[int, int, str]] = []  # (end, -rule order, class)
    for order, (cls, pattern) in enumerate(_COMPILED):
        found.extend((match.end(), -order, cls) for match in pattern.finditer(name))
    if not found:
        return None
    # The last word names what the column holds: `card_holder_name` is a name, not a card.
    end, _, cls = max(found)
    if end < len(name) and name.rsplit("_", 1)[-1] in _DESCRIPTOR:
        return None  # card_id, email_verified: about the value, not the value
    if cls == "address" and _ADDRESS_NOT_POSTAL.search(name):
        return None
    return cls


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum of a card number (digits only) is a multiple of 10."""
    if not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def classify_values(evidence: ValueEvidence) -> str | None:
    """The PII class most sampled values show, or None. Cards first: a spaced card number
    also looks like a phone number."""
    if evidence.non_null <= 0:
        return None
    needed = VALUE_SHARE * evidence.non_null
    candidates = evidence.card_candidates
    if evidence.card_shaped >= needed and candidates:
        valid = sum(luhn_valid(value) for value in candidates)
        if valid >= LUHN_SHARE * len(candidates):
            return "card_number"
    if evidence.email_matches >= needed:
        return "email"
    if evidence.phone_matches >= needed:
        return "phone"
    return None


def mask_value(value: str, pii_class: str) -> str:
    """A masked stand-in for a personal value that keeps only its shape.

    e-mail 'jane.doe@example.com' -> 'j***@e***.com'; card -> last four digits; phone -> last
    two digits; names -> initial; anything else -> '***'.
    """
    if not value:
        return value
    if pii_class == "email" and "@" in value:
        local, _, domain = value.rpartition("@")
        host, dot, tld = domain.rpartition(".")
        masked_domain = f"{host[:1]}***{dot}{tld}" if dot else f"{domain[:1]}***"
        return f"{local[:1]}***@{masked_domain}"
    if pii_class == "card_number":
        return _mask_digits(value, keep=4)
    if pii_class == "phone":
        return _mask_digits(value, keep=2)
    if pii_class == "person_name":
        return f"{value[:1]}***"
    return "***"


def _mask_digits(value: str, keep: int) -> str:
    digits = [char for char in value if char.isdigit()]
    if len(digits) <= keep:
        return "***"
    return "*" * (len(digits) - keep) + "".join(digits[-keep:])


MCV_FIELDS = ("most_common_values", "most_common_freqs")


def drop_pii_mcvs(batch: pa.RecordBatch) -> pa.RecordBatch:
    """raw/column_stats rows with the pg_stats most common values (and their frequencies) of
    columns whose names classify as PII nulled. Only names are known while extracting (values
    are classified later, by profiling); the type is not in pg_stats, so every column counts
    as text here, which errs towards leaving values out. Per distinct column name, cached."""
    names = batch.column("column_name").to_pylist()
    keep = pa.array([classify_name(name) is None for name in names], pa.bool_())
    if pc.all(keep).as_py() is not False:
        return batch
    arrays = [
        pc.if_else(keep, column, pa.nulls(len(batch), column.type))
        if name in MCV_FIELDS else column
        for name, column in zip(batch.schema.names, batch.columns, strict=True)
    ]  # fmt: skip
    return pa.RecordBatch.from_arrays(arrays, schema=batch.schema)
