"""Reading the components of a vendor SBOM: CycloneDX JSON or SPDX 2.x JSON.

Only what TR-2 compares is read: name, version, purl and CPE of each component (nested
CycloneDX components included). Anything else in the file is ignored; a file that is
neither format is an :class:`~spyless.errors.InputError`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from spyless.agreement.document import DeclaredComponent
from spyless.errors import InputError

_MAX_BYTES = 64 << 20
_MAX_COMPONENTS = 100_000


def read_sbom(path: Path) -> tuple[DeclaredComponent, ...]:
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise InputError(f"{path}: SBOM larger than {_MAX_BYTES >> 20} MiB")
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise InputError(f"{path}: cannot read SBOM: {e.strerror or e}") from e
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: SBOM is not JSON (CycloneDX or SPDX JSON expected): {e}") \
            from e
    if isinstance(data, dict) and data.get("bomFormat") == "CycloneDX":
        return tuple(_cyclonedx(data.get("components"), 0))[:_MAX_COMPONENTS]
    if isinstance(data, dict) and str(data.get("spdxVersion", "")).startswith("SPDX-"):
        return _spdx(data.get("packages"))
    raise InputError(f"{path}: neither a CycloneDX (bomFormat) nor an SPDX (spdxVersion) "
                     "JSON document")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _cyclonedx(components: Any, depth: int) -> list[DeclaredComponent]:
    if not isinstance(components, list) or depth > 16:
        return []
    out: list[DeclaredComponent] = []
    for item in components:
        if not isinstance(item, dict) or not _text(item.get("name")):
            continue
        out.append(DeclaredComponent(item["name"], _text(item.get("version")),
                                     _text(item.get("purl")), _text(item.get("cpe"))))
        out += _cyclonedx(item.get("components"), depth + 1)
    return out


def _spdx(packages: Any) -> tuple[DeclaredComponent, ...]:
    if not isinstance(packages, list):
        return ()
    out: list[DeclaredComponent] = []
    for item in packages[:_MAX_COMPONENTS]:
        if not isinstance(item, dict) or not _text(item.get("name")):
            continue
        purl = cpe = None
        refs = item.get("externalRefs")
        for ref in refs if isinstance(refs, list) else ():
            if not isinstance(ref, dict):
                continue
            kind = str(ref.get("referenceType", ""))
            if kind == "purl":
                purl = _text(ref.get("referenceLocator"))
            elif kind.startswith("cpe"):
                cpe = _text(ref.get("referenceLocator"))
        out.append(DeclaredComponent(item["name"], _text(item.get("versionInfo")), purl, cpe))
    return tuple(out)
