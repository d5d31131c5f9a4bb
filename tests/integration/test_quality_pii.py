"""On every server: statistics-only assessment reads no table data (scan counters stand still,
and move once profiling is on), PII is classified by column name and by sampled values; the
sampled min/max of PII columns are left out unless include_pii_values, and anonymize masks
them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from sourcesense.quality import QualityOptions, assess, luhn_valid
from sourcesense.source import parse_dsn
from tests.helpers import extract
from tests.pg import PgServer

PEOPLE = """
CREATE TABLE public.people (
    id             integer PRIMARY KEY,
    email          text,
    contact        text,     -- e-mail addresses under a neutral name
    phone_number   text,
    reach_me       text,     -- phone numbers under a neutral name
    first_name     text,
    last_name      text,
    street         text,
    city           text,
    zip            text,
    ssn            text,
    ref            text,     -- card numbers (Luhn-valid) under a neutral name
    digits         text,     -- 16 digits that fail the Luhn check
    notes          text,
    email_verified boolean,
    card_id        integer,
    amount         numeric(8, 2)
)
"""
EVENTS = "CREATE TABLE public.events (id integer PRIMARY KEY, kind text NOT NULL)"
ROWS = 60


def card_number(seed: int) -> str:
    """A 16-digit number with a valid Luhn check digit, written in groups of four."""
    body = f"4{seed:014d}"
    check = next(d for d in range(10) if luhn_valid(f"{body}{d}"))
    digits = f"{body}{check}"
    return " ".join(digits[i : i + 4] for i in range(0, 16, 4))


def not_a_card(seed: int) -> str:
    body = f"5{seed:014d}"
    return next(f"{body}{d}" for d in range(10) if not luhn_valid(f"{body}{d}"))


def person(i: int) -> tuple[Any, ...]:
    return (
        i, f"user{i}@example.com", f"c.{i}@mail.example.org", f"+1 555 01{i:02d}",
        f"(030) 555-{i:04d}", f"Ann{i}", f"Lee{i}", f"{i} Main Street", f"City{i}", f"{10000 + i}",
        f"123-45-{i:04d}", card_number(i), not_a_card(i), f"note {i}", i % 2 == 0, i, i * 1.5,
    )  # fmt: skip


@pytest.fixture(scope="module")
def people_db(pg: PgServer) -> Iterator[str]:
    with pg.temp_database("sstest_quality_pii") as name:
        with pg.connect(name) as conn:
            conn.execute(PEOPLE)
            conn.execute(EVENTS)
            with conn.cursor() as cur:
                marks = ", ".join(["%s"] * len(person(0)))
                cur.executemany(
                    f"INSERT INTO public.people VALUES ({marks})",
                    [person(i) for i in range(1, ROWS + 1)],
                )
            conn.execute(
                "INSERT INTO public.events SELECT i, 'k' || i FROM generate_series(1, 50) i"
            )
            conn.execute("ANALYZE public.people, public.events")
        yield name


def profiles(run_dir: Path) -> dict[str, dict[str, Any]]:
    table = pq.read_table(run_dir / "quality" / "column_profiles.parquet")
    return {f"{r['table_name']}.{r['column_name']}": r for r in table.to_pylist()}


def scan_counters(pg: PgServer, database: str) -> dict[str, tuple[int, ...]]:
    """Per table: sequential scans, rows they read, index scans, rows those fetched."""
    with pg.connect(database) as conn:
        rows = conn.execute(
            "SELECT relname, seq_scan, seq_tup_read, COALESCE(idx_scan, 0),"
            " COALESCE(idx_tup_fetch, 0) FROM pg_stat_user_tables WHERE schemaname = 'public'"
        ).fetchall()
    return {str(r[0]): tuple(int(v) for v in r[1:]) for r in rows}


def settled_counters(pg: PgServer, database: str) -> dict[str, tuple[int, ...]]:
    """Counters once backends have flushed them: since PostgreSQL 15 a backend publishes its
    statistics when idle or on exit (assess closes its connections), read from a new
    connection. Waits until two reads a second apart agree."""
    previous = scan_counters(pg, database)
    for _ in range(10):
        time.sleep(1.0)
        current = scan_counters(pg, database)
        if current == previous:
            return current
        previous = current
    return previous


def test_statistics_only_reads_no_table_data(pg: PgServer, people_db: str, tmp_path: Path) -> None:
    run_dir = extract(pg, people_db, tmp_path).run_dir
    source = parse_dsn(pg.conninfo(people_db))
    before = settled_counters(pg, people_db)
    assert assess(run_dir, source, QualityOptions(profile=False)) == []
    assert settled_counters(pg, people_db) == before
    cols = profiles(run_dir)
    assert {c["method"] for c in cols.values()} == {"statistics"}
    assert cols["people.email"]["null_fraction"] == 0
    assert cols["people.id"]["n_distinct"] == ROWS  # pg_stats says -1: every row distinct
    assert cols["people.email"]["min_value"] is None  # no sample, no values

    # Positive control: the same counters do move when profiling reads the tables.
    assert assess(run_dir, source, QualityOptions(profile=True)) == []
    after = settled_counters(pg, people_db)
    for table in ("people", "events"):
        assert after[table][0] > before[table][0], table  # small tables: read whole
    assert profiles(run_dir)["events.kind"]["method"] == "full"


EXPECTED_PROFILED = {
    "email": ("email", "value"),
    "contact": ("email", "value"),
    "phone_number": ("phone", "value"),
    "reach_me": ("phone", "value"),
    "first_name": ("person_name", "name"),
    "last_name": ("person_name", "name"),
    "street": ("address", "name"),
    "city": ("address", "name"),
    "zip": ("address", "name"),
    "ssn": ("national_id", "name"),
    "ref": ("card_number", "value"),
    "digits": (None, None),
    "notes": (None, None),
    "email_verified": (None, None),
    "card_id": (None, None),
    "amount": (None, None),
    "id": (None, None),
}
# Without values only the names speak.
BY_NAME_ONLY = {
    **EXPECTED_PROFILED,
    "email": ("email", "name"),
    "contact": (None, None),
    "phone_number": ("phone", "name"),
    "reach_me": (None, None),
    "ref": (None, None),
}


def _classes(run_dir: Path) -> dict[str, tuple[str | None, str | None]]:
    return {
        key.split(".", 1)[1]: (row["pii_class"], row["pii_source"])
        for key, row in profiles(run_dir).items()
        if key.startswith("people.")
    }


def test_pii_by_name_and_by_value(pg: PgServer, people_db: str, tmp_path: Path) -> None:
    run_dir = extract(pg, people_db, tmp_path).run_dir
    source = parse_dsn(pg.conninfo(people_db))
    assert assess(run_dir, source, QualityOptions()) == []
    assert _classes(run_dir) == BY_NAME_ONLY
    assert assess(run_dir, source, QualityOptions(profile=True)) == []
    assert _classes(run_dir) == EXPECTED_PROFILED
    assert assess(run_dir, source, QualityOptions(profile=True, classify_pii=False)) == []
    assert set(_classes(run_dir).values()) == {(None, None)}


MASKED = {
    "email": ("u***@e***.com", "u***@e***.com"),
    "contact": ("c***@m***.org", "c***@m***.org"),
    "phone_number": ("******01", "******60"),  # keeps the last two digits
    "first_name": ("A***", "A***"),
    "city": ("***", "***"),
    "ssn": ("***", "***"),
    "ref": ("************0010", "************0606"),  # keeps the last four digits
}


def test_anonymize_masks_pii_min_max(pg: PgServer, people_db: str, tmp_path: Path) -> None:
    run_dir = extract(pg, people_db, tmp_path).run_dir
    source = parse_dsn(pg.conninfo(people_db))
    # By default a PII column's sampled values are written nowhere; the rest are.
    assert assess(run_dir, source, QualityOptions(profile=True)) == []
    default = profiles(run_dir)
    for column in MASKED:
        row = default[f"people.{column}"]
        assert (row["min_value"], row["max_value"]) == (None, None), column
    assert default["people.notes"]["min_value"] == "note 1"
    opted = QualityOptions(profile=True, include_pii_values=True)
    assert assess(run_dir, source, opted) == []
    plain = profiles(run_dir)
    masking = QualityOptions(profile=True, include_pii_values=True, anonymize=True)
    assert assess(run_dir, source, masking) == []
    masked = profiles(run_dir)
    for column, (low, high) in MASKED.items():
        row = masked[f"people.{column}"]
        assert (row["min_value"], row["max_value"]) == (low, high), column
    secrets = {person(i)[k] for i in range(1, ROWS + 1) for k in range(1, 12)}
    written = {v for row in masked.values() for v in row.values() if isinstance(v, str)}
    assert not secrets & written
    for column in ("notes", "digits", "amount", "id"):  # not PII: left as they were
        key = f"people.{column}"
        assert (masked[key]["min_value"], masked[key]["max_value"]) == (
            plain[key]["min_value"], plain[key]["max_value"]
        )  # fmt: skip
    assert plain["people.email"]["min_value"] == "user10@example.com"  # masked above
    # Masking does not depend on classes being part of the output.
    quiet = QualityOptions(
        profile=True, include_pii_values=True, anonymize=True, classify_pii=False
    )
    assert assess(run_dir, source, quiet) == []
    row = profiles(run_dir)["people.ref"]
    assert (row["pii_class"], row["min_value"]) == (None, MASKED["ref"][0])
