"""CVE JSON 5 ``versions[]`` semantics (cve5_status.py) on records written out in code.

The kernel records are copied from ../shared/vulndata/linux-kernel (condensed CNA bundle);
the other examples are the ones of CVEProject/cve-schema ``schema/v5.0/docs/versions.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from spyless.vulndb.cve5_status import (
    AFFECTED,
    UNAFFECTED,
    UNKNOWN,
    Block,
    Piece,
    affected_pieces,
    parse_block,
    parse_entry,
    status_of,
    upper_bound,
)
from spyless.vulndb.versions import version_key


def _semver(version: str, status: str, *, lt: str | None = None, le: str | None = None,
            kind: str = "semver") -> dict[str, str]:
    entry = {"version": version, "status": status, "versionType": kind}
    entry.update({"lessThan": lt} if lt else {"lessThanOrEqual": le} if le else {})
    return entry


#: CVE-2021-46981 (nbd: Fix NULL pointer in flush_workqueue), affected[] verbatim.
CVE_2021_46981: list[dict[str, object]] = [
    {"defaultStatus": "unaffected", "versions": [
        _semver("4.14.149", AFFECTED, lt="4.15"), _semver("4.19.79", AFFECTED, lt="4.20"),
        _semver("5.3.6", AFFECTED, lt="5.4")]},
    {"defaultStatus": "affected", "versions": [
        {"version": "5.4", "status": AFFECTED}, _semver("0", UNAFFECTED, lt="5.4"),
        _semver("5.4.120", UNAFFECTED, le="5.4.*"), _semver("5.10.38", UNAFFECTED, le="5.10.*"),
        _semver("5.11.22", UNAFFECTED, le="5.11.*"), _semver("5.12.5", UNAFFECTED, le="5.12.*"),
        _semver("5.13", UNAFFECTED, le="*", kind="original_commit_for_fix")]},
]


def blocks_of(affected: Sequence[Mapping[str, object]]) -> list[Block]:
    return [b for b in (parse_block(a, "generic") for a in affected) if b is not None]


def statuses(affected: Sequence[Mapping[str, object]], versions: str) -> dict[str, str | None]:
    blocks = blocks_of(affected)
    return {v: status_of(blocks, v) for v in versions.split()}


def in_pieces(pieces: list[Piece], version: str) -> bool:
    key = version_key(version)
    assert key is not None
    return any((p.start is None or p.start < key or (p.start == key and p.start_incl))
               and (p.end is None or key < p.end or (key == p.end and p.end_incl))
               for p in pieces)


def test_cve_2021_46981_backports_and_stable_fixes() -> None:
    got = statuses(CVE_2021_46981, "5.10.30 5.10.37 5.10.38 5.10.176 4.14.150 4.14.149 4.14.140 "
                   "4.15 4.19.78 4.19.79 4.19.300 5.3.5 5.3.7 5.4 5.4.0 5.4.119 5.4.120 5.4.300 "
                   "5.12.4 5.12.5 5.13 6.6.1 2.6.31")
    assert got == {
        "5.10.30": AFFECTED, "5.10.37": AFFECTED, "5.10.38": UNAFFECTED, "5.10.176": UNAFFECTED,
        "4.14.150": AFFECTED, "4.14.149": AFFECTED, "4.14.140": UNAFFECTED, "4.15": UNAFFECTED,
        "4.19.78": UNAFFECTED, "4.19.79": AFFECTED, "4.19.300": AFFECTED, "5.3.5": UNAFFECTED,
        "5.3.7": AFFECTED, "5.4": AFFECTED, "5.4.0": AFFECTED, "5.4.119": AFFECTED,
        "5.4.120": UNAFFECTED, "5.4.300": UNAFFECTED, "5.12.4": AFFECTED, "5.12.5": UNAFFECTED,
        "5.13": UNAFFECTED, "6.6.1": UNAFFECTED, "2.6.31": UNAFFECTED}


def test_cve_2021_46981_compiles_to_disjoint_ranges() -> None:
    pieces = affected_pieces(blocks_of(CVE_2021_46981))
    k = version_key
    assert pieces == [
        Piece(k("4.14.149"), True, k("4.15"), False),
        Piece(k("4.19.79"), True, k("4.20"), False),
        Piece(k("5.3.6"), True, k("5.4.120"), False),
        Piece(upper_bound("5.4.*", "generic"), False, k("5.10.38"), False),
        Piece(upper_bound("5.10.*", "generic"), False, k("5.11.22"), False),
        Piece(upper_bound("5.11.*", "generic"), False, k("5.12.5"), False),
        Piece(upper_bound("5.12.*", "generic"), False, k("5.13"), False)]
    for version in ("5.10.30", "5.4.0", "4.14.150", "5.3.7", "5.12.4"):
        assert in_pieces(pieces, version)
    for version in ("5.10.38", "5.10.176", "5.4.120", "4.14.140", "5.13", "6.6.1"):
        assert not in_pieces(pieces, version)


#: CVE-2024-38635: the backport block says "0 <= v < 5.10.219 affected" (overlapping ranges
#: from the start of history), the other block states the per-branch fixes.
CVE_2024_38635: list[dict[str, object]] = [
    {"defaultStatus": "unaffected", "versions": [
        _semver("0", AFFECTED, lt=v) for v in
        ("5.4.278", "5.10.219", "5.15.161", "6.1.93", "6.6.33", "6.9.4")]},
    {"defaultStatus": "affected", "versions": [
        *(_semver(v, UNAFFECTED, le=v.rsplit(".", 1)[0] + ".*") for v in
          ("5.4.278", "5.10.219", "5.15.161", "6.1.93", "6.6.33", "6.9.4")),
        _semver("6.10", UNAFFECTED, le="*", kind="original_commit_for_fix")]},
]


def test_closest_statement_wins_over_a_whole_history_range() -> None:
    got = statuses(CVE_2024_38635, "2.6.12 5.10.218 5.10.219 5.15.160 5.15.161 6.9.3 6.9.4 6.10")
    assert got == {"2.6.12": AFFECTED, "5.10.218": AFFECTED, "5.10.219": UNAFFECTED,
                   "5.15.160": AFFECTED, "5.15.161": UNAFFECTED, "6.9.3": AFFECTED,
                   "6.9.4": UNAFFECTED, "6.10": UNAFFECTED}


def test_only_unaffected_default_blocks() -> None:
    """CVE-2021-47179: two default-unaffected blocks of backport ranges, nothing else."""
    record = [
        {"defaultStatus": "unaffected", "versions": [_semver("5.11.20", AFFECTED, lt="5.12")]},
        {"defaultStatus": "unaffected", "versions": [
            _semver("4.9.269", AFFECTED, lt="4.9.271"), _semver("5.12.3", AFFECTED, lt="5.12.9")]},
    ]
    got = statuses(record, "5.11.19 5.11.20 5.11.22 5.12 5.12.3 5.12.9 4.9.270 4.9.271 6.1")
    assert got == {"5.11.19": UNAFFECTED, "5.11.20": AFFECTED, "5.11.22": AFFECTED,
                   "5.12": UNAFFECTED, "5.12.3": AFFECTED, "5.12.9": UNAFFECTED,
                   "4.9.270": AFFECTED, "4.9.271": UNAFFECTED, "6.1": UNAFFECTED}


def test_tie_between_blocks_is_affected() -> None:
    """CVE-2026-31687: 6.6.125 is both a backport start (affected) and a fix start."""
    record = [
        {"defaultStatus": "unaffected", "versions": [_semver("6.6.125", AFFECTED, lt="6.6.126")]},
        {"defaultStatus": "affected", "versions": [
            {"version": "2.6.22", "status": AFFECTED}, _semver("0", UNAFFECTED, lt="2.6.22"),
            _semver("6.6.125", UNAFFECTED, le="6.6.*"), _semver("6.6.126", UNAFFECTED, le="6.6.*"),
            _semver("6.19", UNAFFECTED, le="*", kind="original_commit_for_fix")]},
    ]
    got = statuses(record, "6.6.124 6.6.125 6.6.126 2.6.21 2.6.22 6.19 6.20")
    assert got == {"6.6.124": AFFECTED, "6.6.125": AFFECTED, "6.6.126": UNAFFECTED,
                   "2.6.21": UNAFFECTED, "2.6.22": AFFECTED, "6.19": UNAFFECTED,
                   "6.20": UNAFFECTED}


def test_no_mainline_fix_stays_affected() -> None:
    """CVE-2021-47645: fixed on stable branches only; later mainline releases stay affected."""
    record = [{"defaultStatus": "affected", "versions": [
        {"version": "5.10", "status": AFFECTED}, _semver("0", UNAFFECTED, lt="5.10"),
        _semver("5.2", UNAFFECTED, lt="5.10"), _semver("5.10.110", UNAFFECTED, le="5.10.*"),
        _semver("5.17.2", UNAFFECTED, le="5.17.*")]}]
    got = statuses(record, "5.9 5.10 5.10.109 5.10.110 5.17.1 5.17.2 5.18 6.6.1")
    assert got == {"5.9": UNAFFECTED, "5.10": AFFECTED, "5.10.109": AFFECTED,
                   "5.10.110": UNAFFECTED, "5.17.1": AFFECTED, "5.17.2": UNAFFECTED,
                   "5.18": AFFECTED, "6.6.1": AFFECTED}


def test_git_entries_say_nothing_about_releases() -> None:
    """The full kernel record shape: a block of git ranges beside the semver block."""
    git_block = {"product": "Linux", "defaultStatus": "unaffected", "versions": [
        {"version": "1da177e4c3f41524e886b7f1b8a0c1fc7321cac2", "lessThan":
         "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12", "status": AFFECTED, "versionType": "git"}]}
    assert parse_block(git_block, "generic") is None
    assert parse_entry({"version": "0", "lessThan": "*", "status": AFFECTED,
                        "versionType": "git"}, "generic") is None
    got = statuses([git_block, CVE_2021_46981[1]], "5.10.30 5.10.38 4.14.150")
    assert got == {"5.10.30": AFFECTED, "5.10.38": UNAFFECTED, "4.14.150": UNAFFECTED}


def test_schema_document_examples() -> None:
    """versions.md: status changes, ``2.*`` as the end of the 2.x series, default unknown."""
    changes = [{"versions": [{
        "version": "2.0.0", "versionType": "semver", "lessThan": "2.*", "status": AFFECTED,
        "changes": [{"at": "2.6.3", "status": UNAFFECTED}, {"at": "2.5.2", "status": UNAFFECTED},
                    {"at": "2.6.0", "status": AFFECTED}]}]}]  # unsorted on purpose
    got = statuses(changes, "1.9 2.0.0 2.5.1 2.5.2 2.5.9 2.6.0 2.6.2 2.6.3 2.99 3.0")
    assert got == {"1.9": UNKNOWN, "2.0.0": AFFECTED, "2.5.1": AFFECTED, "2.5.2": UNAFFECTED,
                   "2.5.9": UNAFFECTED, "2.6.0": AFFECTED, "2.6.2": AFFECTED,
                   "2.6.3": UNAFFECTED, "2.99": UNAFFECTED, "3.0": UNKNOWN}
    pieces = affected_pieces(blocks_of(changes))
    assert [(p.start, p.end) for p in pieces] == [
        (version_key("2.0.0"), version_key("2.5.2")), (version_key("2.6.0"), version_key("2.6.3"))]
    series = [{"defaultStatus": "unaffected", "versions": [_semver("1.0", AFFECTED, lt="2.*")]}]
    assert statuses(series, "0.9 1.0 1.5 2.0 2.9.9 3.0") == {
        "0.9": UNAFFECTED, "1.0": AFFECTED, "1.5": AFFECTED, "2.0": AFFECTED, "2.9.9": AFFECTED,
        "3.0": UNAFFECTED}
    only = [{"versions": [{"version": "2.4", "status": AFFECTED},
                          {"version": "2.5", "status": AFFECTED},
                          {"version": "2.6", "status": UNAFFECTED}]}]
    assert statuses(only, "2.3 2.4 2.4.1 2.5 2.6 2.7") == {
        "2.3": UNKNOWN, "2.4": AFFECTED, "2.4.1": UNKNOWN, "2.5": AFFECTED, "2.6": UNAFFECTED,
        "2.7": UNKNOWN}
    assert [(p.start, p.end_incl) for p in affected_pieces(blocks_of(only))] == [
        (version_key("2.4"), True), (version_key("2.5"), True)]


def test_first_match_decides_within_a_block() -> None:
    block = [{"defaultStatus": "unknown", "versions": [
        _semver("1.0", UNAFFECTED, lt="2.0"), _semver("0", AFFECTED, lt="*")]}]
    assert statuses(block, "0.5 1.5 2.5") == {"0.5": AFFECTED, "1.5": UNAFFECTED, "2.5": AFFECTED}


def test_series_bounds_keep_trailing_zeros() -> None:
    five_oh = [{"defaultStatus": "unaffected",
                "versions": [_semver("5.0.2", AFFECTED, le="5.0.*")]}]
    assert statuses(five_oh, "5.0.1 5.0.2 5.0.99 5.1 5.1.3") == {
        "5.0.1": UNAFFECTED, "5.0.2": AFFECTED, "5.0.99": AFFECTED, "5.1": UNAFFECTED,
        "5.1.3": UNAFFECTED}


@pytest.mark.parametrize("entry", [
    {"version": "1.0", "status": "vulnerable"},  # not a schema status
    {"version": "fips-1.1.1", "lessThan": "fips-1.1.2", "status": AFFECTED, "versionType": "custom"},
    {"version": "1.0", "lessThan": "1.x.*", "status": AFFECTED, "versionType": "semver"},
    {"version": "0", "status": AFFECTED},  # "0" only means "no lower bound" in a range
    {"status": AFFECTED},
    {"version": 3, "status": AFFECTED},
])
def test_unreadable_entries_are_skipped(entry: dict[str, object]) -> None:
    assert parse_entry(entry, "generic") is None


def test_unknown_never_counts_as_affected() -> None:
    record: list[dict[str, object]] = [
        {"defaultStatus": "unknown", "versions": [_semver("1.0", UNKNOWN, lt="2.0")]},
        {"versions": [_semver("3.0", UNAFFECTED, lt="4.0")]}]
    assert affected_pieces(blocks_of(record)) == []
    assert statuses(record, "1.5 3.5 5.0") == {"1.5": UNKNOWN, "3.5": UNAFFECTED, "5.0": UNKNOWN}
    everything = [{"defaultStatus": "affected"}]
    assert affected_pieces(blocks_of(everything)) == [Piece(None, False, None, False)]


def test_malformed_shapes_do_not_crash() -> None:
    assert parse_block({"versions": 7, "defaultStatus": "bogus"}, "generic") == Block((), UNKNOWN)
    entry = parse_entry({"version": "1.0", "lessThan": "2.0", "status": AFFECTED,
                         "versionType": "semver", "changes": 5}, "generic")
    assert entry is not None
    assert entry.changes == ()
    odd = parse_entry({"version": "1.0", "lessThan": "2.0", "status": AFFECTED,
                       "changes": ["x", {"at": 3}, {"at": "1.5", "status": UNAFFECTED}]}, "generic")
    assert odd is not None
    assert odd.changes == ((version_key("1.5"), UNAFFECTED),)
