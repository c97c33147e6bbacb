"""The accounts analyzer: parsing, joining, judging, and its false-positive guards."""

from __future__ import annotations

import time
from pathlib import Path

from spyless.analyzers.accounts import AccountsAnalyzer
from spyless.analyzers.accounts.collect import db_kind
from spyless.analyzers.accounts.parse import (
    parse_group,
    parse_passwd,
    parse_shadow,
    scan_embedded,
)
from spyless.model.findings import Severity
from spyless.report.model import Report
from tests.analyzers_helpers import scan_tree

TPLINK_ROOT = "$1$GTN.gpri$DlSyKvZKMR9A9Uj9e9wR3/"
DES_ROOT = "abJnggxhB/yWI"  # DES crypt of "password", salt "ab"


def _scan(tmp_path: Path, files: dict[str, bytes | str]) -> Report:
    return scan_tree(tmp_path, files, file_analyzers=[],
                     image_analyzers=[AccountsAnalyzer(budget_seconds=5)])


def _ids(report: Report) -> list[tuple[str, str, str]]:
    return sorted((f.id, f.severity.value, f.evidence[0].location.path or "")
                  for f in report.findings)


def test_parse_passwd_is_strict() -> None:
    text = ("root:x:0:0:root:/root:/bin/sh\n# admin::0:0::/:/bin/sh\n+::::::\n"
            "bad line\nbob:x:abc:1::/home/bob:/bin/sh\nweb:x:33:33::/var/www:\n"
            "eve:x:1:1::/:bin/sh\n")
    entries = parse_passwd(text)
    assert [(e.name, e.uid, e.shell, e.line) for e in entries] == [
        ("root", 0, "/bin/sh", 1), ("web", 33, "", 6)]
    assert entries[1].offset == text.index("web:")


def test_parse_shadow_and_group() -> None:
    shadow = parse_shadow(f"root:{TPLINK_ROOT}:15502:0:99999:7:::\nnot:a:shadow:line\n")
    assert [(e.name, e.password, e.line) for e in shadow] == [("root", TPLINK_ROOT, 1)]
    groups = parse_group("root:x:0:\nwheel:x:10:root,admin\nbroken:x:zz:\n")
    assert [(g.name, g.gid, g.members) for g in groups] == [
        ("root", 0, ()), ("wheel", 10, ("root", "admin"))]


def test_database_names_and_copies() -> None:
    assert [db_kind(p) for p in ("/etc/passwd", "/etc/passwd-", "/var/passwd",
                                 "/etc_ro/passwd.bak", "/etc/shadow", "/etc/gshadow",
                                 "/etc/group", "/usr/bin/passwd", "/etc/passwd.conf",
                                 "/etc/groups.xml")] == [
        "passwd", "passwd", "passwd", "passwd", "shadow", "gshadow", "group", "passwd",
        None, None]


def test_embedded_lines_in_a_binary_blob() -> None:
    blob = (b"\x7fELF\x01\x02\x00" + b"\x00" * 40 + b"/tmp/passwd\x00"
            b"root:x:0:0:root:/root:/bin/sh\n\x00%s:x:%d:%d::/:/bin/sh\x00"
            b"admin:" + TPLINK_ROOT.encode() + b":0:0:Admin:/:/bin/sh\x00"
            b"garbage12:x:0:0:a:b:c\x00ftp:*:21:21::/var/ftp:/sbin/nologin\"\x00")
    entries = scan_embedded(blob)
    assert [(e.name, e.password, e.uid, e.shell) for e in entries] == [
        ("root", "x", 0, "/bin/sh"), ("admin", TPLINK_ROOT, 0, "/bin/sh"),
        ("ftp", "*", 21, "/sbin/nologin")]
    assert entries[0].offset == blob.index(b"root:x")


def test_embedded_scanner_skips_comments_and_words_glued_to_text() -> None:
    blob = (b"# root::0:0::/root:/bin/sh\n// toor::0:0::/:/bin/sh\n"
            b"<!-- x::0:0::/:/bin/sh -->\nexample:foo root::0:0::/:/bin/sh\n"
            b"next::0:0:x:/root:/bin/sh and more\nurl::0:0::/:/www/cgi-bin\n")
    assert scan_embedded(blob) == []
    assert [e.name for e in scan_embedded(b"echo 'support::0:0::/:/bin/sh' >> /etc/passwd")] \
        == ["support"]


def test_embedded_scanner_is_bounded_on_hostile_input() -> None:
    blob = b"a:1:1:" * 2_000_000
    began = time.perf_counter()
    assert scan_embedded(blob) == []
    assert time.perf_counter() - began < 1.0
    many = b"".join(b"\x00u%d:x:1:1::/:/bin/sh" % i for i in range(500))
    assert len(scan_embedded(many)) == 64


