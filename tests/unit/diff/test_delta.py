"""The security delta of two reports built in the test: facts, components, findings."""

from __future__ import annotations

from spyless.diff.delta import compute_delta
from spyless.diff.interface import Change, FieldChange
from spyless.model.facts import (
    Account,
    Component,
    Endpoint,
    Hardening,
    KeyMaterial,
    Service,
    Vulnerability,
)
from spyless.model.findings import Confidence, Evidence, Finding, Location, Severity
from tests.unit.diff.builders import report


def loc(path: str, image: str = "fw.bin", offset: int | None = None) -> Location:
    return Location(f"{image}!squashfs@0x10000{path}", path, offset)


def finding(fid: str, path: str, excerpt: str, image: str = "fw.bin",
            offset: int = 0) -> Finding:
    return Finding(fid, f"title {fid}", Severity.HIGH, Confidence.HIGH, 798, f"msg {excerpt}",
                   (Evidence(loc(path, image, offset), excerpt),), "fix it")


def account(name: str, uid: int, image: str = "fw.bin", hash_: str = "$1$a$b") -> list[Account]:
    return [Account(name, uid, uid, "/root", "/bin/sh", loc("/etc/passwd", image),
                    "no-password-field", source="passwd"),
            Account(name, None, None, None, None, loc("/etc/shadow", image), "hash", "md5crypt",
                    hash_, source="shadow")]


def test_accounts_by_name_with_password_changes_masked() -> None:
    old = report("v1.bin", accounts=account("root", 0, "v1.bin"))
    new = report("v2.bin", accounts=account("root", 0, "v2.bin", "$1$x$y")
                 + account("maint", 0, "v2.bin"))
    delta = compute_delta(old, new)
    assert [(f.kind, f.change, f.item) for f in delta.facts] == [
        ("account", Change.ADDED, "maint"), ("account", Change.CHANGED, "root")]
    changed = delta.facts[1].fields
    assert [f.field for f in changed] == ["password hash"]
    assert changed[0].old.startswith("sha256:")
    assert "$1$" not in changed[0].old + changed[0].new


def test_keys_by_fingerprint_services_and_endpoints() -> None:
    key = KeyMaterial("host-key", "ec", loc("/etc/ssh/k", "v1.bin"), 256, "ab" * 32)
    moved = KeyMaterial("host-key", "ec", loc("/etc/dropbear/k", "v2.bin"), 256, "ab" * 32)
    fresh = KeyMaterial("private-key", "rsa", loc("/etc/ssl/k", "v2.bin"), 2048, "cd" * 32)
    telnet = Service("telnetd", "/usr/sbin/telnetd", None, ("-l", "/bin/login"),
                     loc("/etc/init.d/rcS", "v1.bin"), "rcS", port=23, auth="password")
    shell = Service("telnetd", "/usr/sbin/telnetd", None, ("-l", "/bin/sh"),
                    loc("/etc/init.d/rcS", "v2.bin"), "rcS", port=23, auth="none")
    url = Endpoint("url", "http://c2.example/x", (loc("/usr/bin/d", "v2.bin"),),
                   host="c2.example")
    delta = compute_delta(report("v1.bin", keys=[key], services=[telnet]),
                          report("v2.bin", keys=[moved, fresh], services=[shell],
                                 endpoints=[url]))
    summary = [(f.kind, f.change.value, f.item) for f in delta.facts]
    assert summary == [("key", "added", "/etc/ssl/k"), ("key", "changed", "/etc/dropbear/k"),
                       ("service", "changed", "telnetd"), ("endpoint", "added", "c2.example")]
    assert delta.facts[1].fields == (FieldChange("path", "/etc/ssh/k", "/etc/dropbear/k"),)
    assert {f.field: (f.old, f.new) for f in delta.facts[2].fields} == {
        "auth": ("password", "none"), "arguments": ("-l /bin/login", "-l /bin/sh")}


