"""The unpack manifest: every artifact with its provenance, and every extraction event.

Written as ``manifest.json`` in the output folder; the schema version changes whenever a
field changes meaning.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from spyless._version import __version__
from spyless.unpack.engine import UnpackResult
from spyless.unpack.interface import Artifact, ExtractionEvent

MANIFEST_SCHEMA_VERSION = "1"
MANIFEST_NAME = "manifest.json"


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        # Names from firmware may hold bytes that are not UTF-8 (kept as surrogates on disk).
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def artifact_record(artifact: Artifact) -> dict[str, Any]:
    record: dict[str, Any] = _clean(dataclasses.asdict(artifact))
    if artifact.mode is not None:
        record["mode"] = f"{artifact.mode:o}"
    return record


def event_record(event: ExtractionEvent) -> dict[str, Any]:
    record: dict[str, Any] = _clean(dataclasses.asdict(event))
    return record


def manifest(result: UnpackResult) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for event in result.events:
        counts[event.kind.value] = counts.get(event.kind.value, 0) + 1
    return {
        "schema_version": MANIFEST_SCHEMA_VERSION,
        "tool": {"name": "spyless", "version": __version__},
        "image": dataclasses.asdict(result.image),
        "limits": dataclasses.asdict(result.limits),
        "totals": {
            "artifacts": len(result.artifacts),
            "files": sum(1 for a in result.artifacts if a.sha256 is not None),
            "bytes_written": result.bytes_written,
            "seconds": round(result.seconds, 4),
            "events": counts,
        },
        "handler_seconds": {k: round(v, 4) for k, v in sorted(result.handler_seconds.items())},
        "artifacts": [artifact_record(a) for a in result.artifacts],
        "events": [event_record(e) for e in result.events],
    }


def write_manifest(result: UnpackResult, path: Path | None = None) -> Path:
    target = path or result.output / MANIFEST_NAME
    target.write_text(json.dumps(manifest(result), indent=1) + "\n", encoding="utf-8")
    return target
