"""Every rule of the backdoor signature pack: metadata, a positive and a negative sample.

SAMPLES must name every rule in the pack (test_every_rule_has_samples fails otherwise), so a
rule cannot be added without a test case.
"""

from __future__ import annotations

import csv

import pytest

yara_x = pytest.importorskip("yara_x")

from spyless.analyzers.backdoors.signatures import (  # noqa: E402 - after the skip
    KIND_SPECS,
    KnownBackdoorSignatures,
    SignatureError,
    compile_pack,
    pack_source,
    rule_info,
    rule_names,
)
from spyless.model.findings import Confidence, Severity  # noqa: E402
from spyless.unpack.interface import ArtifactKind  # noqa: E402
from tests.analyzers_helpers import run_file_analyzer  # noqa: E402
from tests.conftest import corpus_file  # noqa: E402

ELF = b"\x7fELF\x01\x01\x01" + b"\x00" * 57
XZ_OP1 = bytes.fromhex("f30f1efa554889f54c89ce5389fb81e7000000804883ec28488954241848894c2410")
XZ_OP2 = bytes.fromhex("488d7c2408f3ab488d4424084889d14c89c74889c2e8") + b"\x11\x22\x33\x44" \
    + bytes.fromhex("89c2")
XZ_OP3 = bytes.fromhex("4d8b6c2408458b3c244c8b6310898578f1ffff31c083bd78f1ffff00f3ab7907")


def _bin(*strings: bytes) -> bytes:
    """A minimal ELF-looking blob holding NUL-terminated strings."""
    return ELF + b"".join(s + b"\x00" for s in strings)


#: rule -> (positive sample, negative sample). The negative is the closest miss: the marker
#: without its context, a near-miss spelling, or the right bytes in the wrong kind of file.
SAMPLES: dict[str, tuple[bytes, bytes]] = {
    "dlink_xmlset_user_agent_bypass": (
        _bin(b"User-Agent", b"xmlset_roodkcableoj28840ybtide"),
        b'alert tcp any any -> any 80 (content:"User-Agent|3a| xmlset_roodkcableoj28840ybtide";)\n'),
    "alphanetworks_telnetd_image_sign": (
        b'#!/bin/sh\nimage_sign=`cat /etc/config/image_sign`\n'
        b'telnetd -l /usr/sbin/login -u Alphanetworks:$image_sign -i br0 &\n',
        b"#!/bin/sh\ntelnetd -l /usr/sbin/login -i br0 &\n"),
    "huawei_hg532_deviceupgrade_injection": (
        _bin(b"/ctrlt/DeviceUpgrade_1", b"NewStatusURL", b"NewDownloadURL"),
        _bin(b"/ctrlt/DeviceUpgrade_2", b"NewStatusURL")),
    "tplink_hardcoded_root_hash": (
        b"root:$1$GTN.gpri$DlSyKvZKMR9A9Uj9e9wR3/:15502:0:99999:7:::\n",
        b"root:$1$GTN.gpri$DlSyKvZKMR9A9Uj9e9wR3X:15502:0:99999:7:::\n"),
    "tenda_w302r_mfg_daemon": (
        b"#!/bin/sh\n/bin/w302r_mfg &\n",
        b"#!/bin/sh\n/bin/w302r_mfgtool &\n"),
    "tenda_goform_telnet": (
        _bin(b"/goform/telnet", b"TendaTelnet", b"telnetd &"),
        _bin(b"/goform/telnet")),
    "sercomm_tcp32764_backdoor": (
        _bin(b"ScMM", b"32764"),
        b"ScMM 32764 in a text file\n"),
    "netgear_telnetenable_magic_packet": (
        _bin(b"AMBIT_TELNET_ENABLE+"),
        _bin(b"Gearguy")),
    "juniper_screenos_master_password": (
        b"\x00\x00<<< %s(un='%s') = %u\x00",
        b"\x00\x00<<< %s(un='%s') = %d\x00"),
    "fortinet_fortimanager_access": (
        _bin(b"Fortimanager_Access", b"FGTAbc11*xy+Qqz27"),
        _bin(b"Fortimanager_Access")),
    "fortinet_hardcoded_config_key": (
        _bin(b"FortiOS", b"Mary had a little lamb"),
        b"Mary had a little lamb, its fleece was white as snow (FortiOS manual)\n"),
    "zyxel_zyfwp_account": (
        _bin(b"zyfwp", b"PrOw!aN_fXp"),
        _bin(b"zyfwpx", b"PrOw!aN_fXp")),
    "hikvision_magic_auth_parameter": (
        _bin(b"YWRtaW46MTEK"),
        b"base64 of something: YWRtaW46MTEK\n"),
    "xiongmai_hardcoded_telnet_password": (
        _bin(b"7ujMko0vizxv"),
        _bin(b"xc3511")),
    "xz_liblzma_backdoor_code": (
        ELF + b"\x90" * 64 + XZ_OP1 + b"\x90" * 32 + XZ_OP2,
        b"NOTELF" + XZ_OP1 + XZ_OP2 + XZ_OP3),
    "xz_backdoor_marker_string": (
        b"\x00yolAbejyiejuvnup=Evjtgvsh5okmkAvj\x00",
        b"\x00yolAbejyiejuvnup=Evjtgvsh5okmkAvX\x00"),
    "iotgoat_shellback_banner": (
        _bin(b"[***]Successfully Connected to IoTGoat's Backdoor[***]"),
        _bin(b"Successfully Connected")),
    "iotgoat_rclocal_telnetd_65534": (
        b"#!/bin/sh\n/usr/sbin/telnetd -p 65534 -l /bin/login.sh\nexit 0\n",
        b"#!/bin/sh\n/usr/sbin/telnetd -p 6553 -l /bin/login\n"),
}


