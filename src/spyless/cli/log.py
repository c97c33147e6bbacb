"""``spyless log init|append|checkpoint|proof|bundle|tiles``: operate a transparency log.

The log is an SQLite file (default ``spyless-log.db``) or a ``postgresql://`` URL, given by
``--log`` or ``$SPYLESS_LOG``. Entries are DSSE envelopes of at most 65535 bytes.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import click

from spyless.cli.note import load_note_signer, read_text_arg
from spyless.errors import InputError, UsageError
from spyless.tlog.bundle import bundle_to_json, bundle_to_tlog_proof, make_bundle
from spyless.tlog.entries import check_envelope_entry
from spyless.tlog.interface import MAX_ENTRY_SIZE
from spyless.tlog.log import Log
from spyless.tlog.tiles import write_tiles

_log_option = click.option(
    "--log", "location", envvar="SPYLESS_LOG", default="spyless-log.db", show_default=True,
    help="SQLite file or postgresql:// URL of the log (or $SPYLESS_LOG).")


def open_log(location: str) -> Log:
    if location.startswith(("postgresql://", "postgres://")):
        return Log.open(location, check_envelope_entry)
    return Log.open(Path(location), check_envelope_entry)


@click.group("log")
def log_group() -> None:
    """Append signed verdicts to a tamper-evident log; checkpoints, proofs and tiles."""


@log_group.command("init")
@_log_option
@click.option("--origin", required=True,
              help="The log's identity, a schema-less URL such as example.org/spyless-log.")
def init_command(location: str, origin: str) -> int:
    """Create an empty log."""
    target: str | Path = location if "://" in location else Path(location)
    with Log.create(target, origin):
        pass
    click.echo(f"log {origin} ready at {location}", err=True)
    return 0


@log_group.command("append")
@_log_option
@click.argument("files", nargs=-1, required=True,
                type=click.Path(path_type=Path, dir_okay=False, allow_dash=True))
def append_command(location: str, files: tuple[Path, ...]) -> int:
    """Append DSSE envelope FILES in one transaction; print each entry's index."""
    entries = []
    for file in files:
        text = read_text_arg(file, "envelope", MAX_ENTRY_SIZE)
        entries.append(text.encode("utf-8"))
    with open_log(location) as log:
        indexes = log.append(entries)
    for file, index in zip(files, indexes, strict=True):
        click.echo(f"{index}\t{file}")
    return 0


@log_group.command("checkpoint")
@_log_option
@click.option("--key", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="The log's Ed25519 key (PEM or PRIVATE+KEY+... line file).")
@click.option("--name", help="Key name; default: the log's origin.")
@click.option("--passphrase-file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--add-signatures", "cosigned", type=click.Path(path_type=Path, dir_okay=False),
              help="Merge the cosignatures of this copy of a stored checkpoint instead.")
def checkpoint_command(location: str, key: Path | None, name: str | None,
                       passphrase_file: Path | None, cosigned: Path | None) -> int:
    """Sign a checkpoint of the current tree and print it (or merge witness cosignatures)."""
    with open_log(location) as log:
        if cosigned is not None:
            click.echo(log.add_signatures(read_text_arg(cosigned, "checkpoint")), nl=False)
            return 0
        if key is None:
            raise UsageError("--key is required to sign a checkpoint")
        signer = load_note_signer(key, name or log.origin, passphrase_file)
        click.echo(log.checkpoint([signer]).render(), nl=False)
    return 0


@log_group.command("proof")
@_log_option
@click.option("--index", type=click.IntRange(min=0), help="Inclusion proof for this entry.")
@click.option("--old-size", type=click.IntRange(min=1), help="Consistency proof from this size.")
@click.option("--size", type=click.IntRange(min=0), help="Tree size (default: current).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def proof_command(location: str, index: int | None, old_size: int | None, size: int | None,
                  as_json: bool) -> int:
    """Print an inclusion proof (--index) or a consistency proof (--old-size)."""
    if (index is None) == (old_size is None):
        raise UsageError("give exactly one of --index and --old-size")
    with open_log(location) as log:
        if index is not None:
            proof = log.inclusion_proof(index, size)
            head = {"index": proof.index, "size": proof.size}
            hashes = proof.hashes
        else:
            assert old_size is not None  # noqa: S101 - narrowed by the check above
            consistency = log.consistency_proof(old_size, size)
            head = {"old_size": consistency.old_size, "size": consistency.new_size}
            hashes = consistency.hashes
        root = log.root_hash(head["size"])
    encoded = [base64.b64encode(h).decode("ascii") for h in hashes]
    if as_json:
        click.echo(json.dumps({**head, "root_hash": base64.b64encode(root).decode("ascii"),
                               "hashes": encoded}, indent=1))
    else:
        click.echo("\n".join([*(f"{k} {v}" for k, v in head.items()), *encoded]))
    return 0


