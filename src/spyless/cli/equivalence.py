"""``spyless equivalence BUILT DEPLOYED``: is the deployed image the one that was built?

Exit status: 0 equivalent (no difference at all); 1 equivalent modulo the benign
differences listed (timestamps, build ids, build paths, checksums, padding, signatures,
re-encoded containers); 2 not equivalent; 64 usage or input error (a missing or unreadable
image, a bad option), so that an error is never read as a verdict; 3 internal error.
``--benign-ok`` turns 1 into 0 for pipelines that accept benign differences.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from spyless.cli.diff import write_outputs
from spyless.cli.unpack import limits_from, limits_options
from spyless.diff import render_equivalence
from spyless.diff.deep import find_pair, run_diffoscope
from spyless.diff.equivalence import compare_unpacked, unpack_pair
from spyless.diff.interface import EXIT_USAGE, EquivalenceResult, EquivalenceVerdict
from spyless.diff.pairing import index_image
from spyless.diff.render_common import OutputFormat, parse_formats
from spyless.errors import Error, UsageError
from spyless.unpack.interface import Limits


class _UsageExit(click.Command):
    """Usage errors exit with 64, not 2: 2 is the verdict "not equivalent"."""

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as e:
            click.echo(f"spyless: {e.format_message()}", err=True)
            raise click.exceptions.Exit(EXIT_USAGE) from e


@click.command("equivalence", cls=_UsageExit)
@click.argument("built", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("deployed", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--format", "formats", default="", metavar="LIST",
              help="Write these formats: json, markdown, html, sarif (comma list).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Base name of the files written (default spyless-equivalence); '-' "
                   "prints the one format chosen.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=2, show_default=True,
              help="Unpack the two images in parallel when > 1.")
@click.option("--workdir", type=click.Path(path_type=Path, file_okay=False),
              help="Unpack into this empty folder and keep it; default: a temporary one.")
@click.option("--deep", metavar="PATH",
              help="Also run diffoscope (if installed) on this pair: its path in the image "
                   "(/usr/sbin/httpd) or its key.")
@click.option("--deep-timeout", type=float, default=300.0, show_default=True,
              help="Seconds diffoscope may take.")
@click.option("--benign-ok", is_flag=True,
              help="Exit 0, not 1, when the only differences are benign.")
@click.option("--quiet", "-q", is_flag=True, help="No terminal summary.")
@limits_options
def equivalence_command(built: Path, deployed: Path, formats: str, output: Path | None,
                        jobs: int, workdir: Path | None, deep: str | None,
                        deep_timeout: float, benign_ok: bool, quiet: bool, max_bytes: int,
                        max_ratio: float, max_files: int, max_depth: int,
                        handler_timeout: float, timeout: float) -> int:
    """Pair every file of BUILT and DEPLOYED and classify each difference."""
    try:
        chosen = parse_formats(formats)
        limits = limits_from(max_bytes, max_ratio, max_files, max_depth, handler_timeout,
                             timeout)
        began = time.perf_counter()
        result, deep_text = _run(built, deployed, limits, jobs, workdir, deep, deep_timeout)
        seconds = time.perf_counter() - began

        def render(fmt: OutputFormat) -> str:
            if fmt is OutputFormat.JSON:
                return render_equivalence.render_json(result)
            if fmt is OutputFormat.MARKDOWN:
                return render_equivalence.render_markdown(result)
            if fmt is OutputFormat.HTML:
                return render_equivalence.render_html(result)
            return render_equivalence.render_sarif(result)

        written = write_outputs(chosen, output, "spyless-equivalence", render)
    except Error as e:
        click.echo(f"spyless: error: {e.diagnostics()}", err=True)
        raise click.exceptions.Exit(EXIT_USAGE) from e
    if not quiet and not (output is not None and str(output) == "-"):
        console = Console()
        render_equivalence.print_equivalence(console, result, seconds)
        for path in written:
            console.print(f"wrote {path}")
        if deep_text is not None:
            console.print(f"[bold]diffoscope {deep}[/]")
            console.print(deep_text or "(diffoscope found no difference)", markup=False)
    if benign_ok and result.verdict is EquivalenceVerdict.EQUIVALENT_MODULO_BENIGN:
        return 0
    return result.exit_code


def _run(built: Path, deployed: Path, limits: Limits, jobs: int, workdir: Path | None,
         deep: str | None, deep_timeout: float) -> tuple[EquivalenceResult, str | None]:
    if workdir is not None and workdir.exists() and any(workdir.iterdir()):
        raise UsageError(f"work folder {workdir} exists and is not empty")
    tmp = None if workdir is not None else tempfile.mkdtemp(prefix="spyless-eq-")
    where = workdir if workdir is not None else Path(str(tmp))
    try:
        unpacked_a, unpacked_b = unpack_pair(built, deployed, where, limits, jobs)
        result = compare_unpacked(unpacked_a, unpacked_b)
        if deep is None:
            return result, None
        entry_a, entry_b = find_pair(index_image(unpacked_a), index_image(unpacked_b), deep)
        if entry_a.disk is None or entry_b.disk is None:
            raise UsageError(f"{deep} is not a file on both sides")
        return result, run_diffoscope(entry_a.disk, entry_b.disk, deep_timeout)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