@pytest.fixture(scope="module")
def rules() -> object:
    return compile_pack(pack_source())


def _matching(rules: object, data: bytes) -> dict[str, tuple[tuple[str, object], ...]]:
    results = yara_x.Scanner(rules).scan(data)
    return {m.identifier: m.metadata for m in results.matching_rules}


def test_every_rule_has_samples() -> None:
    names = rule_names()
    assert len(names) == len(set(names)), "duplicate rule names"
    assert set(names) == set(SAMPLES), (
        f"rules without samples: {sorted(set(names) - set(SAMPLES))}; "
        f"samples without rules: {sorted(set(SAMPLES) - set(names))}")


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_rule_positive_sample_matches_with_full_metadata(rules: object, name: str) -> None:
    matched = _matching(rules, SAMPLES[name][0])
    assert name in matched
    info = rule_info(name, matched[name])
    assert info.reference.startswith(("https://", "http://"))
    assert info.advisory
    assert info.description
    assert info.kind in KIND_SPECS
    assert info.cwe > 0


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_rule_negative_sample_does_not_match(rules: object, name: str) -> None:
    assert name not in _matching(rules, SAMPLES[name][1])


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_positive_sample_matches_only_its_own_rule(rules: object, name: str) -> None:
    assert set(_matching(rules, SAMPLES[name][0])) == {name}


def test_rule_info_rejects_incomplete_metadata() -> None:
    with pytest.raises(SignatureError, match="lacks metadata: reference"):
        rule_info("r", (("advisory", "x"), ("severity", "high"), ("description", "d"),
                        ("verified", "cited"), ("kind", "malicious-code"), ("cwe", 506)))
    full = (("advisory", "x"), ("reference", "https://x"), ("severity", "high"),
            ("description", "d"), ("kind", "malicious-code"), ("cwe", 506))
    with pytest.raises(SignatureError, match="verified must start"):
        rule_info("r", (*full, ("verified", "trust me")))
    with pytest.raises(SignatureError, match="bad severity"):
        rule_info("r", (*full[:2], ("severity", "urgent"), *full[3:], ("verified", "cited")))


def test_broken_pack_is_reported_as_our_error() -> None:
    with pytest.raises(SignatureError, match="does not compile"):
        compile_pack("rule broken { condition: nonsense }")


