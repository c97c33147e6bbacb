"""squashfs handlers; HANDLERS lists them in the order they are tried."""

from __future__ import annotations

from spyless.unpack.handlers.squashfs.handler import SquashfsHandler, VendorSquashfsHandler
from spyless.unpack.interface import Handler

HANDLERS: tuple[type[Handler], ...] = (SquashfsHandler, VendorSquashfsHandler)

__all__ = ["HANDLERS", "SquashfsHandler", "VendorSquashfsHandler"]
