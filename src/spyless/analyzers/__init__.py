"""Analyzers: one per concern, each declaring what it applies to and what it may find."""
