"""The one entry point of the library: scan an image into a report.

The CLI and the web service are thin adapters over :class:`Auditor`.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from spyless._version import __version__
from spyless.analyzers.hardening import hardening_summary
from spyless.analyzers.interface import FileAnalyzer, ImageAnalyzer
from spyless.analyzers.registry import all_analyzers
from spyless.analyzers.runner import run_analyzers
from spyless.report.model import Report
from spyless.unpack.engine import ProgressCallback, Unpacker, UnpackResult
from spyless.unpack.interface import Limits
from spyless.unpack.manifest import write_manifest


class Auditor:
    """Unpacks and analyses images with one configuration."""

    def __init__(
        self,
        limits: Limits | None = None,
        jobs: int | None = None,
        file_analyzers: Sequence[FileAnalyzer] | None = None,
        image_analyzers: Sequence[ImageAnalyzer] | None = None,
        progress: ProgressCallback | None = None,
    ) -> None:
        if file_analyzers is None or image_analyzers is None:
            default_files, default_images = all_analyzers()
            file_analyzers = default_files if file_analyzers is None else file_analyzers
            image_analyzers = default_images if image_analyzers is None else image_analyzers
        self.file_analyzers = tuple(file_analyzers)
        self.image_analyzers = tuple(image_analyzers)
        self.jobs = jobs
        self.unpacker = Unpacker(limits=limits, progress=progress)

    def scan(self, image: Path, workdir: Path | None = None) -> Report:
        """Unpack ``image`` (into ``workdir`` if given, kept; else a temporary folder)."""
        if workdir is not None:
            return self._scan(image, workdir)
        with tempfile.TemporaryDirectory(prefix="spyless-") as tmp:
            try:
                return self._scan(image, Path(tmp) / "unpacked")
            finally:
                shutil.rmtree(tmp, ignore_errors=True)

    def analyze(self, unpacked: UnpackResult) -> Report:
        """Analyse an image that was already unpacked."""
        began = time.perf_counter()
        analysis = run_analyzers(unpacked, self.file_analyzers, self.image_analyzers, self.jobs)
        report = Report(image=unpacked.image, tool_version=__version__,
                        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
        report.add_facts(analysis.facts)
        report.findings = analysis.findings
        report.errors = analysis.errors
        report.timings = {"unpack": round(unpacked.seconds, 4),
                          "analyze": round(time.perf_counter() - began, 4)}
        report.timings.update({f"analyzer:{k}": round(v, 4)
                               for k, v in sorted(analysis.seconds.items())})
        report.extraction = _extraction_summary(unpacked)
        report.sort()
        report.hardening_summary = hardening_summary(report)
        return report

    def _scan(self, image: Path, workdir: Path) -> Report:
        unpacked = self.unpacker.unpack(image, workdir)
        write_manifest(unpacked)
        return self.analyze(unpacked)


def _extraction_summary(result: UnpackResult) -> dict[str, object]:
    counts: dict[str, int] = {}
    for event in result.events:
        counts[event.kind.value] = counts.get(event.kind.value, 0) + 1
    return {
        "artifacts": len(result.artifacts),
        "files": sum(1 for a in result.artifacts if a.sha256 is not None),
        "bytes_written": result.bytes_written,
        "events": counts,
        "containers": [
            {"chain": e.chain, "format": e.format, "offset": e.offset, "size": e.size,
             "result": e.kind.value}
            for e in result.events if e.format and e.kind.value in ("extracted", "partial",
                                                                    "encrypted")
        ],
    }