def test_findings_on_a_crafted_tree(tmp_path: Path) -> None:
    report = _scan(tmp_path, {
        "/etc/passwd": ("root:x:0:0:root:/root:/bin/ash\n"
                        "admin:x:0:0:admin:/:/bin/sh\n"
                        "guest::1000:100:guest:/home/guest:/bin/sh\n"
                        "daemon:x:1:1:daemon:/:/bin/sh\n"
                        "ftp:x:1:21:ftp:/var/ftp:/bin/false\n"
                        "old:" + DES_ROOT + ":2000:100::/home/old:/bin/sh\n"
                        "web:secret123:33:33::/www:/sbin/nologin\n"
                        "ghost:x:3000:100::/:/bin/sh\n"),
        "/etc/shadow": (f"root:{TPLINK_ROOT}:15502:0:99999:7:::\n"
                        f"admin:{TPLINK_ROOT}:15502:0:99999:7:::\n"
                        "daemon:*:0:0:99999:7:::\nftp:!:0:0:99999:7:::\n"),
        "/etc/banner": "AcmeRouter AX-1000\n",
    })
    accounts = {a.name: a for a in report.accounts}
    assert accounts["root"].cracked == "sohoadmin"
    assert accounts["root"].cracked_from == "advisories"
    assert (accounts["root"].password_state, accounts["root"].hash_type,
            accounts["root"].source, accounts["root"].login_shell) == (
        "hash", "md5crypt", "shadow", True)
    assert accounts["guest"].password_state == "empty"
    assert accounts["web"].password_state == "plaintext"
    assert accounts["ghost"].password_state == "no-password-field"
    assert accounts["ftp"].login_shell is False
    assert _ids(report) == sorted([
        ("SPY101", "high", "/etc/shadow"),  # admin, uid 0
        ("SPY102", "high", "/etc/passwd"),  # guest logs in without a password
        ("SPY103", "critical", "/etc/shadow"),  # root
        ("SPY103", "critical", "/etc/shadow"),  # admin
        ("SPY103", "critical", "/etc/passwd"),  # old: DES of "password"
        ("SPY104", "medium", "/etc/passwd"),  # old: DES
        ("SPY105", "high", "/etc/passwd"),  # web: plaintext
        ("SPY106", "low", "/etc/shadow"),  # daemon with /bin/sh, locked
        ("SPY107", "low", "/etc/passwd"),  # ghost
        ("SPY108", "low", "/etc/shadow"),  # daemon and ftp share uid 1
        ("SPY109", "medium", "/etc/shadow"),  # root and admin share a hash
    ])
    plaintext = next(f for f in report.findings if f.id == "SPY105")
    assert plaintext.evidence[0].secret == "secret123"


def test_passwd_copies_are_not_reported_twice(tmp_path: Path) -> None:
    line = "root::0:0:root:/root:/bin/sh\n"
    report = _scan(tmp_path, {"/etc/passwd": line, "/etc/passwd-": line,
                              "/etc_ro/passwd": line})
    assert [f.id for f in report.findings] == ["SPY102"]
    assert report.findings[0].severity is Severity.CRITICAL


def test_tplink_style_runtime_passwd_joins_shadow_with_a_binary(tmp_path: Path) -> None:
    httpd = b"\x7fELF" + b"\x00" * 64 + b"/tmp/passwd\x00root:x:0:0:root:/root:/bin/sh\n\x00"
    report = _scan(tmp_path, {"/etc/passwd": "-> ../tmp/passwd", "/usr/bin/httpd": httpd,
                              "/etc/shadow": f"root:{TPLINK_ROOT}:15502:0:99999:7:::\n"})
    (root,) = report.accounts
    assert (root.uid, root.shell, root.cracked, root.location.path) == (
        0, "/bin/sh", "sohoadmin", "/etc/shadow")
    assert _ids(report) == [("SPY103", "critical", "/etc/shadow"),
                            ("SPY112", "low", "/etc/shadow")]
    cracked = report.findings[0] if report.findings[0].id == "SPY103" else report.findings[1]
    assert [e.location.path for e in cracked.evidence] == ["/etc/shadow", "/usr/bin/httpd"]


def test_group_passwords(tmp_path: Path) -> None:
    report = _scan(tmp_path, {"/etc/group": "root:x:0:\n",
                              "/etc/gshadow": f"root:{TPLINK_ROOT}::\nusers:!::\n"})
    assert _ids(report) == [("SPY110", "high", "/etc/gshadow")]


def test_html_js_and_docs_do_not_raise_high_findings(tmp_path: Path) -> None:
    example = "root::0:0:root:/root:/bin/sh\nadmin:x:0:0:admin:/root:/bin/sh\n"
    report = _scan(tmp_path, {
        "/www/help.html": f"<html><pre>\n{example}</pre></html>",
        "/www/js/app.js": f'var sample = "{example.splitlines()[0]}";\n',
        "/usr/share/doc/shadow/examples/passwd": example,
        "/usr/share/man/man5/passwd.5": example,
    })
    assert all(f.severity.rank <= Severity.LOW.rank for f in report.findings), _ids(report)
    assert {f.evidence[0].location.path for f in report.findings} <= {
        "/usr/share/doc/shadow/examples/passwd"}
    assert all("documentation" in f.tags for f in report.findings)


def test_budget_exhaustion_is_reported(tmp_path: Path) -> None:
    report = scan_tree(tmp_path, {"/etc/passwd": "root:x:0:0::/root:/bin/sh\n",
                                  "/etc/shadow": "root:$1$zzzzzzzz$AAAAAAAAAAAAAAAAAAAAAA:1::::::\n"},
                       file_analyzers=[], image_analyzers=[AccountsAnalyzer(budget_seconds=0)])
    assert [(f.id, f.severity.value) for f in report.findings] == [("SPY111", "info")]
    assert "cut short" in report.findings[0].message


def test_malformed_databases_never_crash(tmp_path: Path) -> None:
    noise = bytes(range(256)) * 8
    report = _scan(tmp_path, {
        "/etc/passwd": b"root:x:0:0\n::::::\n" + noise,
        "/etc/shadow": "root:$6$rounds=abc$x:1::::::\nroot:$7$:1::::::\n:::::::::\n",
        "/etc/gshadow": noise,
        "/etc/group": "a:b:c:d:e\n",
    })
    assert report.errors == []
    assert [a.name for a in report.accounts] == ["root"]
