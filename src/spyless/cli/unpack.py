"""``spyless unpack IMAGE --out DIR``: extract an image and write its manifest."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from spyless.cli.progress import unpack_progress
from spyless.unpack.engine import Unpacker, UnpackResult
from spyless.unpack.interface import EventKind, Limits
from spyless.unpack.manifest import write_manifest

_SHOWN_EVENTS = (EventKind.REFUSED, EventKind.LIMIT, EventKind.ENCRYPTED, EventKind.PARTIAL,
                 EventKind.FAILED)


def _size(text: str) -> int:
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
    clean = text.strip().lower().removesuffix("ib").removesuffix("b")
    if clean and clean[-1] in units:
        return int(float(clean[:-1]) * units[clean[-1]])
    return int(clean)


class _SizeParam(click.ParamType):  # type: ignore[type-arg]
    name = "size"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return _size(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a size (e.g. 512M, 4G)", param, ctx)


def limits_options(func: click.decorators.FC) -> click.decorators.FC:
    """The budget options shared by every command that unpacks."""
    defaults = Limits()
    options = [
        click.option("--max-bytes", type=_SizeParam(), default=defaults.max_total_bytes,
                     show_default=True, help="Most bytes extraction may write in total."),
        click.option("--max-ratio", type=float, default=defaults.max_ratio,
                     show_default=True, help="Most bytes written per byte of input."),
        click.option("--max-files", type=int, default=defaults.max_files, show_default=True,
                     help="Most files extraction may create."),
        click.option("--max-depth", type=int, default=defaults.max_depth, show_default=True,
                     help="Deepest nesting of containers unpacked."),
        click.option("--handler-timeout", type=float, default=defaults.handler_seconds,
                     show_default=True, help="Seconds one format handler may take."),
        click.option("--timeout", type=float, default=defaults.image_seconds,
                     show_default=True, help="Seconds the whole image may take."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def limits_from(max_bytes: int, max_ratio: float, max_files: int, max_depth: int,
                handler_timeout: float, timeout: float) -> Limits:
    return Limits(max_total_bytes=max_bytes, max_ratio=max_ratio, max_files=max_files,
                  max_depth=max_depth, handler_seconds=handler_timeout, image_seconds=timeout)


@click.command("unpack")
@click.argument("image", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--out", "-o", "out", type=click.Path(path_type=Path, file_okay=False),
              required=True, help="Output folder (created; must be empty).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@limits_options
def unpack_command(image: Path, out: Path, quiet: bool, max_bytes: int, max_ratio: float,
                   max_files: int, max_depth: int, handler_timeout: float,
                   timeout: float) -> int:
    """Recursively extract IMAGE into a folder and write manifest.json there."""
    limits = limits_from(max_bytes, max_ratio, max_files, max_depth, handler_timeout, timeout)
    with unpack_progress(quiet) as progress:
        result = Unpacker(limits=limits, progress=progress).unpack(image, out)
    path = write_manifest(result)
    if not quiet:
        _summary(result, path)
    return 0


def _summary(result: UnpackResult, manifest: Path) -> None:
    # rich is imported only to print: `spyless unpack -q` in a pipeline never loads it.
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    console = Console(file=sys.stdout)
    found = [e for e in result.events if e.kind in (EventKind.EXTRACTED, EventKind.PARTIAL)]
    table = Table(title=f"{result.image.name}: {len(found)} containers", title_justify="left")
    for column in ("chain", "format", "offset", "size", "result"):
        table.add_column(column)
    for event in found[:40]:
        table.add_row(event.chain, event.format or "", f"0x{event.offset or 0:x}",
                      str(event.size or ""), event.kind.value)
    if len(found) > 40:
        table.add_row(f"… {len(found) - 40} more in the manifest", "", "", "", "")
    console.print(table)
    for event in result.events:
        if event.kind in _SHOWN_EVENTS:
            where = f" at 0x{event.offset:x}" if event.offset is not None else ""
            console.print(f"[yellow]{event.kind.value}[/]: {event.chain}{where}: "
                          f"{event.message}", markup=True, highlight=False)
    files = sum(1 for a in result.artifacts if a.sha256 is not None)
    console.print(f"{files} files, {result.bytes_written / 1e6:.1f} MB written in "
                  f"{result.seconds:.2f} s; manifest: {manifest}")
