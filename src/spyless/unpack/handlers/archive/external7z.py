"""RAR and Microsoft CAB archives, extracted with the optional ``7z`` tool.

No maintained pure-Python reader exists for RAR 5 or CAB's compression methods, so these
formats are the one place an external tool extends spyless. Without ``7z`` the archive is
still found and reported (with the reason) rather than silently skipped.

7z runs from argument lists with a timeout, never with a shell, and never writes a file:
the member list comes from ``7z l -slt`` and each member's bytes from ``7z x -so`` on its
standard output, so every path, link and byte goes through the sink like any other format.
"""

from __future__ import annotations

import struct
import tempfile
from pathlib import Path
from typing import ClassVar

from spyless.errors import EncryptedError, FormatError
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink
from spyless.unpack.tools import find_tool, run_tool

_RAR4 = b"Rar!\x1a\x07\x00"
_RAR5 = b"Rar!\x1a\x07\x01\x00"
_CAB = b"MSCF\x00\x00\x00\x00"
_TOOL_TIMEOUT = 120.0


class External7zHandler(Handler):
    name: ClassVar[str] = "7z-tool"
    category: ClassVar[Category] = Category.ARCHIVE
    magics: ClassVar[tuple[Magic, ...]] = (Magic(_RAR4), Magic(_RAR5), Magic(_CAB))
    description: ClassVar[str] = (
        "RAR 4/5 and Microsoft CAB archives (extracted with the optional 7z tool)"
    )
    priority: ClassVar[int] = 60

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        head = bytes(blob[start : start + 16])
        if head.startswith(_CAB):
            if len(head) < 16:
                return None
            size = struct.unpack_from("<I", head, 8)[0]
            if size < 44 or start + size > len(blob):
                return None
            return Chunk(start, start + size, self.name, {"format": "cab"})
        if head.startswith((_RAR4, _RAR5)):
            version = "5" if head.startswith(_RAR5) else "4"
            # RAR has no total length field; the archive is taken to run to the blob's end.
            return Chunk(start, len(blob), self.name, {"format": f"rar{version}"})
        return None

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        kind = chunk.info.get("format", "archive")
        if find_tool("7z") is None:
            raise FormatError(f"{kind} archive found; install the optional 7z tool "
                              "(Debian: 7zip or p7zip-full) to extract it")
        end = chunk.end if chunk.end is not None else len(blob)
        with tempfile.TemporaryDirectory(prefix="spyless-7z-") as tmp:
            archive = Path(tmp) / f"archive.{kind}"
            archive.write_bytes(bytes(blob[chunk.start : end]))
            listing = run_tool(["7z", "l", "-slt", "-p-", "-y", str(archive)],
                               timeout=_TOOL_TIMEOUT)
            if listing.returncode != 0:
                message = listing.stderr.decode("utf-8", "replace").strip()[:200]
                if "password" in message.lower():
                    raise EncryptedError(f"password-protected {kind} archive")
                raise FormatError(f"7z cannot read the {kind} archive: {message}")
            members = _members(listing.stdout.decode("utf-8", "surrogateescape"))
            if any(m.get("Encrypted") == "+" for m in members):
                raise EncryptedError(f"password-protected {kind} archive")
            for member in members:
                sink.check()
                _extract_member(archive, member, sink, kind)
        return end


def _members(listing: str) -> list[dict[str, str]]:
    """The per-member records of ``7z l -slt`` (after the archive's own record)."""
    body = listing.split("\n----------\n", 1)[-1]
    records: list[dict[str, str]] = []
    for block in body.split("\n\n"):
        fields = dict(line.split(" = ", 1) for line in block.splitlines() if " = " in line)
        if "Path" in fields:
            records.append(fields)
    return records


def _extract_member(archive: Path, member: dict[str, str], sink: Sink, kind: str) -> None:
    """One member, read from 7z's standard output: 7z itself never writes a file."""
    path = member["Path"]
    if member.get("Folder") == "+" or member.get("Attributes", "").startswith("D"):
        sink.directory(path)
        return
    if any(c in path for c in "*?"):
        sink.refuse(path, f"{kind} member name holds 7z wildcard characters: {path!r}")
        return
    result = run_tool(["7z", "x", "-so", "-p-", "-y", str(archive), path],
                      timeout=_TOOL_TIMEOUT)
    if result.returncode != 0:
        raise FormatError(f"7z failed on {kind} member {path!r}: "
                          f"{result.stderr.decode('utf-8', 'replace').strip()[:200]}")
    data = result.stdout
    expected = member.get("Size", "")
    if expected.isdigit() and int(expected) != len(data):
        raise FormatError(f"{kind} member {path!r}: {len(data)} bytes read, {expected} listed")
    if " l" in member.get("Attributes", "") or member.get("Attributes", "").find("lrwx") >= 0:
        sink.symlink(path, data.decode("utf-8", "surrogateescape"))
    else:
        sink.file(path, data)
