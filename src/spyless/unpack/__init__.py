"""Safe, recursive extraction of firmware images into a workspace."""
