"""Runs analyzers over an unpacked image: file analyzers in a process pool, then image ones.

Each file is read once per image and handed to every file analyzer that applies to it. An
analyzer that raises on one file becomes an :class:`AnalyzerError` and the scan goes on.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from spyless.analyzers.image import ImageView
from spyless.analyzers.interface import (
    AnalyzerError,
    Fact,
    FileAnalyzer,
    FileInput,
    ImageAnalyzer,
    Output,
    split_chain,
)
from spyless.model.findings import Finding
from spyless.unpack.engine import UnpackResult
from spyless.unpack.interface import Artifact

#: Below this many files a pool costs more than it saves.
_POOL_THRESHOLD = 48
_BATCH_FILES = 32


@dataclass(slots=True)
class Analysis:
    facts: list[Fact] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    errors: list[AnalyzerError] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def merge(self, other: Analysis) -> None:
        self.facts.extend(other.facts)
        self.findings.extend(other.findings)
        self.errors.extend(other.errors)
        for name, spent in other.seconds.items():
            self.seconds[name] = self.seconds.get(name, 0.0) + spent


@dataclass(frozen=True, slots=True)
class _Task:
    artifact: Artifact
    disk: str
    fs_root: str
    fs_path: str
    analyzers: tuple[int, ...]  # indexes into the worker's analyzer tuple


_WORKER_ANALYZERS: tuple[FileAnalyzer, ...] = ()


def _init_worker(analyzers: tuple[FileAnalyzer, ...]) -> None:
    global _WORKER_ANALYZERS  # noqa: PLW0603 - one analyzer set per worker process
    _WORKER_ANALYZERS = analyzers


def _run_batch(batch: list[_Task]) -> Analysis:
    return analyze_files(batch, _WORKER_ANALYZERS)


def analyze_files(batch: Sequence[_Task], analyzers: Sequence[FileAnalyzer]) -> Analysis:
    result = Analysis()
    for task in batch:
        try:
            data = Path(task.disk).read_bytes()
        except OSError as e:
            result.errors.append(AnalyzerError("reader", task.artifact.chain, str(e)))
            continue
        file = FileInput(task.artifact, task.fs_root, task.fs_path, data)
        for index in task.analyzers:
            analyzer = analyzers[index]
            out = Output(analyzer.name)
            began = time.perf_counter()
            try:
                analyzer.analyze(file, out)
            except Exception as e:  # an analyzer bug must not end the scan
                result.errors.append(AnalyzerError(
                    analyzer.name, task.artifact.chain, f"{type(e).__name__}: {e}"))
            else:
                result.facts.extend(out.facts)
                result.findings.extend(out.findings)
            spent = time.perf_counter() - began
            result.seconds[analyzer.name] = result.seconds.get(analyzer.name, 0.0) + spent
    return result


def plan(result: UnpackResult, analyzers: Sequence[FileAnalyzer]) -> list[_Task]:
    tasks: list[_Task] = []
    for artifact in result.artifacts:
        if artifact.sha256 is None or artifact.path is None:
            continue
        fs_root, fs_path = split_chain(artifact.chain)
        chosen = tuple(i for i, a in enumerate(analyzers) if a.applies(artifact, fs_path))
        if chosen:
            tasks.append(_Task(artifact, str(result.output / artifact.path), fs_root, fs_path,
                               chosen))
    return tasks


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


def run_analyzers(
    result: UnpackResult,
    file_analyzers: Sequence[FileAnalyzer],
    image_analyzers: Sequence[ImageAnalyzer],
    jobs: int | None = None,
) -> Analysis:
    """All analyzers over one unpacked image."""
    jobs = jobs or default_jobs()
    tasks = plan(result, file_analyzers)
    analysis = Analysis()
    if jobs <= 1 or len(tasks) < _POOL_THRESHOLD:
        analysis.merge(analyze_files(tasks, file_analyzers))
    else:
        # Interleave so heavy files (binaries) spread over the workers.
        batches = [tasks[i::max(len(tasks) // _BATCH_FILES, jobs)]
                   for i in range(max(len(tasks) // _BATCH_FILES, jobs))]
        context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker,
                                 initargs=(tuple(file_analyzers),)) as pool:
            for part in pool.map(_run_batch, [b for b in batches if b]):
                analysis.merge(part)
    view = ImageView.build(result, analysis.facts)
    for analyzer in image_analyzers:
        out = Output(analyzer.name)
        began = time.perf_counter()
        try:
            analyzer.analyze(view, out)
        except Exception as e:  # an analyzer bug must not end the scan
            analysis.errors.append(AnalyzerError(analyzer.name, result.image.name,
                                                 f"{type(e).__name__}: {e}"))
        else:
            if out.retracted:
                gone = {id(f) for f in out.retracted}
                analysis.facts[:] = [f for f in analysis.facts if id(f) not in gone]
            analysis.facts.extend(out.facts)  # the view shares this list
            analysis.findings.extend(out.findings)
        analysis.seconds[analyzer.name] = (analysis.seconds.get(analyzer.name, 0.0)
                                           + time.perf_counter() - began)
    return analysis
