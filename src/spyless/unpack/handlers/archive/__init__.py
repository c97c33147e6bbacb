"""archive handlers; HANDLERS lists them in the order they are tried."""

from __future__ import annotations

from spyless.unpack.handlers.archive.ar import ArHandler
from spyless.unpack.handlers.archive.cpio import CpioHandler
from spyless.unpack.handlers.archive.external7z import External7zHandler
from spyless.unpack.handlers.archive.iso9660 import Iso9660Handler
from spyless.unpack.handlers.archive.sevenzip import SevenZipHandler
from spyless.unpack.handlers.archive.tar import TarHandler
from spyless.unpack.handlers.archive.zip import ZipHandler
from spyless.unpack.interface import Handler

HANDLERS: tuple[type[Handler], ...] = (
    Iso9660Handler,
    TarHandler,
    CpioHandler,
    ZipHandler,
    SevenZipHandler,
    ArHandler,
    External7zHandler,
)
