"""``spyless witness serve|add-checkpoint``: run a C2SP witness, or get a log's checkpoint
cosigned by witnesses and merge their cosignatures into the log."""

from __future__ import annotations

from pathlib import Path

import click

from spyless.cli.log import _log_option, open_log
from spyless.cli.note import load_note_signer, load_verifiers, read_text_arg
from spyless.errors import UsageError
from spyless.tlog.cosignature import CosignatureSigner
from spyless.tlog.httpd import parse_listen, run_until_signalled
from spyless.witness.client import WitnessEndpoint, cosign_checkpoint
from spyless.witness.server import WitnessServer
from spyless.witness.state import WitnessState
from spyless.witness.witness import Witness


@click.group("witness")
def witness_group() -> None:
    """Witness logs' checkpoints (cosign only what extends what was seen), or ask witnesses."""


@witness_group.command("serve")
@click.option("--key", required=True, type=click.Path(path_type=Path, dir_okay=False,
                                                      exists=True),
              help="The witness's Ed25519 key (PEM or PRIVATE+KEY+... line file).")
@click.option("--name", help="The witness's key name (required with a PEM key).")
@click.option("--passphrase-file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--log-key", "log_keys", required=True, multiple=True,
              help="A trusted log's verifier key line (or file); its name is the log's "
                   "origin. Repeatable.")
@click.option("--state", "state_dir", required=True,
              type=click.Path(path_type=Path, file_okay=False),
              help="Directory of the witness's state and fork evidence (keep it: losing it "
                   "lets a log roll back).")
@click.option("--listen", default="127.0.0.1:8081", show_default=True,
              help="IP:PORT to bind (only this address; port 0 picks a free one).")
@click.option("--request-timeout", type=click.FloatRange(min=0.5), default=10.0,
              show_default=True)
def serve_command(key: Path, name: str | None, passphrase_file: Path | None,
                  log_keys: tuple[str, ...], state_dir: Path, listen: str,
                  request_timeout: float) -> int:
    """Serve POST /add-checkpoint (c2sp.org/tlog-witness) for the given logs."""
    address = parse_listen(listen)
    signer = load_note_signer(key, name, passphrase_file, cosignature=True)
    if not isinstance(signer, CosignatureSigner):
        raise UsageError("internal: expected a cosignature signer")
    witness = Witness(signer, load_verifiers(log_keys), WitnessState(state_dir))
    server = WitnessServer(witness, address, request_timeout)
    server.start_background()
    click.echo(f"spyless witness serve: {signer.verifier().vkey()} listening on {server.url}",
               err=True)
    run_until_signalled(server.shutdown)
    return 0


@witness_group.command("add-checkpoint")
@_log_option
@click.option("--witness", "urls", required=True, multiple=True,
              help="A witness's URL prefix (POST <url>/add-checkpoint); repeatable.")
@click.option("--witness-key", "keys", required=True, multiple=True,
              help="That witness's cosigner verifier key line (or file), in the same order.")
@click.option("--checkpoint", "checkpoint_file", type=click.Path(path_type=Path, dir_okay=False),
              help="The checkpoint to cosign (default: the log's latest).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True)
def add_checkpoint_command(location: str, urls: tuple[str, ...], keys: tuple[str, ...],
                           checkpoint_file: Path | None, timeout: float) -> int:
    """Get the log's checkpoint cosigned by witnesses; merge and print the cosigned note.

    Exit code 0 when every witness cosigned, 1 when some refused or could not be reached.
    """
    if len(urls) != len(keys):
        raise UsageError(f"{len(urls)} --witness URLs but {len(keys)} --witness-key keys")
    endpoints = [WitnessEndpoint(url, verifier) for url, verifier in
                 zip(urls, load_verifiers(keys, witness=True), strict=True)]
    note = read_text_arg(checkpoint_file, "checkpoint") if checkpoint_file else None
    with open_log(location) as log:
        merged, outcomes = cosign_checkpoint(log, endpoints, note, timeout)
    click.echo(merged, nl=False)
    for outcome in outcomes:
        status = "cosigned" if outcome.error is None else f"refused: {outcome.error}"
        click.echo(f"{outcome.witness}: {status}", err=True)
    return 0 if all(o.error is None for o in outcomes) else 1
