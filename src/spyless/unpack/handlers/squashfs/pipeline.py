"""Writing a batch of files while their blocks are decoded ahead on worker threads.

Decompressors release the GIL, so decoding the next blocks on a small thread pool while
the main thread writes the current one roughly halves extraction time on LZMA images.
Blocks are started at most ``_WINDOW`` ahead of the writer (bounded memory), results are
taken strictly in order, each fragment block is decoded once per batch window, and an
error in one block is raised in the file that owns it, never in a neighbour.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from spyless.errors import FormatError
from spyless.unpack.handlers.squashfs.image import FRAGMENT, HOLE, Part, SquashImage
from spyless.unpack.sandbox import Sink

_WINDOW = 16
_FRAGMENTS = 16
_WORKERS = 2


@dataclass(frozen=True, slots=True)
class FileJob:
    """A regular file to write, or (``link_to`` set) a hard link to one written before."""

    path: str
    mode: int
    uid: int | None
    gid: int | None
    parts: tuple[Part, ...] = ()
    link_to: str = ""


class DataPipeline:
    """Writes batches of :class:`FileJob` through the sink; collects per-file problems."""

    def __init__(self, image: SquashImage, sink: Sink) -> None:
        self.image = image
        self.sink = sink
        self.problems: list[str] = []
        self._pool: ThreadPoolExecutor | None = None
        self._fragments: OrderedDict[int, Future[bytes]] = OrderedDict()
        self._zeros = bytes(image.sb.block_size)
        self._ahead: deque[tuple[Part, Future[bytes] | None]] = deque()
        self._feed: Iterator[Part] = iter(())

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def write(self, jobs: list[FileJob]) -> None:
        self._feed = (part for job in jobs for part in job.parts)
        self._ahead.clear()
        for job in jobs:
            if job.link_to:
                self.sink.hardlink(job.path, job.link_to, job.mode, job.uid, job.gid)
                continue
            taken = [0]
            try:
                self.sink.file(job.path, self._blocks(job, taken), job.mode, job.uid, job.gid)
            except FormatError as e:
                self.problems.append(f"{job.path}: {e}")
            for _ in range(len(job.parts) - taken[0]):  # keep later files aligned
                if self._ahead:
                    self._ahead.popleft()
                else:
                    next(self._feed, None)

    def _blocks(self, job: FileJob, taken: list[int]) -> Iterator[bytes]:
        for _ in job.parts:
            taken[0] += 1
            yield self._take()

    def _take(self) -> bytes:
        while len(self._ahead) < _WINDOW:
            part = next(self._feed, None)
            if part is None:
                break
            self._ahead.append((part, self._start(part)))
        part, future = self._ahead.popleft()
        if future is None:
            return self._zeros[: part.want]  # full-length slices share the one block
        data = future.result()
        if part.kind != FRAGMENT:
            return data
        piece = data[part.length : part.length + part.want]
        if len(piece) != part.want:
            raise FormatError(f"file tail of {part.want} bytes lies outside fragment "
                              f"{part.pos}")
        return piece

    def _start(self, part: Part) -> Future[bytes] | None:
        if part.kind == HOLE:
            return None
        if part.kind != FRAGMENT:
            return self._submit(part)
        future = self._fragments.get(part.pos)
        if future is None:
            try:
                future = self._submit(self.image.fragment_block(part.pos))
            except FormatError as e:
                future = Future()
                future.set_exception(e)
            self._fragments[part.pos] = future
            if len(self._fragments) > _FRAGMENTS:
                self._fragments.popitem(last=False)
        else:
            self._fragments.move_to_end(part.pos)
        return future

    def _submit(self, part: Part) -> Future[bytes]:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(_WORKERS, thread_name_prefix="squashfs")
        return self._pool.submit(self.image.decode, part)
