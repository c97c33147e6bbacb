"""Walking a SquashFS directory tree into a Sink.

Owns the traversal policy: an explicit stack instead of recursion, a visited set of
directory inodes (a directory that reappears, e.g. one that contains itself, is refused
instead of followed), bounded depth and path length, hard links for file inodes met twice,
file contents handed in batches to the decoding pipeline, and per-entry error isolation so that one corrupt inode or block costs one file, not the
whole image. The caller turns the collected problems into a FormatError at the end.
"""

from __future__ import annotations

import os

from spyless.errors import FormatError
from spyless.unpack.handlers.squashfs.image import SquashImage
from spyless.unpack.handlers.squashfs.model import DirEntry, Inode, Kind
from spyless.unpack.handlers.squashfs.pipeline import DataPipeline, FileJob
from spyless.unpack.sandbox import Sink

_MAX_DEPTH = 256
_MAX_PATH = 3800
_BATCH_FILES = 64
_BATCH_PARTS = 512
_SPECIAL_NAMES = {
    Kind.BLOCKDEV: "blockdev", Kind.CHARDEV: "chardev", Kind.FIFO: "fifo",
    Kind.SOCKET: "socket",
}


class TreeWriter:
    """Writes one image's tree; ``problems`` lists what could not be extracted."""

    def __init__(self, image: SquashImage, sink: Sink) -> None:
        self.image = image
        self.sink = sink
        self.problems: list[str] = []
        self.loops = 0
        self._dirs: set[int] = set()
        self._files: dict[int, str] = {}
        self._batch: list[FileJob] = []
        self._batch_parts = 0
        self._pipeline = DataPipeline(image, sink)

    def run(self) -> None:
        try:
            self._walk()
            self._flush()
        finally:
            self._pipeline.close()
            self.problems.extend(self._pipeline.problems)

    def _flush(self) -> None:
        batch, self._batch, self._batch_parts = self._batch, [], 0
        if batch:
            self._pipeline.write(batch)

    def _walk(self) -> None:
        root_ref = self.image.sb.root_inode
        root = self.image.inode(root_ref)
        if root.kind is not Kind.DIR:
            raise FormatError("the root inode is not a directory")
        self._dirs.add(root_ref)
        uid, gid = self.image.owner(root)
        self.sink.directory("", root.mode, uid, gid)
        stack: list[tuple[str, Inode, int]] = [("", root, 0)]
        while stack:
            path, node, depth = stack.pop()
            self.sink.check()
            try:
                entries = self.image.listing(node)
            except FormatError as e:
                self.problems.append(f"{path or '/'}: {e}")
                continue
            for entry in entries:
                child = self._child_path(path, entry, depth)
                if child is None:
                    continue
                try:
                    sub = self._entry(child, entry)
                except FormatError as e:
                    self.problems.append(f"{child}: {e}")
                    continue
                if sub is not None:
                    stack.append((child, sub, depth + 1))

    def _child_path(self, path: str, entry: DirEntry, depth: int) -> str | None:
        name = os.fsdecode(entry.name)
        child = f"{path}/{name}" if path else name
        if not entry.name or entry.name in (b".", b"..") or b"/" in entry.name \
                or b"\x00" in entry.name:
            self.sink.refuse(child, f"invalid name in directory listing: {entry.name!r}")
            return None
        if depth >= _MAX_DEPTH or len(child) > _MAX_PATH:
            self.sink.refuse(child[:200], "directory tree deeper or longer than supported")
            return None
        return child

    def _entry(self, path: str, entry: DirEntry) -> Inode | None:
        """Create one entry; return its inode when it is a directory to descend into."""
        if entry.ref in self._dirs:
            self.loops += 1
            self.sink.refuse(path, "directory loop: this directory was already extracted "
                             "elsewhere in the tree", kind="dir")
            return None
        node = self.image.inode(entry.ref)
        uid, gid = self.image.owner(node)
        if node.kind is Kind.DIR:
            self._dirs.add(entry.ref)
            self.sink.directory(path, node.mode, uid, gid)
            return node
        if node.kind is Kind.FILE:
            first = self._files.get(entry.ref)
            if first is not None:
                self._batch.append(FileJob(path, node.mode, uid, gid, link_to=first))
            else:
                parts = self.image.plan(node)
                self._files[entry.ref] = path
                self._batch.append(FileJob(path, node.mode, uid, gid, parts))
                self._batch_parts += len(parts)
            if len(self._batch) >= _BATCH_FILES or self._batch_parts >= _BATCH_PARTS:
                self._flush()
        elif node.kind is Kind.SYMLINK:
            self.sink.symlink(path, node.target, node.mode, uid, gid)
        else:
            what = _SPECIAL_NAMES[node.kind]
            if node.kind in (Kind.BLOCKDEV, Kind.CHARDEV):
                what = f"{what} {node.rdev_major}:{node.rdev_minor}"
            self.sink.special(path, what, node.mode, uid, gid)
        return None
