"""Carving: where in a blob might a chunk of some known format start?

Each handler's magic patterns are searched with ``bytes.find`` (C speed, no per-byte Python),
giving candidate starts that the handlers then confirm or reject with ``parse``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from spyless.unpack.interface import Blob, Handler

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

    def __init__(self, handlers: Sequence[Handler]) -> None:
        self._entries: list[tuple[bytes, int, Handler, bool]] = []
        for handler in handlers:
            anywhere = bool(getattr(handler, "carve_anywhere", True))
            for magic in handler.magics:
                if len(magic.pattern) < 2:
                    raise ValueError(f"{handler.name}: magic shorter than 2 bytes")
                self._entries.append((magic.pattern, magic.offset, handler, anywhere))

    def scan(self, blob: Blob) -> ScanResult:
        hits: list[Hit] = []
        truncated: list[str] = []
        size = len(blob)
        for pattern, offset, handler, anywhere in self._entries:
            if not anywhere:
                if size >= offset + len(pattern) and blob[offset : offset + len(pattern)] == pattern:
                    hits.append(Hit(0, handler.priority, handler))
                continue
            count = 0
            pos = blob.find(pattern, offset)
            while pos != -1:
                hits.append(Hit(pos - offset, handler.priority, handler))
                count += 1
                if count >= MAX_HITS_PER_PATTERN:
                    truncated.append(f"{handler.name}:{pattern.hex()}")
                    break
                pos = blob.find(pattern, pos + 1)
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
