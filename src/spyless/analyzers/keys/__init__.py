"""keys analyzers; the tuples list them in the order they run."""

from __future__ import annotations

from spyless.analyzers.interface import FileAnalyzer, ImageAnalyzer
from spyless.analyzers.keys.files import KeyFiles
from spyless.analyzers.keys.reuse import KeyReuse

FILE_ANALYZERS: tuple[type[FileAnalyzer], ...] = (KeyFiles,)
IMAGE_ANALYZERS: tuple[type[ImageAnalyzer], ...] = (KeyReuse,)
