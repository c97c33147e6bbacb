"""services analyzers; the tuples list them in the order they run."""

from __future__ import annotations

from spyless.analyzers.interface import FileAnalyzer, ImageAnalyzer
from spyless.analyzers.services.boot_services import BootServices

FILE_ANALYZERS: tuple[type[FileAnalyzer], ...] = ()
IMAGE_ANALYZERS: tuple[type[ImageAnalyzer], ...] = (BootServices,)
