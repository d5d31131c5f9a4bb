"""The SourceSense demo database ``sample_db`` (schema in ``schema.sql``, data in ``populate``)."""

from __future__ import annotations


def load_sample_db(
    conninfo: str, database: str = "sample_db", scale: float = 1.0
) -> dict[str, int]:
    """Create or replace the demo database, see ``sourcesense.sample_db.populate``.

    Imported lazily so that ``python -m sourcesense.sample_db.populate`` runs cleanly.
    """
    from sourcesense.sample_db.populate import load_sample_db as load  # noqa: PLC0415

    return load(conninfo, database, scale)


__all__ = ["load_sample_db"]
