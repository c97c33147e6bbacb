"""Optional external tools: found on PATH, run from argument lists with timeouts.

Tools only accelerate or extend; every format spyless claims works without them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from spyless.errors import LimitExceeded, UnpackError


@dataclass(frozen=True, slots=True)
class OptionalTool:
    command: str
    package: str
    adds: str


#: What ``spyless doctor`` reports on.
OPTIONAL_TOOLS: tuple[OptionalTool, ...] = (
    OptionalTool("7z", "7zip or p7zip-full", "RAR 4/5 and Microsoft CAB archives"),
)


def find_tool(command: str) -> str | None:
    return shutil.which(command)


def run_tool(
    args: list[str], timeout: float, cwd: Path | None = None, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run a tool without a shell; raise UnpackError when missing, LimitExceeded on timeout."""
    exe = find_tool(args[0])
    if exe is None:
        raise UnpackError(f"external tool not found: {args[0]}")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}
    try:
        return subprocess.run(
            [exe, *args[1:]], cwd=cwd, input=stdin, capture_output=True, timeout=timeout,
            env=env, check=False,
        )
    except subprocess.TimeoutExpired as e:
        raise LimitExceeded("tool time", f"{args[0]} ran longer than {timeout:g} s") from e
