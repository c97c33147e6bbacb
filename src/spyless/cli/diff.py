"""``spyless diff OLD NEW``: what changed between two releases that matters for security.

Exit status: 0, or 1 when ``--release-notes`` is given and a security-relevant change is
not declared in them (agreement clause TR-5); 2 for usage and input errors.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click
from rich.console import Console

from spyless.cli.unpack import limits_from, limits_options
from spyless.diff import render_delta
from spyless.diff.declared import load_declared, undeclared_changes
from spyless.diff.delta import diff_images
from spyless.diff.interface import UndeclaredChange
from spyless.diff.render_common import OutputFormat, parse_formats
from spyless.errors import UsageError


def write_outputs(formats: list[OutputFormat], output: Path | None, default_base: str,
                  render: Callable[[OutputFormat], str]) -> list[Path]:
    """Write one file per format (``BASE.json``, ``BASE.md``…); ``-o -`` prints the one
    format chosen. Returns the files written."""
    if not formats:
        if output is not None:
            raise UsageError("--output needs --format")
        return []
    if output is not None and str(output) == "-":
        if len(formats) != 1:
            raise UsageError("'-o -' prints one format only")
        sys.stdout.write(render(formats[0]))
        return []
    base = output or Path(default_base)
    written = []
    for fmt in formats:
        path = base if len(formats) == 1 and base.suffix else base.with_name(
            base.name + fmt.extension)
        path.write_text(render(fmt), encoding="utf-8")
        written.append(path)
    return written


@click.command("diff")
@click.argument("old", type=click.Path(path_type=Path, dir_okay=False), required=False)
@click.argument("new", type=click.Path(path_type=Path, dir_okay=False), required=False)
@click.option("--old-report", type=click.Path(path_type=Path, dir_okay=False),
              help="Take the old image's facts from this JSON report (spyless scan -o).")
@click.option("--new-report", type=click.Path(path_type=Path, dir_okay=False),
              help="Take the new image's facts from this JSON report.")
@click.option("--release-notes", type=click.Path(path_type=Path, dir_okay=False),
              help="Declared changes (TOML: [[release_notes.changes]] or an agreement); "
                   "exit 1 when a security-relevant change is not declared.")
@click.option("--format", "formats", default="", metavar="LIST",
              help="Write these formats: json, markdown, html, sarif (comma list; SARIF has "
                   "the new findings only).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Base name of the files written (default spyless-diff); '-' prints the "
                   "one format chosen.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes for the analyzers (default: all cores).")
@click.option("--show-secrets", is_flag=True, help="Show secrets in full instead of masked.")
@click.option("--quiet", "-q", is_flag=True, help="No terminal summary.")
@limits_options
def diff_command(old: Path | None, new: Path | None, old_report: Path | None,
                 new_report: Path | None, release_notes: Path | None, formats: str,
                 output: Path | None, jobs: int | None, show_secrets: bool, quiet: bool,
                 max_bytes: int, max_ratio: float, max_files: int, max_depth: int,
                 handler_timeout: float, timeout: float) -> int:
    """Compare the facts and findings of two images (OLD, NEW), not just their bytes."""
    chosen = parse_formats(formats)
    declared = load_declared(release_notes) if release_notes is not None else None
    limits = limits_from(max_bytes, max_ratio, max_files, max_depth, handler_timeout, timeout)
    delta = diff_images(old, new, old_report=old_report, new_report=new_report, jobs=jobs,
                        limits=limits)
    undeclared: list[UndeclaredChange] | None = (
        None if declared is None else undeclared_changes(delta, declared))

    def render(fmt: OutputFormat) -> str:
        if fmt is OutputFormat.JSON:
            return render_delta.render_json(delta, show_secrets, undeclared)
        if fmt is OutputFormat.MARKDOWN:
            return render_delta.render_markdown(delta, show_secrets, undeclared)
        if fmt is OutputFormat.HTML:
            return render_delta.render_html(delta, show_secrets, undeclared)
        return render_delta.render_sarif(delta, show_secrets)

    written = write_outputs(chosen, output, "spyless-diff", render)
    if not quiet and not (output is not None and str(output) == "-"):
        console = Console()
        render_delta.print_delta(console, delta, show_secrets, undeclared)
        for path in written:
            console.print(f"wrote {path}")
    return 1 if undeclared else 0
