"""Transformers: functions from a run directory to files under transformed/<name>/."""
