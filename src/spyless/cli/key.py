"""``spyless key generate``: a signing key pair, private key 0600 and optionally encrypted."""

from __future__ import annotations

from pathlib import Path

import click

from spyless.attest.keys import (
    KeyType,
    ed25519_seed,
    generate_private_key,
    public_pem,
    read_passphrase,
    write_private_key,
    write_public_file,
    write_secret_file,
)
from spyless.errors import UsageError
from spyless.tlog.note import Ed25519NoteSigner, check_key_name


@click.group("key")
def key_group() -> None:
    """Signing keys for attestations, log checkpoints and witness cosignatures."""


@key_group.command("generate")
@click.option("-o", "--output", "output", required=True,
              type=click.Path(path_type=Path, dir_okay=False),
              help="Private key file (PEM, mode 0600); the public key goes to OUTPUT.pub.")
@click.option("--type", "key_type", type=click.Choice([t.value for t in KeyType]),
              default=KeyType.ED25519.value, show_default=True)
@click.option("--passphrase-file", type=click.Path(path_type=Path, dir_okay=False),
              help="Encrypt the private key with the first line of this file "
                   "(or set SPYLESS_KEY_PASSPHRASE).")
@click.option("--note-name", help="Also print the C2SP signed-note verifier key line for this "
                                  "key name, and write the signer key line to OUTPUT.note.")
@click.option("--force", is_flag=True, help="Replace existing key files.")
def generate_command(output: Path, key_type: str, passphrase_file: Path | None,
                     note_name: str | None, force: bool) -> int:
    """Generate a key pair (Ed25519 by default). The private key is never printed."""
    kind = KeyType(key_type)
    if note_name is not None:
        if kind is not KeyType.ED25519:
            raise UsageError("--note-name needs an Ed25519 key (signed notes use Ed25519)")
        check_key_name(note_name)
    passphrase = read_passphrase(passphrase_file)
    key = generate_private_key(kind)
    public = Path(f"{output}.pub")
    write_private_key(output, key, passphrase, overwrite=force)
    write_public_file(public, public_pem(key.public_key()), overwrite=force)
    written = [f"{output} (private, mode 0600{', encrypted' if passphrase else ''})", str(public)]
    if note_name is not None:
        signer = Ed25519NoteSigner(note_name, ed25519_seed(key))
        if passphrase is None:
            note_file = Path(f"{output}.note")
            write_secret_file(note_file, (signer.signer_key() + "\n").encode("ascii"), force)
            written.append(f"{note_file} (signer key line, mode 0600)")
        click.echo(signer.verifier().vkey())
    click.echo("wrote " + ", ".join(written), err=True)
    return 0