@log_group.command("bundle")
@_log_option
@click.option("--index", type=click.IntRange(min=0), required=True)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True)
@click.option("--checkpoint", "checkpoint_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Use this (cosigned) checkpoint instead of the latest stored one.")
@click.option("--format", "fmt", type=click.Choice(["json", "tlog-proof"]), default="json",
              show_default=True, help="JSON bundle, or the c2sp.org/tlog-proof@v1 text.")
@click.option("--no-entry", is_flag=True, help="Carry only the leaf hash, not the envelope.")
def bundle_command(location: str, index: int, output: Path, checkpoint_file: Path | None,
                   fmt: str, no_entry: bool) -> int:
    """Write an offline proof bundle for entry INDEX."""
    note = read_text_arg(checkpoint_file, "checkpoint") if checkpoint_file else None
    with open_log(location) as log:
        bundle = make_bundle(log, index, note, include_entry=not no_entry)
    text = bundle_to_json(bundle) if fmt == "json" else bundle_to_tlog_proof(bundle)
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as e:
        raise InputError(f"cannot write {output}: {e.strerror}") from e
    click.echo(f"wrote {output}", err=True)
    return 0


@log_group.command("tiles")
@_log_option
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
def tiles_command(location: str, directory: Path) -> int:
    """Export checkpoint, tiles and entry bundles as static files (C2SP tlog-tiles)."""
    with open_log(location) as log:
        count = write_tiles(log, directory)
    click.echo(f"wrote {count} files to {directory}", err=True)
    return 0


@log_group.command("serve")
@click.argument("db", required=False)
@_log_option
@click.option("--key", required=True, type=click.Path(path_type=Path, dir_okay=False,
                                                      exists=True),
              help="The log's Ed25519 key (PEM or PRIVATE+KEY+... line file).")
@click.option("--name", help="Key name; default: the log's origin.")
@click.option("--passphrase-file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--listen", default="127.0.0.1:8080", show_default=True,
              help="IP:PORT to bind (only this address; port 0 picks a free one).")
@click.option("--token-file", required=True,
              type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="File whose first line is the submission API token (16+ characters).")
@click.option("--checkpoint-interval", type=click.FloatRange(min=0.05), default=1.0,
              show_default=True, help="Seconds between checkpoints while the log grows.")
@click.option("--request-timeout", type=click.FloatRange(min=0.5), default=10.0,
              show_default=True, help="Seconds a connection may stay silent.")
@click.option("--workers", type=click.IntRange(min=1, max=1024), default=32,
              show_default=True, help="Threads serving connections.")
def serve_command(db: str | None, location: str, key: Path, name: str | None,
                  passphrase_file: Path | None, listen: str, token_file: Path,
                  checkpoint_interval: float, request_timeout: float, workers: int) -> int:
    """Serve DB (or --log) over HTTP: C2SP tlog-tiles, proofs, and POST /add with a token."""
    from spyless.tlog.httpd import parse_listen, run_until_signalled  # noqa: PLC0415
    from spyless.tlog.server import LogServer, ServerConfig, token_digest  # noqa: PLC0415

    address = parse_listen(listen)
    token = read_text_arg(token_file, "token file", 4096).strip().split("\n")[0].strip()
    if len(token) < 16:
        raise UsageError(f"the token in {token_file} is shorter than 16 characters")
    config = ServerConfig(address, token_digest(token), checkpoint_interval, request_timeout,
                          workers=workers)
    log = open_log(db or location)
    try:
        signer = load_note_signer(key, name or log.origin, passphrase_file)
        server = LogServer(log, [signer], config)
    except BaseException:
        log.close()
        raise
    server.start_background()
    click.echo(f"spyless log serve: {log.origin} listening on {server.url}", err=True)

    def stop() -> None:
        server.shutdown()
        log.close()
        click.echo("spyless log serve: stopped", err=True)

    run_until_signalled(stop)
    return 0
