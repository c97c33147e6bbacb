"""``spyless scan IMAGE``: unpack and run every analyzer; terminal summary and JSON report."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from spyless.audit import Auditor
from spyless.cli.progress import unpack_progress
from spyless.cli.unpack import limits_from, limits_options
from spyless.report.json_format import render_json
from spyless.report.terminal import print_report


@click.command("scan")
@click.argument("image", type=click.Path(path_type=Path, dir_okay=False))
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the full report as JSON to this file ('-' for stdout).")
@click.option("--workdir", type=click.Path(path_type=Path, file_okay=False),
              help="Unpack here and keep it (must be empty); default: a temporary folder.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes for the analyzers (default: all cores).")
@click.option("--show-secrets", is_flag=True,
              help="Show passwords, keys and tokens in full instead of masked.")
@click.option("--quiet", "-q", is_flag=True, help="No terminal summary.")
@limits_options
def scan_command(image: Path, output: Path | None, workdir: Path | None, jobs: int | None,
                 show_secrets: bool, quiet: bool, max_bytes: int, max_ratio: float,
                 max_files: int, max_depth: int, handler_timeout: float,
                 timeout: float) -> int:
    """Unpack IMAGE and find every way in and out: accounts, keys, services, backdoors."""
    limits = limits_from(max_bytes, max_ratio, max_files, max_depth, handler_timeout, timeout)
    with unpack_progress(quiet, "scanning") as progress:
        report = Auditor(limits=limits, jobs=jobs, progress=progress).scan(image, workdir)
    text = render_json(report, show_secrets)
    if output is not None and str(output) == "-":
        sys.stdout.write(text)
    elif output is not None:
        output.write_text(text, encoding="utf-8")
    if not quiet and not (output is not None and str(output) == "-"):
        print_report(Console(), report, show_secrets)
        if output is not None:
            Console().print(f"report: {output}")
    return 0
