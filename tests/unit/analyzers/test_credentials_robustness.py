"""Hostile input: the credential analyzers never raise, whatever the bytes."""

from __future__ import annotations

import random
import struct

import pytest

from spyless.analyzers.credentials import FILE_ANALYZERS
from spyless.analyzers.credentials.specs import ALL_SPECS
from spyless.unpack.interface import ArtifactKind
from tests.analyzers_helpers import run_file_analyzer

_SAMPLES = [
    b"",
    b"\x00" * 64,
    b"config wifi-iface\n\toption key '" + b"\xff" * 300,
    b"<Password>" * 5000,
    b"telnetd -u " + b"'" * 100 + b" | passwd\n" * 50,
    b'echo "unterminated | passwd\n',
    b"\x7fELF\x01\x02\x01" + bytes(21) + struct.pack(">I", 0xFFFFFF00) + bytes(20),
    b"\x7fELF\x02\x01\x01" + bytes(25) + struct.pack("<Q", 64) + bytes(14)
    + struct.pack("<HH", 56, 0xFFFF) + bytes(8),
    b"eyJ" + b"A" * 20 + b".eyJ" + b"B" * 20 + b"." + b"C" * 20,
]


@pytest.mark.parametrize("kind", [ArtifactKind.TEXT, ArtifactKind.SCRIPT, ArtifactKind.ELF,
                                  ArtifactKind.DATA])
def test_malformed_and_random_input_never_raises(kind: ArtifactKind) -> None:
    rng = random.Random(1234)
    samples = [*_SAMPLES, *(rng.randbytes(rng.randrange(1, 4096)) for _ in range(40))]
    for analyzer_class in FILE_ANALYZERS:
        for data in samples:
            out = run_file_analyzer(analyzer_class(), data, "/etc/config/nvram.default", kind)
            assert all(f.evidence and f.evidence[0].secret for f in out.findings)


def test_ids_are_in_the_credentials_range_and_declared() -> None:
    assert [spec.id for spec in ALL_SPECS] == [f"SPY{n}" for n in range(120, 131)]
    declared = {spec.id for cls in FILE_ANALYZERS for spec in cls.findings}
    assert declared == {spec.id for spec in ALL_SPECS}
