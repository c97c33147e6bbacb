"""SBOM export: a scan report as CycloneDX 1.6 JSON (with VEX) or SPDX 2.3 JSON.

The public API is :func:`render_sbom` and :class:`SbomFormat`; ``inventory`` merges the
report's components for both writers, ``cyclonedx_json`` and ``spdx_json`` write them.
"""

from __future__ import annotations

import enum

from spyless.errors import UsageError
from spyless.report.model import Report
from spyless.sbom.inventory import build_inventory


class SbomFormat(enum.StrEnum):
    CYCLONEDX = "cyclonedx"
    SPDX = "spdx"


class SbomError(UsageError):
    """An SBOM could not be written as asked."""


def render_sbom(report: Report, fmt: SbomFormat | str) -> str:
    """The report's components (and, for CycloneDX, vulnerabilities) as an SBOM document."""
    try:
        chosen = SbomFormat(fmt)
    except ValueError as e:
        raise SbomError(f"unknown SBOM format {fmt!r}; choose one of "
                        f"{', '.join(f.value for f in SbomFormat)}") from e
    inventory = build_inventory(report)
    if chosen is SbomFormat.CYCLONEDX:
        from spyless.sbom.cyclonedx_json import render_cyclonedx  # noqa: PLC0415 - heavy

        return render_cyclonedx(inventory)
    from spyless.sbom.spdx_json import render_spdx  # noqa: PLC0415 - symmetric with above

    return render_spdx(inventory)


__all__ = ["SbomError", "SbomFormat", "render_sbom"]
