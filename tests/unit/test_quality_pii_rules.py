"""PII rules without a server: column names, value evidence, the Luhn check and masking."""

from __future__ import annotations

import re

import pyarrow as pa
import pytest

from sourcesense.quality import classify_name, luhn_valid, mask_value
from sourcesense.quality.pii import (
    EMAIL_PATTERN,
    PHONE_PATTERN,
    ValueEvidence,
    classify_values,
    drop_pii_mcvs,
)

NAMES = {
    "email": ["email", "e_mail", "EmailAddress", "user_email", "email_address", "E-Mail"],
    "phone": ["phone", "mobile", "tel", "home_phone", "telephone", "phoneNumber", "fax"],
    "person_name": ["first_name", "lastName", "full_name", "FirstName", "surname",
                    "card_holder_name"],
    "address": ["address", "street", "city", "zip", "zipcode", "postal_code", "address_line1",
                "billing_address"],
    "card_number": ["card", "credit_card", "ccnum", "cc_number", "pan", "card_number",
                    "CreditCardNumber"],
    "national_id": ["ssn", "social_security_number", "national_id"],
}  # fmt: skip
NOT_PII = ["name", "hotel", "email_verified", "email_verified_at", "card_id", "card_type",
           "shipping_address_id", "ip_address", "telemetry", "pancake", "username",
           "description", "cities_count", "zip_codes_id", "mac_address"]  # fmt: skip


@pytest.mark.parametrize(("expected", "column"), [(c, n) for c, ns in NAMES.items() for n in ns])
def test_name_classes(expected: str, column: str) -> None:
    assert classify_name(column) == expected


@pytest.mark.parametrize("column", NOT_PII)
def test_names_that_are_not_pii(column: str) -> None:
    assert classify_name(column) is None


@pytest.mark.parametrize(
    "base_type", ["boolean", "timestamp with time zone", "date", "uuid", "interval"]
)
def test_types_that_cannot_hold_pii(base_type: str) -> None:
    assert classify_name("email", base_type) is None
    assert classify_name("phone", "bigint") == "phone"  # numbers can hold phone numbers


def test_luhn() -> None:
    assert luhn_valid("4111111111111111")
    assert luhn_valid("79927398713")
    assert not luhn_valid("4111111111111112")
    assert not luhn_valid("")
    assert not luhn_valid("4111 1111")


def test_value_classes_need_most_values() -> None:
    cards = ["4111111111111111", "5500005555555559", "340000000000009"]
    assert classify_values(ValueEvidence(3, card_shaped=3, card_candidates=cards)) == "card_number"
    bad_cards = ["4111111111111112"] * 3
    assert classify_values(ValueEvidence(3, card_shaped=3, card_candidates=bad_cards)) is None
    assert classify_values(ValueEvidence(10, email_matches=8)) == "email"
    assert classify_values(ValueEvidence(10, email_matches=7)) is None
    assert classify_values(ValueEvidence(10, phone_matches=9)) == "phone"
    assert classify_values(ValueEvidence(0)) is None


def test_value_patterns() -> None:
    # The same patterns run on the server as POSIX regular expressions.
    assert re.match(EMAIL_PATTERN, "jane.doe+x@mail.example.co.uk")
    assert not re.match(EMAIL_PATTERN, "jane@localhost")
    assert not re.match(EMAIL_PATTERN, "not an email@example.com")
    for phone in ("+1 555 0101", "(030) 555-0001", "+44 20 7946 0958", "555.123.4567"):
        assert re.match(PHONE_PATTERN, phone), phone
    for other in ("2024-01-01 12:00", "abc 123 4567", "+1"):
        assert not re.match(PHONE_PATTERN, other), other


@pytest.mark.parametrize(
    ("value", "pii_class", "masked"),
    [
        ("jane.doe@example.com", "email", "j***@e***.com"),
        ("a@localhost", "email", "a***@l***"),
        ("4111 1111 1111 1111", "card_number", "************1111"),
        ("+1 555 0101", "phone", "******01"),
        ("12", "phone", "***"),
        ("Jane", "person_name", "J***"),
        ("1 Main Street", "address", "***"),
        ("123-45-6789", "national_id", "***"),
        ("", "email", ""),
    ],
)
def test_mask_value(value: str, pii_class: str, masked: str) -> None:
    assert mask_value(value, pii_class) == masked


def test_drop_pii_mcvs_nulls_only_pii_named_columns() -> None:
    batch = pa.RecordBatch.from_pydict(
        {
            "column_name": ["email", "status", "phone_number"],
            "most_common_values": ['{"a@b.co"}', "{paid,open}", '{"+1 555 0101"}'],
            "most_common_freqs": [[0.5], [0.6, 0.4], [0.1]],
        }
    )
    kept = drop_pii_mcvs(batch).to_pydict()
    assert kept["most_common_values"] == [None, "{paid,open}", None]
    assert kept["most_common_freqs"] == [None, [0.6, 0.4], None]
    assert kept["column_name"] == ["email", "status", "phone_number"]
