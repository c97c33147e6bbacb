"""``spyless traffic CAPTURE``: judge what a device contacted against its declared endpoints."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from spyless.traffic import DEFAULT_UPLOAD_THRESHOLD, analyze_capture, exit_code, load_allowlist
from spyless.traffic.render import print_report, render_json


@click.command("traffic")
@click.argument("capture", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--agreement", "-a", type=click.Path(path_type=Path, dir_okay=False),
              help="Agreement (TOML) whose [[endpoints]] and [network] dns_resolvers say "
                   "what the device may contact.")
@click.option("--device", metavar="IP",
              help="The device's address (default: the private side of each flow, or the "
                   "side that opened it).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the full report as JSON to this file ('-' for stdout).")
@click.option("--upload-threshold", type=click.IntRange(min=0),
              default=DEFAULT_UPLOAD_THRESHOLD, show_default=True,
              help="Payload bytes sent to one destination above which it is a finding.")
@click.option("--top-flows", type=click.IntRange(min=0), default=100, show_default=True,
              help="How many flows (largest first) the JSON report lists.")
@click.option("--show-secrets", is_flag=True,
              help="Show passwords seen on the wire in full instead of masked.")
@click.option("--quiet", "-q", is_flag=True, help="No terminal summary.")
def traffic_command(capture: Path, agreement: Path | None, device: str | None,
                    output: Path | None, upload_threshold: int, top_flows: int,
                    show_secrets: bool, quiet: bool) -> int:
    """Read a pcap/pcapng CAPTURE of the device and list every destination it contacted.

    Exit code 0 when every destination is declared (or no agreement is given) and no
    credentials crossed the wire in cleartext, 1 otherwise, 2 for a usage or input error.
    """
    allowed = load_allowlist(agreement) if agreement is not None else None
    report = analyze_capture(capture, allowed=allowed, device=device,
                             upload_threshold=upload_threshold)
    to_stdout = output is not None and str(output) == "-"
    if output is not None:
        text = render_json(report, show_secrets, top_flows)
        if to_stdout:
            sys.stdout.write(text)
        else:
            output.write_text(text, encoding="utf-8")
    if not quiet and not to_stdout:
        print_report(Console(), report, show_secrets)
        if output is not None:
            Console().print(f"report: {output}")
    return exit_code(report)
