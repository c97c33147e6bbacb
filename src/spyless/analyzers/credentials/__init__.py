"""credentials analyzers (SPY120-SPY130); the tuples list them in the order they run."""

from __future__ import annotations

from spyless.analyzers.credentials.binaries import BinaryCredentials
from spyless.analyzers.credentials.config import ConfigCredentials
from spyless.analyzers.credentials.scripts import ScriptCredentials
from spyless.analyzers.credentials.tokens import TokenCredentials
from spyless.analyzers.interface import FileAnalyzer, ImageAnalyzer

FILE_ANALYZERS: tuple[type[FileAnalyzer], ...] = (
    ConfigCredentials, ScriptCredentials, TokenCredentials, BinaryCredentials,
)
IMAGE_ANALYZERS: tuple[type[ImageAnalyzer], ...] = ()