def test_analyzer_reports_tplink_hash_with_evidence() -> None:
    data = b"bin:x:1:1::/bin:/bin/sh\n" + SAMPLES["tplink_hardcoded_root_hash"][0]
    out = run_file_analyzer(KnownBackdoorSignatures(), data, "/etc/shadow", ArtifactKind.TEXT)
    assert [(f.id, f.severity, f.confidence, f.cwe) for f in out.findings] == [
        ("SPY402", Severity.HIGH, Confidence.HIGH, 798)]
    evidence = out.findings[0].evidence[0]
    assert (evidence.location.path, evidence.location.offset, evidence.location.line) == (
        "/etc/shadow", 24, 2)
    assert evidence.excerpt == "root:$1$GTN.gpri$DlSyKvZKMR9A9Uj9e9wR3/:"
    assert "rule:tplink_hardcoded_root_hash" in out.findings[0].tags
    assert "verified:verified-here" in out.findings[0].tags


def test_analyzer_marks_the_secret_and_maps_cited_to_medium_confidence() -> None:
    out = run_file_analyzer(KnownBackdoorSignatures(), SAMPLES["zyxel_zyfwp_account"][0],
                            "/usr/sbin/zysh", ArtifactKind.ELF)
    assert [(f.id, f.severity, f.confidence) for f in out.findings] == [
        ("SPY402", Severity.CRITICAL, Confidence.MEDIUM)]
    assert out.findings[0].evidence[0].secret == "PrOw!aN_fXp"


def test_analyzer_uses_the_rules_cwe() -> None:
    out = run_file_analyzer(KnownBackdoorSignatures(),
                            SAMPLES["huawei_hg532_deviceupgrade_injection"][0], "/bin/upnp",
                            ArtifactKind.ELF)
    assert [(f.id, f.cwe) for f in out.findings] == [("SPY403", 78)]


def test_xz_code_rule_is_malicious_code_finding() -> None:
    out = run_file_analyzer(KnownBackdoorSignatures(), SAMPLES["xz_liblzma_backdoor_code"][0],
                            "/usr/lib/liblzma.so.5", ArtifactKind.ELF)
    assert [(f.id, f.severity, f.cwe) for f in out.findings] == [
        ("SPY401", Severity.CRITICAL, 506)]
    assert out.findings[0].evidence[0].location.offset == len(ELF) + 64


#: Vendor rows of the markers TSV -> the rule(s) that cover them.
TSV_COVERAGE = {
    "D-Link DIR-100": "dlink_xmlset_user_agent_bypass",
    "Alpha Networks OEM": "alphanetworks_telnetd_image_sign",
    "Huawei HG532": "huawei_hg532_deviceupgrade_injection",
    "TP-Link (QCA": "tplink_hardcoded_root_hash",
    "Tenda W302R": "tenda_w302r_mfg_daemon",
    "Tenda AC15": "tenda_goform_telnet",
    "Sercomm-made": "sercomm_tcp32764_backdoor",
    "Netgear (telnetenabled)": "netgear_telnetenable_magic_packet",
    "Juniper ScreenOS": "juniper_screenos_master_password",
    "Fortinet FortiOS\t": "fortinet_fortimanager_access",
    "Fortinet FortiOS/FortiManager": "fortinet_hardcoded_config_key",
    "Zyxel USG": "zyxel_zyfwp_account",
    "Hikvision": "hikvision_magic_auth_parameter",
    "XiongMai": "xiongmai_hardcoded_telnet_password",
    "xz-utils": "xz_liblzma_backdoor_code",
    "OWASP IoTGoat": "iotgoat_shellback_banner",
}


def test_every_marker_of_the_shared_tsv_has_a_rule(rules: object) -> None:
    path = corpus_file("markers/known_backdoor_markers.tsv")
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t"))
    assert rows
    for row in rows:
        line = "\t".join(row.values())
        covering = [rule for prefix, rule in TSV_COVERAGE.items()
                    if (line + "\t").startswith(prefix)]
        assert covering, f"no rule covers the marker row {row['vendor_product']!r}"
        matched = _matching(rules, SAMPLES[covering[0]][0])
        # The rule's verification status carries the TSV's status word.
        status = dict(matched[covering[0]])["verified"]
        assert isinstance(status, str)
        assert status.split(maxsplit=1)[0] in row["status"] or row["status"].startswith(
            ("advisory verified", "cited")), (row["vendor_product"], status, row["status"])
