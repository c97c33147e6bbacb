"""endpoints analyzers; the tuples list them in the order they run."""

from __future__ import annotations

from spyless.analyzers.endpoints.analyzer import Endpoints
from spyless.analyzers.interface import FileAnalyzer, ImageAnalyzer

FILE_ANALYZERS: tuple[type[FileAnalyzer], ...] = ()
IMAGE_ANALYZERS: tuple[type[ImageAnalyzer], ...] = (Endpoints,)
