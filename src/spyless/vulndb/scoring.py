"""Severity from CVSS (v4 first, then v3.x, then v2) and from vendors' own severity words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

_WORDS = {"critical": "critical", "high": "high", "important": "high", "moderate": "medium",
          "medium": "medium", "low": "low", "none": "low"}


@dataclass(frozen=True, slots=True)
class Score:
    severity: str | None
    score: float | None = None
    vector: str | None = None


def severity_of_score(score: float, version: str) -> str:
    """CVSS qualitative rating (FIRST CVSS v3.1 spec section 5; v2 per NVD: 7-10 high)."""
    if version.startswith("2"):
        return "high" if score >= 7.0 else "medium" if score >= 4.0 else "low"
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    return "medium" if score >= 4.0 else "low"


def severity_word(text: object) -> str | None:
    return _WORDS.get(str(text).strip().lower()) if text else None


def _pick(entries: object) -> Mapping[str, object] | None:
    """NVD's own ("Primary") metric first, else the first one listed."""
    if not isinstance(entries, list) or not entries:
        return None
    mappings = [e for e in entries if isinstance(e, Mapping)]
    primary = [e for e in mappings if e.get("type") == "Primary"]
    chosen = primary or mappings
    return chosen[0] if chosen else None


def nvd2_score(metrics: Mapping[str, object]) -> Score:
    for key in ("cvssMetricV40", "cvssMetricV31", "cvssMetricV30", "cvssMetricV2"):
        entry = _pick(metrics.get(key))
        data = entry.get("cvssData") if entry else None
        if isinstance(data, Mapping) and isinstance(data.get("baseScore"), int | float):
            score = float(data["baseScore"])
            return Score(severity_of_score(score, str(data.get("version", "3"))), score,
                         str(data.get("vectorString") or "") or None)
    return Score(None)


def nvd1_score(impact: Mapping[str, object]) -> Score:
    for key, inner, version in (("baseMetricV3", "cvssV3", "3"), ("baseMetricV2", "cvssV2", "2")):
        metric = impact.get(key)
        data = metric.get(inner) if isinstance(metric, Mapping) else None
        if isinstance(data, Mapping) and isinstance(data.get("baseScore"), int | float):
            score = float(data["baseScore"])
            return Score(severity_of_score(score, version), score,
                         str(data.get("vectorString") or "") or None)
    return Score(None)
