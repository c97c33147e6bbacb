"""TP-Link firmware headers (v1 with the vendor string, v2/v3 without), split into parts.

The 0x200-byte header gives kernel and rootfs offsets relative to itself. A "boot" image
carries U-Boot right after the header and a second, complete TP-Link image after the
bootloader area; the second header then describes the kernel and rootfs. Parts:
``u-boot.bin``, ``kernel`` (``kernel.lzma`` / ``kernel.gz`` when recognised) and ``rootfs``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from spyless.errors import EncryptedError, FormatError
from spyless.unpack.handlers.firmware._common import (
    blocks,
    cstr,
    looks_encrypted,
    unpack,
    write_part,
)
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

MAGIC_V1 = b"\x01\x00\x00\x00TP-LINK Technologies"
MAGICS_V2 = (b"\x02\x00\x00\x00ver. ", b"\x03\x00\x00\x00ver. ")
HEADER_SIZE = 0x200
#: Where the bootloader of a "boot" image ends and the embedded firmware image begins.
BOOT_AREA = 0x20000
MD5_SALT_NORMAL = bytes.fromhex("dcd73aa5c39598fbddf9e7f40eae4737")
MD5_SALT_BOOT = bytes.fromhex("8cef335bd5c5cefaa79c28dab2e90f42")


@dataclass(frozen=True, slots=True)
class TpLinkHeader:
    offset: int
    header_version: int
    vendor: str
    version_string: str
    hw_id: int
    hw_rev: int
    md5_offset: int
    kernel_la: int
    kernel_ep: int
    fw_length: int
    kernel_ofs: int
    kernel_len: int
    rootfs_ofs: int
    rootfs_len: int
    boot_len: int
    firmware_version: str


def read_header(blob: Blob, at: int) -> TpLinkHeader | None:
    """The TP-Link header at ``at``, or None when there is none."""
    if at < 0 or at + HEADER_SIZE > len(blob):
        return None
    head = bytes(blob[at : at + HEADER_SIZE])
    if head.startswith(MAGIC_V1):
        fields = unpack(">9I", blob, at + 0x74)
        vers = unpack(">3H", blob, at + 0x98)
        ids = unpack(">II", blob, at + 0x40)
        if fields is None or vers is None or ids is None:
            return None
        return TpLinkHeader(
            at, 1, cstr(head[4:0x1C]), cstr(head[0x1C:0x40]), ids[0], ids[1], 0x4C,
            fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], fields[6],
            fields[8], ".".join(map(str, vers)),
        )
    if head[:9] in MAGICS_V2:
        fields = unpack(">9I", blob, at + 0x68)
        ids = unpack(">II", blob, at + 0x34)
        if fields is None or ids is None:
            return None
        return TpLinkHeader(
            at, head[0], "TP-LINK", cstr(head[4:0x34]), ids[0], ids[1], 0x40,
            fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], fields[6],
            fields[8], f"{head[0x91]}.{head[0x92]}.{head[0x93]}",
        )
    return None


def _md5_check(blob: Blob, header: TpLinkHeader) -> str:
    start, end = header.offset, header.offset + header.fw_length
    stored = bytes(blob[start + header.md5_offset : start + header.md5_offset + 16])
    for label, salt in (("boot", MD5_SALT_BOOT), ("normal", MD5_SALT_NORMAL)):
        digest = hashlib.md5(usedforsecurity=False)
        first = True
        for piece in blocks(blob, start, end):
            if first:
                digest.update(piece[: header.md5_offset] + salt + piece[header.md5_offset + 16 :])
                first = False
            else:
                digest.update(piece)
        if digest.digest() == stored:
            return f"ok ({label} salt)"
    return "mismatch"


def _kernel_name(blob: Blob, at: int) -> str:
    lead = bytes(blob[at : at + 5])
    if len(lead) == 5 and lead[0] == 0x5D and lead[1:3] == b"\x00\x00":
        return "kernel.lzma"
    if lead.startswith(b"\x1f\x8b"):
        return "kernel.gz"
    return "kernel"


def _layout(blob: Blob, outer: TpLinkHeader, end: int) -> tuple[TpLinkHeader, int | None]:
    """The header describing kernel and rootfs, and the bootloader end if there is one."""
    if outer.boot_len == 0:
        return outer, None
    boot_start = outer.offset + HEADER_SIZE
    boot_end = boot_start + outer.boot_len
    if boot_end > end:
        raise FormatError(f"TP-Link bootloader of {outer.boot_len} bytes runs past the image")
    inner = read_header(blob, boot_start + BOOT_AREA)
    if inner is None:
        needle = MAGIC_V1 if outer.header_version == 1 else bytes(
            blob[outer.offset : outer.offset + 9]
        )
        found = blob.find(needle, boot_end, end)
        inner = read_header(blob, found) if found >= 0 else None
    if inner is None or inner.offset + inner.fw_length > end:
        return outer, boot_end
    return inner, boot_end


class TpLinkHandler(Handler):
    name = "tplink"
    category = Category.FIRMWARE
    magics = (Magic(MAGIC_V1), *(Magic(m) for m in MAGICS_V2))
    description = "TP-Link firmware header (v1/v2): bootloader, kernel and rootfs by offsets"
    priority = 15

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        header = read_header(blob, start)
        if header is None or header.fw_length < HEADER_SIZE:
            return None
        end = start + header.fw_length
        if end > len(blob):
            raise FormatError(
                f"TP-Link image of {header.fw_length} bytes runs past the end of the input "
                f"({len(blob) - start} bytes available)"
            )
        layout, boot_end = _layout(blob, header, end)
        info = {
            "vendor": header.vendor,
            "header_version": str(header.header_version),
            "version_string": header.version_string,
            "firmware_version": header.firmware_version,
            "hardware_id": f"0x{header.hw_id:08x}",
            "hardware_revision": str(header.hw_rev),
            "kernel_load_address": f"0x{layout.kernel_la:08x}",
            "kernel_entry_point": f"0x{layout.kernel_ep:08x}",
            "kernel_offset": f"0x{layout.offset + layout.kernel_ofs:x}",
            "kernel_length": str(layout.kernel_len),
            "rootfs_offset": f"0x{layout.offset + layout.rootfs_ofs:x}",
            "rootfs_length": str(layout.rootfs_len),
            "bootloader_length": str(header.boot_len),
            "md5": _md5_check(blob, header),
        }
        if boot_end is not None and layout is not header:
            info["inner_header"] = f"0x{layout.offset:x}"
        kernel = layout.offset + layout.kernel_ofs
        rootfs = layout.offset + layout.rootfs_ofs
        if looks_encrypted(blob, kernel, min(kernel + layout.kernel_len, end)) and (
            layout.rootfs_len == 0
            or looks_encrypted(blob, rootfs, min(rootfs + layout.rootfs_len, end))
        ):
            raise EncryptedError(
                "TP-Link image: kernel and rootfs are high-entropy with no recognisable "
                "format; the payload is probably encrypted"
            )
        return Chunk(start, end, self.name, info)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        header = read_header(blob, chunk.start)
        if header is None or chunk.end is None:
            raise FormatError("TP-Link header vanished between parse and extract")
        layout, boot_end = _layout(blob, header, chunk.end)
        if boot_end is not None:
            write_part(sink, "u-boot.bin", blob, chunk.start + HEADER_SIZE, boot_end)
        for role, offset, length in (
            ("kernel", layout.kernel_ofs, layout.kernel_len),
            ("rootfs", layout.rootfs_ofs, layout.rootfs_len),
        ):
            if length == 0:
                continue
            first = layout.offset + offset
            if not layout.offset + HEADER_SIZE <= first < chunk.end:
                raise FormatError(f"TP-Link {role} offset 0x{offset:x} lies outside the image")
            name = _kernel_name(blob, first) if role == "kernel" else role
            write_part(sink, name, blob, first, min(first + length, chunk.end))
        return None
