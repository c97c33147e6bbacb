"""Version semantics against every example in ../shared/vulndata/SOURCES.md and the brief."""

from __future__ import annotations

import pytest

from spyless.vulndb.versions import base_version, branch_matches, compare, display, version_key

ORDERED = [
    # OpenSSL letter suffixes
    ("1.0.2k", "1.0.2l", "generic"), ("1.0.2l", "1.0.2za", "generic"),
    ("1.0.2z", "1.0.2za", "generic"), ("1.0.2za", "1.0.2zb", "generic"),
    ("1.1.1", "1.1.1a", "generic"), ("1.1.1y", "1.1.1za", "generic"),
    ("1.1.1zh", "1.1.2", "generic"), ("1.0.0-beta2", "1.0.0", "generic"),
    ("0.9.8zf", "1.0.0", "generic"),
    # Dropbear YYYY.NN
    ("2012.55", "2013.56", "generic"), ("2019.78", "2020.81", "generic"),
    ("0.52", "2011.54", "generic"),
    # OpenSSH pN
    ("7.4p1", "7.4p2", "generic"), ("7.4p2", "7.5p1", "generic"), ("7.4", "7.4p1", "generic"),
    ("9.7p1", "9.8", "generic"), ("4.3p2", "4.4", "generic"),
    # kernel x.y.z
    ("2.6.31", "2.6.31.14", "generic"), ("2.6.31.14", "2.6.32", "generic"),
    ("2.6.39", "3.0", "generic"), ("6.6.51", "6.6.133", "generic"),
    ("2.6.31-rc9", "2.6.31", "generic"),
    # BusyBox
    ("1.00", "1.01", "busybox"), ("1.01", "1.1.0", "busybox"), ("1.1.3", "1.2.0", "busybox"),
    ("1.30.1", "1.33.1", "busybox"), ("1.35.0", "1.36.1", "busybox"),
    ("1.00-pre10", "1.00", "busybox"),
    # generic pre-releases, dnsmasq test/rc, ntp pN, uClibc
    ("2.86test5", "2.86rc1", "generic"), ("2.86rc3", "2.86", "generic"),
    ("2.87", "2.90", "generic"), ("4.2.8p14", "4.2.8p15", "generic"),
    ("0.9.30", "0.9.33.2", "generic"), ("1.0.39", "1.0.40", "generic"),
    ("7.68.0", "7.69.0", "generic"), ("1.4.55", "1.4.63", "generic"),
]


@pytest.mark.parametrize(("low", "high", "scheme"), ORDERED)
def test_order(low: str, high: str, scheme: str) -> None:
    assert compare(low, high, scheme) == -1
    assert compare(high, low, scheme) == 1


@pytest.mark.parametrize(("a", "b", "scheme"), [
    ("5.0", "5.0.0", "generic"), ("v2.86", "2.86", "generic"), ("1.00", "1.0.0", "busybox"),
    ("1.01", "1.0.1", "busybox"), ("1.0.2K", "1.0.2k", "generic"),
])
def test_equal(a: str, b: str, scheme: str) -> None:
    assert compare(a, b, scheme) == 0


def test_busybox_rule_is_only_for_busybox() -> None:
    # "1.01" elsewhere is 1.1 (e.g. a library whose minor has two digits)
    assert compare("1.01", "1.1", "generic") == 0


def test_not_a_version() -> None:
    assert version_key("unknown") is None
    assert version_key("") is None
    with pytest.raises(ValueError, match="not comparable"):
        compare("x", "1.0")


def test_display_round_trip() -> None:
    for text in ("1.30.1", "1.0.2za", "7.4p1", "2.6.31.14", "1.0-beta2", "2.86-rc1", "3.0"):
        assert display(version_key(text)) == text
    assert display(version_key("1.0.0")) == "1.0"  # trailing zeros do not count


def test_base_version_and_branch() -> None:
    assert base_version("7.4p1") == "7.4"
    assert base_version("1.0.2k") == "1.0.2k"
    assert branch_matches("1.0.2k", "1.0.2")
    assert not branch_matches("1.0.2k", "1.0.0")
    assert branch_matches("2.6.31.14", "2.6")
    assert not branch_matches("3.0.2", "3.1")
    assert branch_matches("1.01", "1.0", "busybox")
