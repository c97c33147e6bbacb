"""Classify an extracted file from its first bytes: ELF, script, key, certificate, text, data.

Only the head of a file is read; classification never runs or trusts anything in it.
"""

from __future__ import annotations

import struct

from spyless.unpack.interface import ArtifactKind, ElfInfo, FileType

HEAD_SIZE = 8192

_ELF_MACHINES: dict[int, str] = {
    2: "sparc", 3: "x86", 4: "m68k", 8: "mips", 10: "mips", 18: "sparc", 20: "powerpc",
    21: "powerpc64", 22: "s390", 40: "arm", 42: "superh", 43: "sparc64", 50: "ia64",
    62: "x86_64", 83: "avr", 87: "v850", 88: "m32r", 92: "openrisc", 94: "xtensa",
    106: "blackfin", 164: "hexagon", 183: "aarch64", 189: "microblaze", 195: "arc",
    243: "riscv", 258: "loongarch", 0xA390: "nios2",
}
_ELF_TYPES = {1: "relocatable", 2: "executable", 3: "shared", 4: "core"}

_PEM_KEY_MARKERS = (b"PRIVATE KEY-----", b"-----BEGIN OPENSSH PRIVATE KEY", b"PuTTY-User-Key-File")
_PUBLIC_KEY_PREFIXES = (b"ssh-rsa ", b"ssh-dss ", b"ssh-ed25519 ", b"ecdsa-sha2-")
#: Bytes that are not text: deleting every other byte leaves only these.
_NON_TEXT = bytes(b for b in range(0x80) if not (0x20 <= b < 0x7F or b in (9, 10, 12, 13, 27)))
_TEXT = bytes(b for b in range(256) if b not in _NON_TEXT)


def parse_elf_header(head: bytes) -> ElfInfo | None:
    """Arch, bits, byte order and type from an ELF header, or None if it is not one."""
    if len(head) < 20 or head[:4] != b"\x7fELF":
        return None
    ei_class, ei_data = head[4], head[5]
    if ei_class not in (1, 2) or ei_data not in (1, 2):
        return None
    order = "<" if ei_data == 1 else ">"
    e_type, e_machine = struct.unpack_from(f"{order}HH", head, 16)
    arch = _ELF_MACHINES.get(e_machine, f"machine-{e_machine}")
    if arch == "mips" and ei_class == 2:
        arch = "mips64"
    return ElfInfo(
        arch=arch,
        bits=32 if ei_class == 1 else 64,
        endianness="little" if ei_data == 1 else "big",
        elf_type=_ELF_TYPES.get(e_type, "unknown"),
        machine=e_machine,
    )


def looks_like_text(head: bytes) -> bool:
    if not head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        # A multi-byte character cut by the head's end is still text.
        if e.start < len(head) - 4:
            return False
    if b"\x00" in head:
        return False
    control = len(head.translate(None, _TEXT))
    return control / len(head) < 0.05


def classify(head: bytes, size: int) -> FileType:
    """What the file is, judged from its first :data:`HEAD_SIZE` bytes."""
    if size == 0:
        return FileType(ArtifactKind.EMPTY, "empty")
    elf = parse_elf_header(head)
    if elf is not None:
        desc = f"ELF {elf.bits}-bit {elf.endianness}-endian {elf.arch} {elf.elf_type}"
        return FileType(ArtifactKind.ELF, desc, elf=elf)
    if head.startswith(b"#!"):
        line = head[2:].split(b"\n", 1)[0].strip()
        interpreter = line.split(b" ", 1)[0].decode("utf-8", "replace") if line else ""
        return FileType(ArtifactKind.SCRIPT, f"script ({interpreter or 'no interpreter'})",
                        interpreter=interpreter or None)
    # Only a file that *starts* with key material is a key file: a marker further in may
    # be an archive member or a binary's strings, which must still be carved and scanned.
    start = head.lstrip()
    first_line = start.split(b"\n", 1)[0]
    if start.startswith((b"-----BEGIN", b"PuTTY-User-Key-File")) and any(
            marker in first_line for marker in _PEM_KEY_MARKERS):
        return FileType(ArtifactKind.KEY, "private key")
    if first_line.startswith(b"-----BEGIN CERTIFICATE-----"):
        return FileType(ArtifactKind.CERTIFICATE, "PEM certificate")
    if start.startswith(_PUBLIC_KEY_PREFIXES) or first_line.startswith(
            b"-----BEGIN PUBLIC KEY-----"):
        return FileType(ArtifactKind.KEY, "public key")
    if head[:2] == b"\x30\x82" and b"\x06\x03\x55\x04" in head[:2048]:
        return FileType(ArtifactKind.CERTIFICATE, "DER certificate")
    if looks_like_text(head):
        return FileType(ArtifactKind.TEXT, "text")
    return FileType(ArtifactKind.DATA, "data")
