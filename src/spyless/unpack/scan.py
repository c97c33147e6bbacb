"""Carving: where in a blob might a chunk of some known format start?

All handlers' magic patterns are found in one pass with yara-x (an Aho-Corasick engine in
Rust: one pass for ~120 patterns is about 18 times faster than a ``bytes.find`` loop per
pattern), giving candidate starts that the handlers then confirm or reject with ``parse``.
"""

from __future__ import annotations

import math
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yara_x

from spyless.errors import LimitExceeded
from spyless.unpack.interface import Blob, Handler
from spyless.yarascan import thread_scanner

#: Candidates of one pattern in one file beyond which the rest are ignored (and reported).
MAX_HITS_PER_PATTERN = 4096


@dataclass(frozen=True, slots=True)
class Hit:
    start: int
    priority: int
    handler: Handler


@dataclass(frozen=True, slots=True)
class ScanResult:
    hits: list[Hit]
    truncated: list[str]  # patterns whose hits were cut at MAX_HITS_PER_PATTERN


class MagicScanner:
    """Finds candidate chunk starts for a fixed set of handlers."""

    def __init__(self, handlers: Sequence[Handler], timeout: int = 60) -> None:
        #: Patterns tried only at the start of a blob (handlers with carve_anywhere False).
        self._at_start: list[tuple[bytes, int, Handler]] = []
        by_pattern: dict[bytes, list[tuple[int, Handler]]] = defaultdict(list)
        for handler in handlers:
            anywhere = bool(getattr(handler, "carve_anywhere", True))
            for magic in handler.magics:
                if len(magic.pattern) < 2:
                    raise ValueError(f"{handler.name}: magic shorter than 2 bytes")
                if anywhere:
                    by_pattern[magic.pattern].append((magic.offset, handler))
                else:
                    self._at_start.append((magic.pattern, magic.offset, handler))
        self._patterns = list(by_pattern.items())
        self._timeout = timeout
        self._key = f"magic-{uuid.uuid4().hex}"

    def _yara(self) -> yara_x.Scanner:
        # Compiled on first use in each thread: a scanner is not picklable, cannot change
        # threads, and compiling takes ~10 ms.
        return thread_scanner(self._key, self._make_scanner)

    def _make_scanner(self) -> yara_x.Scanner:
        strings = "\n".join(
            f"    $p{i} = {{ {pattern.hex(' ')} }}" for i, (pattern, _) in
            enumerate(self._patterns)
        )
        rules = yara_x.compile(f"rule magic {{\n  strings:\n{strings}\n"
                               "  condition: any of them\n}\n")
        scanner = yara_x.Scanner(rules)
        scanner.max_matches_per_pattern(MAX_HITS_PER_PATTERN)
        scanner.set_timeout(self._timeout)
        return scanner

    def scan(self, blob: Blob, path: Path | None = None) -> ScanResult:
        """Candidates in ``blob``; a memory-mapped blob is scanned from ``path``."""
        hits: list[Hit] = []
        truncated: list[str] = []
        size = len(blob)
        for pattern, offset, handler in self._at_start:
            if size >= offset + len(pattern) and blob[offset : offset + len(pattern)] == pattern:
                hits.append(Hit(0, handler.priority, handler))
        if self._patterns and size:
            try:
                if isinstance(blob, bytes):
                    result = self._yara().scan(blob)
                elif path is not None:
                    result = self._yara().scan_file(str(path))
                else:
                    result = self._yara().scan(bytes(blob))
            except yara_x.TimeoutError as e:
                raise LimitExceeded("carving time", f"magic scan over {self._timeout} s") from e
            for rule in result.matching_rules:
                for found in rule.patterns:
                    pattern, owners = self._patterns[int(found.identifier[2:])]
                    if len(found.matches) >= MAX_HITS_PER_PATTERN:
                        truncated.append(f"{owners[0][1].name}:{pattern.hex()}")
                    for match in found.matches:
                        hits.extend(Hit(match.offset - offset, handler.priority, handler)
                                    for offset, handler in owners if match.offset >= offset)
        hits.sort(key=lambda h: (h.start, h.priority))
        return ScanResult(hits, truncated)


def entropy(data: bytes) -> float:
    """Shannon entropy in bits per byte (0 to 8)."""
    if not data:
        return 0.0
    total = len(data)
    return -sum(n / total * math.log2(n / total) for n in Counter(data).values())


def sample_entropy(blob: Blob, start: int, end: int, budget: int = 1 << 18) -> float:
    """Entropy of a region, sampled evenly when it is larger than ``budget`` bytes."""
    size = end - start
    if size <= budget:
        return entropy(bytes(blob[start:end]))
    pieces = 64
    step = size // pieces
    piece = budget // pieces
    return entropy(b"".join(bytes(blob[start + i * step : start + i * step + piece])
                            for i in range(pieces)))
