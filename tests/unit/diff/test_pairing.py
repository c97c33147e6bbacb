"""Pairing keys: the image name goes, chunk offsets become ordinals per parent and format."""

from __future__ import annotations

from pathlib import Path

from spyless.diff.pairing import chain_key, index_image, pair_images
from spyless.unpack.engine import ImageInfo, UnpackResult
from spyless.unpack.interface import Artifact, ArtifactKind, EventKind, ExtractionEvent, Limits


def _result(name: str, offsets: tuple[int, ...], files: tuple[str, ...]) -> UnpackResult:
    events = [ExtractionEvent(EventKind.EXTRACTED, name, "extracted", "squashfs", o, 100)
              for o in offsets]
    artifacts = [Artifact(name, None, ArtifactKind.DATA, 1000, "0" * 64, "data")]
    for n, offset in enumerate(offsets):
        for path in files:
            chain = f"{name}!squashfs@0x{offset:x}/{path}"
            artifacts.append(Artifact(chain, f"x{n}/{path}", ArtifactKind.TEXT, 1,
                                      f"{n}" * 64, "text"))
    return UnpackResult(ImageInfo(name, name, 1000, "0" * 64), Path("/nonexistent"),
                        artifacts, events, Limits())


def test_keys_replace_offsets_by_ordinals() -> None:
    ordinals = {("fw.bin", "squashfs", 0x20000): 0, ("fw.bin", "squashfs", 0x90000): 1}
    assert chain_key("fw.bin!squashfs@0x20000/bin/x", "fw.bin", ordinals) == "!squashfs#0/bin/x"
    assert chain_key("fw.bin!squashfs@0x90000/bin/x", "fw.bin", ordinals) == "!squashfs#1/bin/x"
    assert chain_key("fw.bin!squashfs@0x20000/bin/x", "fw.bin") == "!squashfs/bin/x"
    assert chain_key("fw.bin", "fw.bin", ordinals) == ""
    # a name that looks like a label but is no known chunk stays as it is
    assert chain_key("fw.bin!squashfs@0x20000/a!b@0x1", "fw.bin", ordinals) == (
        "!squashfs#0/a!b@0x1")


def test_a_moved_filesystem_pairs_by_format_and_path() -> None:
    built = index_image(_result("v1.bin", (0x10000,), ("bin/x", "etc/passwd")))
    deployed = index_image(_result("v2.bin", (0x20000,), ("bin/x", "etc/passwd")))
    pairing = pair_images(built, deployed)
    assert [a.key for a, _ in pairing.both] == ["!squashfs#0/bin/x", "!squashfs#0/etc/passwd", ""]
    assert pairing.only_a == pairing.only_b == ()
    assert built.members["!squashfs#0"] == ["!squashfs#0/bin/x", "!squashfs#0/etc/passwd"]


def test_two_filesystems_in_one_image_stay_apart() -> None:
    built = index_image(_result("v1.bin", (0x10000, 0x80000), ("bin/x",)))
    deployed = index_image(_result("v2.bin", (0x10000,), ("bin/x",)))
    pairing = pair_images(built, deployed)
    assert [e.key for e in pairing.only_a] == ["!squashfs#1/bin/x"]
    assert [c.key for c in built.root.chunks] == ["!squashfs#0", "!squashfs#1"]
