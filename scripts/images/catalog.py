"""The list of test images: name, file, architecture of its binaries, tools, builder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from images import formats

#: Builder: (root tree, output file, private work folder) -> offset of the rootfs in it.
Builder = Callable[[Path, Path, Path], int]

#: Debian package that provides each tool (what a CI machine must install).
TOOL_PACKAGES = {
    "mksquashfs": "squashfs-tools",
    "mkfs.jffs2": "mtd-utils",
    "mkfs.ubifs": "mtd-utils",
    "ubinize": "mtd-utils",
    "genext2fs": "genext2fs",
    "mkfs.ext4": "e2fsprogs",
    "cpio": "cpio",
    "mkimage": "u-boot-tools",
    "tar": "tar",
    "zip": "zip",
}


@dataclass(frozen=True, slots=True)
class ImageSpec:
    name: str
    filename: str
    arch: str  # Debian architecture of the binaries inside
    container: str  # what holds the root tree: squashfs, jffs2, ubi, ext, cpio
    tools: tuple[str, ...]
    build: Builder
    description: str


def _sq(comp: str, *extra: str) -> Builder:
    return lambda root, out, _work: formats.make_squashfs(root, out, comp, extra)


def _jffs2(big_endian: bool, erase: str, compressor: str) -> Builder:
    return lambda root, out, work: formats.make_jffs2(root, out, work, big_endian, erase,
                                                      compressor)


def _ubi(root: Path, out: Path, work: Path) -> int:
    kernel = formats.make_uimage(formats.fake_kernel("arm"), work, "arm",
                                 "ARM OpenWrt Linux-5.10.176")
    return formats.make_ubi(root, out, work, kernel)


IMAGES: tuple[ImageSpec, ...] = (
    ImageSpec("squashfs_gzip_mipsel", "squashfs_gzip_mipsel.sqfs", "mipsel", "squashfs",
              ("mksquashfs",), _sq("gzip"), "SquashFS 4.0, gzip"),
    ImageSpec("squashfs_xz_mipsel", "squashfs_xz_mipsel.sqfs", "mipsel", "squashfs",
              ("mksquashfs",),
              _sq("xz", "-b", "256K", "-Xdict-size", "100%"),
              "SquashFS 4.0, xz, 256 KiB blocks (OpenWrt settings)"),
    ImageSpec("squashfs_lzma_mipsel", "squashfs_lzma_mipsel.sqfs", "mipsel", "squashfs",
              ("mksquashfs",), _sq("lzma"), "SquashFS 4.0, legacy lzma"),
    ImageSpec("squashfs_lzo_armel", "squashfs_lzo_armel.sqfs", "armel", "squashfs",
              ("mksquashfs",), _sq("lzo", "-b", "64K"), "SquashFS 4.0, lzo, 64 KiB blocks"),
    ImageSpec("squashfs_lz4_arm64", "squashfs_lz4_arm64.sqfs", "arm64", "squashfs",
              ("mksquashfs",), _sq("lz4", "-Xhc"), "SquashFS 4.0, lz4 high compression"),
    ImageSpec("squashfs_zstd_arm64", "squashfs_zstd_arm64.sqfs", "arm64", "squashfs",
              ("mksquashfs",), _sq("zstd", "-b", "1M"), "SquashFS 4.0, zstd, 1 MiB blocks"),
    ImageSpec("jffs2_le_zlib_armel", "jffs2_le_zlib_armel.jffs2", "armel", "jffs2",
              ("mkfs.jffs2",), _jffs2(False, "64KiB", "zlib"),
              "JFFS2 little-endian, zlib+rtime, 64 KiB erase blocks (NOR)"),
    ImageSpec("jffs2_le_lzo_armel", "jffs2_le_lzo_armel.jffs2", "armel", "jffs2",
              ("mkfs.jffs2",), _jffs2(False, "128KiB", "lzo"),
              "JFFS2 little-endian, lzo only, 128 KiB erase blocks"),
    ImageSpec("jffs2_be_zlib_mipsel", "jffs2_be_zlib_mipsel.jffs2", "mipsel", "jffs2",
              ("mkfs.jffs2",), _jffs2(True, "64KiB", "zlib"),
              "JFFS2 big-endian, zlib+rtime, 64 KiB erase blocks"),
    ImageSpec("ubi_armel", "ubi_armel.ubi", "armel", "ubi",
              ("mkfs.ubifs", "ubinize", "mkimage"), _ubi,
              "UBI (2 KiB pages, 128 KiB PEBs): static kernel volume + UBIFS rootfs (lzo)"),
    ImageSpec("ext2_mipsel", "ext2_mipsel.img", "mipsel", "ext",
              ("genext2fs",), formats.make_ext2,
              "ext2 made by genext2fs, 1 KiB blocks"),
    ImageSpec("ext4_arm64", "ext4_arm64.img", "arm64", "ext",
              ("mkfs.ext4",), lambda root, out, _work: formats.make_ext4(root, out),
              "ext4 with journal, 4 KiB blocks (mkfs.ext4 -d)"),
    ImageSpec("initramfs_mips64el", "initramfs_mips64el.cpio.gz", "mips64el", "cpio",
              ("cpio",), lambda root, out, _work: formats.make_cpio_gz(root, out),
              "gzip-compressed cpio newc initramfs"),
    ImageSpec("router_mips_uimage_squashfs", "router_mips_uimage_squashfs.bin", "mipsel",
              "squashfs", ("mkimage", "mksquashfs"),
              lambda root, out, work: formats.make_uimage_squashfs(root, out, work, "mips"),
              "OpenWrt-style sysupgrade: uImage (lzma kernel) + SquashFS xz at 64 KiB "
              "+ 0xdeadc0de"),
    ImageSpec("router_trx_squashfs", "router_trx_squashfs.trx", "mipsel", "squashfs",
              ("mksquashfs",), formats.make_trx,
              "Broadcom TRX v1: lzma kernel + SquashFS xz at 64 KiB"),
    ImageSpec("bundle_tar_gz_armel", "bundle_tar_gz_armel.tar.gz", "armel", "squashfs",
              ("mksquashfs", "mkimage", "tar"),
              lambda root, out, work: formats.make_tar_gz(root, out, work, "arm"),
              "tar.gz vendor bundle: release notes, uImage, rootfs.squashfs (xz)"),
    ImageSpec("bundle_zip_arm64", "bundle_zip_arm64.zip", "arm64", "squashfs",
              ("mksquashfs", "mkimage", "zip"),
              lambda root, out, work: formats.make_zip(root, out, work, "arm64"),
              "zip vendor bundle: release notes, uImage, rootfs.squashfs (xz)"),
)

DEMO = ImageSpec("demo-router", "demo-router.bin", "mipsel", "squashfs",
                 ("mkimage", "mksquashfs"),
                 lambda root, out, work: formats.make_uimage_squashfs(root, out, work, "mips"),
                 "the bundled demo: uImage (lzma kernel) + SquashFS xz rootfs")
