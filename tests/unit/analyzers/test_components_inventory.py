"""Folding per-file detections into the image inventory, and SPY601 / SPY602."""

from __future__ import annotations

from pathlib import Path

from spyless.analyzers.components.binaries import BinaryComponents
from spyless.analyzers.components.inventory import ComponentInventory
from spyless.analyzers.components.packages import PackageMetadata
from spyless.report.model import Report
from tests.analyzers_helpers import scan_tree

ELF = b"\x7fELF\x01\x01\x01" + b"\x00" * 57
ZLIB_OLD = ELF + b"\x00 deflate 1.1.4 Copyright 1995-2002 Jean-loup Gailly \x00"
ZLIB_NEW = ELF + b"\x00 inflate 1.2.3 Copyright 1995-2005 Mark Adler \x00"


def scan(tmp_path: Path, files: dict[str, bytes | str]) -> Report:
    return scan_tree(tmp_path, files, [BinaryComponents(), PackageMetadata()],
                     [ComponentInventory()])


def test_one_component_per_version_with_every_location(tmp_path: Path) -> None:
    report = scan(tmp_path, {
        "/usr/sbin/dropbear": ELF + b"\x00SSH-2.0-dropbear_2019.78\x00",
        "/usr/bin/dbclient": ELF + b"\x00\x00SSH-2.0-dropbear_2019.78\x00",
        "/usr/bin/ssh": "-> dbclient",
        "/usr/lib/opkg/info/dropbear.control": "Package: dropbear\nVersion: 2019.78-2\n",
    })
    (c,) = report.components
    assert (c.name, c.version, c.source) == ("dropbear", "2019.78", "package-db")
    assert [loc.path for loc in c.locations] == [
        "/usr/bin/dbclient", "/usr/lib/opkg/info/dropbear.control", "/usr/sbin/dropbear"]
    assert c.purl == "pkg:opkg/openwrt/dropbear@2019.78-2"
    assert report.findings == []


def test_several_versions_of_a_library(tmp_path: Path) -> None:
    report = scan(tmp_path, {"/usr/bin/httpd": ZLIB_OLD, "/lib/libz.so.1": ZLIB_NEW,
                             "/usr/bin/upnpd": ZLIB_OLD})
    assert [(c.name, c.version, len(c.locations)) for c in report.components] == [
        ("zlib", "1.1.4", 2), ("zlib", "1.2.3", 1)]
    assert sorted(f.id for f in report.findings) == ["SPY601", "SPY602"]
    spy601 = next(f for f in report.findings if f.id == "SPY601")
    assert spy601.message == "zlib is present in 2 versions: 1.1.4 (2 files), 1.2.3 (1 files)"
    assert spy601.severity == "medium"
    assert {e.location.path for e in spy601.evidence} == {"/usr/bin/httpd", "/lib/libz.so.1"}
    spy602 = next(f for f in report.findings if f.id == "SPY602")
    assert spy602.message == "zlib 1.1.4 is compiled into 2 files: /usr/bin/httpd, /usr/bin/upnpd"


def test_program_copies_and_kernel_modules_are_not_spy602(tmp_path: Path) -> None:
    module = ELF + b"\x00vermagic=4.14.180 SMP mod_unload MIPS32_R2 32BIT \x00"
    report = scan(tmp_path, {
        "/bin/busybox": ELF + b"\x00BusyBox v1.30.1 (2020-05-18)\x00",
        "/rescue/busybox": ELF + b"\x00\x00BusyBox v1.30.1 (2020-05-18)\x00",
        "/lib/modules/4.14.180/a.ko": module, "/lib/modules/4.14.180/b.ko": module + b"\x00",
    })
    assert [(c.name, c.version, c.source, len(c.locations)) for c in report.components] == [
        ("busybox", "1.30.1", "binary", 2), ("linux_kernel", "4.14.180", "kernel-module", 2)]
    assert report.findings == []


def test_package_metadata_disagreeing_with_the_binary(tmp_path: Path) -> None:
    report = scan(tmp_path, {
        "/usr/sbin/dnsmasq": ELF + b"\x00dnsmasq-2.78\x00",
        "/usr/lib/opkg/status": "Package: dnsmasq\nVersion: 2.80-1\nStatus: install ok installed\n",
    })
    assert [f.id for f in report.findings] == ["SPY601"]
