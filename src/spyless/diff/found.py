"""What one comparison found: excused differences and genuine regions, capped for the
report; and locating the first difference of two buffers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spyless.diff.interface import Normalisation, Region, Rule
from spyless.diff.normalise import excerpt, hex_and_text

MAX_NORMALISATIONS = 40
MAX_REGIONS = 8


@dataclass(slots=True)
class Findings:
    """What one comparison found, capped for the report."""

    normalisations: list[Normalisation] = field(default_factory=list)
    more_normalisations: int = 0
    regions: list[Region] = field(default_factory=list)
    more_regions: int = 0
    sections: dict[str, None] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)

    def benign(self, rule: Rule, a: bytes, b: bytes, start: int, length: int, detail: str,
               base_a: int = 0, base_b: int = 0, b_start: int | None = None) -> None:
        b_rel = start if b_start is None else b_start
        offset, deployed = base_a + start, base_b + b_rel
        last = self.normalisations[-1] if self.normalisations else None
        if last is not None and last.rule is rule and last.offset == offset:
            return
        if len(self.normalisations) >= MAX_NORMALISATIONS:
            self.more_normalisations += 1
            return
        self.normalisations.append(Normalisation(
            rule, offset, length, excerpt(a, start, length), excerpt(b, b_rel, length), detail,
            None if deployed == offset else deployed))

    def genuine(self, a: bytes, b: bytes, start: int, length: int, section: str | None = None,
                base_a: int = 0, base_b: int = 0, b_start: int | None = None,
                b_length: int | None = None) -> None:
        if section:
            self.sections[section] = None
        if len(self.regions) >= MAX_REGIONS:
            self.more_regions += 1
            return
        b_rel = start if b_start is None else b_start
        hex_a, text_a = hex_and_text(a, start, length)
        hex_b, text_b = hex_and_text(b, b_rel, length if b_length is None else b_length)
        offset, deployed = base_a + start, base_b + b_rel
        self.regions.append(Region(offset, length, hex_a, hex_b, text_a, text_b, section,
                                   None if deployed == offset else deployed, b_length))

    def reason(self, text: str) -> None:
        if text not in self.reasons:
            self.reasons.append(text)


def common_prefix(a: bytes, b: bytes) -> int:
    """The length of the longest common prefix, by halving (slices compare in C)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        mid = (low + high + 1) // 2
        if a[:mid] == b[:mid]:
            low = mid
        else:
            high = mid - 1
    return low


def first_difference(da: bytes, db: bytes, found: Findings, start_a: int = 0,
                      end_a: int | None = None, start_b: int = 0, end_b: int | None = None,
                      section: str | None = None) -> None:
    """Record the region from the first differing byte of ``da[start_a:end_a]`` and
    ``db[start_b:end_b]`` to the ends."""
    end_a = len(da) if end_a is None else end_a
    end_b = len(db) if end_b is None else end_b
    same = common_prefix(da[start_a:end_a], db[start_b:end_b])
    found.genuine(da, db, start_a + same, end_a - start_a - same, section,
                  b_start=start_b + same, b_length=end_b - start_b - same)
