"""Data of the vulnerability database: product table, end-of-life table, snapshot."""
