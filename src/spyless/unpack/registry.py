"""The built-in handlers, in one explicit tuple. Nothing registers itself at import time."""

from __future__ import annotations

from spyless.unpack.handlers import archive, compression, filesystem, firmware, squashfs
from spyless.unpack.interface import Handler

BUILTIN_HANDLERS: tuple[type[Handler], ...] = (
    *firmware.HANDLERS,
    *squashfs.HANDLERS,
    *filesystem.HANDLERS,
    *archive.HANDLERS,
    *compression.HANDLERS,
)


def builtin_handlers() -> tuple[Handler, ...]:
    return tuple(cls() for cls in BUILTIN_HANDLERS)
