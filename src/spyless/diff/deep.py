"""A deep look at one pair with diffoscope, where it is installed (never required).

diffoscope compares two files recursively with many format-aware tools; spyless runs it
from an argument list, with a timeout, on two files already extracted to disk. It reads
the files with its tools; nothing from the image is executed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from spyless.diff.interface import DiffError
from spyless.diff.pairing import Entry, ImageIndex

#: Most characters of diffoscope's report kept.
MAX_OUTPUT = 400_000


def diffoscope_path() -> str | None:
    return shutil.which("diffoscope")


def find_pair(built: ImageIndex, deployed: ImageIndex, which: str) -> tuple[Entry, Entry]:
    """The pair named by ``which``: its key (``!squashfs#0/bin/x``) or its path in the image
    (``/bin/x``); a path must name one pair only."""
    if which in built.entries and which in deployed.entries:
        return built.entries[which], deployed.entries[which]
    wanted = "/" + which.lstrip("/")
    keys = [k for k in built.entries if k.endswith(wanted) and k in deployed.entries]
    if not keys:
        raise DiffError(f"no file {which!r} in both images (give its path or its key)")
    if len(keys) > 1:
        raise DiffError(f"{which!r} names {len(keys)} files; give one key of: "
                        + ", ".join(keys[:5]))
    return built.entries[keys[0]], deployed.entries[keys[0]]


def run_diffoscope(built: Path, deployed: Path, timeout: float = 300.0) -> str:
    """diffoscope's text report of two files ("" when it finds them identical)."""
    program = diffoscope_path()
    if program is None:
        raise DiffError("diffoscope is not installed (Debian: apt-get install diffoscope)")
    try:
        done = subprocess.run([program, "--text", "-", "--no-progress", str(built),
                               str(deployed)], capture_output=True, text=True, check=False,
                              timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise DiffError(f"diffoscope did not finish in {timeout:.0f} s") from e
    except OSError as e:
        raise DiffError(f"cannot run diffoscope: {e.strerror or e}") from e
    if done.returncode not in (0, 1):
        raise DiffError(f"diffoscope failed ({done.returncode}): {done.stderr.strip()[-300:]}")
    return done.stdout[:MAX_OUTPUT]
