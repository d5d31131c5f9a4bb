"""SourceSense: complete, consistent, catalog-ready PostgreSQL metadata extraction."""

import os

__version__ = "0.1.0"

# Arrow's default pool on Linux is mimalloc, whose per-thread heaps kept 40 to 80 MB more
# resident than jemalloc through the default pipeline on a 10,000-table catalog (peak 388 vs
# 310 MB in one process, bench/README.md). Only a default: it must be chosen before pyarrow is
# first imported, and a user's own choice stands.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")
