"""Where the databases live: the embedded snapshot, its cache copy, the user's writable copy.

The wheel carries ``spyless/data/vulndb/vulndb.sqlite.xz`` (built by
scripts/build_vulndb.py). On first use it is decompressed into the user cache directory
(``$XDG_CACHE_HOME/spyless``, else ``~/.cache/spyless``); ``db import``/``db update`` work
on a separate writable copy there (or on ``--db PATH``), which matching then prefers.
"""

from __future__ import annotations

import hashlib
import lzma
import os
import shutil
import tempfile
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from spyless.vulndb.interface import VulnDBError
from spyless.vulndb.store import Store

SNAPSHOT_NAME = "vulndb.sqlite.xz"
STALE_AFTER_DAYS = 30


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "spyless"


def user_db_path() -> Path:
    return cache_dir() / "vulndb.sqlite"


def embedded_snapshot() -> Path | None:
    """The decompressed embedded snapshot in the cache (made on first use), or None."""
    resource = resources.files("spyless.data.vulndb").joinpath(SNAPSHOT_NAME)
    if not resource.is_file():
        return None
    data = resource.read_bytes()
    target = cache_dir() / f"vulndb-snapshot-{hashlib.sha256(data).hexdigest()[:12]}.sqlite"
    if target.is_file():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
            tmp.write(lzma.decompress(data))
        Path(tmp.name).replace(target)
    except (OSError, lzma.LZMAError) as e:
        raise VulnDBError(f"cannot unpack the embedded vulnerability snapshot into "
                          f"{target.parent}: {e}; set XDG_CACHE_HOME to a writable folder") from e
    return target


def default_db_path() -> Path:
    """``$SPYLESS_VULNDB``, else the user's copy, else the embedded snapshot."""
    if env := os.environ.get("SPYLESS_VULNDB"):
        return Path(env)
    if user_db_path().is_file():
        return user_db_path()
    snapshot = embedded_snapshot()
    if snapshot is None:
        raise VulnDBError("no vulnerability database: this build has no embedded snapshot; "
                          "run 'spyless db import PATH' or 'spyless db update'")
    return snapshot


def open_default() -> Store:
    return Store(default_db_path())


def open_writable(path: Path | None = None) -> Store:
    """A writable database; the user's copy starts as a copy of the embedded snapshot."""
    target = path or user_db_path()
    if path is None and not target.exists():
        snapshot = embedded_snapshot()
        if snapshot is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(snapshot, target)
    return Store(target, writable=True)


def age_days(snapshot_date: str | None, now: datetime | None = None) -> int | None:
    """Days between the newest record in the database and ``now``."""
    if not snapshot_date:
        return None
    try:
        when = datetime.fromisoformat(snapshot_date[:19]).replace(tzinfo=UTC)
    except ValueError:
        return None
    return ((now or datetime.now(UTC)) - when).days
