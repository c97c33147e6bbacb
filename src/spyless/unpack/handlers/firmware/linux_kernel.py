"""Linux boot images: ARM zImage and x86 bzImage, recorded and their payload written.

Only the self-decompressing wrapper is handled here: the compressed kernel inside is
written as ``kernel.payload`` for the compression handlers (and, after them, the cpio
handler for an embedded initramfs).
"""

from __future__ import annotations

from spyless.errors import FormatError
from spyless.unpack.handlers.firmware._common import (
    COMPRESSION_MAGICS,
    cstr,
    unpack,
    write_part,
)
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

ZIMAGE_MAGIC = b"\x18\x28\x6f\x01"
ZIMAGE_MAGIC_AT = 0x24
ZIMAGE_HEADER = 0x30
BZIMAGE_MAGIC = b"HdrS"
BZIMAGE_MAGIC_AT = 0x202
#: bzImage fields (offsets in the real-mode setup header).
SETUP_SECTS, BOOT_FLAG, VERSION, KERNEL_VERSION = 0x1F1, 0x1FE, 0x206, 0x20E
PAYLOAD_OFFSET = 0x248
#: Weak signatures last, so that a stronger one wins when both occur.
STRONG_FIRST = tuple(m for m in COMPRESSION_MAGICS if m[0] not in ("lzma", "bzip2"))
WEAK = (("bzip2", b"BZh"), ("lzma", b"\x5d\x00\x00"))


def _find_payload(blob: Blob, first: int, last: int) -> tuple[str, int] | None:
    """The compression and start of the compressed kernel inside a zImage body."""
    for group in (STRONG_FIRST, WEAK):
        best: tuple[str, int] | None = None
        for name, magic in group:
            pos = blob.find(magic, first, last)
            if pos >= 0 and (best is None or pos < best[1]):
                best = (name, pos)
        if best is not None:
            return best
    return None


def _payload_name(blob: Blob, at: int, end: int) -> str:
    for name, magic in COMPRESSION_MAGICS:
        if bytes(blob[at : min(at + len(magic), end)]) == magic:
            return name
    return "unknown"


class LinuxKernelHandler(Handler):
    name = "linux_kernel"
    category = Category.FIRMWARE
    magics = (Magic(ZIMAGE_MAGIC, ZIMAGE_MAGIC_AT), Magic(BZIMAGE_MAGIC, BZIMAGE_MAGIC_AT))
    description = "Linux ARM zImage and x86 bzImage: compressed kernel written as kernel.payload"
    priority = 40

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        if blob[start + ZIMAGE_MAGIC_AT : start + ZIMAGE_MAGIC_AT + 4] == ZIMAGE_MAGIC:
            return self._parse_zimage(blob, start)
        if blob[start + BZIMAGE_MAGIC_AT : start + BZIMAGE_MAGIC_AT + 4] == BZIMAGE_MAGIC:
            return self._parse_bzimage(blob, start)
        return None

    def _parse_zimage(self, blob: Blob, start: int) -> Chunk | None:
        fields = unpack("<III", blob, start + 0x24)
        if fields is None:
            return None
        _, load_start, load_end = fields
        size = load_end - load_start
        if size <= ZIMAGE_HEADER or size > 256 << 20:
            return None
        if start + size > len(blob):
            raise FormatError(
                f"zImage of {size} bytes runs past the end of the input "
                f"({len(blob) - start} bytes available)"
            )
        marker = bytes(blob[start + 0x30 : start + 0x34])
        endian = {b"\x01\x02\x03\x04": "little", b"\x04\x03\x02\x01": "big"}.get(marker,
                                                                                  "little")
        found = _find_payload(blob, start + ZIMAGE_HEADER, start + size)
        info = {"kind": "arm-zimage", "size": str(size), "endianness": endian,
                "load_start": f"0x{load_start:08x}"}
        info["compression"] = found[0] if found else "unknown"
        info["payload_offset"] = f"0x{(found[1] if found else start + ZIMAGE_HEADER):x}"
        return Chunk(start, start + size, self.name, info)

    def _parse_bzimage(self, blob: Blob, start: int) -> Chunk | None:
        head = unpack("<B2xI", blob, start + SETUP_SECTS)
        flag = unpack("<H", blob, start + BOOT_FLAG)
        ver = unpack("<HIHH", blob, start + VERSION)
        if head is None or flag is None or ver is None or flag[0] != 0xAA55:
            return None
        setup_sects = head[0] or 4
        protected = start + (setup_sects + 1) * 512
        end = protected + head[1] * 16
        protocol = ver[0]
        if protocol < 0x200 or head[1] == 0:
            return None
        if end > len(blob):
            raise FormatError(
                f"bzImage of {end - start} bytes runs past the end of the input "
                f"({len(blob) - start} bytes available)"
            )
        info = {"kind": "x86-bzimage", "boot_protocol": f"{protocol >> 8}.{protocol & 0xFF}",
                "size": str(end - start)}
        version_at = ver[3]
        if version_at:
            text_at = start + version_at + 0x200
            info["version"] = cstr(bytes(blob[text_at : min(text_at + 256, protected)]))[:200]
        payload = self._bz_payload(blob, start, protected, end, protocol)
        info["payload_offset"] = f"0x{payload[0]:x}"
        info["compression"] = _payload_name(blob, payload[0], payload[1])
        return Chunk(start, end, self.name, info)

    @staticmethod
    def _bz_payload(
        blob: Blob, start: int, protected: int, end: int, protocol: int
    ) -> tuple[int, int]:
        if protocol >= 0x208:
            raw = unpack("<II", blob, start + PAYLOAD_OFFSET)
            if raw is not None:
                first, last = protected + raw[0], protected + raw[0] + raw[1]
                if raw[1] and protected <= first < last <= end:
                    return first, last
        found = _find_payload(blob, protected, end)
        return (found[1], end) if found else (protected, end)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        if chunk.end is None:
            raise FormatError("kernel chunk without an end")
        last = chunk.end
        found = _find_payload(blob, chunk.start + ZIMAGE_HEADER, chunk.end)
        first = found[1] if found else chunk.start + ZIMAGE_HEADER
        if chunk.info.get("kind") == "x86-bzimage":
            head = unpack("<B2xI", blob, chunk.start + SETUP_SECTS)
            ver = unpack("<H", blob, chunk.start + VERSION)
            if head is None or ver is None:
                raise FormatError("bzImage header vanished between parse and extract")
            protected = chunk.start + ((head[0] or 4) + 1) * 512
            first, last = self._bz_payload(blob, chunk.start, protected, chunk.end, ver[0])
        if not chunk.start <= first < last <= chunk.end:
            raise FormatError("kernel payload lies outside the kernel image")
        write_part(sink, "kernel.payload", blob, first, last)
        return None
