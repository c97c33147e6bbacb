"""Fetching real third-party binaries: Debian packages of foreign architectures.

Packages are downloaded with ``apt-get download`` (works without root once apt knows the
architecture) into a cache folder and unpacked with ``dpkg-deb -x``. Adding an
architecture needs root; we only tell the user how, we never do it ourselves.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


class BinariesUnavailableError(RuntimeError):
    """The packages cannot be had here; the message says what to do."""


@dataclass(frozen=True, slots=True)
class Package:
    """One downloaded .deb, as unpacked below ``root``."""

    name: str
    arch: str
    version: str
    deb: Path
    sha256: str
    root: Path


def _known_architectures() -> set[str]:
    native = subprocess.run(["dpkg", "--print-architecture"], check=True,
                            capture_output=True, text=True).stdout.split()
    foreign = subprocess.run(["dpkg", "--print-foreign-architectures"], check=True,
                             capture_output=True, text=True).stdout.split()
    return set(native) | set(foreign)


def _cached_deb(cache: Path, name: str, arch: str) -> Path | None:
    found = sorted(cache.glob(f"{name}_*_{arch}.deb"))
    return found[-1] if found else None


def _download(cache: Path, name: str, arch: str) -> Path:
    for tool in ("apt-get", "dpkg-deb", "dpkg"):
        if shutil.which(tool) is None:
            raise BinariesUnavailableError(f"{tool} is not installed (needs a Debian system)")
    if arch not in _known_architectures():
        raise BinariesUnavailableError(
            f"apt does not know the architecture {arch}; as root run: "
            f"dpkg --add-architecture {arch} && apt-get update"
        )
    result = subprocess.run(["apt-get", "download", f"{name}:{arch}"], cwd=cache,
                            capture_output=True, text=True, check=False)
    deb = _cached_deb(cache, name, arch)
    if result.returncode != 0 or deb is None:
        raise BinariesUnavailableError(
            f"apt-get download {name}:{arch} failed ({result.stderr.strip()[-300:]}); "
            f"as root run: dpkg --add-architecture {arch} && apt-get update"
        )
    return deb


def fetch(cache: Path, name: str, arch: str) -> Package:
    """The package ``name`` for ``arch``, downloaded once and unpacked once into ``cache``."""
    cache.mkdir(parents=True, exist_ok=True)
    deb = _cached_deb(cache, name, arch) or _download(cache, name, arch)
    root = cache / "unpacked" / deb.stem
    if not root.is_dir():
        staging = root.with_name(root.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        subprocess.run(["dpkg-deb", "-x", str(deb), str(staging)], check=True)
        staging.rename(root)
    version = subprocess.run(["dpkg-deb", "-f", str(deb), "Version"], check=True,
                             capture_output=True, text=True).stdout.strip()
    digest = hashlib.sha256(deb.read_bytes()).hexdigest()
    return Package(name, arch, version, deb, digest, root)
