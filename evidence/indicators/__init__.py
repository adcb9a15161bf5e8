"""Indicators: pure functions on tidy frames (no I/O)."""
