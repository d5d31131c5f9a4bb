"""Orchestration: the extraction as a durable Temporal workflow over the core functions."""
