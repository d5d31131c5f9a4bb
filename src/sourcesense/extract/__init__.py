"""Catalog extraction: bulk pg_catalog queries in one snapshot per database."""
