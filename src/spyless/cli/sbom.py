"""``spyless sbom IMAGE --format cyclonedx|spdx -o FILE``: scan an image, export its SBOM."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from spyless.audit import Auditor
from spyless.cli.unpack import limits_from, limits_options
from spyless.sbom import SbomFormat, render_sbom


@click.command("sbom")
@click.argument("image", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--format", "-f", "fmt", type=click.Choice([f.value for f in SbomFormat]),
              default=SbomFormat.CYCLONEDX.value, show_default=True,
              help="CycloneDX 1.6 JSON (components and vulnerabilities as VEX) or SPDX 2.3 "
                   "JSON.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default="-",
              show_default=True, help="Write the SBOM to this file ('-' for stdout).")
@click.option("--workdir", type=click.Path(path_type=Path, file_okay=False),
              help="Unpack here and keep it (must be empty); default: a temporary folder.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes for the analyzers (default: all cores).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@limits_options
def sbom_command(image: Path, fmt: str, output: Path, workdir: Path | None, jobs: int | None,
                 quiet: bool, max_bytes: int, max_ratio: float, max_files: int,
                 max_depth: int, handler_timeout: float, timeout: float) -> int:
    """Scan IMAGE and write a software bill of materials of what it contains."""
    limits = limits_from(max_bytes, max_ratio, max_files, max_depth, handler_timeout, timeout)
    report = Auditor(limits=limits, jobs=jobs).scan(image, workdir)
    text = render_sbom(report, fmt)
    if str(output) == "-":
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        if not quiet:
            click.echo(f"{fmt} SBOM of {image.name}: {len(report.components)} components, "
                       f"{len(report.vulnerabilities)} vulnerabilities -> {output}", err=True)
    return 0
