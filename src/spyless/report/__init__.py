"""The versioned report model and its renderers."""
