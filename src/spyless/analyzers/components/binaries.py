"""Components found inside binaries: version banners, library file names, ELF package notes.

Owns the per-file decisions that keep the answer honest:

* one version per product per file: a shorter version that is a prefix of a longer one in
  the same file ("OpenSSH_9.2" beside "OpenSSH_9.2p1") is the same release;
* BusyBox applets are not products: in a file that is BusyBox, only BusyBox and a
  statically linked C library count;
* a program that only links a library (``NEEDED libssl.so.1.0.0``) or quotes it ("built
  with OpenSSL ...") does not contain it: signatures need the library's own banner;
* uClibc keeps no version string, so its library file names (``libuClibc-0.9.30.so``,
  ``ld-uClibc-0.9.30.so``) are the evidence; uClibc-ng restarted numbering at 1.0.
"""

from __future__ import annotations

import posixpath
import re
from typing import ClassVar

from spyless.analyzers.components.catalog import cpe_for, purl_for
from spyless.analyzers.components.elfnotes import package_notes
from spyless.analyzers.components.packages import product_for_package, upstream_version
from spyless.analyzers.components.signatures import Detection, scan
from spyless.analyzers.interface import FileAnalyzer, FileInput, Output
from spyless.model.facts import Component
from spyless.unpack.interface import ArtifactKind

_UCLIBC_FILE = re.compile(r"^(?:lib|ld-)uClibc-(?P<v>\d+\.\d+\.\d+(?:\.\d+)?)\.so$")
#: What a BusyBox binary may really contain besides BusyBox: the C library, when static.
_IN_BUSYBOX = frozenset({"busybox", "uclibc", "uclibc-ng", "glibc", "musl"})


def _prefix_of(short: str, long: str) -> bool:
    return long != short and long.startswith(short) and not long[len(short)].isdigit()


def reduce(detections: list[Detection]) -> list[Detection]:
    """One detection per (product, version), versions that are prefixes dropped, BusyBox rule."""
    first: dict[tuple[str, str], Detection] = {}
    for d in detections:
        first.setdefault((d.product, d.version), d)
    kept = [d for d in first.values()
            if not any(o.product == d.product and _prefix_of(d.version, o.version)
                       for o in first.values())]
    if any(d.product == "busybox" for d in kept):
        kept = [d for d in kept if d.product in _IN_BUSYBOX]
    return kept


def _uclibc(fs_path: str) -> Detection | None:
    m = _UCLIBC_FILE.match(posixpath.basename(fs_path))
    if m is None:
        return None
    version = m.group("v")
    product = "uclibc-ng" if int(version.split(".")[0]) >= 1 else "uclibc"
    return Detection(product, version, 0, posixpath.basename(fs_path), "filename")


class BinaryComponents(FileAnalyzer):
    name = "components-binaries"
    description = ("Identifies third-party components in binaries, kernels and bootloaders "
                   "from their own version banners, library file names and ELF package notes.")
    references = ("https://systemd.io/ELF_PACKAGE_METADATA/",)
    # Containers and text are left out: what containers hold is scanned file by file, and
    # a banner quoted in a document is not the software.
    kinds: ClassVar[frozenset[ArtifactKind]] = frozenset({
        ArtifactKind.ELF, ArtifactKind.DATA, ArtifactKind.FIRMWARE,
    })
    max_size: ClassVar[int] = 64 << 20

    def analyze(self, file: FileInput, out: Output) -> None:
        found = reduce(scan(file.data))
        if file.artifact.kind is ArtifactKind.ELF:
            library = _uclibc(file.fs_path)
            if library is not None:
                found.append(library)
            self._notes(file, out)
        for d in found:
            out.add(Component(
                name=d.product, version=d.version,
                locations=(file.location(offset=d.offset),),
                evidence=f"{file.fs_path}@0x{d.offset:x}: {d.excerpt}",
                cpe=cpe_for(d.product, d.version),
                purl=purl_for("generic", d.product, d.version), source=d.source,
            ))

    def _notes(self, file: FileInput, out: Output) -> None:
        for note in package_notes(file.data):
            product = product_for_package(note.name)
            kind = note.type if note.type in ("deb", "rpm", "alpm", "apk") else "generic"
            version = upstream_version(note.version, product) if kind == "deb" else note.version
            out.add(Component(
                name=product or note.name, version=version,
                locations=(file.location(offset=note.offset),),
                evidence=f"{file.fs_path}@0x{note.offset:x}: .note.package {note.raw[:200]}",
                cpe=cpe_for(product, version) if product else None,
                purl=purl_for(kind, note.name, note.version, note.os,
                              {"arch": note.architecture or ""}),
                source="elf-note",
            ))
