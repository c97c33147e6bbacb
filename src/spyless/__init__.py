"""spyless: check a network device's firmware against a no-spy, no-backdoors agreement."""

from spyless._version import __version__

__all__ = ["__version__"]
