"""Import feed files and folders into a store: format detection, decompression, counting.

A path may be a JSON file (optionally .gz/.xz), a .zip of OSV records (the OSV
per-ecosystem export) or a folder of any of these. The format is detected from content,
never from the file name, so a renamed feed still imports and a wrong one is refused.
"""

from __future__ import annotations

import gzip
import json
import lzma
import zipfile
from collections.abc import Iterator
from pathlib import Path

from spyless.vulndb.import_curl import CurlImporter
from spyless.vulndb.import_cve5 import Cve5Importer
from spyless.vulndb.import_nvd1 import Nvd1Importer
from spyless.vulndb.import_nvd2 import Nvd2Importer
from spyless.vulndb.import_osv import OsvImporter
from spyless.vulndb.interface import FeedFormatError, Importer, ImportStats, Skipped, VulnDBError
from spyless.vulndb.store import Store

#: Order matters: the more specific shapes first (curl's table also has "vulnerabilities").
IMPORTERS: tuple[Importer, ...] = (CurlImporter(), Nvd1Importer(), Nvd2Importer(), Cve5Importer(),
                                   OsvImporter())
_MAX_DOCUMENT = 512 << 20
_SUFFIXES = (".json", ".json.gz", ".json.xz")


def detect(document: object) -> Importer:
    for importer in IMPORTERS:
        if importer.sniff(document):
            return importer
    raise FeedFormatError("not a known vulnerability feed (NVD 2.0, NVD 1.1, CVE JSON 5, OSV, "
                          "curl's table)")


def read_json(path: Path) -> object:
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            with gzip.open(path) as handle:
                raw = handle.read(_MAX_DOCUMENT + 1)
        elif raw[:6] == b"\xfd7zXZ\x00":
            with lzma.open(path) as handle:
                raw = handle.read(_MAX_DOCUMENT + 1)
        if len(raw) > _MAX_DOCUMENT:
            raise FeedFormatError(f"{path}: larger than {_MAX_DOCUMENT >> 20} MiB uncompressed")
        return json.loads(raw)
    except (OSError, EOFError, lzma.LZMAError, ValueError) as e:
        if isinstance(e, FeedFormatError):
            raise
        raise FeedFormatError(f"{path}: not readable JSON: {e}") from e


def documents(path: Path) -> Iterator[tuple[str, object]]:
    """(name, parsed JSON) of every feed document under ``path``."""
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file() and (child.name.endswith(_SUFFIXES) or child.suffix == ".zip"):
                yield from documents(child)
    elif path.suffix == ".zip":
        yield str(path), list(_zip_records(path))
    elif path.is_file():
        yield str(path), read_json(path)
    else:
        raise VulnDBError(f"{path}: no such file or folder")


def _zip_records(path: Path) -> Iterator[object]:
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.filename.endswith(".json") and info.file_size < 16 << 20:
                    yield json.loads(archive.read(info))
    except (OSError, zipfile.BadZipFile, ValueError) as e:
        raise FeedFormatError(f"{path}: not a readable OSV zip: {e}") from e


def import_document(store: Store, document: object) -> ImportStats:
    importer = detect(document)
    info = importer.info(document)
    stats = ImportStats(info.source)
    with store.transaction():
        for item in importer.records(document):
            if isinstance(item, Skipped):
                stats.skipped += 1
                stats.reasons[item.reason] = stats.reasons.get(item.reason, 0) + 1
                store.remove(item.id, _source_of(importer, info.source))
                continue
            store.add(item, info.source)
            stats.records += 1
            if item.modified and (stats.newest is None or item.modified > stats.newest):
                stats.newest = item.modified
        store.record_source(info, stats)
    return stats


def _source_of(importer: Importer, feed: str) -> str:
    if importer.format_name.startswith("nvd"):
        return "nvd"
    return "osv" if importer.format_name == "osv" else feed


def import_path(store: Store, path: Path) -> list[ImportStats]:
    """Import every feed document under ``path``; stats per document."""
    return [import_document(store, doc) for _, doc in documents(path)]
