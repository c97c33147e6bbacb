"""Credentials compiled into executables: command strings and built-in web logins."""

from __future__ import annotations

import struct

from spyless.analyzers.credentials.binaries import BinaryCredentials, writable_segments
from spyless.analyzers.interface import Output
from spyless.model.facts import Credential
from spyless.unpack.interface import ArtifactKind
from tests.analyzers_helpers import run_file_analyzer

TEXT_AT, DATA_AT = 0x100, 0x400


def _elf(text: bytes, data: bytes, order: str = ">", wide: bool = False) -> bytes:
    """A minimal ELF with a read-only segment holding ``text``, a writable one ``data``."""
    if wide:
        header = struct.pack(order + "HHIQQQIHHHHHH", 2, 8, 1, 0, 64, 0, 0, 64, 56, 2, 0, 0,
                             0)
        phdrs = b"".join(struct.pack(order + "IIQQQQQQ", 1, flags, offset, 0, 0, len(blob),
                                     len(blob), 0x1000)
                         for flags, offset, blob in ((5, TEXT_AT, text), (6, DATA_AT, data)))
        ident = b"\x7fELF\x02" + (b"\x01" if order == "<" else b"\x02") + b"\x01" + bytes(9)
    else:
        header = struct.pack(order + "HHIIIIIHHHHHH", 2, 8, 1, 0, 52, 0, 0, 52, 32, 2, 0, 0, 0)
        phdrs = b"".join(struct.pack(order + "IIIIIIII", 1, offset, 0, 0, len(blob), len(blob),
                                     flags, 0x1000)
                         for flags, offset, blob in ((5, TEXT_AT, text), (6, DATA_AT, data)))
        ident = b"\x7fELF\x01" + (b"\x01" if order == "<" else b"\x02") + b"\x01" + bytes(9)
    image = bytearray(ident + header + phdrs)
    image += bytes(TEXT_AT - len(image)) + text
    image += bytes(DATA_AT - len(image)) + data
    return bytes(image)


def _field(value: bytes, width: int = 16) -> bytes:
    return value + bytes(width - len(value))


# How TP-Link's httpd holds its factory login: two NUL-padded 16-byte fields.
FACTORY = bytes(8) + b"\x00\x00\x00\x0f" + _field(b"admin") + _field(b"admin") + bytes(32)


def _rows(out: Output) -> list[tuple[str, str, str | None, str, int | None]]:
    rows = []
    for finding, fact in zip(out.findings, out.facts, strict=True):
        assert isinstance(fact, Credential)
        rows.append((finding.id, fact.secret, fact.username, finding.confidence.value,
                     finding.evidence[0].location.offset))
    return rows


def test_writable_segments_both_classes_and_byte_orders() -> None:
    for order in "<>":
        for wide in (False, True):
            assert writable_segments(_elf(b"x" * 8, b"y" * 16, order, wide)) == [
                (DATA_AT, DATA_AT + 16)]
    assert writable_segments(b"\x7fELF\x01\x02" + bytes(10)) == []
    assert writable_segments(b"not an elf" * 10) == []


def test_factory_web_login_in_httpd_data() -> None:
    out = run_file_analyzer(BinaryCredentials(), _elf(b"GET /\x00", FACTORY), "/usr/bin/httpd",
                            ArtifactKind.ELF)
    assert _rows(out) == [("SPY128", "admin", "admin", "high", DATA_AT + 12)]
    assert out.findings[0].severity.value == "high"
    assert "0x40c" in out.findings[0].evidence[0].excerpt


def test_unknown_password_is_medium_and_read_only_tables_are_ignored() -> None:
    data = bytes(4) + _field(b"root", 32) + _field(b"Tq7!zz", 32)
    out = run_file_analyzer(BinaryCredentials(), _elf(b"", data), "/usr/sbin/lighttpd",
                            ArtifactKind.ELF)
    assert _rows(out) == [("SPY128", "Tq7!zz", "root", "medium", DATA_AT + 4)]
    in_text = run_file_analyzer(BinaryCredentials(), _elf(FACTORY, b"\x00" * 16),
                                "/usr/bin/httpd", ArtifactKind.ELF)
    assert in_text.findings == []
    not_a_web_server = run_file_analyzer(BinaryCredentials(), _elf(b"", FACTORY),
                                         "/usr/sbin/dnsmasq", ArtifactKind.ELF)
    assert not_a_web_server.findings == []


def test_login_command_strings() -> None:
    text = (b"\x00telnetd -u %s:%s\x00/usr/sbin/telnetd -p 23 -u root:Zx81q&\x00"
            b'echo -e "s3cret\\ns3cret" | passwd root\x00usage: passwd [-l] USER\x00')
    out = run_file_analyzer(BinaryCredentials(), _elf(text, b""), "/usr/sbin/vendord",
                            ArtifactKind.ELF)
    assert _rows(out) == [("SPY127", "Zx81q", "root", "medium", TEXT_AT + 18),
                          ("SPY127", "s3cret", "root", "medium", TEXT_AT + 57)]
