"""Known-bad binaries pinned by SHA-256 (``spyless/data/signatures/known_bad_sha256.tsv``).

Owns reading that table and the SPY404 check. The unpacker already hashes every file, so
the check is a dictionary look-up per file; each entry cites the advisory and where the
hash itself was published.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from spyless.analyzers.backdoors.specs import SPY404
from spyless.analyzers.interface import FileAnalyzer, FileInput, Output
from spyless.errors import Error
from spyless.unpack.interface import ArtifactKind

TABLE = "known_bad_sha256.tsv"
_COLUMNS = ("sha256", "file", "advisory", "reference", "hash_source", "description")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class KnownBadTableError(Error):
    """The known-bad hash table is malformed (a bug in the shipped data)."""


@dataclass(frozen=True, slots=True)
class KnownBad:
    sha256: str
    file: str
    advisory: str
    reference: str
    hash_source: str
    description: str


def parse_table(text: str) -> dict[str, KnownBad]:
    """Entries by sha256 from the TSV text (comment lines start with '#')."""
    table: dict[str, KnownBad] = {}
    rows = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not rows or tuple(rows[0].split("\t")) != _COLUMNS:
        raise KnownBadTableError(f"known-bad table must start with the header {_COLUMNS}")
    for number, row in enumerate(rows[1:], start=2):
        fields = row.split("\t")
        if len(fields) != len(_COLUMNS) or not _SHA256.match(fields[0]):
            raise KnownBadTableError(f"known-bad table row {number} is malformed")
        table[fields[0]] = KnownBad(*fields)
    return table


@functools.cache
def shipped_table() -> Mapping[str, KnownBad]:
    resource = importlib.resources.files("spyless.data") / "signatures" / TABLE
    return parse_table(resource.read_text(encoding="utf-8"))


class KnownBadBinaries(FileAnalyzer):
    name = "known-bad-binaries"
    description = "Flags files whose SHA-256 a public advisory names as a backdoored binary."
    findings = (SPY404,)
    references = ("https://www.openwall.com/lists/oss-security/2024/03/29/4",)
    kinds: ClassVar[frozenset[ArtifactKind]] = frozenset({
        ArtifactKind.ELF, ArtifactKind.SCRIPT, ArtifactKind.DATA, ArtifactKind.TEXT,
    })

    def __init__(self, table: Mapping[str, KnownBad] | None = None) -> None:
        #: None means the table shipped with spyless (tests pass their own).
        self._table = table

    def analyze(self, file: FileInput, out: Output) -> None:
        table = shipped_table() if self._table is None else self._table
        digest = file.artifact.sha256 or hashlib.sha256(file.data).hexdigest()
        entry = table.get(digest)
        if entry is None:
            return
        out.finding(
            SPY404, f"{entry.description}: sha256 {digest} is listed in {entry.advisory} "
            f"(hash published by {entry.hash_source})",
            file.location(), excerpt=f"sha256:{digest}",
            tags=(f"advisory:{entry.advisory}", f"reference:{entry.reference}"),
        )
