"""Run directories: layout, atomic Parquet and JSON writing, the manifest."""
