"""CPE 2.3 formatted strings and NVD match criteria turned into :class:`Rule` values.

NVD configurations (API 2.0 ``configurations[].nodes[]`` and 1.1 ``nodes[]`` with
``children``) are flattened here: each vulnerable match becomes one rule; when it sits in
an AND-configuration, the configuration's other nodes become the rule's ``platform``
condition (see matcher.py for how a platform is judged present or unknown).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from spyless.vulndb.interface import FeedFormatError, Rule
from spyless.vulndb.versions import scheme_for, version_key

_SPLIT = re.compile(r"(?<!\\):")
_POST_UPDATE = re.compile(r"p\d+|[a-z]{1,2}")
_MAX_PLATFORM = 8


@dataclass(frozen=True, slots=True)
class Cpe:
    part: str
    vendor: str
    product: str
    version: str
    update: str


def _unescape(value: str) -> str:
    return value.replace("\\", "")  # CPE 2.3 quotes punctuation with a backslash


def parse_cpe(text: str) -> Cpe:
    fields = _SPLIT.split(text)
    if len(fields) < 7 or fields[0] != "cpe" or fields[1] != "2.3":
        raise FeedFormatError(f"not a CPE 2.3 formatted string: {text[:80]!r}")
    return Cpe(fields[2], _unescape(fields[3]).lower(), _unescape(fields[4]).lower(),
               _unescape(fields[5]), _unescape(fields[6]))


def cpe_version(cpe: Cpe) -> str:
    """The version a CPE names, with its update folded in (``1.0.2:k`` -> ``1.0.2k``)."""
    update = cpe.update.lower()
    if update in ("*", "-", ""):
        return cpe.version
    if _POST_UPDATE.fullmatch(update):
        return cpe.version + update
    return f"{cpe.version}-{update}"


def _key(version: str | None, product: str) -> str | None:
    return None if version in (None, "", "*", "-") else version_key(str(version), scheme_for(product))


def rule_from_match(match: Mapping[str, object], criteria_key: str,
                    platform: tuple[tuple[str, ...], ...] = ()) -> Rule | None:
    """One NVD cpeMatch entry as a rule; None when it names no matchable version."""
    criteria = match.get(criteria_key)
    if not isinstance(criteria, str):
        raise FeedFormatError(f"cpe match without {criteria_key}")
    cpe = parse_cpe(criteria)
    bounds = {k: match.get(k) for k in ("versionStartIncluding", "versionStartExcluding",
                                        "versionEndIncluding", "versionEndExcluding")}
    product = cpe.product
    if any(isinstance(v, str) and v for v in bounds.values()):
        start = bounds["versionStartIncluding"] or bounds["versionStartExcluding"]
        end = bounds["versionEndIncluding"] or bounds["versionEndExcluding"]
        start_key, end_key = _key(str(start) if start else None, product), _key(
            str(end) if end else None, product)
        if (start and start_key is None) or (end and end_key is None):
            return None
        return Rule(cpe.vendor, product, start=start_key,
                    start_incl=bool(bounds["versionStartIncluding"]), end=end_key,
                    end_incl=bool(bounds["versionEndIncluding"]), platform=platform)
    if cpe.version == "*":
        return Rule(cpe.vendor, product, platform=platform)  # every version
    if cpe.version in ("-", ""):
        return None
    exact = _key(cpe_version(cpe), product)
    if exact is None:
        return None
    return Rule(cpe.vendor, product, exact=exact, any_update=cpe.update == "*",
                platform=platform)


def platform_text(match: Mapping[str, object], criteria_key: str) -> str:
    """A platform alternative, kept as ``criteria|startIncl|startExcl|endIncl|endExcl``."""
    parts = [str(match.get(criteria_key, ""))]
    parts += [str(match.get(k) or "") for k in ("versionStartIncluding", "versionStartExcluding",
                                                 "versionEndIncluding", "versionEndExcluding")]
    return "|".join(parts)


def rules_from_nodes(nodes: Iterable[Mapping[str, object]], operator: str, criteria_key: str,
                     matches_key: str) -> list[Rule]:
    """Rules of one configuration: its nodes joined by ``operator`` (AND or OR)."""
    node_list = [n for n in nodes if isinstance(n, Mapping)]
    if operator.upper() != "AND" or len(node_list) < 2:
        return [r for n in node_list for r in _node_rules(n, criteria_key, matches_key, ())]
    rules: list[Rule] = []
    for i, node in enumerate(node_list):
        others = node_list[:i] + node_list[i + 1:]
        platform = tuple(tuple(platform_text(m, criteria_key) for m in _matches(o, matches_key))
                         for o in others)[:_MAX_PLATFORM]
        rules += _node_rules(node, criteria_key, matches_key, platform)
    return rules


def _matches(node: Mapping[str, object], matches_key: str) -> list[Mapping[str, object]]:
    found = [m for m in node.get(matches_key) or [] if isinstance(m, Mapping)]  # type: ignore[attr-defined]
    for child in node.get("children") or []:  # type: ignore[attr-defined]
        if isinstance(child, Mapping):
            found += _matches(child, matches_key)
    return found


def _node_rules(node: Mapping[str, object], criteria_key: str, matches_key: str,
                platform: tuple[tuple[str, ...], ...]) -> list[Rule]:
    if node.get("negate"):
        return []  # "not running on X" conditions are too rare to model; see matcher docs
    children = [c for c in node.get("children") or [] if isinstance(c, Mapping)]  # type: ignore[attr-defined]
    if children:  # NVD 1.1 nests an AND-configuration as children of one node
        return rules_from_nodes(children, str(node.get("operator", "OR")), criteria_key,
                                matches_key)
    rules: list[Rule] = []
    for match in node.get(matches_key) or []:  # type: ignore[attr-defined]
        if isinstance(match, Mapping) and match.get("vulnerable") is True:
            rule = rule_from_match(match, criteria_key, platform)
            if rule is not None:
                rules.append(rule)
    return rules


def merge_ranges(rules: Iterable[Rule]) -> list[Rule]:
    """Collapse overlapping ranges of one product (the kernel CNA lists one per branch)."""
    out: list[Rule] = []
    groups: dict[tuple[str, str, tuple[tuple[str, ...], ...]], list[Rule]] = {}
    for rule in rules:
        if rule.exact is not None or rule.start is None or rule.end is None:
            out.append(rule)
        else:
            groups.setdefault((rule.vendor, rule.product, rule.platform), []).append(rule)
    for group in groups.values():
        group.sort(key=lambda r: (r.start or "", not r.start_incl))
        current = group[0]
        for rule in group[1:]:
            assert current.end is not None  # noqa: S101 - filtered above
            assert rule.start is not None  # noqa: S101 - filtered above
            touches = rule.start < current.end or (rule.start == current.end and (
                rule.start_incl or current.end_incl))
            if touches:
                assert rule.end is not None  # noqa: S101 - filtered above
                if rule.end > current.end or (rule.end == current.end and rule.end_incl):
                    current = Rule(current.vendor, current.product, start=current.start,
                                   start_incl=current.start_incl, end=rule.end,
                                   end_incl=rule.end_incl, platform=current.platform)
            else:
                out.append(current)
                current = rule
        out.append(current)
    return list(dict.fromkeys(out))
