"""``spyless verify IMAGE --bundle FILE ...``: offline, end-to-end check of one image.

Is this exact image covered by a passing verdict from a trusted signer, included in a log
whose checkpoint at least K trusted witnesses cosigned? Each failure is one line naming
the step that failed, and exit code 1; bad arguments or unreadable keys exit 2.
"""

from __future__ import annotations

from pathlib import Path

import click

from spyless.attest.attestation import verify_attestation
from spyless.attest.dsse import envelope_from_json
from spyless.attest.interface import AttestError, Statement, Verifier
from spyless.cli.attest import load_dsse_verifiers, verdict_policy
from spyless.cli.note import load_verifiers, read_text_arg
from spyless.digest import file_sha256
from spyless.errors import UsageError
from spyless.tlog.bundle import (
    MAX_BUNDLE_SIZE,
    VerifiedInclusion,
    bundle_from_json,
    verify_bundle,
)
from spyless.tlog.interface import TlogError
from spyless.tlog.note import NoteVerifier


class _Failed(Exception):
    def __init__(self, step: str, detail: str) -> None:
        super().__init__(f"{step}: {detail}")


def _check(bundle_text: str, digest: str, dsse_keys: list[Verifier],
           log_verifiers: list[NoteVerifier], witnesses: list[NoteVerifier], quorum: int,
           origin: str | None) -> tuple[Statement, VerifiedInclusion]:
    """Every step, in order; the first failure raises :class:`_Failed` naming its step."""
    try:
        bundle = bundle_from_json(bundle_text)
    except TlogError as e:
        raise _Failed("proof bundle", e.diagnostics()) from e
    if bundle.entry is None:
        raise _Failed("proof bundle", "it carries no attestation (made with --no-entry)")
    try:
        statement = verify_attestation(envelope_from_json(bundle.entry), dsse_keys,
                                       verdict_policy(digest, allow_fail=False))
    except AttestError as e:
        raise _Failed("attestation", e.diagnostics()) from e
    try:
        proved = verify_bundle(bundle, log_verifiers, witnesses, quorum, origin)
    except TlogError as e:
        raise _Failed("log", e.diagnostics()) from e
    return statement, proved


@click.command("verify")
@click.argument("image", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--bundle", "bundle_file", required=True,
              type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Offline proof bundle from 'spyless log bundle'.")
@click.option("--signer", "signers", required=True, multiple=True,
              type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Trusted verdict signer public key (PEM); repeatable.")
@click.option("--log-key", "log_keys", required=True, multiple=True,
              help="The log's verifier key line (or a file holding it); repeatable.")
@click.option("--origin", help="The log's origin, if it differs from its key name.")
@click.option("--witness", "witnesses", multiple=True,
              help="A trusted witness's verifier key line (or file); repeatable.")
@click.option("--quorum", type=click.IntRange(min=0), default=None,
              help="Witness cosignatures required (default: all given witnesses).")
def verify_command(image: Path, bundle_file: Path, signers: tuple[Path, ...],
                   log_keys: tuple[str, ...], origin: str | None, witnesses: tuple[str, ...],
                   quorum: int | None) -> int:
    """Verify IMAGE against a signed, logged and witnessed verdict, fully offline."""
    required = len(witnesses) if quorum is None else quorum
    if required > len(witnesses):
        raise UsageError(f"--quorum {required} is more than the {len(witnesses)} --witness keys")
    dsse_keys = load_dsse_verifiers(signers)
    log_verifiers = load_verifiers(log_keys)
    witness_verifiers = load_verifiers(witnesses, witness=True)
    bundle_text = read_text_arg(bundle_file, "proof bundle", MAX_BUNDLE_SIZE)
    digest = file_sha256(image)
    try:
        statement, proved = _check(bundle_text, digest, dsse_keys, log_verifiers,
                                   witness_verifiers, required, origin)
    except _Failed as e:
        click.echo(f"spyless: verification failed: {e}", err=True)
        return 1
    cosigners = ", ".join(proved.witnesses) or "no witnesses"
    click.echo(f"OK: {image.name} (sha256:{digest}) has a passing verdict for agreement "
               f"{statement.predicate.get('agreement', {}).get('id')!r}, logged as entry "
               f"{proved.index} of {proved.checkpoint.origin} (tree size "
               f"{proved.checkpoint.size}), cosigned by {cosigners} "
               f"({len(proved.witnesses)} of {required} required)")
    return 0
