"""Banner signatures on inputs built in code: exact versions and the false-positive traps."""

from __future__ import annotations

import pytest

from spyless.analyzers.components.binaries import BinaryComponents
from spyless.analyzers.components.catalog import cpe_for, purl_for
from spyless.analyzers.interface import Output
from spyless.model.facts import Component
from spyless.unpack.interface import ArtifactKind
from tests.analyzers_helpers import run_file_analyzer

ELF = b"\x7fELF\x01\x02\x01" + b"\x00" * 57


def components_of(out: Output) -> list[Component]:
    return [f for f in out.facts if isinstance(f, Component)]


def found(data: bytes, path: str = "/usr/sbin/prog",
          kind: ArtifactKind = ArtifactKind.ELF) -> list[tuple[str, str | None]]:
    out = run_file_analyzer(BinaryComponents(), data, path, kind=kind)
    return sorted((c.name, c.version) for c in components_of(out))


def test_hostapd_keeps_three_part_version() -> None:
    assert found(ELF + b"\x00hostapd v0.5.9\nUser space daemon\x00") == [("hostapd", "0.5.9")]


def test_busybox_applets_are_not_products() -> None:
    data = (ELF + b"\x00BusyBox v1.01 (2015.03.10-07:17+0000) multi-call binary\x00"
            b"udhcpc\x00telnetd\x00httpd\x00udhcp 1.01\x00ntpd 4.2.8p15@1.3728-o\x00"
            b"dnsmasq-2.80\x00")
    assert found(data) == [("busybox", "1.01")]


@pytest.mark.parametrize("text", [
    b"\x00HTTP/1.1\x00", b"\x00TLSv1.2\x00", b"\x00SSH-2.0-%s\x00", b"\x00UPnP/1.0\x00",
    b"\x00OpenSSL error: %s\x00", b"\x00libssl.so.1.0.0\x00libcrypto.so.1.0.0\x00",
    b"\x00built with OpenSSL 1.0.2k  26 Jan 2017\x00",
    b"\x00peers running OpenVPN 2.6.0 or higher)\x00",
    b"\x00OpenSSH_2.3.0*,OpenSSH_2.5.0p1*\x00OpenSSH_7.4*\x00",
    b"\x00BusyBox v%s\x00", b"\x00Linux version %s (%s)\x00",
    b"\x00Linux version 2.6 is required\x00", b"\x001.6.39\x00",
])
def test_references_and_protocol_versions_are_not_components(text: bytes) -> None:
    assert found(ELF + text) == []


def test_one_version_per_product_per_file() -> None:
    data = ELF + b"\x00OpenSSH_9.2\x00OpenSSH_9.2p1\x00OpenSSH_9.2p1 Debian-2+deb12u10\x00"
    assert found(data) == [("openssh", "9.2p1")]


def test_static_library_inside_a_program_is_a_component() -> None:
    data = ELF + b"\x00 inflate 1.1.4 Copyright 1995-2002 Mark Adler \x00"
    assert found(data, "/usr/bin/httpd") == [("zlib", "1.1.4")]


def test_openssl_letter_release_and_fips_suffix() -> None:
    data = ELF + b"\x00OpenSSL 1.0.2k-fips  26 Jan 2017\x00"
    assert found(data, "/lib/libcrypto.so.1.0.0") == [("openssl", "1.0.2k")]


def test_kernel_banner_and_module_vermagic() -> None:
    kernel = b"\x00Linux version 2.6.31 (tomcat@buildserver) (gcc version 4.3.3) #35\n\x00"
    assert found(kernel, "/lzma.out", ArtifactKind.DATA) == [("linux_kernel", "2.6.31")]
    module = ELF + b"\x00vermagic=2.6.31 mod_unload MIPS32_R2 32BIT \x00"
    out = run_file_analyzer(BinaryComponents(), module, "/lib/modules/2.6.31/x.ko",
                            kind=ArtifactKind.ELF)
    assert [(c.name, c.version, c.source) for c in components_of(out)] == [
        ("linux_kernel", "2.6.31", "kernel-module")]


def test_u_boot_banner() -> None:
    data = b"\x00\x00U-Boot 1.1.4 (Mar 10 2015 - 15:00:39)\x00"
    out = run_file_analyzer(BinaryComponents(), data, "/u-boot.bin", kind=ArtifactKind.DATA)
    (component,) = components_of(out)
    assert (component.name, component.version, component.source) == ("u-boot", "1.1.4", "banner")
    assert component.locations[0].offset == 2
    assert "U-Boot 1.1.4 (Mar 10 2015 - 15:00:39)" in component.evidence


@pytest.mark.parametrize(("path", "expected"), [
    ("/lib/libuClibc-0.9.30.so", [("uclibc", "0.9.30")]),
    ("/lib/ld-uClibc-0.9.33.2.so", [("uclibc", "0.9.33.2")]),
    ("/lib/ld-uClibc-1.0.45.so", [("uclibc-ng", "1.0.45")]),
    ("/lib/libm-0.9.30.so", []),
    ("/lib/libuClibc-0.9.30.so.bak", []),
])
def test_uclibc_from_library_file_names(path: str, expected: list[tuple[str, str]]) -> None:
    assert found(ELF, path) == expected


def test_filename_is_evidence_only_for_elf_files() -> None:
    assert found(b"text", "/lib/libuClibc-0.9.30.so", ArtifactKind.DATA) == []


def test_evidence_names_file_offset_and_text() -> None:
    data = ELF + b"\x00SSH-2.0-dropbear_2012.55\x00"
    out = run_file_analyzer(BinaryComponents(), data, "/usr/sbin/dropbearmulti",
                            kind=ArtifactKind.ELF)
    (c,) = components_of(out)
    assert c.locations[0].offset == len(ELF) + 1
    assert c.evidence == f"/usr/sbin/dropbearmulti@0x{len(ELF) + 1:x}: SSH-2.0-dropbear_2012.55"
    assert c.cpe == "cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:2012.55:*:*:*:*:*:*:*"
    assert c.purl == "pkg:generic/dropbear@2012.55"


def test_cpe_update_field_and_escaping() -> None:
    assert cpe_for("openssh", "9.2p1") == "cpe:2.3:a:openbsd:openssh:9.2:p1:*:*:*:*:*:*"
    assert cpe_for("ntp", "4.2.8p15") == "cpe:2.3:a:ntp:ntp:4.2.8:p15:*:*:*:*:*:*"
    assert cpe_for("isc_dhcp", "4.4.3-P1") == "cpe:2.3:a:isc:dhcp:4.4.3-P1:*:*:*:*:*:*:*"
    assert cpe_for("boa", "0.94.14rc21") == "cpe:2.3:a:boa:boa:0.94.14rc21:*:*:*:*:*:*:*"
    assert cpe_for("uhttpd", "1") is None
    assert cpe_for("nonesuch", "1") is None
    assert purl_for("deb", "libc6", "2.36-9+deb12u4", "debian", {"arch": "mipsel"}) == (
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=mipsel")


def test_malformed_and_huge_input_do_not_crash() -> None:
    data = b"BusyBox v" * 5000 + b"\xff" * 10000 + b"Linux version " * 1000
    assert found(data, "/x", ArtifactKind.DATA) == []
