"""Byte-level comparison: where two buffers differ, and which benign rule explains a region.

Normalisation is driven by the differences, not applied blindly: only bytes that differ
are looked at, and a rule excuses a region only when it explains *all* of it on *both*
sides (the same kind of token at the same place: a date for a date, a build directory for
a build directory). Everything else is a genuine difference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spyless.diff.interface import Rule

#: Differing runs closer than this are one region.
MERGE_GAP = 4
#: Bytes compared one by one (beyond that, differing blocks are merged coarsely).
FINE_BUDGET = 1 << 20
_BLOCK = 512
_EXCERPT = 16
_TEXT_EXCERPT = 64
_PRINTABLE = frozenset(range(0x20, 0x7F)) | {0x09}
_FILL = frozenset({0x00, 0xFF})
MIN_PADDING = 16
#: How far a token is followed around a difference (bounded work on endless text).
MAX_RUN = 256

_MONTH = rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_DAY = rb"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_TIMESTAMP = re.compile(
    rb"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    rb"|(?:" + _DAY + rb",?\s+)?" + _MONTH + rb"\s+[ \d]?\d(?:,?\s+\d{4})?"
    rb"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?(?:\s+[A-Z]{3,4})?(?:\s+\d{4})?"
    rb"|\b\d{1,2}:\d{2}:\d{2}\b"
    rb"|\b(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:[T_-]?\d{4,6})?\b"
    rb"|\b1[0-9]{9}\b"
)
_BUILD_PATH = re.compile(
    rb"(?:/home/[^/\s\"'<>:]+|/build/[^/\s\"'<>:]+|/builds/|/var/tmp/|/tmp/|/usr/src/"
    rb"|/workspace/|/var/lib/jenkins/|/buildbot/|/srv/build|/opt/build)"
    rb"[A-Za-z0-9_.+~@%=,/-]*"
)


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start


def differing_spans(a: bytes, b: bytes, budget: int = FINE_BUDGET) -> list[Span]:
    """Where two equally long buffers differ, as merged spans (coarse past the budget)."""
    if len(a) != len(b):
        raise ValueError("differing_spans needs equal lengths")
    spans: list[Span] = []
    view_a, view_b = memoryview(a), memoryview(b)
    fine = budget
    for start in range(0, len(a), _BLOCK):
        end = min(len(a), start + _BLOCK)
        if view_a[start:end] == view_b[start:end]:
            continue
        if fine <= 0:
            _add(spans, start, end)
            continue
        fine -= end - start
        block_a, block_b = a[start:end], b[start:end]
        run = -1
        for i, (x, y) in enumerate(zip(block_a, block_b, strict=True)):
            if x != y:
                if run < 0:
                    run = i
            elif run >= 0:
                _add(spans, start + run, start + i)
                run = -1
        if run >= 0:
            _add(spans, start + run, end)
    return spans


def _add(spans: list[Span], start: int, end: int) -> None:
    if spans and start - spans[-1].end <= MERGE_GAP:
        spans[-1] = Span(spans[-1].start, end)
    else:
        spans.append(Span(start, end))


def is_padding(a: bytes, b: bytes) -> bool:
    """Both sides are only fill bytes, and enough of them to be padding, not a value."""
    return (len(a) >= MIN_PADDING and len(b) >= MIN_PADDING
            and set(a) <= _FILL and set(b) <= _FILL)


def token_rule(a: bytes, b: bytes, span: Span,
               allow_paths: bool) -> tuple[tuple[Rule, ...], Span] | None:
    """The rules that explain ``span`` when it lies in text that differs only in dates or
    build paths (the whole printable run around it is checked), and the token it is in."""
    left, right = span.start, span.end
    floor, ceiling = max(0, left - MAX_RUN), min(len(a), right + MAX_RUN)
    while left > floor and a[left - 1] in _PRINTABLE and b[left - 1] in _PRINTABLE:
        left -= 1
    while right < ceiling and a[right] in _PRINTABLE and b[right] in _PRINTABLE:
        right += 1
    run_a, run_b = a[left:right], b[left:right]
    if right - left < 4 or not all(c in _PRINTABLE for c in run_a + run_b):
        return None
    rules = [(Rule.TIMESTAMP, _TIMESTAMP)]
    if allow_paths:
        rules.append((Rule.BUILD_PATH, _BUILD_PATH))
    masked_a, masked_b = bytearray(run_a), bytearray(run_b)
    used: list[Rule] = []
    token = Span(span.start, span.end)
    for rule, pattern in rules:
        hit = False
        for masked, run in ((masked_a, run_a), (masked_b, run_b)):
            for match in pattern.finditer(run):
                start, end = match.start() + left, match.end() + left
                if _overlaps(start, end, span):
                    hit = True
                    token = Span(min(token.start, start), max(token.end, end))
                masked[match.start():match.end()] = b"\0" * (match.end() - match.start())
        if hit:
            used.append(rule)
        if masked_a == masked_b and used:
            return tuple(used), token
    return None


def _overlaps(start: int, end: int, span: Span) -> bool:
    return start < span.end and span.start < end


def excerpt(data: bytes, start: int, length: int) -> str:
    """Printable text as is (at most 64 characters), anything else as hex (16 bytes)."""
    text = data[start:start + min(length, _TEXT_EXCERPT)]
    if text and all(c in _PRINTABLE for c in text):
        return text.decode("ascii") + ("…" if length > _TEXT_EXCERPT else "")
    piece = data[start:start + min(length, _EXCERPT)]
    return piece.hex(" ") + ("…" if length > _EXCERPT else "")


def hex_and_text(data: bytes, start: int, length: int) -> tuple[str, str]:
    piece = data[start:start + min(length, _EXCERPT)]
    text = "".join(chr(c) if c in _PRINTABLE and c != 0x09 else "." for c in piece)
    more = "…" if length > _EXCERPT else ""
    return piece.hex(" ") + more, text + more


def _printable_run(data: bytes, start: int, end: int) -> tuple[int, int]:
    floor, ceiling = max(0, start - MAX_RUN), min(len(data), end + MAX_RUN)
    while start > floor and data[start - 1] in _PRINTABLE:
        start -= 1
    while end < ceiling and data[end] in _PRINTABLE:
        end += 1
    return start, end


def token_rule_unaligned(a: bytes, b: bytes, i1: int, i2: int, j1: int, j2: int,
                         allow_paths: bool) -> tuple[Rule, ...] | None:
    """Like :func:`token_rule` for a replaced piece whose two sides differ in length
    (``a[i1:i2]`` became ``b[j1:j2]``): the tokens are masked whatever their length."""
    left_a, right_a = _printable_run(a, i1, i2)
    left_b, right_b = _printable_run(b, j1, j2)
    run_a, run_b = a[left_a:right_a], b[left_b:right_b]
    if (min(len(run_a), len(run_b)) < 4
            or not all(c in _PRINTABLE for c in run_a[i1 - left_a:i2 - left_a])
            or not all(c in _PRINTABLE for c in run_b[j1 - left_b:j2 - left_b])):
        return None
    rules = [(Rule.TIMESTAMP, _TIMESTAMP)]
    if allow_paths:
        rules.append((Rule.BUILD_PATH, _BUILD_PATH))
    used: list[Rule] = []
    for rule, pattern in rules:
        masked_a, masked_b = pattern.sub(b"\0", run_a), pattern.sub(b"\0", run_b)
        if (masked_a, masked_b) != (run_a, run_b):
            used.append(rule)
        run_a, run_b = masked_a, masked_b
        if run_a == run_b and used:
            return tuple(used)
    return None
