"""The witness's durable state: the latest cosigned checkpoint of each log, and fork evidence.

One JSON file per origin under ``<dir>/logs/``, replaced atomically (temporary file, fsync,
rename, fsync of the directory) so a crash leaves the old or the new state, never a torn
one. Check-then-update is atomic per origin: a thread lock inside the process and an
``flock`` on a per-origin lock file across processes sharing the directory (the race the
spec's "add-checkpoint" section describes rolls a log back otherwise). Evidence of a fork
is written to ``<dir>/forks/`` and never overwritten.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spyless.tlog.checkpoint import read_checkpoint_note
from spyless.tlog.interface import Checkpoint, TlogError
from spyless.witness.interface import WitnessError

STATE_FORMAT = "https://spyless.dev/witness-state/v1"
EVIDENCE_FORMAT = "https://spyless.dev/witness-fork-evidence/v1"
_MAX_STATE_FILE = 2 << 20


@dataclass(frozen=True, slots=True)
class Cosigned:
    """The latest checkpoint this witness cosigned for one origin, with its signed note."""

    checkpoint: Checkpoint
    note: str


def _origin_key(origin: str) -> str:
    return hashlib.sha256(origin.encode("utf-8")).hexdigest()[:32]


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves either the old or new bytes."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


class OriginState:
    """Read and replace one origin's record; only valid inside :meth:`WitnessState.locked`."""

    def __init__(self, path: Path, origin: str) -> None:
        self._path = path
        self._origin = origin

    def read(self) -> Cosigned | None:
        try:
            data = self._path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as e:
            raise WitnessError(f"cannot read witness state {self._path}: {e.strerror}") from e
        try:
            record = self._decode(data)
            checkpoint, _ = read_checkpoint_note(str(record["checkpoint"]))
        except (ValueError, KeyError, TypeError, AttributeError, TlogError) as e:
            # Never start over silently: that would let a log roll back behind our back.
            raise WitnessError(f"witness state {self._path} is corrupt ({e}); restore it from "
                               "a backup, do not delete it") from e
        return Cosigned(checkpoint, str(record["checkpoint"]))

    def _decode(self, data: bytes) -> dict[str, Any]:
        if len(data) > _MAX_STATE_FILE:
            raise ValueError("too large")
        record = json.loads(data)
        if not isinstance(record, dict) or record.get("format") != STATE_FORMAT or record.get(
                "origin") != self._origin:
            raise ValueError("not this origin's witness state")
        return record

    def write(self, checkpoint: Checkpoint, note: str) -> None:
        record = {"format": STATE_FORMAT, "origin": checkpoint.origin, "size": checkpoint.size,
                  "root_hash": base64.b64encode(checkpoint.root_hash).decode("ascii"),
                  "checkpoint": note}
        write_atomic(self._path, (json.dumps(record, indent=1) + "\n").encode("utf-8"))


class WitnessState:
    """The state directory: per-origin records, their locks, and the fork evidence."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._logs = directory / "logs"
        self.forks = directory / "forks"
        try:
            self._logs.mkdir(parents=True, exist_ok=True)
            self.forks.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise WitnessError(f"cannot create the witness state in {directory}: "
                               f"{e.strerror}") from e
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    @contextlib.contextmanager
    def locked(self, origin: str) -> Iterator[OriginState]:
        key = _origin_key(origin)
        with self._locks_guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock, (self._logs / f"{key}.lock").open("a") as lock_file:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)
            try:
                yield OriginState(self._logs / f"{key}.json", origin)
            finally:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)

    def record_fork(self, evidence: dict[str, Any], identity: bytes) -> Path:
        """Write fork evidence under ``forks/`` once per ``identity`` (the two notes), so a
        repeated submission does not fill the disk; return the file's path."""
        kind = str(evidence.get("kind", "fork"))
        name = (f"{_origin_key(str(evidence.get('origin')))[:12]}-{kind}-"
                f"{hashlib.sha256(identity).hexdigest()[:16]}.json")
        path = self.forks / name
        if not path.exists():
            write_atomic(path, (json.dumps(evidence, indent=1) + "\n").encode("utf-8"))
        return path
