"""Binary equivalence on images built in code: each benign rule, and what is not benign."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from spyless.diff.interface import EquivalenceVerdict, PairStatus, Rule
from tests.unit.diff.builders import (
    EPOCH,
    build_id_note,
    elf,
    equivalence_of,
    pair,
    tar_bytes,
    uimage,
)

SHT_PROGBITS, SHT_NOTE = 1, 7
ALLOC, EXEC = 2, 6


def _daemon(build_id: bytes, build_dir: str, date: str, extra: bytes = b"") -> bytes:
    rodata = (f"assert failed at {build_dir}/src/daemon.c\0daemon 1.0 built {date}\0"
              .encode() + extra)
    return elf([(".note.gnu.build-id", SHT_NOTE, ALLOC, build_id_note(build_id)),
                (".rodata", SHT_PROGBITS, ALLOC, rodata),
                (".text", SHT_PROGBITS, EXEC, bytes(range(64)))])


def _firmware(daemon: bytes, when: int = EPOCH, passwd: bytes = b"root:x:0:0::/root:/bin/sh\n",
              pad: int = 0x100) -> bytes:
    members: dict[str, bytes | str] = {"usr/sbin/daemon": daemon, "etc/passwd": passwd,
                                       "bin/sh": "-> busybox"}
    return uimage(tar_bytes(members, mtime=when), when=when) + b"\xff" * pad


def test_the_same_image_is_equivalent(tmp_path: Path) -> None:
    image = _firmware(_daemon(b"\x01" * 20, "/build/pkg-a1b2c3", "Nov 14 2023 22:13:20"))
    result = equivalence_of(tmp_path, image, image)
    assert result.verdict is EquivalenceVerdict.EQUIVALENT
    assert result.exit_code == 0
    assert {p.status for p in result.pairs} == {PairStatus.IDENTICAL}
    assert result.problems() == ()


def test_a_rebuild_differs_only_in_named_benign_ways(tmp_path: Path) -> None:
    built = _firmware(_daemon(b"\x01" * 20, "/build/pkg-a1b2c3", "Nov 14 2023 22:13:20"))
    deployed = _firmware(_daemon(b"\x02" * 20, "/build/pkg-x9y8z7", "Nov 17 2023 23:15:23"),
                         when=EPOCH + 3 * 86400)
    result = equivalence_of(tmp_path, built, deployed)
    assert result.verdict is EquivalenceVerdict.EQUIVALENT_MODULO_BENIGN
    assert result.exit_code == 1
    daemon = pair(result, "!uimage#0/kernel!tar#0/usr/sbin/daemon")
    assert daemon.status is PairStatus.BENIGN
    assert [(n.rule, n.detail, n.built, n.deployed) for n in daemon.normalisations] == [
        (Rule.BUILD_ID, "section .note.gnu.build-id", "01 " * 15 + "01…", "02 " * 15 + "02…"),
        (Rule.BUILD_PATH, "section .rodata", "/build/pkg-a1b2c3/src/daemon.c",
         "/build/pkg-x9y8z7/src/daemon.c"),
        (Rule.TIMESTAMP, "section .rodata", "Nov 14 2023 22:13:20", "Nov 17 2023 23:15:23"),
    ]
    image = pair(result, "")
    assert [(n.rule, n.detail) for n in image.normalisations] == [
        (Rule.CHECKSUM, "uImage ih_hcrc"), (Rule.TIMESTAMP, "uImage ih_time"),
        (Rule.CHECKSUM, "uImage ih_dcrc"),
        (Rule.CHILD_FILE, "uimage chunk at 0x0: holds !uimage#0/kernel verbatim")]
    archive = pair(result, "!uimage#0/kernel")
    assert {n.rule for n in archive.normalisations} == {Rule.TIMESTAMP, Rule.CHECKSUM,
                                                        Rule.CHILD_FILE}
    assert {n.detail for n in archive.normalisations if n.rule is not Rule.CHILD_FILE} == {
        "tar mtime", "tar chksum"}
    assert result.rules_used() == {Rule.TIMESTAMP: 3, Rule.CHECKSUM: 2, Rule.BUILD_ID: 1,
                                   Rule.BUILD_PATH: 1, Rule.CHILD_FILE: 2}


def test_a_new_account_and_a_changed_binary_are_not_equivalent(tmp_path: Path) -> None:
    daemon = _daemon(b"\x01" * 20, "/build/pkg-a1b2c3", "Nov 14 2023 22:13:20")
    patched = _daemon(b"\x01" * 20, "/build/pkg-a1b2c3", "Nov 14 2023 22:13:20",
                      b"http://203.0.113.9:8443/tunnel\0")
    built = _firmware(daemon)
    deployed = _firmware(patched, passwd=b"root:x:0:0::/root:/bin/sh\n"
                                         b"maint:x:0:0::/root:/bin/sh\n")
    result = equivalence_of(tmp_path, built, deployed)
    assert result.verdict is EquivalenceVerdict.NOT_EQUIVALENT
    assert result.exit_code == 2
    passwd = pair(result, "!uimage#0/kernel!tar#0/etc/passwd")
    assert passwd.status is PairStatus.DIFFERENT
    assert passwd.regions[0].offset == 26
    assert passwd.regions[0].deployed_text == "maint:x:0:0::/ro…"
    binary = pair(result, "!uimage#0/kernel!tar#0/usr/sbin/daemon")
    assert binary.status is PairStatus.DIFFERENT
    assert binary.reasons[0].startswith("sections of another size: .rodata ")
    assert ".rodata" in binary.sections
    assert ".text" not in binary.sections  # same bytes, only moved
    problems = {p.key: p.rule for p in result.problems()}
    assert problems["!uimage#0/kernel!tar#0/etc/passwd"] == "equivalence:different"
    assert problems["!uimage#0/kernel!tar#0/usr/sbin/daemon"] == "equivalence:different"


def test_a_differing_byte_in_code_is_never_excused(tmp_path: Path) -> None:
    code = bytearray(_daemon(b"\x01" * 20, "/build/pkg-a1b2c3", "Nov 14 2023 22:13:20"))
    patched = bytearray(code)
    patched[code.find(bytes(range(64))) + 10] ^= 0xFF  # inside .text
    result = equivalence_of(tmp_path, tar_bytes({"d": bytes(code)}),
                            tar_bytes({"d": bytes(patched)}))
    daemon = pair(result, "!tar#0/d")
    assert daemon.status is PairStatus.DIFFERENT
    assert daemon.sections == (".text",)
    assert [(r.length, r.section) for r in daemon.regions] == [(1, ".text")]


def test_moved_containers_still_pair_file_by_file(tmp_path: Path) -> None:
    payload = gzip.compress(tar_bytes({"etc/version": b"1.2.3\n"}), mtime=1)
    built = b"\xff" * 0x100 + payload + b"\xff" * 0x40
    deployed = b"\xff" * 0x300 + gzip.compress(tar_bytes({"etc/version": b"1.2.3\n"}),
                                               mtime=EPOCH) + b"\xff" * 0x40
    result = equivalence_of(tmp_path, built, deployed)
    assert result.verdict is EquivalenceVerdict.EQUIVALENT_MODULO_BENIGN
    assert pair(result, "!gzip#0/gzip.out!tar#0/etc/version").status is PairStatus.IDENTICAL
    image = pair(result, "")
    assert [(n.rule, n.detail) for n in image.normalisations] == [
        (Rule.PADDING, "256 -> 768 fill bytes"), (Rule.TIMESTAMP, "gzip MTIME")]
    assert image.normalisations[1].deployed_offset == 0x304


def test_files_on_one_side_only_are_listed(tmp_path: Path) -> None:
    result = equivalence_of(tmp_path, tar_bytes({"a": b"same\n", "gone": b"x\n"}),
                            tar_bytes({"a": b"same\n", "new": b"y\n"}))
    statuses = {p.key: p.status for p in result.pairs}
    assert statuses["!tar#0/gone"] is PairStatus.ONLY_BUILT
    assert statuses["!tar#0/new"] is PairStatus.ONLY_DEPLOYED
    assert statuses["!tar#0/a"] is PairStatus.IDENTICAL
    assert result.verdict is EquivalenceVerdict.NOT_EQUIVALENT
    assert {p.rule for p in result.problems()} == {
        "equivalence:only-built", "equivalence:only-deployed", "equivalence:different"}


@pytest.mark.parametrize(("built", "deployed", "reason"), [
    ({"s": b"#!/bin/sh\n"}, {"s": b"#!/bin/sh\n"}, "mode 755 -> 4755"),
    ({"l": "-> /bin/busybox"}, {"l": "-> /tmp/evil"}, "link target '/bin/busybox' -> '/tmp/evil'"),
])
def test_metadata_changes_are_genuine(tmp_path: Path, built: dict[str, bytes | str],
                                      deployed: dict[str, bytes | str], reason: str) -> None:
    modes = {"s": 0o4755} if "s" in deployed else None
    result = equivalence_of(tmp_path, tar_bytes(built, modes={"s": 0o755}),
                            tar_bytes(deployed, modes=modes))
    changed = next(p for p in result.pairs if p.key.startswith("!tar#0/"))
    assert changed.status is PairStatus.DIFFERENT
    assert changed.reasons == (reason,)


def test_timestamps_in_text_are_benign_but_build_paths_in_text_are_not(tmp_path: Path) -> None:
    result = equivalence_of(
        tmp_path,
        tar_bytes({"info": b"built 2023-11-14T22:13:20Z\n", "cfg": b"root=/home/alice/x\n"}),
        tar_bytes({"info": b"built 2023-11-17T23:15:23Z\n", "cfg": b"root=/home/bobby/x\n"}))
    assert pair(result, "!tar#0/info").status is PairStatus.BENIGN
    assert pair(result, "!tar#0/info").normalisations[0].rule is Rule.TIMESTAMP
    assert pair(result, "!tar#0/cfg").status is PairStatus.DIFFERENT


def test_a_trailing_signature_is_benign_only_after_the_last_container(tmp_path: Path) -> None:
    body = uimage(b"kernel" * 40)
    result = equivalence_of(tmp_path, body + b"SIG0" + bytes(range(200)),
                            body + b"SIG0" + bytes(range(1, 201)))
    assert [(n.rule, n.offset) for n in pair(result, "").normalisations] == [
        (Rule.SIGNATURE, len(body))]
    other = tmp_path / "too-big"
    other.mkdir()
    too_big = equivalence_of(other, body + bytes(9000), body + b"\x01" * 9000)
    assert pair(too_big, "").status is PairStatus.DIFFERENT


def test_text_of_another_length_is_aligned_by_line(tmp_path: Path) -> None:
    built = b"VR-2400\nbuilt Tue Nov 14 22:13:20 2023\nroot=/www\n"
    deployed = b"VR-2400\nbuilt Thu Nov 2 01:02:03 2023\nroot=/www\n"
    result = equivalence_of(tmp_path, tar_bytes({"v": built}), tar_bytes({"v": deployed}))
    version = pair(result, "!tar#0/v")
    assert [(n.rule, n.offset, n.deployed_offset) for n in version.normalisations] == [
        (Rule.TIMESTAMP, 8, None)]
    (tmp_path / "x").mkdir()
    longer = equivalence_of(tmp_path / "x", tar_bytes({"v": built}),
                            tar_bytes({"v": built + b"telnetd -l /bin/sh\n"}))
    added = pair(longer, "!tar#0/v")
    assert added.status is PairStatus.DIFFERENT
    assert [(r.offset, r.length, r.deployed_text) for r in added.regions] == [
        (len(built), 0, "telnetd -l /bin/…")]
