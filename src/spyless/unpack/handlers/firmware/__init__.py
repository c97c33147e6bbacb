"""firmware handlers; HANDLERS lists them in the order they are tried."""

from __future__ import annotations

from spyless.unpack.handlers.firmware.android_sparse import AndroidSparseHandler
from spyless.unpack.handlers.firmware.arcadyan import ArcadyanHandler
from spyless.unpack.handlers.firmware.dlink import DlinkEncrptedImgHandler, DlinkShrsHandler
from spyless.unpack.handlers.firmware.dlink_mh01 import DlinkMh01Handler
from spyless.unpack.handlers.firmware.fdt import FdtHandler
from spyless.unpack.handlers.firmware.linux_kernel import LinuxKernelHandler
from spyless.unpack.handlers.firmware.tplink import TpLinkHandler
from spyless.unpack.handlers.firmware.trendchip import TrendChipHandler
from spyless.unpack.handlers.firmware.trx import TrxHandler
from spyless.unpack.handlers.firmware.uimage import UImageHandler
from spyless.unpack.interface import Handler

HANDLERS: tuple[type[Handler], ...] = (
    DlinkEncrptedImgHandler,
    DlinkShrsHandler,
    DlinkMh01Handler,
    TpLinkHandler,
    UImageHandler,
    TrxHandler,
    TrendChipHandler,
    FdtHandler,
    AndroidSparseHandler,
    ArcadyanHandler,
    LinuxKernelHandler,
)
