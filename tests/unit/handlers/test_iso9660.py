"""Iso9660Handler: pycdlib- and xorriso-built images (plain, Rock Ridge, Joliet) at an offset."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import pycdlib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spyless.errors import Error, FormatError
from spyless.unpack.handlers.archive.iso9660 import Iso9660Handler
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import run_handler, tree

PAD = b"\x55\xaa" * 1000


def _iso(rock_ridge: bool, joliet: bool) -> bytes:
    iso = pycdlib.PyCdlib()
    iso.new(interchange_level=3, rock_ridge="1.09" if rock_ridge else None,
            joliet=3 if joliet else None)
    def names(iso_path: str, rr_name: str, joliet_path: str) -> dict[str, str]:
        kw = {"iso_path": iso_path}
        if rock_ridge:
            kw["rr_name"] = rr_name
        if joliet:
            kw["joliet_path"] = joliet_path
        return kw

    iso.add_directory(**names("/ETC", "etc", "/etc"))
    data = b"root:x:0:0\n"
    iso.add_fp(io.BytesIO(data), len(data), **names("/ETC/PASSWD.;1", "passwd", "/etc/passwd"))
    big = b"\x7fELF" + bytes(10000)
    iso.add_fp(io.BytesIO(big), len(big), **names("/BUSYBOX.;1", "busybox", "/busybox"))
    if rock_ridge:
        iso.add_symlink(symlink_path="/SH.;1", rr_symlink_name="sh", rr_path="busybox")
    out = io.BytesIO()
    iso.write_fp(out)
    iso.close()
    return out.getvalue()


@pytest.mark.parametrize(
    ("rock_ridge", "joliet", "expected"),
    [
        (False, False, {"BUSYBOX": b"\x7fELF" + bytes(10000), "ETC/PASSWD": b"root:x:0:0\n"}),
        (False, True, {"busybox": b"\x7fELF" + bytes(10000), "etc/passwd": b"root:x:0:0\n"}),
        (True, True, {"busybox": b"\x7fELF" + bytes(10000), "etc/passwd": b"root:x:0:0\n",
                      "sh": "-> busybox"}),
    ],
)
def test_extracts_exact_tree_at_offset(rock_ridge: bool, joliet: bool,
                                       expected: dict[str, bytes | str], out_dir: Path) -> None:
    raw = _iso(rock_ridge, joliet)
    blob = PAD + raw + b"after the image"
    sink, end = run_handler(Iso9660Handler(), blob, out_dir, start=len(PAD))
    assert tree(out_dir) == expected
    assert end == len(PAD) + len(raw)
    assert not sink.events


def test_xorriso_image(tmp_path: Path) -> None:
    if shutil.which("xorriso") is None:
        pytest.skip("xorriso not installed")
    src = tmp_path / "src"
    (src / "usr/sbin").mkdir(parents=True)
    (src / "usr/sbin/httpd").write_bytes(b"httpd binary " * 500)
    (src / "link").symlink_to("usr/sbin/httpd")
    subprocess.run(["xorriso", "-as", "mkisofs", "-R", "-J", "-o", str(tmp_path / "x.iso"),
                    str(src)], capture_output=True, check=True)
    blob = PAD + (tmp_path / "x.iso").read_bytes()
    run_handler(Iso9660Handler(), blob, tmp_path / "out", start=len(PAD))
    assert tree(tmp_path / "out") == {"link": "-> usr/sbin/httpd",
                                      "usr/sbin/httpd": b"httpd binary " * 500}


def test_truncated_image_is_partial(tmp_path: Path) -> None:
    raw = _iso(True, False)
    handler = Iso9660Handler()
    cut = raw[: len(raw) - 2048]
    chunk = handler.parse(cut, 0)
    assert chunk is not None
    assert chunk.info.get("truncated") == "yes"
    sink = Sink(tmp_path / "out", "t", Budget(Limits(), len(cut)))
    with pytest.raises(FormatError):
        handler.extract(cut, chunk, sink)


def test_garbage_is_not_iso() -> None:
    handler = Iso9660Handler()
    assert handler.parse(bytes(0x9000), 0) is None
    fake = bytearray(0x9000)
    fake[0x8001:0x8006] = b"CD001"
    fake[0x8000] = 1
    assert handler.parse(bytes(fake), 0) is None


_FUZZ_BASE = _iso(True, True)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0x8000, len(_FUZZ_BASE)), st.integers(0, 255)),
                max_size=8), st.integers(0x8800, len(_FUZZ_BASE)))
def test_mutations_raise_only_our_errors(edits: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(_FUZZ_BASE)
    for pos, value in edits:
        data[pos % len(data)] = value
    blob = bytes(data[:cut])
    handler = Iso9660Handler()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            chunk = handler.parse(blob, 0)
            if chunk is not None:
                sink = Sink(Path(tmp) / "o", "fuzz", Budget(Limits(max_total_bytes=1 << 24), 1))
                handler.extract(blob, chunk, sink)
                sink.finish()
        except Error:
            pass
