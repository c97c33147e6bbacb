"""A read-only view of an unpacked image for image-level analyzers.

Groups artifacts into filesystems (everything extracted from one chunk), resolves paths and
symbolic links inside a filesystem the way the device would (chroot semantics, bounded),
and reads file contents from the workspace.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from spyless.analyzers.interface import Fact, split_chain
from spyless.unpack.engine import UnpackResult
from spyless.unpack.interface import Artifact, ArtifactKind

_MAX_LINK_HOPS = 40


@dataclass(slots=True)
class Filesystem:
    """Artifacts extracted from one chunk, by their path inside it ("/etc/passwd")."""

    root: str
    entries: dict[str, Artifact] = field(default_factory=dict)

    def resolve(self, path: str) -> Artifact | None:
        """The artifact at ``path``, following symbolic links inside this filesystem."""
        current = posixpath.normpath("/" + path.lstrip("/"))
        for _ in range(_MAX_LINK_HOPS):
            artifact = self.entries.get(current)
            if artifact is None:
                return self._resolve_parents(current)
            if artifact.kind is not ArtifactKind.SYMLINK or artifact.link_target is None:
                return artifact
            target = artifact.link_target
            base = posixpath.dirname(current)
            current = posixpath.normpath(target if target.startswith("/")
                                         else posixpath.join(base, target))
        return None

    def _resolve_parents(self, path: str) -> Artifact | None:
        """Resolve a path whose directories may be links (``/usr/sbin`` -> ``../bin``)."""
        parts = path.strip("/").split("/")
        for i in range(len(parts) - 1, 0, -1):
            parent = "/" + "/".join(parts[:i])
            artifact = self.entries.get(parent)
            if artifact is not None and artifact.kind is ArtifactKind.SYMLINK:
                target = artifact.link_target or ""
                base = posixpath.dirname(parent)
                new_parent = posixpath.normpath(target if target.startswith("/")
                                                else posixpath.join(base, target))
                if new_parent == parent:
                    return None
                rest = "/".join(parts[i:])
                return self.resolve(posixpath.join(new_parent, rest))
        return None

    def files(self) -> list[tuple[str, Artifact]]:
        return [(p, a) for p, a in self.entries.items() if a.sha256 is not None]

    def looks_like_rootfs(self) -> bool:
        return any(p in self.entries for p in ("/etc", "/bin", "/sbin", "/usr"))


#: Bytes of file contents the view keeps so image analyzers share one read per file.
READ_CACHE_BYTES = 256 << 20


@dataclass(slots=True)
class ImageView:
    result: UnpackResult
    facts: list[Fact]
    filesystems: list[Filesystem]
    _cache: dict[str, bytes] = field(default_factory=dict)
    _cached_bytes: int = 0

    @classmethod
    def build(cls, result: UnpackResult, facts: list[Fact]) -> ImageView:
        groups: dict[str, Filesystem] = defaultdict(lambda: Filesystem(""))
        for artifact in result.artifacts:
            if "!" not in artifact.chain:
                continue
            root, path = split_chain(artifact.chain)
            fs = groups[root]
            fs.root = root
            fs.entries[path] = artifact
        return cls(result, facts, list(groups.values()))

    def read(self, artifact: Artifact, limit: int = 64 << 20) -> bytes:
        """The first ``limit`` bytes of a file; contents are cached so that the image
        analyzers (accounts, endpoints, services, ...) read each file once between them."""
        if artifact.path is None:
            return b""
        cached = self._cache.get(artifact.path)
        if cached is not None and (len(cached) >= limit or len(cached) == artifact.size):
            return cached[:limit]
        with (self.result.output / artifact.path).open("rb") as handle:
            data = handle.read(max(limit, min(artifact.size, 1 << 16)))
        if self._cached_bytes + len(data) <= READ_CACHE_BYTES and (
                cached is None or len(data) > len(cached)):
            self._cached_bytes += len(data) - (len(cached) if cached is not None else 0)
            self._cache[artifact.path] = data
        return data[:limit]

    def disk_path(self, artifact: Artifact) -> Path | None:
        return None if artifact.path is None else self.result.output / artifact.path

    def rootfs(self) -> list[Filesystem]:
        """Filesystems that look like an operating system's root (have /etc, /bin, ...)."""
        return [fs for fs in self.filesystems if fs.looks_like_rootfs()]

    def facts_of(self, kind: type[Fact]) -> list[Fact]:
        return [f for f in self.facts if isinstance(f, kind)]
