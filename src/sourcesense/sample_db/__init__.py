"""The SourceSense demo database ``sample_db`` (schema in ``schema.sql``, data in ``populate``,
loading in ``load``)."""

from __future__ import annotations


def load_sample_db(
    conninfo: str, database: str = "sample_db", scale: float = 1.0, replace: bool = False
) -> dict[str, int]:
    """Load the demo data into `database` (created when missing); rows per table. Refuses a
    database whose replaced schemas hold objects it did not create, unless `replace`.

    Imported lazily so that ``python -m sourcesense.sample_db.populate`` runs cleanly.
    """
    from sourcesense.sample_db.load import load_into  # noqa: PLC0415
    from sourcesense.source import parse_dsn  # noqa: PLC0415

    return load_into(parse_dsn(conninfo), database, scale, replace).rows


__all__ = ["load_sample_db"]
