"""compression handlers; HANDLERS lists them in the order they are tried."""

from __future__ import annotations

from spyless.unpack.handlers.compression.bzip2 import Bzip2Handler
from spyless.unpack.handlers.compression.gz import GzipHandler
from spyless.unpack.handlers.compression.lz4_frame import Lz4FrameHandler
from spyless.unpack.handlers.compression.lz4_legacy import Lz4LegacyHandler
from spyless.unpack.handlers.compression.lzma_alone import LzmaAloneHandler
from spyless.unpack.handlers.compression.lzop import LzopHandler
from spyless.unpack.handlers.compression.xz import XzHandler
from spyless.unpack.handlers.compression.zlibstream import ZlibHandler
from spyless.unpack.handlers.compression.zstd import ZstdHandler
from spyless.unpack.interface import Handler

HANDLERS: tuple[type[Handler], ...] = (
    GzipHandler,
    XzHandler,
    LzmaAloneHandler,
    Bzip2Handler,
    ZstdHandler,
    Lz4FrameHandler,
    Lz4LegacyHandler,
    LzopHandler,
    ZlibHandler,
)