def test_component_upgrade_lists_the_fixed_vulnerabilities() -> None:
    def bb(version: str, image: str) -> Component:
        return Component("busybox", version, (loc("/bin/busybox", image),))

    old = report("v1.bin", components=[bb("1.30.1", "v1.bin"), Component("zlib", "1.2.11", ())],
                 vulnerabilities=[Vulnerability("CVE-2021-28831", "busybox", "1.30.1"),
                                  Vulnerability("CVE-2022-28391", "busybox", "1.30.1")])
    new = report("v2.bin", components=[bb("1.35.0", "v2.bin"), Component("dropbear", "2022.83",
                                                                          ())],
                 vulnerabilities=[Vulnerability("CVE-2022-28391", "busybox", "1.35.0"),
                                  Vulnerability("CVE-2022-30065", "busybox", "1.35.0")])
    delta = compute_delta(old, new)
    assert [(c.name, c.change, c.old_version, c.new_version, c.fixed, c.introduced)
            for c in delta.components] == [
        ("busybox", "upgraded", "1.30.1", "1.35.0", ("CVE-2021-28831",), ("CVE-2022-30065",)),
        ("dropbear", "added", None, "2022.83", (), ()),
        ("zlib", "removed", "1.2.11", None, (), ())]
    assert [(v.id, v.change) for v in delta.vulnerabilities] == [
        ("CVE-2022-30065", "new"), ("CVE-2021-28831", "fixed")]


def test_versions_compare_by_the_products_own_order() -> None:
    def one(version: str) -> object:
        return report(components=[Component("openssl", version, ())])

    assert compute_delta(one("1.0.2za"), one("1.0.2k")).components[0].change == "downgraded"  # type: ignore[arg-type]
    assert compute_delta(one("1.0.2k"), one("1.1.1")).components[0].change == "upgraded"  # type: ignore[arg-type]


def test_hardening_regressions_per_binary_path() -> None:
    def h(image: str, **kw: object) -> Hardening:
        return Hardening(loc("/usr/sbin/httpd", image), "mips", 32, "little", "executable",
                         **kw)  # type: ignore[arg-type]

    delta = compute_delta(
        report("v1.bin", hardening=[h("v1.bin", nx=True, relro="full", canary=True)]),
        report("v2.bin", hardening=[h("v2.bin", nx=False, relro="partial", canary=True,
                                     unsafe_functions=("strcpy",))]))
    assert [(c.path, c.lost, c.gained) for c in delta.hardening] == [
        ("/usr/sbin/httpd", ("NX", "full RELRO", "no strcpy()"), ())]
    assert len(delta.regressions()) == 1


def test_findings_match_by_id_and_path_not_offset() -> None:
    old = report("v1.bin", findings=[
        finding("SPY101", "/etc/passwd", "support:x:0:0", "v1.bin", offset=10),
        finding("SPY201", "/etc/ssh/key", "BEGIN EC PRIVATE KEY", "v1.bin"),
        finding("SPY103", "/etc/shadow", "root:$1$a$b", "v1.bin")])
    new = report("v2.bin", findings=[
        finding("SPY101", "/etc/passwd", "support:x:0:0", "v2.bin", offset=99),
        finding("SPY101", "/etc/passwd", "maint:x:0:0", "v2.bin"),
        finding("SPY103", "/etc/shadow", "root:$1$c$d", "v2.bin")])
    delta = compute_delta(old, new)
    assert [(c.change, c.finding.id, c.finding.evidence[0].excerpt) for c in delta.findings] == [
        ("new", "SPY101", "maint:x:0:0"), ("changed", "SPY103", "root:$1$c$d"),
        ("resolved", "SPY201", "BEGIN EC PRIVATE KEY")]
    assert delta.unchanged_findings == 1
    assert [f.id for f in delta.new_findings()] == ["SPY101"]
    assert delta.notes == ("files not compared: a side was given as a report only",)
