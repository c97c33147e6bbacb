"""``spyless attest REPORT`` and ``spyless attest verify FILE``: signed verdict attestations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from spyless.attest.attestation import (
    attest,
    split_check_output,
    verdict_statement,
    verify_attestation,
)
from spyless.attest.dsse import envelope_from_json, envelope_to_json
from spyless.attest.interface import VERDICT_PREDICATE_TYPE, AttestError, Verifier
from spyless.attest.keys import (
    KeySigner,
    KeyVerifier,
    load_private_key,
    load_public_key,
    read_passphrase,
)
from spyless.attest.policy import AllOf, Policy, PredicateType, SubjectDigest, VerdictIs
from spyless.digest import file_sha256
from spyless.errors import InputError, UsageError

_MAX_JSON = 256 << 20


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        if path.stat().st_size > _MAX_JSON:
            raise InputError(f"{what} {path} is too large")
        data = json.loads(path.read_bytes())
    except OSError as e:
        raise InputError(f"cannot read {what} {path}: {e.strerror}") from e
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        raise InputError(f"{what} {path} is not JSON: {e}") from e
    if not isinstance(data, dict):
        raise InputError(f"{what} {path} is not a JSON object")
    return data


class _DefaultCommandGroup(click.Group):
    """``attest REPORT ...`` runs the ``create`` subcommand; ``attest verify ...`` verifies."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["create", *args]
        return super().parse_args(ctx, args)


@click.group("attest", cls=_DefaultCommandGroup)
def attest_group() -> None:
    """Sign a verdict as an in-toto attestation (DSSE), or verify one."""


@attest_group.command("create")
@click.argument("report", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--key", required=True, type=click.Path(path_type=Path, dir_okay=False,
                                                      exists=True), help="Private key (PEM).")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="The DSSE envelope (conventionally FILE.dsse.json).")
@click.option("--verdict", "verdict_file", type=click.Path(path_type=Path, dir_okay=False,
                                                           exists=True),
              help="Verdict JSON, when REPORT is a bare scan report.")
@click.option("--sbom", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="SBOM file whose sha256 the attestation records.")
@click.option("--passphrase-file", type=click.Path(path_type=Path, dir_okay=False))
def create_command(report: Path, key: Path, output: Path, verdict_file: Path | None,
                   sbom: Path | None, passphrase_file: Path | None) -> int:
    """Attest REPORT (``spyless check`` output with report and verdict)."""
    report_data, verdict = split_check_output(_read_json(report, "report"))
    if verdict_file is not None:
        verdict = _read_json(verdict_file, "verdict")
    if verdict is None:
        raise UsageError(f"{report} holds no verdict: give --verdict or use 'spyless check' "
                         "output")
    statement = verdict_statement(report_data, verdict, file_sha256(sbom) if sbom else None)
    signer = KeySigner(load_private_key(key, read_passphrase(passphrase_file)))
    envelope = attest(statement, [signer])
    try:
        output.write_text(envelope_to_json(envelope), encoding="utf-8")
    except OSError as e:
        raise InputError(f"cannot write {output}: {e.strerror}") from e
    verdict_text = statement.predicate.get("verdict")
    click.echo(f"wrote {output}: {statement.subjects[0].name} verdict {verdict_text}", err=True)
    return 0


def verdict_policy(image_sha256: str | None, allow_fail: bool) -> Policy:
    policies: list[Policy] = [PredicateType(VERDICT_PREDICATE_TYPE)]
    if image_sha256 is not None:
        policies.append(SubjectDigest(image_sha256))
    policies.append(VerdictIs(("pass", "fail") if allow_fail else ("pass",)))
    return AllOf(tuple(policies))


def load_dsse_verifiers(keys: tuple[Path, ...]) -> list[Verifier]:
    return [KeyVerifier(load_public_key(k)) for k in keys]


@attest_group.command("verify")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--key", "keys", required=True, multiple=True,
              type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Trusted public key (PEM); repeatable.")
@click.option("--image", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Require the attestation to be about this image (its sha256).")
@click.option("--allow-fail", is_flag=True, help="Accept a failing verdict (check signature "
                                                 "and subject only).")
def verify_command(file: Path, keys: tuple[Path, ...], image: Path | None,
                   allow_fail: bool) -> int:
    """Verify a verdict attestation's signature, predicate and (optionally) subject."""
    verifiers = load_dsse_verifiers(keys)
    policy = verdict_policy(file_sha256(image) if image else None, allow_fail)
    try:
        envelope = envelope_from_json(file.read_bytes())
        statement = verify_attestation(envelope, verifiers, policy)
    except AttestError as e:
        click.echo(f"spyless: verification failed: {e.diagnostics()}", err=True)
        return 1
    subject = statement.subjects[0]
    click.echo(f"OK: {subject.name} sha256:{subject.digest.get('sha256')} verdict "
               f"{statement.predicate.get('verdict')}")
    return 0
