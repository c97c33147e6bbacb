"""``spyless note sign|verify|vkey``: C2SP signed notes, interoperable with other C2SP tools.

Also the key-loading helpers the ``log`` and ``verify`` commands share: a note signer from
a PEM private key or a ``PRIVATE+KEY+...`` line, and verifier keys given inline or as files.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from spyless.attest.keys import ed25519_seed, load_private_key, read_passphrase
from spyless.errors import InputError, UsageError
from spyless.tlog.cosignature import CosignatureSigner, parse_witness_key
from spyless.tlog.interface import NoteError
from spyless.tlog.note import (
    MAX_NOTE_SIZE,
    Ed25519NoteSigner,
    NoteVerifier,
    open_note,
    parse_note,
    parse_signer_key,
    parse_verifier_key,
    sign_note,
)


def read_text_arg(path: Path, what: str, limit: int = MAX_NOTE_SIZE) -> str:
    try:
        data = sys.stdin.buffer.read(limit + 1) if str(path) == "-" else path.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read {what} {path}: {e.strerror}") from e
    if len(data) > limit:
        raise InputError(f"{what} {path} is larger than {limit} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{what} {path} is not UTF-8 text") from e


def key_line_arg(value: str) -> str:
    """A key line given inline, or the first non-empty line of the file it names."""
    path = Path(value)
    if path.is_file():
        lines = [line.strip() for line in read_text_arg(path, "key file", 64 << 10).splitlines()]
        value = next((line for line in lines if line), "")
    return value.strip()


def load_verifiers(values: tuple[str, ...], witness: bool = False) -> list[NoteVerifier]:
    """Verifier keys (type 0x01; for witnesses also 0x04 cosigner keys)."""
    verifiers: list[NoteVerifier] = []
    for value in values:
        line = key_line_arg(value)
        try:
            verifiers.append(parse_witness_key(line) if witness else parse_verifier_key(line))
        except NoteError as e:
            raise UsageError(f"verifier key {value[:60]!r}: {e.diagnostics()}") from e
    return verifiers


def load_note_signer(path: Path, name: str | None, passphrase_file: Path | None,
                     cosignature: bool = False) -> Ed25519NoteSigner | CosignatureSigner:
    """A signer from a ``PRIVATE+KEY+...`` line file or an Ed25519 PEM private key."""
    head = path.read_bytes()[:16] if path.is_file() else b""
    if head.startswith(b"PRIVATE+KEY+"):
        signer = parse_signer_key(read_text_arg(path, "signer key", 4096).strip())
        if name is not None and name != signer.name:
            raise UsageError(f"signer key {path} is for {signer.name!r}, not {name!r}")
        seed, key_name = signer.seed, signer.name
    else:
        if name is None:
            raise UsageError("a PEM key needs --name (the signed-note key name)")
        seed, key_name = ed25519_seed(load_private_key(path, read_passphrase(passphrase_file))
                                      ), name
    if cosignature:
        return CosignatureSigner(key_name, seed)
    return Ed25519NoteSigner(key_name, seed)


@click.group("note")
def note_group() -> None:
    """Sign and verify C2SP signed notes (checkpoints, cosignatures, any text)."""


_key_option = click.option("--key", "key", required=True,
                           type=click.Path(path_type=Path, dir_okay=False, exists=True),
                           help="Ed25519 PEM private key, or a PRIVATE+KEY+... signer key file.")


@note_group.command("sign")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, allow_dash=True))
@_key_option
@click.option("--name", help="Key name (required with a PEM key).")
@click.option("--cosignature", is_flag=True,
              help="Sign as a C2SP tlog-cosignature v1 (type 0x04, timestamped) witness.")
@click.option("--passphrase-file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the signed note here instead of stdout.")
def sign_command(file: Path, key: Path, name: str | None, cosignature: bool,
                 passphrase_file: Path | None, output: Path | None) -> int:
    """Sign FILE: plain text becomes a signed note; a signed note gets one more signature."""
    text = read_text_arg(file, "note")
    signer = load_note_signer(key, name, passphrase_file, cosignature)
    try:
        existing = parse_note(text)
    except NoteError:
        note = sign_note(text if text.endswith("\n") else text + "\n", [signer])
    else:
        kept = tuple(s for s in existing.signatures
                     if (s.name, s.key_id) != (signer.name, signer.key_id))
        note = sign_note(existing.text, [signer], kept)
    if output is None:
        click.echo(note.render(), nl=False)
    else:
        output.write_text(note.render(), encoding="utf-8")
    return 0


@note_group.command("verify")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, allow_dash=True))
@click.option("--key", "keys", required=True, multiple=True,
              help="Verifier key line name+keyid+base64 (or a file holding it); repeatable.")
@click.option("--quiet", "-q", is_flag=True, help="Do not print the verified text.")
def verify_command(file: Path, keys: tuple[str, ...], quiet: bool) -> int:
    """Verify a signed note; print its text only if a trusted signature verifies."""
    verifiers = load_verifiers(keys, witness=True)
    text = read_text_arg(file, "note")
    try:
        note, verified = open_note(text, verifiers)
    except NoteError as e:
        click.echo(f"spyless: verification failed: {e.diagnostics()}", err=True)
        return 1
    if not quiet:
        click.echo(note.text, nl=False)
    for sig in verified:
        click.echo(f"verified: {sig.name}+{sig.key_id.hex()}", err=True)
    return 0


@note_group.command("vkey")
@_key_option
@click.option("--name", help="Key name (required with a PEM key).")
@click.option("--cosignature", is_flag=True, help="Print the witness cosigner key (type 0x04).")
@click.option("--passphrase-file", type=click.Path(path_type=Path, dir_okay=False))
def vkey_command(key: Path, name: str | None, cosignature: bool,
                 passphrase_file: Path | None) -> int:
    """Print the verifier key line of a signing key."""
    signer = load_note_signer(key, name, passphrase_file, cosignature)
    click.echo(signer.verifier().vkey())
    return 0
