"""Packing a root tree into firmware formats with the real tools, deterministically.

Each ``make_*`` function writes one image file and returns where the root filesystem
starts inside it (0 unless it is wrapped in a vendor layout). Tools run from argument
lists; ``SOURCE_DATE_EPOCH`` and explicit timestamps keep rebuilds identical where the
tool allows it.
"""

from __future__ import annotations

import gzip
import hashlib
import lzma
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

from images.rootfs import DEVICE_TABLE, EPOCH, SQUASHFS_PSEUDO

ALIGN = 0x10000
ENV = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH), "E2FSPROGS_FAKE_TIME": str(EPOCH),
       "TZ": "UTC", "LC_ALL": "C"}


def _run(args: list[str], cwd: Path | None = None, stdin: bytes | None = None) -> bytes:
    env = dict(ENV)
    if args[0] == "mksquashfs":
        # it refuses SOURCE_DATE_EPOCH together with its own timestamp options
        del env["SOURCE_DATE_EPOCH"]
    done = subprocess.run(args, check=False, cwd=cwd, env=env, input=stdin,
                          capture_output=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr.decode(errors="replace")[-2000:])
        done.check_returncode()
    return done.stdout


def _devtable(work: Path) -> Path:
    path = work / "devtable.txt"
    path.write_text(DEVICE_TABLE)
    return path


def make_squashfs(root: Path, out: Path, comp: str, extra: tuple[str, ...] = ()) -> int:
    args = ["mksquashfs", str(root), str(out), "-comp", comp, "-noappend", "-all-root",
            "-no-progress", "-quiet", "-mkfs-time", str(EPOCH), "-all-time", str(EPOCH),
            *extra]
    for pseudo in SQUASHFS_PSEUDO:
        args += ["-p", pseudo]
    _run(args)
    return 0


def make_jffs2(root: Path, out: Path, work: Path, big_endian: bool, erase: str,
               compressor: str) -> int:
    args = ["mkfs.jffs2", "-r", str(root), "-o", str(out), "-e", erase, "-q", "-p",
            "-b" if big_endian else "-l", "-D", str(_devtable(work))]
    if compressor == "lzo":
        args += ["-X", "lzo", "-x", "zlib", "-x", "rtime"]
    _run(args)
    return 0


def make_ubi(root: Path, out: Path, work: Path, kernel: bytes) -> int:
    """A NAND UBI image: a static kernel volume and a dynamic UBIFS rootfs (LZO)."""
    ubifs = work / "rootfs.ubifs"
    kernel_file = work / "kernel.uimage"
    kernel_file.write_bytes(kernel)
    _run(["mkfs.ubifs", "-r", str(root), "-m", "2048", "-e", "126976", "-c", "256",
          "-x", "lzo", "-U", "-o", str(ubifs)])
    ini = work / "ubinize.ini"
    ini.write_text(
        "[kernel]\nmode=ubi\nimage=" + str(kernel_file) + "\nvol_id=0\nvol_type=static\n"
        "vol_name=kernel\n\n"
        "[rootfs]\nmode=ubi\nimage=" + str(ubifs) + "\nvol_id=1\nvol_type=dynamic\n"
        "vol_name=rootfs\nvol_flags=autoresize\n"
    )
    _run(["ubinize", "-o", str(out), "-m", "2048", "-p", "128KiB", "-s", "2048",
          "-Q", "1700000000", str(ini)])
    return 0


def make_ext2(root: Path, out: Path, work: Path) -> int:
    _run(["genext2fs", "-d", str(root), "-b", "8192", "-N", "512", "-U",
          "-D", str(_devtable(work)), "-L", "rootfs", str(out)])
    return 0


def make_ext4(root: Path, out: Path) -> int:
    _run(["mkfs.ext4", "-q", "-F", "-L", "rootfs", "-d", str(root), "-b", "4096",
          "-U", "5f1b7c1e-0000-4000-8000-5b1e55000001", "-E", "root_owner=0:0",
          "-T", "default", str(out), "12M"])
    return 0


def make_cpio_gz(root: Path, out: Path) -> int:
    names = ["."]
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        base = Path(dirpath).relative_to(root)
        names += [(base / name).as_posix() for name in sorted(dirnames + filenames)]
    listing = "\n".join(names).encode() + b"\n"
    archive = _run(["cpio", "--quiet", "-o", "-H", "newc", "--reproducible", "-R", "0:0"],
                   cwd=root, stdin=listing)
    out.write_bytes(gzip.compress(archive, compresslevel=9, mtime=0))
    return 0


