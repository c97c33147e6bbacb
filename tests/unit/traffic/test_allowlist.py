"""The declared endpoints: parsing the agreement's tables and matching destinations."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from spyless.errors import InputError
from spyless.traffic.allowlist import allowlist_from, load_allowlist

A = ipaddress.ip_address


def test_load_ignores_other_tables(tmp_path: Path) -> None:
    path = tmp_path / "agreement.toml"
    path.write_text('''
[agreement]
vendor = "Example"
[[endpoints]]
host = "NTP.Vendor.Example."
ports = [123]
purpose = "time sync"
category = "ntp"
[[endpoints]]
host = "2001:db8::/48"
[network]
dns_resolvers = ["192.0.2.53", "2001:db8::53"]
[[waivers]]
id = "SPY520"
''', encoding="utf-8")
    allow = load_allowlist(path)
    assert [(e.host, e.ports, e.purpose, e.category) for e in allow.endpoints] == [
        ("ntp.vendor.example", (123,), "time sync", "ntp"), ("2001:db8::/48", (), "", None)]
    assert allow.dns_resolvers == ("192.0.2.53", "2001:db8::53")
    assert allow.source == str(path)
    assert allow.is_resolver(A("2001:db8::53")) is True
    assert allow.is_resolver(A("192.0.2.54")) is False
    assert allowlist_from({}).is_resolver(A("192.0.2.53")) is None


@pytest.mark.parametrize(("host", "names", "address", "port", "allowed"), [
    ("api.vendor.example", ["API.vendor.example."], "192.0.2.1", 443, True),
    ("api.vendor.example", ["x.api.vendor.example"], "192.0.2.1", 443, False),
    ("*.vendor.example", ["a.b.vendor.example"], "192.0.2.1", 443, True),
    ("*.vendor.example", ["vendor.example"], "192.0.2.1", 443, False),
    ("*.vendor.example", ["evilvendor.example"], "192.0.2.1", 443, False),
    ("192.0.2.0/24", [], "192.0.2.77", 80, True),
    ("192.0.2.0/24", ["192.0.2.77"], "198.51.100.1", 80, False),
    ("192.0.2.7", [], "192.0.2.7", 80, True),
    ("2001:db8::/32", [], "2001:db8:1::1", 80, True),
    ("2001:db8::/32", [], "192.0.2.7", 80, False),
])
def test_matching(host: str, names: list[str], address: str, port: int, allowed: bool) -> None:
    allow = allowlist_from({"endpoints": [{"host": host}]})
    assert (allow.rule_for(names, [A(address)], port) is not None) is allowed


def test_ports_restrict_a_rule() -> None:
    allow = allowlist_from({"endpoints": [{"host": "a.example", "ports": [80, 443]}]})
    assert allow.rule_for(["a.example"], [], 443) is not None
    assert allow.rule_for(["a.example"], [], 8443) is None


@pytest.mark.parametrize(("data", "message"), [
    ({"endpoints": {"host": "a"}}, "'endpoints' must be an array of tables"),
    ({"endpoints": [{"ports": [1]}]}, "endpoint 1 needs a 'host' string"),
    ({"endpoints": [{"host": "a", "ports": [70000]}]}, "'ports' must be a list of port"),
    ({"endpoints": [{"host": "a", "ports": "80"}]}, "'ports' must be a list of port"),
    ({"endpoints": [{"host": "*vendor.example"}]}, "wildcard must look like"),
    ({"network": {"dns_resolvers": ["resolver.example"]}}, "must be a list of IP addresses"),
])
def test_bad_agreements(data: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        allowlist_from(data, "a.toml")


def test_unreadable_or_invalid_toml(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read agreement"):
        load_allowlist(tmp_path / "absent.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[[endpoints]\nhost=", encoding="utf-8")
    with pytest.raises(InputError, match="not a valid TOML agreement"):
        load_allowlist(bad)
