"""Binary equivalence: is the deployed image the one that was built (and evaluated)?

:func:`equivalence_verdict` unpacks both images (in parallel) and :func:`compare_unpacked`
pairs every artifact by provenance (:mod:`spyless.diff.pairing`), judges each pair
(:mod:`spyless.diff.compare`) and decides the verdict:

- ``equivalent`` (exit 0): no difference at all;
- ``equivalent-modulo-benign`` (exit 1): every difference is excused by a named rule;
- ``not-equivalent`` (exit 2): a genuine difference, or a file on one side only.

The agreement reads :class:`~spyless.diff.interface.EquivalenceResult` (its ``verdict``,
``problems()`` and ``rules_used()``).
"""

from __future__ import annotations

import multiprocessing
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from spyless.diff.compare import Judge
from spyless.diff.interface import (
    EquivalenceResult,
    EquivalenceVerdict,
    ImageRef,
    PairResult,
    PairStatus,
)
from spyless.diff.pairing import Entry, index_image, pair_images
from spyless.errors import UsageError
from spyless.unpack.engine import UnpackResult, unpack
from spyless.unpack.interface import EventKind, Limits

_INCOMPLETE = (EventKind.PARTIAL, EventKind.LIMIT, EventKind.ENCRYPTED)


def equivalence_verdict(
    built: Path, deployed: Path, *, limits: Limits | None = None, jobs: int = 2,
    workdir: Path | None = None,
) -> EquivalenceResult:
    """Unpack ``built`` and ``deployed`` and compare them (``workdir`` keeps the trees)."""
    began = time.perf_counter()
    if workdir is not None:
        if workdir.exists() and any(workdir.iterdir()):
            raise UsageError(f"work folder {workdir} exists and is not empty")
        result = _compare_in(built, deployed, workdir, limits, jobs)
    else:
        with tempfile.TemporaryDirectory(prefix="spyless-eq-") as tmp:
            try:
                result = _compare_in(built, deployed, Path(tmp), limits, jobs)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    return _with_seconds(result, time.perf_counter() - began)


def _compare_in(built: Path, deployed: Path, where: Path, limits: Limits | None,
                jobs: int) -> EquivalenceResult:
    return compare_unpacked(*unpack_pair(built, deployed, where, limits, jobs))


def unpack_pair(built: Path, deployed: Path, where: Path, limits: Limits | None = None,
                jobs: int = 2) -> tuple[UnpackResult, UnpackResult]:
    """Unpack both images into ``where/built`` and ``where/deployed``, in parallel when
    ``jobs`` > 1 (one process each: unpacking one image is single-threaded)."""
    out_a, out_b = where / "built", where / "deployed"
    if jobs > 1:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
            future_a = pool.submit(unpack, built, out_a, limits)
            future_b = pool.submit(unpack, deployed, out_b, limits)
            return future_a.result(), future_b.result()
    return unpack(built, out_a, limits), unpack(deployed, out_b, limits)


def compare_unpacked(built: UnpackResult, deployed: UnpackResult) -> EquivalenceResult:
    """Compare two images that were already unpacked (their trees must still be on disk)."""
    began = time.perf_counter()
    index_a, index_b = index_image(built), index_image(deployed)
    pairing = pair_images(index_a, index_b)
    judge = Judge(index_a, index_b)
    for entry in pairing.only_a:
        judge.results[entry.key] = _alone(entry, PairStatus.ONLY_BUILT)
    for entry in pairing.only_b:
        judge.results[entry.key] = _alone(entry, PairStatus.ONLY_DEPLOYED)
    for entry_a, entry_b in pairing.both:
        judge.judge(entry_a, entry_b)
    pairs = tuple(sorted(judge.results.values(), key=lambda p: p.key))
    statuses = {p.status for p in pairs}
    if statuses & {PairStatus.DIFFERENT, PairStatus.ONLY_BUILT, PairStatus.ONLY_DEPLOYED}:
        verdict = EquivalenceVerdict.NOT_EQUIVALENT
    elif PairStatus.BENIGN in statuses:
        verdict = EquivalenceVerdict.EQUIVALENT_MODULO_BENIGN
    else:
        verdict = EquivalenceVerdict.EQUIVALENT
    return EquivalenceResult(
        _ref(built), _ref(deployed), verdict, pairs,
        round(time.perf_counter() - began, 4), _notes(built, "built") + _notes(deployed,
                                                                                 "deployed"))


def _alone(entry: Entry, status: PairStatus) -> PairResult:
    art = entry.artifact
    built = status is PairStatus.ONLY_BUILT
    return PairResult(
        entry.key, status, art.kind.value, art.chain if built else None,
        None if built else art.chain, art.size if built else None,
        None if built else art.size, art.sha256 if built else None,
        None if built else art.sha256)


def _ref(result: UnpackResult) -> ImageRef:
    return ImageRef(result.image.name, result.image.size, result.image.sha256)


def _notes(result: UnpackResult, side: str) -> tuple[str, ...]:
    incomplete = [e for e in result.events if e.kind in _INCOMPLETE]
    if not incomplete:
        return ()
    first = incomplete[0]
    return (f"{side} image: extraction incomplete in {len(incomplete)} places (first: "
            f"{first.kind.value} {first.chain}: {first.message}); what was not extracted "
            "is compared as bytes only",)


def _with_seconds(result: EquivalenceResult, seconds: float) -> EquivalenceResult:
    return EquivalenceResult(result.built, result.deployed, result.verdict, result.pairs,
                             round(seconds, 4), result.notes, result.schema_version)
