"""The agreement: a machine-checkable no-spy, no-backdoors standard and verdicts on images.

``load_agreement(path)`` reads an agreement file (TOML, docs/agreement.md);
``evaluate(report, agreement)`` judges a scan report against it and returns a
:class:`Verdict` with a status per clause of the built-in standard (``standard.CLAUSES``).
"""

from spyless.agreement.document import Agreement
from spyless.agreement.evaluate import evaluate
from spyless.agreement.interface import (
    AgreementError,
    Check,
    CheckResult,
    Clause,
    ClauseSettings,
    ClauseVerdict,
    EvidenceItem,
    EvidenceState,
    Mapping,
    Problem,
    Status,
    Verdict,
    Waiver,
    WaiverUse,
)
from spyless.agreement.loader import builtin_agreement, load_agreement, validate_file
from spyless.agreement.standard import CLAUSES

__all__ = ["CLAUSES", "Agreement", "AgreementError", "Check", "CheckResult", "Clause",
           "ClauseSettings", "ClauseVerdict", "EvidenceItem", "EvidenceState", "Mapping",
           "Problem", "Status", "Verdict", "Waiver", "WaiverUse", "builtin_agreement",
           "evaluate", "load_agreement", "validate_file"]
