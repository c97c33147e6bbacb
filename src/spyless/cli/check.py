"""``spyless check IMAGE``: scan (or read a report), judge it against an agreement, and say
whether the image conforms, clause by clause."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click
from rich.console import Console

from spyless.agreement import builtin_agreement, evaluate, load_agreement
from spyless.agreement.coverage import coverage_of
from spyless.agreement.terminal import print_verdict
from spyless.audit import Auditor
from spyless.cli.progress import unpack_progress
from spyless.cli.unpack import limits_from, limits_options
from spyless.digest import file_sha256
from spyless.errors import InputError, UsageError
from spyless.report.formats import RENDERERS, RenderOptions, output_paths, parse_formats
from spyless.report.json_format import load_report
from spyless.report.model import Report
from spyless.traffic import analyze_capture

_FILE = click.Path(path_type=Path, dir_okay=False)


def _report(image: Path | None, report_file: Path | None, jobs: int | None, quiet: bool,
            limits_args: tuple[int, float, int, int, float, float]) -> tuple[Report, bool]:
    if report_file is not None:
        report = load_report(report_file)
        if image is not None and file_sha256(image) != report.image.sha256:
            raise InputError(f"{report_file} is the report of {report.image.name} "
                             f"(sha256 {report.image.sha256[:12]}…), not of {image}")
        return report, False
    if image is None:
        raise UsageError("give an IMAGE to scan, or --report with a report JSON")
    if not image.is_file():
        raise InputError(f"{image}: no such image file")
    limits = limits_from(*limits_args)
    with unpack_progress(quiet, "scanning") as progress:
        return Auditor(limits=limits, jobs=jobs, progress=progress).scan(image), True


@click.command("check")
@click.argument("image", required=False, type=_FILE)
@click.option("--agreement", "-a", "agreement_file", type=_FILE,
              help="Agreement (TOML) to judge against; default: the built-in baseline with "
                   "nothing declared.")
@click.option("--report", "report_file", type=_FILE,
              help="Judge this report JSON (from `spyless scan -o`) instead of scanning.")
@click.option("--capture", type=_FILE,
              help="pcap/pcapng capture of the device; its findings feed NS-2, NS-3, NB-4, "
                   "NB-5 and TR-7.")
@click.option("--device", metavar="IP", help="The device's address in the capture.")
@click.option("--baseline", "baseline_file", type=_FILE,
              help="A previous report JSON: findings already in it do not count (only new "
                   "ones do), and TR-5 compares against it.")
@click.option("-o", "--output", type=_FILE,
              help="Write the result here ('-' for stdout); with several formats, one file "
                   "per format with its extension.")
@click.option("--format", "formats", default="json", show_default=True,
              help="Output formats, comma separated: " + ", ".join(f.value for f in RENDERERS))
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD",
              help="Judge waiver expiry and support periods as of this date (default: today).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes for the analyzers (default: all cores).")
@click.option("--show-secrets", is_flag=True,
              help="Show passwords, keys and tokens in full instead of masked.")
@click.option("--quiet", "-q", is_flag=True, help="No terminal view.")
@limits_options
def check_command(image: Path | None, agreement_file: Path | None, report_file: Path | None,
                  capture: Path | None, device: str | None, baseline_file: Path | None,
                  output: Path | None, formats: str, as_of: str | None, jobs: int | None,
                  show_secrets: bool, quiet: bool, max_bytes: int, max_ratio: float,
                  max_files: int, max_depth: int, handler_timeout: float,
                  timeout: float) -> int:
    """Judge IMAGE against a no-spy, no-backdoors agreement, clause by clause.

    Every clause of the standard (docs/agreement.md) gets PASS, FAIL, WAIVED, NOT
    EVALUATED, DECLARATION ONLY or DISABLED, with the evidence behind each FAIL and the
    checks behind each PASS.

    Exit code: 0 the image conforms (no clause fails), 1 it does not conform, 2 usage or
    input error (bad option, unreadable image, report, capture or agreement).
    """
    chosen = parse_formats(formats)
    today = dt.date.today()
    if as_of is not None:
        try:
            today = dt.date.fromisoformat(as_of)
        except ValueError as e:
            raise UsageError(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)") from e
    if output is not None and str(output) == "-" and len(chosen) > 1:
        raise UsageError("several formats cannot all go to stdout; give -o FILE")
    agreement = load_agreement(agreement_file) if agreement_file else builtin_agreement()
    previous = load_report(baseline_file) if baseline_file else None
    report, scanned = _report(image, report_file, jobs, quiet,
                              (max_bytes, max_ratio, max_files, max_depth, handler_timeout,
                               timeout))
    traffic = analyze_capture(capture, allowed=agreement.allowlist(), device=device) \
        if capture else None
    coverage = coverage_of(report, scanned_now=scanned, capture=traffic is not None,
                           previous=previous is not None)
    verdict = evaluate(report, agreement, capture=traffic, previous=previous,
                       coverage=coverage, today=today,
                       previous_source=str(baseline_file) if baseline_file else None)
    to_stdout = output is not None and str(output) == "-"
    options = RenderOptions(show_secrets=show_secrets)
    written: list[Path] = []
    if output is not None:
        if to_stdout:
            sys.stdout.write(RENDERERS[chosen[0]].render(report, verdict, options))
        else:
            for fmt, path in output_paths(output, chosen).items():
                path.write_text(RENDERERS[fmt].render(report, verdict, options),
                                encoding="utf-8")
                written.append(path)
    if not quiet and not to_stdout:
        console = Console()
        print_verdict(console, verdict, show_secrets)
        for path in written:
            console.print(f"written: {path}")
    return verdict.exit_code
