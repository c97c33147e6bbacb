"""Release-to-release security delta and binary equivalence of two images (issue 8).

Library calls (the CLI commands ``spyless diff`` and ``spyless equivalence`` are thin
adapters over them):

- :func:`diff_images` / :func:`compute_delta` -> :class:`Delta`;
- :func:`undeclared_changes` (agreement clause TR-5) with :func:`load_declared`;
- :func:`equivalence_verdict` / :func:`compare_unpacked` -> :class:`EquivalenceResult`.
"""

from spyless.diff.declared import load_declared, undeclared_changes
from spyless.diff.delta import compute_delta, diff_images
from spyless.diff.equivalence import compare_unpacked, equivalence_verdict
from spyless.diff.interface import (
    DeclaredChange,
    Delta,
    DiffError,
    EquivalenceProblem,
    EquivalenceResult,
    EquivalenceVerdict,
    PairResult,
    PairStatus,
    Rule,
    UndeclaredChange,
)

__all__ = [
    "DeclaredChange", "Delta", "DiffError", "EquivalenceProblem", "EquivalenceResult",
    "EquivalenceVerdict", "PairResult", "PairStatus", "Rule", "UndeclaredChange",
    "compare_unpacked", "compute_delta", "diff_images", "equivalence_verdict",
    "load_declared", "undeclared_changes",
]
