"""The per-image hardening summary: how many binaries have each protection, and the shares.

``hardening_summary`` is what report renderers call; the hardening image analyzer puts the
same numbers into its findings' messages. Shares are over every binary the protection
applies to (PIE: executables only), counting "unknown" in the denominator, so a share is
never higher than what was proven.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from spyless.model.facts import Hardening


def _hardening_facts(report_or_facts: object) -> list[Hardening]:
    facts = getattr(report_or_facts, "hardening", report_or_facts)
    if not isinstance(facts, Iterable):
        raise TypeError("expected a Report or an iterable of facts")
    return [f for f in facts if isinstance(f, Hardening)]


def _tri(values: list[bool | None]) -> dict[str, Any]:
    yes = sum(1 for v in values if v is True)
    no = sum(1 for v in values if v is False)
    return {"yes": yes, "no": no, "unknown": len(values) - yes - no,
            "share": round(yes / len(values), 4) if values else None}


def arch_label(fact: Hardening) -> str:
    return f"{fact.arch} {fact.bits}-bit {fact.endianness}-endian"


def hardening_summary(report_or_facts: object) -> dict[str, Any]:
    """Counts and shares of each protection over the ELF binaries of a report (or facts)."""
    facts = _hardening_facts(report_or_facts)
    executables = [f for f in facts if f.elf_type == "executable"]
    relro = Counter(f.relro for f in facts)
    unsafe: Counter[str] = Counter(name for f in facts for name in f.unsafe_functions)
    total = len(facts)
    return {
        "binaries": total,
        "executables": len(executables),
        "libraries": total - len(executables),
        "architectures": dict(sorted(Counter(arch_label(f) for f in facts).items())),
        "nx": _tri([f.nx for f in facts]),
        "pie": _tri([f.pie for f in executables]),
        "relro": {"full": relro["full"], "partial": relro["partial"], "none": relro["none"],
                  "share_full": round(relro["full"] / total, 4) if total else None,
                  "share_any": (round((relro["full"] + relro["partial"]) / total, 4)
                                if total else None)},
        "canary": _tri([f.canary for f in facts]),
        "fortify": _tri([f.fortify for f in facts]),
        "stripped": _tri([f.stripped for f in facts]),
        "rwx_segments": sum(1 for f in facts if f.rwx_segments),
        "rpath": sum(1 for f in facts if f.rpath),
        "runpath": sum(1 for f in facts if f.runpath),
        "unsafe_functions": dict(sorted(unsafe.items(), key=lambda kv: (-kv[1], kv[0]))),
        "with_unsafe_functions": sum(1 for f in facts if f.unsafe_functions),
    }


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "n/a"


def summary_line(summary: dict[str, Any]) -> str:
    """One sentence for a finding message and the terminal."""
    total, execs = summary["binaries"], summary["executables"]
    relro = summary["relro"]
    archs = ", ".join(f"{n} {a}" for a, n in summary["architectures"].items())
    return (
        f"{total} ELF binaries ({execs} executables, {summary['libraries']} libraries; "
        f"{archs}): NX {summary['nx']['yes']}/{total} ({percent(summary['nx']['yes'], total)}), "
        f"PIE {summary['pie']['yes']}/{execs} executables "
        f"({percent(summary['pie']['yes'], execs)}), RELRO full {relro['full']} partial "
        f"{relro['partial']} none {relro['none']}, canary {summary['canary']['yes']}/{total} "
        f"({percent(summary['canary']['yes'], total)}), FORTIFY "
        f"{summary['fortify']['yes']}/{total} ({percent(summary['fortify']['yes'], total)}), "
        f"stripped {summary['stripped']['yes']}/{total}, RWX segments "
        f"{summary['rwx_segments']}, RPATH {summary['rpath']}, RUNPATH {summary['runpath']}, "
        f"unsafe imports in {summary['with_unsafe_functions']}"
    )
