"""Format handlers, one module each, grouped by category."""
