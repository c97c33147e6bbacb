"""The recursive extraction driver: carve, extract through the sandbox, classify, recurse.

``unpack(image, out)`` is the library entry point; the CLI is a thin adapter over it.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import shutil
import stat
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from spyless.digest import file_sha256
from spyless.errors import EncryptedError, FormatError, InputError, LimitExceeded, UsageError
from spyless.unpack.filetype import HEAD_SIZE, classify
from spyless.unpack.interface import (
    Artifact,
    ArtifactKind,
    Blob,
    Chunk,
    EventKind,
    ExtractionEvent,
    Handler,
    Limits,
)
from spyless.unpack.registry import builtin_handlers
from spyless.unpack.sandbox import Budget, Entry, Sink
from spyless.unpack.scan import MagicScanner, sample_entropy

#: Kinds whose contents are not searched for embedded containers.
_NOT_CARVED = frozenset({ArtifactKind.TEXT, ArtifactKind.SCRIPT, ArtifactKind.KEY,
                         ArtifactKind.CERTIFICATE, ArtifactKind.EMPTY})
#: Files up to this size are read into memory rather than memory-mapped.
_READ_WHOLE = 8 << 20
#: Unclaimed regions smaller than this are not reported (alignment slack).
_MIN_REPORTED_GAP = 16

ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class ImageInfo:
    name: str
    path: str
    size: int
    sha256: str


@dataclass(slots=True)
class UnpackResult:
    """Everything one unpacking produced: the artifact tree and what happened on the way."""

    image: ImageInfo
    output: Path
    artifacts: list[Artifact]
    events: list[ExtractionEvent]
    limits: Limits
    bytes_written: int = 0
    files_written: int = 0
    seconds: float = 0.0
    handler_seconds: dict[str, float] = field(default_factory=dict)

    def events_of(self, kind: EventKind) -> list[ExtractionEvent]:
        return [e for e in self.events if e.kind is kind]

    def artifact(self, chain: str) -> Artifact | None:
        return next((a for a in self.artifacts if a.chain == chain), None)


@dataclass(frozen=True, slots=True)
class _Pending:
    disk: Path
    chain: str
    depth: int
    entry: Entry | None


class Unpacker:
    """Unpacks images with a fixed set of handlers and limits."""

    def __init__(
        self,
        handlers: Sequence[Handler] | None = None,
        limits: Limits | None = None,
        progress: ProgressCallback | None = None,
    ) -> None:
        self.handlers = tuple(handlers) if handlers is not None else builtin_handlers()
        self.limits = limits or Limits()
        self.progress = progress
        self._scanner = MagicScanner(self.handlers)

    def unpack(self, image: Path, out: Path) -> UnpackResult:
        try:
            st = image.stat()
        except OSError as e:
            raise InputError(f"cannot read {image}: {e.strerror or e}") from e
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{image} is not a regular file")
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise UsageError(f"output folder {out} exists and is not empty")
        out.mkdir(parents=True, exist_ok=True)
        run = _Run(self, out, Budget(self.limits, st.st_size))
        info = ImageInfo(image.name, str(image), st.st_size, file_sha256(image))
        run.process(_Pending(image, image.name, 0, None), sha256=info.sha256, root=True)
        return UnpackResult(
            image=info, output=out, artifacts=run.artifacts, events=run.events,
            limits=self.limits, bytes_written=run.budget.bytes_written,
            files_written=run.budget.files_written,
            seconds=time.monotonic() - run.budget.started, handler_seconds=run.handler_seconds,
        )


def unpack(
    image: Path, out: Path, limits: Limits | None = None,
    progress: ProgressCallback | None = None,
) -> UnpackResult:
    """Extract ``image`` recursively into ``out`` (which must be empty or absent)."""
    return Unpacker(limits=limits, progress=progress).unpack(image, out)


class _Run:
    """State of one image's extraction."""

    def __init__(self, unpacker: Unpacker, out: Path, budget: Budget) -> None:
        self.unpacker = unpacker
        self.out = out
        self.budget = budget
        self.artifacts: list[Artifact] = []
        self.events: list[ExtractionEvent] = []
        self.handler_seconds: dict[str, float] = {}
        self.seen: dict[str, str] = {}  # sha256 -> first chain, to carve each content once
        self.stopped = False

    def process(self, item: _Pending, sha256: str | None = None, root: bool = False) -> None:
        stack = [(item, sha256, root)]
        while stack:
            current, digest, is_root = stack.pop()
            children = self._process_one(current, digest, is_root)
            stack.extend((child, None, False) for child in reversed(children))

    def _process_one(self, item: _Pending, digest: str | None, is_root: bool) -> list[_Pending]:
        size = item.disk.stat().st_size
        with item.disk.open("rb") as handle:
            # Small files are read whole (one read, scanned from memory); large ones mapped.
            blob: Blob = (handle.read() if size <= _READ_WHOLE else
                          mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ))
        try:
            head = bytes(blob[:HEAD_SIZE])
            ftype = classify(head, size)
            digest = digest or _sha256_blob(blob)
            entry = item.entry
            self.artifacts.append(Artifact(
                chain=item.chain,
                path=None if is_root else item.disk.relative_to(self.out).as_posix(),
                kind=ftype.kind, size=size, sha256=digest, description=ftype.description,
                mode=entry.mode if entry else None, uid=entry.uid if entry else None,
                gid=entry.gid if entry else None, elf=ftype.elf,
                interpreter=ftype.interpreter, depth=item.depth,
            ))
            if self.progress_due():
                self._report_progress(item.chain)
            if self.stopped or ftype.kind in _NOT_CARVED:
                return []
            if digest in self.seen:
                return []
            self.seen[digest] = item.chain
            if item.depth >= self.budget.limits.max_depth:
                self._event(EventKind.LIMIT, item.chain,
                            f"nesting depth {item.depth} reached; not unpacked further")
                return []
            return self._carve(item, blob, is_root)
        finally:
            if isinstance(blob, mmap.mmap):
                # A view may survive in a handler's traceback; the map then closes with it.
                with suppress(BufferError):
                    blob.close()

    def progress_due(self) -> bool:
        return self.unpacker.progress is not None

    def _report_progress(self, chain: str) -> None:
        if self.unpacker.progress is not None:
            self.unpacker.progress(chain, self.budget.files_written, self.budget.bytes_written)

    def _carve(self, item: _Pending, blob: Blob, is_root: bool) -> list[_Pending]:
        scan = self.unpacker._scanner.scan(blob, item.disk)
        for pattern in scan.truncated:
            self._event(EventKind.LIMIT, item.chain,
                        f"too many candidate offsets for {pattern}; the rest were not tried")
        claimed: list[tuple[int, int]] = []
        children: list[_Pending] = []
        position = 0
        container = self.out if is_root else _container_dir(item.disk)
        for hit in scan.hits:
            if self.stopped:
                break
            if hit.start < position:
                continue
            chunk = self._parse(hit.handler, blob, hit.start, item.chain)
            if chunk is None:
                continue
            if chunk.end is not None and (chunk.end <= chunk.start or chunk.end > len(blob)):
                self._event(EventKind.FAILED, item.chain,
                            f"{chunk.format} header claims an impossible size; ignored",
                            chunk.format, chunk.start)
                continue
            end, made = self._extract(hit.handler, blob, chunk, item, container)
            if end is None:
                continue
            claimed.append((chunk.start, end))
            children.extend(made)
            position = end
        self._report_gaps(item, blob, claimed, is_root)
        return children

    def _parse(self, handler: Handler, blob: Blob, start: int, chain: str) -> Chunk | None:
        try:
            return handler.parse(blob, start)
        except EncryptedError as e:
            self._event(EventKind.ENCRYPTED, chain, e.diagnostics(), handler.name, start,
                        len(blob) - start)
        except FormatError as e:
            self._event(EventKind.FAILED, chain, e.diagnostics(), handler.name, start)
        except Exception as e:  # a handler bug must not end the run
            self._event(EventKind.FAILED, chain,
                        f"handler error while parsing: {type(e).__name__}: {e}",
                        handler.name, start)
        return None

    def _extract(
        self, handler: Handler, blob: Blob, chunk: Chunk, item: _Pending, container: Path
    ) -> tuple[int | None, list[_Pending]]:
        label = f"{handler.name}@0x{chunk.start:x}"
        chain = f"{item.chain}!{label}"
        dest = container / label
        sink = Sink(dest, chain, self.budget)
        self.budget.start_handler()
        began = time.monotonic()
        end: int | None = chunk.end
        outcome = EventKind.EXTRACTED
        message = "extracted"
        try:
            real_end = handler.extract(blob, chunk, sink)
            end = chunk.end if chunk.end is not None else real_end
            if end is None:
                outcome, message = EventKind.PARTIAL, f"{handler.name} did not report its end"
        except EncryptedError as e:
            outcome, message = EventKind.ENCRYPTED, e.diagnostics()
            end = chunk.end if chunk.end is not None else len(blob)
        except LimitExceeded as e:
            outcome, message = EventKind.LIMIT, e.diagnostics()
            if self.budget.exhausted:
                self.stopped = True
            end = chunk.end if chunk.end is not None else len(blob)
        except FormatError as e:
            outcome, message = EventKind.PARTIAL, e.diagnostics()
        except Exception as e:  # a handler bug must not end the run
            outcome, message = EventKind.PARTIAL, f"handler error: {type(e).__name__}: {e}"
        finally:
            self.handler_seconds[handler.name] = (
                self.handler_seconds.get(handler.name, 0.0) + time.monotonic() - began
            )
            with suppress(OSError):
                sink.finish()
        self.events.extend(sink.events)
        wrote = any(e.written for e in sink.entries)
        if outcome is EventKind.PARTIAL and not wrote:
            shutil.rmtree(dest, ignore_errors=True)
            self._event(EventKind.FAILED, item.chain, message, handler.name, chunk.start,
                        chunk.size)
            return None, []
        if end is None:
            end = len(blob)
        detail = ", ".join(f"{k}={v}" for k, v in sorted(chunk.info.items()))
        text = message if not detail else f"{message} ({detail})"
        self._event(outcome, item.chain, text, handler.name, chunk.start, end - chunk.start)
        if not wrote:
            shutil.rmtree(dest, ignore_errors=True)
        return end, self._children(sink, dest, chain, item.depth + 1)

    def _children(self, sink: Sink, dest: Path, chain: str, depth: int) -> list[_Pending]:
        children: list[_Pending] = []
        for entry in sink.entries:
            entry_chain = f"{chain}/{entry.path}" if entry.path else chain
            if entry.kind == "file" and entry.written:
                children.append(_Pending(dest / entry.path, entry_chain, depth, entry))
                continue
            kind = {"dir": ArtifactKind.DIRECTORY, "symlink": ArtifactKind.SYMLINK,
                    "special": ArtifactKind.SPECIAL}.get(entry.kind)
            if entry.kind == "hardlink" and entry.written:
                disk = dest / entry.path
                self.artifacts.append(Artifact(
                    chain=entry_chain, path=disk.relative_to(self.out).as_posix(),
                    kind=ArtifactKind.DATA, size=disk.stat().st_size, sha256=None,
                    description=f"hard link to {entry.target}", mode=entry.mode,
                    uid=entry.uid, gid=entry.gid, link_target=entry.target, depth=depth,
                ))
                continue
            if kind is None:
                continue
            written = entry.written and (dest / entry.path).is_symlink() if (
                kind is ArtifactKind.SYMLINK) else entry.written
            self.artifacts.append(Artifact(
                chain=entry_chain,
                path=(dest / entry.path).relative_to(self.out).as_posix() if written else None,
                kind=kind, size=0, sha256=None,
                description=entry.target if kind is ArtifactKind.SPECIAL and entry.target
                else kind.value,
                mode=entry.mode, uid=entry.uid, gid=entry.gid,
                link_target=entry.target if kind is ArtifactKind.SYMLINK else None, depth=depth,
            ))
        return children

    def _report_gaps(
        self, item: _Pending, blob: Blob, claimed: list[tuple[int, int]], is_root: bool
    ) -> None:
        size = len(blob)
        if not claimed:
            if is_root and size:
                self._event(EventKind.UNKNOWN, item.chain, "no known format found",
                            None, 0, size, sample_entropy(blob, 0, size))
            return
        cursor = 0
        for start, end in [*claimed, (size, size)]:
            if start - cursor >= _MIN_REPORTED_GAP:
                self._gap(item.chain, blob, cursor, start)
            cursor = max(cursor, end)

    def _gap(self, chain: str, blob: Blob, start: int, end: int) -> None:
        """Report a region nobody claimed: padding runs at either end, the rest unknown."""
        region = bytes(blob[start:end])
        lead = len(region) - len(region.lstrip(region[:1]))
        if lead == len(region):
            self._padding(chain, region[:1], start, lead)
            return
        trail = len(region) - len(region.rstrip(region[-1:]))
        if lead >= _MIN_REPORTED_GAP:
            self._padding(chain, region[:1], start, lead)
            start += lead
        if trail >= _MIN_REPORTED_GAP:
            self._padding(chain, region[-1:], end - trail, trail)
            end -= trail
        if end - start < _MIN_REPORTED_GAP:
            return
        self._event(EventKind.UNKNOWN, chain, "region not recognised", None, start,
                    end - start, sample_entropy(blob, start, end))

    def _padding(self, chain: str, byte: bytes, start: int, size: int) -> None:
        self._event(EventKind.PADDING, chain, f"padding of 0x{byte.hex()} bytes", None,
                    start, size)

    def _event(
        self, kind: EventKind, chain: str, message: str, fmt: str | None = None,
        offset: int | None = None, size: int | None = None, ent: float | None = None,
    ) -> None:
        self.events.append(ExtractionEvent(kind, chain, message, fmt, offset, size,
                                           None if ent is None else round(ent, 3)))


def _container_dir(disk: Path) -> Path:
    """Where the chunks of a nested file go: beside it, never colliding with a real entry."""
    base = disk.with_name(disk.name + ".spy")
    candidate, n = base, 1
    while os.path.lexists(candidate):
        n += 1
        candidate = base.with_name(f"{base.name}~{n}")
    return candidate


def _sha256_blob(blob: Blob) -> str:
    return hashlib.sha256(blob).hexdigest()
