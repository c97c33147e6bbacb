"""Every format fixture and the real TP-Link image unpack through the whole engine.

Reads ../shared/corpus (see its README); each test skips with the reason where it is absent.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from spyless.unpack.engine import UnpackResult, unpack
from spyless.unpack.interface import ArtifactKind, EventKind
from tests.conftest import CORPUS, corpus_file

#: The three files every filesystem fixture of the shared corpus holds (sha256).
EXPECTED = {
    "testfile1": "d558c9339cb967341d701e3184f863d3928973fccdc1d96042583730b5c7b76a",
    "testfile2": "faa11db49f32a90b51dfc3f0254f9fd7a7b46d0b570abd47e1943b86d554447a",
    "generic folder/test file 3_.txt":
        "289b5a050a83837f192d7129e4c4e02570b94b4924e50159fad5ed1067cfbfeb",
}

FILESYSTEM_FIXTURES = [
    "factx_squashFS__gzip.sqfs", "factx_squashFS__lz4.sqfs", "factx_squashFS__lzma.sqfs",
    "factx_squashFS__lzo.sqfs", "factx_squashFS__xz.sqfs", "factx_squashFS__zstd.sqfs",
    "factx_squashFS__zlib_be.sqfs3", "factx_squashFS__zlib_le.sqfs3",
    "factx_squashFS__lzma1_be.sqfs3", "factx_squashFS__lzma1_le.sqfs3",
    "factx_squashFS__lzma_be.sqfs2", "factx_squashFS__lzma_le.sqfs2",
    "factx_squashFS__avm_be.sqfs4", "factx_squashFS__avm_le.sqfs4",
    "factx_jffs2__jffs2_be.img", "factx_jffs2__jffs2_le.img",
    "factx_yaffs__yaffs2_be.img", "factx_yaffs__yaffs2_le.img",
    "factx_ubi__test.ubifs", "factx_ubi__ubi.img", "factx_sevenz__cramfs.img",
    "factx_generic_fs__romfs.img", "factx_sevenz__ext2.img.xz", "factx_patool__test.cpio",
]

TPLINK = "firmware/tplink_tl-wr841n_v10_en_3.16.9_build150310.bin"


def files_by_tail(result: UnpackResult) -> dict[str, str]:
    """sha256 of every extracted regular file, keyed by chain."""
    return {a.chain: a.sha256 for a in result.artifacts if a.sha256 and a.path}


@pytest.mark.parametrize("name", FILESYSTEM_FIXTURES)
def test_fixture_unpacks_to_its_three_files(name: str, tmp_path: Path) -> None:
    image = corpus_file(f"formats/{name}")
    result = unpack(image, tmp_path / "out")
    files = files_by_tail(result)
    for rel, digest in EXPECTED.items():
        hits = [c for c, d in files.items() if c.endswith("/" + rel)]
        assert hits, f"{rel} not extracted from {name}: {sorted(files)}"
        assert all(files[c] == digest for c in hits), f"{rel} has wrong content in {name}"
        for chain in hits:
            artifact = result.artifact(chain)
            assert artifact is not None
            assert artifact.path is not None
            on_disk = (tmp_path / "out" / artifact.path).read_bytes()
            assert hashlib.sha256(on_disk).hexdigest() == digest
    failures = result.events_of(EventKind.PARTIAL)
    assert not failures, failures


def test_trx_fixture_is_split(tmp_path: Path) -> None:
    result = unpack(corpus_file("formats/factx_trx__trx.img"), tmp_path / "out")
    assert any(e.format == "trx" for e in result.events_of(EventKind.EXTRACTED))


@pytest.mark.parametrize("name", ["factx_dlink__testfile.encrpted_img",
                                  "factx_dlink__fw_mh01_test.bin"])
def test_dlink_encrypted_images_are_reported(name: str, tmp_path: Path) -> None:
    result = unpack(corpus_file(f"formats/{name}"), tmp_path / "out")
    kinds = {e.kind for e in result.events if e.chain.startswith(name)}
    decrypted = any(e.kind is EventKind.EXTRACTED for e in result.events)
    assert EventKind.ENCRYPTED in kinds or decrypted, result.events
    assert EventKind.UNKNOWN not in kinds or decrypted


def test_every_fixture_is_covered() -> None:
    if not (CORPUS / "formats").is_dir():
        pytest.skip(f"shared corpus not present: {CORPUS}")
    present = {p.name for p in (CORPUS / "formats").iterdir()}
    covered = set(FILESYSTEM_FIXTURES) | {"factx_trx__trx.img",
                                          "factx_dlink__testfile.encrpted_img",
                                          "factx_dlink__fw_mh01_test.bin"}
    assert present <= covered, f"fixtures without a test: {present - covered}"


@pytest.fixture(scope="module")
def tplink(tmp_path_factory: pytest.TempPathFactory) -> UnpackResult:
    image = corpus_file(TPLINK)
    return unpack(image, tmp_path_factory.mktemp("tplink") / "out")


def test_tplink_layers(tplink: UnpackResult) -> None:
    name = Path(TPLINK).name
    layers = {(e.chain, e.format, e.offset, e.size) for e in tplink.events_of(EventKind.EXTRACTED)}
    assert layers == {
        (name, "tplink", 0, 4_063_744),
        (f"{name}!tplink@0x0/u-boot.bin", "uimage", 0x37D0, 35_775),
        (f"{name}!tplink@0x0/u-boot.bin!uimage@0x37d0/firmware.lzma", "lzma", 0, 35_711),
        (f"{name}!tplink@0x0/kernel.lzma", "lzma", 0, 761_358),
        (f"{name}!tplink@0x0/rootfs", "squashfs", 0, 2_477_651),
    }
    assert not tplink.events_of(EventKind.PARTIAL)
    assert not tplink.events_of(EventKind.FAILED)


def test_tplink_root_filesystem_is_complete(tplink: UnpackResult) -> None:
    rootfs = [a for a in tplink.artifacts if "!squashfs@" in a.chain
              and a.chain.count("!") == a.chain.split("!squashfs@")[0].count("!") + 1]
    regular = [a for a in rootfs if a.sha256 is not None and "!" not in
               a.chain.split("!squashfs@", 1)[1]]
    assert 370 <= len(regular) <= 380, len(regular)
    busybox = next(a for a in regular if a.chain.endswith("/bin/busybox"))
    assert busybox.kind is ArtifactKind.ELF
    assert busybox.elf is not None
    assert (busybox.elf.arch, busybox.elf.bits, busybox.elf.endianness) == ("mips", 32, "big")
    links = {a.chain.rsplit("/", 1)[-1]: a.link_target for a in rootfs
             if a.kind is ArtifactKind.SYMLINK}
    assert links.get("sh") == "busybox"
    assert any(a.chain.endswith("/usr/bin/httpd") for a in regular)


def test_tplink_uboot_and_kernel(tplink: UnpackResult) -> None:
    name = Path(TPLINK).name
    header = next(e for e in tplink.events if e.format == "tplink")
    assert "firmware_version=3.16.9" in header.message
    assert "hardware_id=0x08410010" in header.message
    kernel = tplink.artifact(f"{name}!tplink@0x0/kernel.lzma!lzma@0x0/lzma.out")
    assert kernel is not None
    assert kernel.size == 2_219_160
    uboot = tplink.artifact(f"{name}!tplink@0x0/u-boot.bin")
    assert uboot is not None
    assert uboot.size == 50_063
