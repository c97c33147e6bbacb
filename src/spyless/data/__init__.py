"""Data files shipped inside the package (signatures, wordlists); read with importlib.resources."""
