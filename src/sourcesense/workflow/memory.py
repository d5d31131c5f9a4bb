"""Give back memory a finished activity no longer uses.

The activities run in threads of one worker process, so what a step frees but the allocators
keep (Arrow's mimalloc pool, glibc's heap after Python objects by the hundred thousand) is
still held when the next step starts, and each step's peak sits on top of it. Released after
every activity, the default pipeline's peak on the 10,000-table catalog fell by 20 to 35 MB
(two runs each way, bench/README.md)."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys

import pyarrow as pa


def _malloc_trim() -> None:
    """glibc's malloc_trim(0): free pages of the heap go back to the system (Linux only)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # another C library (musl): nothing to trim
        return


def release_memory() -> None:
    gc.collect()
    pa.default_memory_pool().release_unused()
    _malloc_trim()
