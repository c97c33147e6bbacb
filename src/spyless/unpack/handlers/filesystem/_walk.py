"""Shared tree walk for the filesystem handlers: one bounded, cycle-safe way to emit entries.

A format supplies a :class:`Tree` (list a directory, describe an inode, give its bytes);
:func:`emit_tree` walks it depth-first with an explicit stack, writes everything through
the sink, turns repeated inodes into hard links, never enters a directory twice, and
collects per-entry corruption so that one bad file does not stop the rest.
"""

from __future__ import annotations

import stat
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from spyless.errors import FormatError
from spyless.unpack.sandbox import Sink

R = TypeVar("R")

#: Deeper trees than this are a crafted loop, not a firmware layout.
MAX_DEPTH = 256


@dataclass(frozen=True, slots=True)
class Stat:
    """What the walk needs to know of one inode."""

    mode: int
    uid: int | None = None
    gid: int | None = None
    ident: Hashable = None  # same ident = same inode: hard link / directory cycle guard
    rdev: tuple[int, int] = (0, 0)
    hardlink_to: Hashable = None  # formats with explicit hard-link entries (romfs, yaffs)


class Tree(Protocol, Generic[R]):
    def children(self, ref: R) -> Iterator[tuple[bytes, R]]: ...

    def stat(self, ref: R) -> Stat: ...

    def content(self, ref: R) -> Iterable[bytes]: ...

    def target(self, ref: R) -> bytes: ...


def special_text(mode: int, rdev: tuple[int, int]) -> str:
    """The sink's description of a device node, FIFO or socket."""
    fmt = stat.S_IFMT(mode)
    if fmt == stat.S_IFCHR:
        return f"chardev {rdev[0]}:{rdev[1]}"
    if fmt == stat.S_IFBLK:
        return f"blockdev {rdev[0]}:{rdev[1]}"
    if fmt == stat.S_IFIFO:
        return "fifo"
    if fmt == stat.S_IFSOCK:
        return "socket"
    return f"unknown type 0o{fmt:o}"


def _join(parent: str, name: bytes) -> str | None:
    if name in (b"", b".", b"..") or b"/" in name or b"\x00" in name:
        return None
    text = name.decode("utf-8", "surrogateescape")
    return f"{parent}/{text}" if parent else text


def emit_tree(sink: Sink, tree: Tree[R], root: R, root_ident: Hashable = None) -> list[str]:
    """Write the tree below ``root``; return the problems met (empty when all was read)."""
    problems: list[str] = []
    seen_dirs: set[Hashable] = {root_ident} if root_ident is not None else set()
    first_path: dict[Hashable, str] = {}
    stack: list[tuple[str, R, int]] = [("", root, 0)]
    pending: list[tuple[str, Hashable]] = []
    count = 0
    while stack:
        parent, ref, depth = stack.pop()
        try:
            listing = list(tree.children(ref))
        except FormatError as e:
            problems.append(f"{parent or '/'}: {e}")
            continue
        subdirs: list[tuple[str, R, int]] = []
        for name, child in listing:
            count += 1
            if count & 0xFF == 0:
                sink.check()
            path = _join(parent, name)
            if path is None:
                if name not in (b".", b".."):
                    sink.refuse(parent, f"invalid entry name {name!r}")
                continue
            try:
                _emit_one(sink, tree, path, child, depth, subdirs, seen_dirs, first_path, pending)
            except FormatError as e:
                problems.append(f"{path}: {e}")
        stack.extend(reversed(subdirs))
    for path, ident in pending:
        target = first_path.get(ident)
        if target is None:
            sink.refuse(path, "hard link to an entry that is not in the tree", kind="hardlink")
        else:
            sink.hardlink(path, target)
    return problems


def _emit_one(
    sink: Sink, tree: Tree[R], path: str, ref: R, depth: int,
    stack: list[tuple[str, R, int]], seen_dirs: set[Hashable], first_path: dict[Hashable, str],
    pending: list[tuple[str, Hashable]],
) -> None:
    st = tree.stat(ref)
    if st.hardlink_to is not None:
        pending.append((path, st.hardlink_to))
        return
    fmt = stat.S_IFMT(st.mode)
    perm = stat.S_IMODE(st.mode)
    if fmt == stat.S_IFDIR:
        if st.ident is not None and st.ident in seen_dirs:
            sink.refuse(path, "directory loop: directory already visited", kind="dir")
            return
        if depth + 1 > MAX_DEPTH:
            raise FormatError(f"directory tree deeper than {MAX_DEPTH}")
        if st.ident is not None:
            seen_dirs.add(st.ident)
        sink.directory(path, perm, st.uid, st.gid)
        stack.append((path, ref, depth + 1))
        return
    if st.ident is not None and fmt == stat.S_IFREG:
        earlier = first_path.get(st.ident)
        if earlier is not None:
            sink.hardlink(path, earlier, perm, st.uid, st.gid)
            return
        first_path[st.ident] = path
    if fmt == stat.S_IFREG:
        sink.file(path, tree.content(ref), perm, st.uid, st.gid)
    elif fmt == stat.S_IFLNK:
        sink.symlink(path, tree.target(ref), perm, st.uid, st.gid)
    else:
        sink.special(path, special_text(st.mode, st.rdev), perm, st.uid, st.gid)
    if st.ident is not None and fmt != stat.S_IFREG:
        first_path.setdefault(st.ident, path)


def raise_problems(fmt: str, problems: list[str]) -> None:
    """Report what could not be read once everything readable is written."""
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise FormatError(f"{fmt}: " + "; ".join(problems[:3]) + more)
