"""SourceSense: complete, consistent, catalog-ready PostgreSQL metadata extraction."""

__version__ = "0.1.0"
