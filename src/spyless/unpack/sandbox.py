"""The only door through which extracted data reaches the disk.

A :class:`Sink` confines everything a handler writes to one folder: paths are normalised
inside a virtual root, ``..`` that climbs out and absolute paths are refused, nothing is
written through a symbolic link, links are rewritten relative to the root and refused when
they point out of it, device nodes are recorded but never created, permissions are
sanitised, and every byte and file is charged to the image's :class:`Budget`.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from spyless.errors import LimitExceeded
from spyless.unpack.interface import EventKind, ExtractionEvent, Limits

_WRITE_BLOCK = 1 << 20


class Budget:
    """What one image may still spend: bytes, files and time. Shared by all handlers."""

    def __init__(self, limits: Limits, input_size: int) -> None:
        self.limits = limits
        ratio_bound = int(max(input_size, 1 << 20) * limits.max_ratio)
        self.max_bytes = min(limits.max_total_bytes, ratio_bound)
        self.bytes_written = 0
        self.files_written = 0
        self.started = time.monotonic()
        self.image_deadline = self.started + limits.image_seconds
        self.handler_deadline = self.image_deadline
        self.exhausted: str | None = None

    def start_handler(self) -> None:
        self.handler_deadline = min(
            time.monotonic() + self.limits.handler_seconds, self.image_deadline
        )

    def check_time(self) -> None:
        now = time.monotonic()
        if now > self.image_deadline:
            self._hit("time", f"image took longer than {self.limits.image_seconds:g} s")
        if now > self.handler_deadline:
            raise LimitExceeded(
                "handler time", f"handler ran longer than {self.limits.handler_seconds:g} s"
            )

    def charge_bytes(self, n: int) -> None:
        if self.bytes_written + n > self.max_bytes:
            self._hit(
                "bytes",
                f"extraction would write more than {self.max_bytes} bytes "
                f"(total {self.limits.max_total_bytes}, ratio {self.limits.max_ratio:g}x)",
            )
        self.bytes_written += n

    def charge_file(self) -> None:
        if self.files_written + 1 > self.limits.max_files:
            self._hit("files", f"more than {self.limits.max_files} files")
        self.files_written += 1

    def _hit(self, limit: str, detail: str) -> None:
        self.exhausted = self.exhausted or limit
        raise LimitExceeded(limit, detail)

    def remaining_bytes(self) -> int:
        return max(self.max_bytes - self.bytes_written, 0)


@dataclass(frozen=True, slots=True)
class Entry:
    """One thing a handler asked the sink to create, as the container described it."""

    path: str  # normalised, relative to the sink's root, "/"-separated
    kind: str  # "file", "dir", "symlink", "hardlink", "special"
    mode: int | None = None
    uid: int | None = None
    gid: int | None = None
    target: str | None = None  # link target as stored in the container
    written: bool = True  # False when refused or not created (device nodes)


def normalise(path: str | bytes) -> str | None:
    """Return the path relative to the root, or None if it climbs out of it.

    Absolute paths are the caller's business (see :meth:`Sink._place`).
    """
    text = os.fsdecode(path) if isinstance(path, bytes) else path
    if "\x00" in text:
        return None
    parts: list[str] = []
    for part in text.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
            continue
        parts.append(part)
    return "/".join(parts)


class Sink:
    """Writes one chunk's contents under ``root``; records every entry and refusal."""

    def __init__(self, root: Path, chain: str, budget: Budget) -> None:
        self.root = root
        self.chain = chain
        self.budget = budget
        self.entries: list[Entry] = []
        self.events: list[ExtractionEvent] = []
        self._root_real = os.path.realpath(root)
        self._dirs: set[str] = {""}
        self._links: list[str] = []
        root.mkdir(parents=True, exist_ok=True)

    # -- public API for handlers -------------------------------------------------------

    def check(self) -> None:
        """Call in long loops: raises when the time budget is spent."""
        self.budget.check_time()

    def directory(
        self, path: str | bytes, mode: int | None = None, uid: int | None = None,
        gid: int | None = None,
    ) -> None:
        rel = self._place(path, "dir")
        if rel is None:
            return
        if rel and not self._make_dirs(rel, include_self=True):
            return
        self.entries.append(Entry(rel, "dir", mode, uid, gid))

    def file(
        self, path: str | bytes, data: bytes | bytearray | memoryview | Iterable[bytes],
        mode: int | None = None, uid: int | None = None, gid: int | None = None,
    ) -> bool:
        """Write a regular file; ``data`` may be an iterable of blocks. True if written."""
        with self.open(path, mode, uid, gid) as out:
            if out is None:
                return False
            if isinstance(data, bytes | bytearray | memoryview):
                view = memoryview(data)
                for pos in range(0, len(view), _WRITE_BLOCK):
                    out.write(view[pos : pos + _WRITE_BLOCK])
            else:
                for block in data:
                    out.write(block)
        return True

    @contextmanager
    def open(
        self, path: str | bytes, mode: int | None = None, uid: int | None = None,
        gid: int | None = None,
    ) -> Iterator[_BudgetedWriter | None]:
        """A writer for one regular file, or None when the path is refused."""
        rel = self._place(path, "file")
        if rel is None or not self._prepare_leaf(rel):
            yield None
            return
        self.budget.charge_file()
        target = self.root / rel
        perm = 0o755 if mode is not None and mode & 0o111 else 0o644
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, perm)
        self.entries.append(Entry(rel, "file", mode, uid, gid))
        with os.fdopen(fd, "wb") as raw:
            yield _BudgetedWriter(raw, self.budget, rel)

    def symlink(
        self, path: str | bytes, target: str | bytes, mode: int | None = None,
        uid: int | None = None, gid: int | None = None,
    ) -> None:
        rel = self._place(path, "symlink")
        if rel is None:
            return
        raw_target = os.fsdecode(target) if isinstance(target, bytes) else target
        if raw_target.startswith("/"):
            resolved = normalise(raw_target)  # the container's own root, chroot-style
        else:
            resolved = normalise(f"{os.path.dirname(rel)}/{raw_target}")
        if resolved is None or not raw_target:
            self.refuse(rel, f"symbolic link points out of the extraction root: {raw_target!r}",
                        kind="symlink", target=raw_target)
            return
        if not self._prepare_leaf(rel):
            return
        self.budget.charge_file()
        link_text = os.path.relpath(resolved or ".", os.path.dirname(rel) or ".")
        os.symlink(link_text, self.root / rel)
        self._links.append(rel)
        self.entries.append(Entry(rel, "symlink", mode, uid, gid, raw_target))

    def hardlink(
        self, path: str | bytes, target: str | bytes, mode: int | None = None,
        uid: int | None = None, gid: int | None = None,
    ) -> None:
        rel = self._place(path, "hardlink")
        raw_target = os.fsdecode(target) if isinstance(target, bytes) else target
        dest = normalise(raw_target.lstrip("/"))
        if rel is None:
            return
        if not dest:
            self.refuse(rel, f"hard link points out of the extraction root: {raw_target!r}",
                        kind="hardlink", target=raw_target)
            return
        source = self.root / dest
        if not self._inside_without_links(dest) or not source.is_file():
            self.refuse(rel, f"hard link to a missing or unsafe file: {raw_target!r}",
                        kind="hardlink", target=raw_target)
            return
        if not self._prepare_leaf(rel):
            return
        self.budget.charge_file()
        os.link(source, self.root / rel, follow_symlinks=False)
        self.entries.append(Entry(rel, "hardlink", mode, uid, gid, raw_target))

    def special(
        self, path: str | bytes, what: str, mode: int | None = None,
        uid: int | None = None, gid: int | None = None,
    ) -> None:
        """Record a device node, FIFO or socket; it is never created."""
        rel = self._place(path, "special")
        if rel is None:
            return
        self.entries.append(Entry(rel, "special", mode, uid, gid, what, written=False))

    def refuse(self, path: str, reason: str, kind: str = "file", target: str | None = None) -> None:
        self.events.append(
            ExtractionEvent(EventKind.REFUSED, f"{self.chain}/{path}" if path else self.chain,
                            reason)
        )
        self.entries.append(Entry(path, kind, None, None, None, target, written=False))

    def import_tree(self, source: Path) -> None:
        """Bring in what an external tool wrote to a private folder, re-checking all of it."""
        for dirpath, dirnames, filenames in os.walk(source):
            base = os.path.relpath(dirpath, source)
            for name in sorted(dirnames + filenames):
                full = os.path.join(dirpath, name)
                rel = name if base == "." else f"{base}/{name}"
                st = os.lstat(full)
                if stat.S_ISLNK(st.st_mode):
                    self.symlink(rel, os.readlink(full), st.st_mode)
                elif stat.S_ISDIR(st.st_mode):
                    self.directory(rel, st.st_mode)
                elif stat.S_ISREG(st.st_mode):
                    with open(full, "rb") as handle:
                        self.file(rel, _blocks(handle), st.st_mode)
                else:
                    self.special(rel, "special", st.st_mode)

    def finish(self) -> None:
        """Remove links that resolve out of the root once everything exists."""
        for rel in self._links:
            link = self.root / rel
            real = os.path.realpath(link)
            if real != self._root_real and not real.startswith(self._root_real + os.sep):
                with suppress(OSError):
                    link.unlink()
                self.events.append(
                    ExtractionEvent(EventKind.REFUSED, f"{self.chain}/{rel}",
                                    "symbolic link resolves out of the extraction root "
                                    "through other links; removed")
                )

    # -- internals ---------------------------------------------------------------------

    def _place(self, path: str | bytes, kind: str) -> str | None:
        text = os.fsdecode(path) if isinstance(path, bytes) else path
        if text.startswith("/"):
            rel = normalise(text)
            self.refuse(rel or text, f"absolute path in container: {text!r}", kind=kind)
            return None
        rel = normalise(text)
        if rel is None:
            self.refuse(text, f"path climbs out of the extraction root: {text!r}", kind=kind)
            return None
        if any(len(part.encode("utf-8", "surrogateescape")) > 255 for part in rel.split("/")):
            self.refuse(rel[:200], "path component longer than 255 bytes", kind=kind)
            return None
        if not rel and kind != "dir":
            return None
        return rel

    def _inside_without_links(self, rel: str) -> bool:
        """True when no component of ``rel`` (below the root) is a symbolic link."""
        current = self.root
        for part in rel.split("/"):
            current = current / part
            try:
                if stat.S_ISLNK(os.lstat(current).st_mode):
                    return False
            except FileNotFoundError:
                return True
        return True

    def _make_dirs(self, rel: str, include_self: bool) -> bool:
        parts = rel.split("/")
        upto = len(parts) if include_self else len(parts) - 1
        current = ""
        for part in parts[:upto]:
            current = f"{current}/{part}" if current else part
            if current in self._dirs:
                continue
            full = self.root / current
            try:
                st = os.lstat(full)
            except FileNotFoundError:
                os.mkdir(full, 0o755)
                self._dirs.add(current)
                continue
            if stat.S_ISDIR(st.st_mode):
                self._dirs.add(current)
                continue
            reason = ("would write through a symbolic link" if stat.S_ISLNK(st.st_mode)
                      else "a parent is not a directory")
            self.refuse(rel, f"{reason}: {current!r}")
            return False
        return True

    def _prepare_leaf(self, rel: str) -> bool:
        if not self._make_dirs(rel, include_self=False):
            return False
        full = self.root / rel
        try:
            st = os.lstat(full)
        except FileNotFoundError:
            return True
        if stat.S_ISDIR(st.st_mode):
            self.refuse(rel, "an entry replaces a directory")
            return False
        full.unlink()  # a later entry of the same name wins, as in tar
        with suppress(ValueError):
            self._links.remove(rel)
        return True


def _blocks(handle: BinaryIO) -> Iterator[bytes]:
    while block := handle.read(_WRITE_BLOCK):
        yield block


class _BudgetedWriter:
    """A file writer that charges every byte and checks the clock."""

    def __init__(self, raw: BinaryIO, budget: Budget, rel: str) -> None:
        self._raw = raw
        self._budget = budget
        self._rel = rel
        self.size = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        n = len(data)
        if not n:
            return
        if self.size + n > self._budget.limits.max_file_size:
            raise LimitExceeded(
                "file size", f"{self._rel} grows past {self._budget.limits.max_file_size} bytes"
            )
        self._budget.charge_bytes(n)
        self._budget.check_time()
        self._raw.write(data)
        self.size += n
