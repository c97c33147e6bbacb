"""U-Boot legacy images (``mkimage`` uImage): the 64-byte header, its two CRCs and its parts.

A single image is written as one part named by its type (``kernel``, ``ramdisk``, ...) with
an extension naming its compression; a MULTI image is split by its size table into
``partition-1``, ``partition-2``, ...; a SCRIPT image's text is written as ``script``.
"""

from __future__ import annotations

import struct
import zlib

from spyless.errors import FormatError
from spyless.unpack.handlers.firmware._common import (
    crc32,
    cstr,
    describe_check,
    unpack,
    write_part,
)
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

MAGIC = b"\x27\x05\x19\x56"
HEADER = struct.Struct(">IIIIIIIBBBB32s")
HEADER_SIZE = HEADER.size  # 64

OS_NAMES = (
    "invalid", "openbsd", "netbsd", "freebsd", "4.4bsd", "linux", "svr4", "esix", "solaris",
    "irix", "sco", "dell", "ncr", "lynxos", "vxworks", "psos", "qnx", "u-boot", "rtems",
    "artos", "unity", "integrity", "ose", "plan9", "openrtos", "arm-trusted-firmware", "tee",
    "opensbi", "efi",
)
ARCH_NAMES = (
    "invalid", "alpha", "arm", "x86", "ia64", "mips", "mips64", "powerpc", "s390", "sh",
    "sparc", "sparc64", "m68k", "nios", "microblaze", "nios2", "blackfin", "avr32", "st200",
    "sandbox", "nds32", "openrisc", "arm64", "arc", "x86_64", "xtensa", "riscv",
)
TYPE_NAMES = (
    "invalid", "standalone", "kernel", "ramdisk", "multi", "firmware", "script", "filesystem",
    "flat_dt", "kwbimage", "imximage", "ublimage", "omapimage", "aisimage", "kernel_noload",
    "pblimage",
)
COMP_NAMES = ("none", "gzip", "bzip2", "lzma", "lzo", "lz4", "zstd")
COMP_EXT = {"gzip": ".gz", "bzip2": ".bz2", "lzma": ".lzma", "lzo": ".lzo", "lz4": ".lz4",
            "zstd": ".zst"}
TYPE_MULTI = 4
TYPE_SCRIPT = 6
TYPE_FLAT_DT = 8
#: A size table longer than this is not a real one (U-Boot itself has no limit, images do).
MAX_MULTI_PARTS = 256


def _name(table: tuple[str, ...], value: int) -> str:
    return table[value] if value < len(table) else f"unknown({value})"


def _size_table(blob: Blob, start: int, end: int) -> list[int]:
    """The MULTI/SCRIPT size table at ``start``: u32 sizes ended by a zero word."""
    sizes: list[int] = []
    pos = start
    while True:
        word = unpack(">I", blob, pos)
        if word is None or pos + 4 > end:
            raise FormatError("uImage size table runs past the image data")
        pos += 4
        if word[0] == 0:
            return sizes
        if len(sizes) >= MAX_MULTI_PARTS:
            raise FormatError(f"uImage size table has more than {MAX_MULTI_PARTS} entries")
        sizes.append(word[0])


class UImageHandler(Handler):
    name = "uimage"
    category = Category.FIRMWARE
    magics = (Magic(MAGIC),)
    description = "U-Boot legacy uImage: header and data CRC checks, single and multi-file images"
    priority = 20

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        if start < 0 or start + HEADER_SIZE > len(blob) or blob[start : start + 4] != MAGIC:
            return None
        (_, hcrc, stamp, size, load, entry, dcrc, os_id, arch, itype, comp, raw_name) = (
            HEADER.unpack_from(blob, start)
        )
        header = bytearray(blob[start : start + HEADER_SIZE])
        header[4:8] = b"\x00\x00\x00\x00"
        header_ok = zlib.crc32(header) == hcrc
        data_start = start + HEADER_SIZE
        end = data_start + size
        if not header_ok and (
            end > len(blob) or itype >= len(TYPE_NAMES) or comp >= len(COMP_NAMES)
            or crc32(blob, data_start, end) != dcrc
        ):
            return None  # a stray magic: one CRC at least must vouch for the header
        if end > len(blob):
            raise FormatError(
                f"uImage data of {size} bytes runs past the end of the input "
                f"({len(blob) - data_start} bytes available)"
            )
        info = {
            "name": cstr(raw_name),
            "type": _name(TYPE_NAMES, itype),
            "os": _name(OS_NAMES, os_id),
            "arch": _name(ARCH_NAMES, arch),
            "compression": _name(COMP_NAMES, comp),
            "load_address": f"0x{load:08x}",
            "entry_point": f"0x{entry:08x}",
            "timestamp": str(stamp),
            "data_size": str(size),
            "header_crc": describe_check(hcrc, zlib.crc32(header)),
            "data_crc": describe_check(dcrc, crc32(blob, data_start, end)),
        }
        return Chunk(start, end, self.name, info)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        if chunk.end is None:
            raise FormatError("uImage chunk without an end")
        data_start = chunk.start + HEADER_SIZE
        itype = blob[chunk.start + 30]
        comp = _name(COMP_NAMES, blob[chunk.start + 31])
        if itype in (TYPE_MULTI, TYPE_SCRIPT):
            sizes = _size_table(blob, data_start, chunk.end)
            pos = data_start + 4 * (len(sizes) + 1)
            for index, size in enumerate(sizes, 1):
                sink.check()
                if itype == TYPE_MULTI:
                    name = f"partition-{index}"
                else:
                    name = "script" if len(sizes) == 1 else f"script-{index}"
                if pos + size > chunk.end:
                    raise FormatError(
                        f"uImage part {index} ({size} bytes) runs past the image data"
                    )
                write_part(sink, name, blob, pos, pos + size)
                pos += (size + 3) & ~3
            return None
        role = _name(TYPE_NAMES, itype)
        if itype == TYPE_FLAT_DT:
            filename = "image.dtb"
        else:
            filename = role if role.isidentifier() else "image"
            filename += COMP_EXT.get(comp, "")
        write_part(sink, filename, blob, data_start, chunk.end)
        return None
