"""``spyless doctor``: which optional tools and libraries are present and what each adds."""

from __future__ import annotations

import importlib.metadata
import sys

import click
from rich.console import Console
from rich.table import Table

from spyless._version import __version__
from spyless.analyzers.accounts import crack_backends
from spyless.unpack.registry import builtin_handlers
from spyless.unpack.tools import OPTIONAL_TOOLS, find_tool

_LIBRARIES = ("ubi-reader", "pycdlib",
              "py7zr", "lz4", "zstandard", "lzallright")


@click.command("doctor")
def doctor() -> int:
    """Show the environment: Python, libraries, optional tools, format handlers."""
    console = Console()
    console.print(f"spyless {__version__} on Python {sys.version.split()[0]}")
    libs = Table(title="libraries", title_justify="left")
    libs.add_column("package")
    libs.add_column("version")
    for name in _LIBRARIES:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "MISSING (reinstall spyless)"
        libs.add_row(name, version)
    console.print(libs)
    tools = Table(title="optional tools (never required)", title_justify="left")
    for column in ("tool", "status", "adds", "package"):
        tools.add_column(column)
    for tool in OPTIONAL_TOOLS:
        path = find_tool(tool.command)
        tools.add_row(tool.command, path or "absent", tool.adds, tool.package)
    console.print(tools)
    crack = Table(title="password cracking backends", title_justify="left")
    crack.add_column("backend")
    crack.add_column("status")
    for name, status in crack_backends():
        crack.add_row(name, status)
    console.print(crack)
    handlers = builtin_handlers()
    console.print(f"{len(handlers)} format handlers: "
                  + ", ".join(sorted(h.name for h in handlers)))
    return 0
