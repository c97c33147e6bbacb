"""backdoors analyzers; the tuples list them in the order they run."""

from __future__ import annotations

from spyless.analyzers.backdoors.debug_modes import DebugModeSettings
from spyless.analyzers.backdoors.known_bad import KnownBadBinaries
from spyless.analyzers.backdoors.listeners import BootShellListeners, MagicPacketDaemons
from spyless.analyzers.backdoors.signatures import KnownBackdoorSignatures
from spyless.analyzers.backdoors.web_binaries import WebServerHiddenRoutes
from spyless.analyzers.backdoors.web_handlers import WebBackdoorScripts
from spyless.analyzers.interface import FileAnalyzer, ImageAnalyzer

FILE_ANALYZERS: tuple[type[FileAnalyzer], ...] = (
    KnownBackdoorSignatures,
    KnownBadBinaries,
    WebBackdoorScripts,
    WebServerHiddenRoutes,
    MagicPacketDaemons,
    BootShellListeners,
    DebugModeSettings,
)
IMAGE_ANALYZERS: tuple[type[ImageAnalyzer], ...] = ()
