"""Byte-level spans and the token rules, on buffers built in the test."""

from __future__ import annotations

import pytest

from spyless.diff.interface import Rule
from spyless.diff.normalise import (
    Span,
    differing_spans,
    excerpt,
    is_padding,
    token_rule,
    token_rule_unaligned,
)


def test_spans_merge_close_differences_and_stay_exact() -> None:
    a = bytearray(2000)
    b = bytearray(2000)
    b[10] = b[12] = 1  # 1 byte apart: one span
    b[600:603] = b"xyz"  # across no block boundary
    b[1023:1026] = b"abc"  # across the 512-byte block boundary at 1024
    assert differing_spans(bytes(a), bytes(b)) == [Span(10, 13), Span(600, 603),
                                                   Span(1023, 1026)]


def test_spans_past_the_budget_are_whole_blocks() -> None:
    a, b = bytes(4096), bytes([1]) * 4096
    assert differing_spans(a, b, budget=512) == [Span(0, 4096)]


def test_spans_need_equal_lengths() -> None:
    with pytest.raises(ValueError, match="equal lengths"):
        differing_spans(b"ab", b"abc")


@pytest.mark.parametrize(("a", "b", "rule"), [
    (b"\0built Nov 14 2023 22:13:20\0", b"\0built Nov 17 2023 23:15:23\0", Rule.TIMESTAMP),
    (b"\0Tue Nov 14 22:13:20 UTC 2023\0", b"\0Fri Nov 17 23:15:23 UTC 2023\0", Rule.TIMESTAMP),
    (b"\0ts=2023-11-14T22:13:20Z\0", b"\0ts=2024-01-02T03:04:05Z\0", Rule.TIMESTAMP),
    (b"\0build 20231114\0", b"\0build 20240102\0", Rule.TIMESTAMP),
    (b"\0/build/busybox-a1B2c3/libbb/xfuncs.c\0", b"\0/build/busybox-Zz9y8X/libbb/xfuncs.c\0",
     Rule.BUILD_PATH),
    (b"\0/home/alice/fw/src/main.c\0", b"\0/home/bobby/fw/src/main.c\0", Rule.BUILD_PATH),
])
def test_token_rules(a: bytes, b: bytes, rule: Rule) -> None:
    span = differing_spans(a, b)[0]
    hit = token_rule(a, b, span, allow_paths=True)
    assert hit is not None
    assert hit[0] == (rule,)


@pytest.mark.parametrize(("a", "b"), [
    (b"\0version 1.2.3\0", b"\0version 1.2.4\0"),  # a version is not a date
    (b"\0http://a.example/x\0", b"\0http://b.example/x\0"),  # an endpoint
    (b"\0/etc/app/a.conf\0", b"\0/etc/app/b.conf\0"),  # a path, but not a build directory
    (b"\0built Nov 14 2023, user alice\0", b"\0built Nov 17 2023, user bobby\0"),  # more than a date
])
def test_other_changes_in_text_are_not_excused(a: bytes, b: bytes) -> None:
    spans = differing_spans(a, b)
    assert any(token_rule(a, b, s, allow_paths=True) is None for s in spans)


def test_build_paths_are_only_excused_where_allowed() -> None:
    a, b = b"\0/home/alice/x.c\0", b"\0/home/bobby/x.c\0"
    span = differing_spans(a, b)[0]
    assert token_rule(a, b, span, allow_paths=False) is None


def test_unaligned_tokens_of_other_lengths() -> None:
    a = b"line\nbuilt Tue Nov 14 22:13:20 2023 by /home/ci/w\nend\n"
    b = b"line\nbuilt Thu Nov 2 01:02:03 2023 by /home/ci/w\nend\n"
    assert token_rule_unaligned(a, b, 11, 35, 11, 33, allow_paths=False) == (Rule.TIMESTAMP,)
    assert token_rule_unaligned(b"x=1\n", b"x=22\n", 2, 3, 2, 4, allow_paths=True) is None


def test_padding_needs_enough_fill_on_both_sides() -> None:
    assert is_padding(b"\xff" * 16, b"\0" * 16)
    assert not is_padding(b"\xff" * 15, b"\0" * 15)
    assert not is_padding(b"\xff" * 16, b"\0" * 15 + b"\x01")


def test_excerpts_show_text_as_text_and_bytes_as_hex() -> None:
    assert excerpt(b"abc/def", 0, 7) == "abc/def"
    assert excerpt(bytes(range(20)), 0, 20) == " ".join(f"{i:02x}" for i in range(16)) + "…"
