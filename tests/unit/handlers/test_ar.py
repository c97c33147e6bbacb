"""ArHandler: GNU/BSD ar archives and a .deb layout, carved at an offset; mutations."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spyless.errors import Error, FormatError
from spyless.unpack.handlers.archive.ar import ArHandler
from spyless.unpack.interface import EventKind, Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import run_handler, tree

PAD = b"\xde\xad\xbe\xef" * 9


def member(name: bytes, data: bytes, mode: bytes = b"100644") -> bytes:
    head = (name.ljust(16) + b"0".ljust(12) + b"0".ljust(6) + b"0".ljust(6) + mode.ljust(8)
            + str(len(data)).encode().ljust(10) + b"`\n")
    assert len(head) == 60
    return head + data + (b"\n" if len(data) % 2 else b"")


def test_deb_layout_at_offset(out_dir: Path) -> None:
    raw = (b"!<arch>\n" + member(b"debian-binary", b"2.0\n")
           + member(b"control.tar.gz", b"\x1f\x8b control")
           + member(b"data.tar.xz", b"\xfd7zXZ data!"))
    blob = PAD + raw + b"not a header at all, really not one" * 3
    handler = ArHandler()
    chunk = handler.parse(blob, len(PAD))
    assert chunk is not None
    assert chunk.info["package"] == "deb"
    _sink, end = run_handler(handler, blob, out_dir, start=len(PAD))
    assert end == len(PAD) + len(raw)
    assert tree(out_dir) == {"debian-binary": b"2.0\n", "control.tar.gz": b"\x1f\x8b control",
                             "data.tar.xz": b"\xfd7zXZ data!"}


def test_gnu_long_names_and_symbol_table(out_dir: Path) -> None:
    long_a = b"a_really_long_object_name_number_one.o"
    long_b = b"another_really_long_object_name.o"
    table = long_a + b"/\n" + long_b + b"/\n"
    raw = (b"!<arch>\n" + member(b"/", b"\x00\x00\x00\x00") + member(b"//", table)
           + member(b"/0", b"first") + member(b"/%d" % (len(long_a) + 2), b"second")
           + member(b"short.o/", b"third"))
    run_handler(ArHandler(), raw, out_dir)
    assert tree(out_dir) == {long_a.decode(): b"first", long_b.decode(): b"second",
                             "short.o": b"third"}


def test_bsd_long_names(out_dir: Path) -> None:
    name = b"bsd_style_long_member_name.o"
    raw = (b"!<arch>\n" + member(b"__.SYMDEF", b"xx")
           + member(b"#1/%d" % len(name), name + b"payload"))
    run_handler(ArHandler(), raw, out_dir)
    assert tree(out_dir) == {name.decode(): b"payload"}


def test_real_ar_tool(tmp_path: Path) -> None:
    if shutil.which("ar") is None:
        pytest.skip("binutils ar not installed")
    names = ["x.o", "a_name_longer_than_sixteen.o"]
    for name in names:
        (tmp_path / name).write_bytes(name.encode() * 3)
    subprocess.run(["ar", "rc", "lib.a", *names], cwd=tmp_path, capture_output=True, check=True)
    blob = PAD + (tmp_path / "lib.a").read_bytes()
    _sink, end = run_handler(ArHandler(), blob, tmp_path / "out", start=len(PAD))
    assert tree(tmp_path / "out") == {name: name.encode() * 3 for name in names}
    assert end == len(blob)


def test_hostile_names_refused(out_dir: Path) -> None:
    raw = b"!<arch>\n" + member(b"#1/12", b"../../passwdowned") + member(b"ok/", b"fine")
    sink, _ = run_handler(ArHandler(), raw, out_dir)
    assert tree(out_dir) == {"ok": b"fine"}
    assert [e.kind for e in sink.events] == [EventKind.REFUSED]


def test_truncated_member(out_dir: Path) -> None:
    raw = b"!<arch>\n" + member(b"big/", b"z" * 1000)
    blob = raw[:500]
    handler = ArHandler()
    chunk = handler.parse(blob, 0)
    assert chunk is not None
    sink = Sink(out_dir, "t", Budget(Limits(), len(blob)))
    with pytest.raises(FormatError):
        handler.extract(blob, chunk, sink)
    assert (out_dir / "big").read_bytes() == b"z" * (500 - 68)


_FUZZ_BASE = PAD + b"!<arch>\n" + member(b"//", b"long_member_name.o/\n") + member(
    b"/0", b"abc") + member(b"#1/4", b"nameDATA") + member(b"plain/", b"x" * 40)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(_FUZZ_BASE)), st.integers(0, 255)), max_size=8),
       st.integers(0, len(_FUZZ_BASE)))
def test_mutations_raise_only_our_errors(edits: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(_FUZZ_BASE)
    for pos, value in edits:
        data[pos % len(data)] = value
    blob = bytes(data[: max(cut, 1)])
    handler = ArHandler()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            chunk = handler.parse(blob, len(PAD))
            if chunk is not None:
                sink = Sink(Path(tmp) / "o", "fuzz", Budget(Limits(max_total_bytes=1 << 24), 1))
                handler.extract(blob, chunk, sink)
                sink.finish()
        except Error:
            pass
