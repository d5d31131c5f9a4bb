"""Incremental runs: fingerprint every relation, and let each post-extraction step copy the
previous run's output for the relations whose fingerprint has not changed."""
