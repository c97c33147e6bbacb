"""Package metadata (opkg, dpkg, os-release, pkg-config) and ELF package notes."""

from __future__ import annotations

import json
import struct

import pytest

from spyless.analyzers.components.binaries import BinaryComponents
from spyless.analyzers.components.catalog import PRODUCTS
from spyless.analyzers.components.elfnotes import package_notes
from spyless.analyzers.components.packages import PackageMetadata, upstream_version
from spyless.analyzers.interface import Output
from spyless.model.facts import Component
from spyless.unpack.interface import ArtifactKind
from tests.analyzers_helpers import run_file_analyzer
from tests.conftest import SHARED

OPKG_STATUS = """Package: dnsmasq
Version: 2.80-16.3
Depends: libc
Status: install user installed
Architecture: mips_24kc
Installed-Time: 1589000000

Package: uhttpd
Version: 2020-10-01-3abcc891-1
Status: install user installed
Architecture: mips_24kc

Package: vendor-gui
Version: 1.0-1
Status: install user installed

Package: busybox
Version: 1.31.1-1
Status: deinstall hold not-installed
"""

DPKG_STATUS = """Package: libc6
Status: install ok installed
Architecture: mipsel
Version: 2.36-9+deb12u4
Description: GNU C Library: Shared libraries
 Contains the standard libraries.

Package: zlib1g
Status: install ok installed
Architecture: mipsel
Version: 1:1.2.13.dfsg-1

Package: isc-dhcp-client
Status: deinstall ok config-files
Version: 4.4.3-P1-2
"""


def components_of(out: Output) -> list[Component]:
    return [f for f in out.facts if isinstance(f, Component)]


def components(data: str, path: str) -> list[tuple[str, str | None, str | None]]:
    out = run_file_analyzer(PackageMetadata(), data.encode(), path)
    return [(c.name, c.version, c.purl) for c in components_of(out)]


def test_opkg_status() -> None:
    assert components(OPKG_STATUS, "/usr/lib/opkg/status") == [
        ("dnsmasq", "2.80", "pkg:opkg/openwrt/dnsmasq@2.80-16.3?arch=mips_24kc"),
        ("uhttpd", "2020-10-01-3abcc891",
         "pkg:opkg/openwrt/uhttpd@2020-10-01-3abcc891-1?arch=mips_24kc"),
        ("vendor-gui", "1.0", "pkg:opkg/openwrt/vendor-gui@1.0-1"),
    ]


def test_opkg_control_file() -> None:
    text = "Package: dropbear\nVersion: 2019.78-2\nArchitecture: mips_24kc\n"
    out = run_file_analyzer(PackageMetadata(), text.encode(), "/usr/lib/opkg/info/dropbear.control")
    (c,) = components_of(out)
    assert (c.name, c.version, c.source) == ("dropbear", "2019.78", "package-db")
    assert c.cpe == "cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:2019.78:*:*:*:*:*:*:*"


def test_dpkg_status() -> None:
    assert components(DPKG_STATUS, "/var/lib/dpkg/status") == [
        ("glibc", "2.36", "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=mipsel"),
        ("zlib", "1.2.13", "pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=mipsel"),
    ]


@pytest.mark.parametrize(("version", "product", "upstream"), [
    ("1:1.35.0-4+deb12u1+b1", "busybox", "1.35.0"),
    ("2.9.14+dfsg-1.3~deb12u1", "libxml2", "2.9.14"),
    ("4.4.3-P1-2", "isc_dhcp", "4.4.3-P1"),
    ("1.36.1-1", "busybox", "1.36.1"),
    ("5.4.238-1-f5d2b5ba6a9f0b2ac4b4c4ba37a4a8e1", "linux_kernel", "5.4.238"),
    ("2022.83", "dropbear", "2022.83"),
])
def test_upstream_version(version: str, product: str, upstream: str) -> None:
    assert upstream_version(version, product) == upstream


