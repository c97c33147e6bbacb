"""hardening analyzers; the tuples list them in the order they run.

``hardening_summary`` gives the per-image counts and shares for report renderers.
"""

from __future__ import annotations

from spyless.analyzers.hardening.analyzer import ElfHardening, HardeningSummary
from spyless.analyzers.hardening.summary import hardening_summary
from spyless.analyzers.interface import FileAnalyzer, ImageAnalyzer

FILE_ANALYZERS: tuple[type[FileAnalyzer], ...] = (ElfHardening,)
IMAGE_ANALYZERS: tuple[type[ImageAnalyzer], ...] = (HardeningSummary,)

__all__ = ["FILE_ANALYZERS", "IMAGE_ANALYZERS", "hardening_summary"]
