"""filesystem handlers; HANDLERS lists them in the order they are tried."""

from __future__ import annotations

from spyless.unpack.handlers.filesystem.cramfs import CramfsHandler
from spyless.unpack.handlers.filesystem.ext import ExtHandler
from spyless.unpack.handlers.filesystem.jffs2 import Jffs2Handler
from spyless.unpack.handlers.filesystem.romfs import RomfsHandler
from spyless.unpack.handlers.filesystem.ubi import UbiHandler
from spyless.unpack.handlers.filesystem.ubifs import UbifsHandler
from spyless.unpack.handlers.filesystem.yaffs2 import Yaffs2Handler
from spyless.unpack.interface import Handler

HANDLERS: tuple[type[Handler], ...] = (
    UbiHandler,
    UbifsHandler,
    Jffs2Handler,
    Yaffs2Handler,
    CramfsHandler,
    RomfsHandler,
    ExtHandler,
)
