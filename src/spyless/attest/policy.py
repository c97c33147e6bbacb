"""Verification policies: small objects that each check one thing about a verified
statement, composed with :class:`AllOf`. Each failure raises :class:`PolicyError` naming
what was expected and what was found."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from spyless.attest.interface import AttestError, PolicyError, Statement
from spyless.attest.predicate import parse_predicate


class Policy(Protocol):
    def check(self, statement: Statement) -> None: ...


@dataclass(frozen=True, slots=True)
class SubjectDigest:
    """Some subject's sha256 digest equals the given one (the image being verified)."""

    sha256: str

    def check(self, statement: Statement) -> None:
        wanted = self.sha256.lower()
        if not any(s.digest.get("sha256") == wanted for s in statement.subjects):
            found = ", ".join(f"{s.name} sha256:{s.digest.get('sha256', '?')[:16]}…"
                              for s in statement.subjects)
            raise PolicyError(f"the attestation is not about this image (sha256:{wanted[:16]}…);"
                              f" it covers {found}")


@dataclass(frozen=True, slots=True)
class PredicateType:
    predicate_type: str

    def check(self, statement: Statement) -> None:
        if statement.predicate_type != self.predicate_type:
            raise PolicyError(f"predicate type is {statement.predicate_type!r}, "
                              f"expected {self.predicate_type!r}")


@dataclass(frozen=True, slots=True)
class VerdictIs:
    """The verdict predicate is valid and its overall verdict is one of ``accepted``."""

    accepted: tuple[str, ...] = ("pass",)

    def check(self, statement: Statement) -> None:
        try:
            predicate = parse_predicate(statement.predicate)
        except AttestError as e:
            raise PolicyError(e.diagnostics()) from e
        if predicate.verdict not in self.accepted:
            failing = [c.id for c in predicate.clauses if c.status == "fail"]
            detail = f" (failing clauses: {', '.join(failing)})" if failing else ""
            raise PolicyError(f"the verdict is {predicate.verdict!r}, not "
                              f"{' or '.join(self.accepted)}, for agreement "
                              f"{predicate.agreement.id!r}{detail}")


@dataclass(frozen=True, slots=True)
class AllOf:
    policies: tuple[Policy, ...]

    def check(self, statement: Statement) -> None:
        for policy in self.policies:
            policy.check(statement)
