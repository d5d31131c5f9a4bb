"""Personal data of sample_db, and a search for it in everything a run leaves behind.

The values come from sample_db itself (every user's e-mail address and phone number), so the
search follows the data. Parquet files are compressed (zstd): a byte search in them would find
nothing whatever they hold, so they are decoded and every string value in them is searched;
other files are searched as text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from tests.pg import PgServer

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PHONE = re.compile(r"\+\d{1,3} 555 \d{4}")  # sample_db's phone numbers: +<dial code> 555 NNNN


def personal_values(pg: PgServer, database: str) -> set[str]:
    """Every user's e-mail address and phone number in sample_db."""
    with pg.connect(database) as conn:
        rows = conn.execute(
            "SELECT email::text FROM ecommerce.users"
            " UNION SELECT phone FROM ecommerce.users WHERE phone IS NOT NULL"
        ).fetchall()
    values = {str(row[0]) for row in rows}
    assert len(values) > 100 and any("@" in v for v in values) and any(PHONE.fullmatch(v)
                                                                      for v in values)  # fmt: skip
    return values


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def file_text(path: Path) -> str:
    """A file's searchable text: a Parquet file's string values, any other file as text."""
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        return "\n".join(_strings(table.to_pylist()))
    return path.read_bytes().decode("utf-8", errors="replace")


def found_in(texts: Iterable[str], secrets: set[str]) -> set[str]:
    """The personal values that occur in any of the texts."""
    found: set[str] = set()
    for text in texts:
        candidates = set(EMAIL.findall(text)) | set(PHONE.findall(text))
        found |= candidates & secrets
    return found


def tree_texts(folder: Path) -> Iterator[str]:
    """Every file under a folder (run directories, logs), decoded as file_text does."""
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            yield file_text(path)


def json_texts(documents: Iterable[Any]) -> Iterator[str]:
    for document in documents:
        yield json.dumps(document, default=str)
