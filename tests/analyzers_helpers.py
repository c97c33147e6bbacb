"""Run analyzers on bytes or on a small file tree built in a test, through the real engine."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from spyless.analyzers.interface import FileAnalyzer, FileInput, ImageAnalyzer, Output
from spyless.audit import Auditor
from spyless.report.model import Report
from spyless.unpack.interface import Artifact, ArtifactKind


def run_file_analyzer(analyzer: FileAnalyzer, data: bytes, fs_path: str = "/etc/test",
                      kind: ArtifactKind = ArtifactKind.TEXT) -> Output:
    """One analyzer on one in-memory file (no unpacking)."""
    artifact = Artifact(chain=f"img!test@0x0{fs_path}", path=fs_path.lstrip("/"), kind=kind,
                        size=len(data), sha256="0" * 64, description="test")
    out = Output(analyzer.name)
    analyzer.analyze(FileInput(artifact, "img!test@0x0", fs_path, data), out)
    return out


def scan_tree(tmp_path: Path, files: dict[str, bytes | str],
              file_analyzers: Sequence[FileAnalyzer] | None = None,
              image_analyzers: Sequence[ImageAnalyzer] | None = None,
              jobs: int = 1) -> Report:
    """Pack ``files`` (path -> content, or "-> target" for a symlink) into a tar and scan it.

    Goes through the real engine and runner, so tests see exactly what users see.
    """
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name.lstrip("/"))
            if isinstance(content, str) and content.startswith("-> "):
                info.type = tarfile.SYMTYPE
                info.linkname = content[3:]
                tar.addfile(info)
                continue
            data = content.encode() if isinstance(content, str) else content
            info.size = len(data)
            info.mode = 0o755 if name.startswith(("/bin", "/sbin", "/usr/bin", "/usr/sbin",
                                                  "/etc/init.d")) else 0o644
            tar.addfile(info, io.BytesIO(data))
    image = tmp_path / "image.tar"
    image.write_bytes(buf.getvalue())
    auditor = Auditor(jobs=jobs, file_analyzers=file_analyzers, image_analyzers=image_analyzers)
    return auditor.scan(image, tmp_path / "work")
