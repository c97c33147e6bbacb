"""accounts analyzers; the tuples list them in the order they run.

``crack_backends()`` tells ``spyless doctor`` which password-hash backends are available.
"""

from __future__ import annotations

from spyless.analyzers.accounts.analyzer import AccountsAnalyzer
from spyless.analyzers.accounts.crack import crack_backends
from spyless.analyzers.interface import FileAnalyzer, ImageAnalyzer

FILE_ANALYZERS: tuple[type[FileAnalyzer], ...] = ()
IMAGE_ANALYZERS: tuple[type[ImageAnalyzer], ...] = (AccountsAnalyzer,)

__all__ = ["FILE_ANALYZERS", "IMAGE_ANALYZERS", "AccountsAnalyzer", "crack_backends"]