def fake_kernel(arch_name: str) -> bytes:
    """A small LZMA ('alone' format) stream standing in for a kernel, as routers pack it."""
    banner = (f"Linux version 5.10.176 (builder@vendor-build) ({arch_name}-openwrt-linux-musl"
              "-gcc (OpenWrt GCC 12.3.0) 12.3.0) #0 SMP Tue Nov 14 22:13:20 2023\n").encode()
    # hash-chain bytes stand in for machine code: they do not compress, as code hardly does
    blocks = [hashlib.sha256(arch_name.encode()).digest()]
    while len(blocks) < 1024:
        blocks.append(hashlib.sha256(blocks[-1]).digest())
    body = b"\x00" * 512 + b"".join(blocks) + banner + b"\x00" * 4096 + banner * 8
    return lzma.compress(body, format=lzma.FORMAT_ALONE, preset=6)


def make_uimage(payload: bytes, work: Path, arch: str, name: str) -> bytes:
    src = work / f"kernel-{arch}.lzma"
    dest = work / f"kernel-{arch}.uimage"
    src.write_bytes(payload)
    _run(["mkimage", "-A", arch, "-O", "linux", "-T", "kernel", "-C", "lzma",
          "-a", "0x80060000", "-e", "0x80060000", "-n", name, "-d", str(src), str(dest)])
    return dest.read_bytes()


def _pad(data: bytes, align: int = ALIGN) -> bytes:
    return data + b"\xff" * (-len(data) % align)


def make_uimage_squashfs(root: Path, out: Path, work: Path, arch: str) -> int:
    """OpenWrt-style sysupgrade: uImage kernel, squashfs at an erase-block boundary,
    and the 0xdeadc0de end-of-filesystem marker where the overlay JFFS2 would start."""
    kernel = make_uimage(fake_kernel("mipsel"), work, arch, "MIPS OpenWrt Linux-5.10.176")
    sqfs = work / "rootfs.sqfs"
    make_squashfs(root, sqfs, "xz", ("-b", "256K", "-Xdict-size", "100%"))
    head = _pad(kernel)
    out.write_bytes(head + _pad(sqfs.read_bytes()) + b"\xde\xad\xc0\xde")
    return len(head)


def make_trx(root: Path, out: Path, work: Path) -> int:
    """Broadcom TRX v1: header, LZMA kernel, squashfs rootfs at an aligned offset."""
    kernel = fake_kernel("mipsel")
    sqfs = work / "rootfs.sqfs"
    make_squashfs(root, sqfs, "xz")
    header_size = 28
    rootfs_at = header_size + len(kernel)
    rootfs_at += -rootfs_at % ALIGN
    body = kernel + b"\x00" * (rootfs_at - header_size - len(kernel)) + sqfs.read_bytes()
    body += b"\x00" * (-(header_size + len(body)) % 4096)
    total = header_size + len(body)
    tail = struct.pack("<HH3I", 0, 1, header_size, rootfs_at, 0) + body
    # TRX's CRC32 is the reflected CRC without the final inversion
    crc = zlib.crc32(tail) ^ 0xFFFFFFFF
    out.write_bytes(b"HDR0" + struct.pack("<II", total, crc) + tail)
    return rootfs_at


def _bundle_dir(root: Path, work: Path, arch: str) -> tuple[Path, list[str]]:
    top = work / "bundle"
    folder = top / "VR-2400_fw_1.2.3"
    folder.mkdir(parents=True)
    make_squashfs(root, folder / "rootfs.squashfs", "xz")
    (folder / "uImage").write_bytes(
        make_uimage(fake_kernel(arch), work, arch, f"{arch.upper()} OpenWrt Linux-5.10.176"))
    (folder / "release-notes.txt").write_text("VR-2400 firmware 1.2.3\n- security fixes\n")
    names = ["VR-2400_fw_1.2.3/" + n for n in ("release-notes.txt", "rootfs.squashfs",
                                                 "uImage")]
    for path in (folder, *folder.iterdir()):
        os.utime(path, (EPOCH, EPOCH))
    return top, names


def make_tar_gz(root: Path, out: Path, work: Path, arch: str) -> int:
    top, names = _bundle_dir(root, work, arch)
    archive = _run(["tar", "-c", "-f", "-", "--format=gnu", "--owner=0", "--group=0",
                    "--numeric-owner", f"--mtime=@{EPOCH}", "--no-recursion",
                    "VR-2400_fw_1.2.3", *names],
                   cwd=top)
    out.write_bytes(gzip.compress(archive, compresslevel=9, mtime=0))
    return 0


def make_zip(root: Path, out: Path, work: Path, arch: str) -> int:
    top, names = _bundle_dir(root, work, arch)
    out.unlink(missing_ok=True)
    _run(["zip", "-X", "-q", "-9", str(out.resolve()), *names], cwd=top)
    return 0
