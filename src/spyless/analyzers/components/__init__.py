"""components analyzers; the tuples list them in the order they run."""

from __future__ import annotations

from spyless.analyzers.components.binaries import BinaryComponents
from spyless.analyzers.components.inventory import ComponentInventory
from spyless.analyzers.components.packages import PackageMetadata
from spyless.analyzers.interface import FileAnalyzer, ImageAnalyzer

FILE_ANALYZERS: tuple[type[FileAnalyzer], ...] = (BinaryComponents, PackageMetadata)
IMAGE_ANALYZERS: tuple[type[ImageAnalyzer], ...] = (ComponentInventory,)