def test_os_release_and_openwrt_release() -> None:
    assert components('NAME="OpenWrt"\nVERSION="19.07.3"\nID="openwrt"\nVERSION_ID="19.07.3"\n',
                      "/etc/os-release") == [("openwrt", "19.07.3", "pkg:generic/openwrt@19.07.3")]
    out = run_file_analyzer(PackageMetadata(),
                            b"DISTRIB_ID='OpenWrt'\nDISTRIB_RELEASE='21.02.1'\n",
                            "/etc/openwrt_release")
    (c,) = components_of(out)
    assert (c.name, c.version, c.cpe) == (
        "openwrt", "21.02.1", "cpe:2.3:a:openwrt:openwrt:21.02.1:*:*:*:*:*:*:*")


def test_pkgconfig_of_known_library_only() -> None:
    pc = "prefix=/usr\nName: xtables\nVersion: 1.4.5\nLibs: -lxtables\n"
    assert components(pc, "/lib/pkgconfig/xtables.pc") == [
        ("iptables", "1.4.5", "pkg:generic/iptables@1.4.5")]
    assert components("Name: vendor\nVersion: 1.0\n", "/lib/pkgconfig/vendor.pc") == []


def _elf_with_note(payload: dict[str, str], big: bool = True) -> bytes:
    """A 32-bit ELF with one PT_NOTE segment holding an FDO package note."""
    o = ">" if big else "<"
    desc = json.dumps(payload).encode() + b"\x00"
    desc += b"\x00" * (-len(desc) % 4)
    note = struct.pack(o + "III", 4, len(desc), 0xCAFE1A7E) + b"FDO\x00" + desc
    phoff, note_at = 52, 52 + 32
    header = (b"\x7fELF\x01" + (b"\x02" if big else b"\x01") + b"\x01" + b"\x00" * 9
              + struct.pack(o + "HHIIIIIHHHHHH", 2, 8, 1, 0, phoff, 0, 0, 52, 32, 1, 0, 0, 0))
    phdr = struct.pack(o + "IIIIIIII", 4, note_at, 0, 0, len(note), len(note), 4, 4)
    return header + phdr + note


def test_elf_package_note() -> None:
    data = _elf_with_note({"type": "deb", "name": "libcurl4", "version": "7.88.1-10",
                           "architecture": "mips", "os": "debian"})
    (note,) = package_notes(data)
    assert (note.name, note.version) == ("libcurl4", "7.88.1-10")
    out = run_file_analyzer(BinaryComponents(), data, "/usr/lib/libcurl.so.4", ArtifactKind.ELF)
    (c,) = components_of(out)
    assert (c.name, c.version, c.source, c.purl) == (
        "curl", "7.88.1", "elf-note", "pkg:deb/debian/libcurl4@7.88.1-10?arch=mips")
    little = _elf_with_note({"type": "rpm", "name": "x", "version": "1"}, big=False)
    assert [(n.type, n.name) for n in package_notes(little)] == [("rpm", "x")]


@pytest.mark.parametrize("data", [
    b"", b"\x7fELF", b"\x7fELF\x01\x02\x01" + b"\xff" * 100,
    _elf_with_note({"type": "deb", "name": "x", "version": "1"})[:90],
    _elf_with_note({"type": "deb"}),
])
def test_malformed_notes_give_nothing(data: bytes) -> None:
    assert package_notes(data) == []


def test_catalogue_agrees_with_the_shared_cpe_map() -> None:
    path = SHARED / "vulndata" / "cpe-map.json"
    if not path.is_file():
        pytest.skip(f"not present: {path}")
    mapping = json.loads(path.read_text(encoding="utf-8"))["products"]
    alias = {"linux_kernel": "linux_kernel", "libexpat": "libexpat", "isc_dhcp": "isc_dhcp"}
    for key, product in PRODUCTS.items():
        pairs = mapping.get(alias.get(key, key))
        if pairs and product.cpe:
            assert product.cpe in pairs, key
