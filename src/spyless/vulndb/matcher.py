"""Match components found in an image against the store: the rules, the precedence, the facts.

Identity: a component is looked up by its CPE vendor:product (and every other pair that
names the same product, products.py); without a CPE, by its name.

Precedence: when the product's own CNA (OpenSSL, curl, the kernel) has rules for a CVE,
NVD's rules for that CVE and product are ignored; the vendor knows its version history.
A CNA record that leaves no release affected stores a rule matching nothing, so it still
overrides NVD (import_cve5.py).

AND-configurations (an application vulnerable only when running on some platform): a
rule's platform condition is judged against the other components of the same image:
- satisfied when a component of the image matches the platform CPE (product and version);
- refuted when the platform product is in the image with a version outside the range, or
  when the platform is an operating system and the image runs another identified one;
- otherwise *unknown* (hardware, or an OS spyless could not identify): the match stands,
  marked ``platform unknown`` so the finding's confidence drops to medium.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from spyless.model.facts import Component, Vulnerability
from spyless.vulndb.cpe import parse_cpe
from spyless.vulndb.interface import FeedFormatError, VulnDBError
from spyless.vulndb.products import product_table
from spyless.vulndb.store import Store, StoredRule, VulnRow, split_list
from spyless.vulndb.versions import base_version, display, scheme_for, version_key

_SHOWN_FIXED = 3


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a component is for matching: its CPE pairs, OS or not, and its version."""

    pairs: tuple[tuple[str, str], ...]
    is_os: bool
    version: str | None


@dataclass(frozen=True, slots=True)
class ComponentMatch:
    component: Component
    vulnerabilities: tuple[Vulnerability, ...]
    #: ids whose AND-configuration platform could not be confirmed or refuted
    platform_unknown: frozenset[str] = frozenset()


def identify(component: Component) -> Identity | None:
    table = product_table()
    version = component.version
    if component.cpe:
        try:
            cpe = parse_cpe(component.cpe)
        except FeedFormatError:
            cpe = None
        if cpe is not None:
            if not version and cpe.version not in ("*", "-", ""):
                version = cpe.version + ("" if cpe.update in ("*", "-", "") else cpe.update)
            product = table.by_pair(cpe.vendor, cpe.product)
            pairs = [(cpe.vendor, cpe.product)]
            if product is not None:
                pairs += [(v, p) for _, v, p in product.pairs]
            return Identity(tuple(dict.fromkeys(pairs)), cpe.part == "o", version)
    product = table.by_name(component.name)
    if product is None:
        return None
    return Identity(tuple((v, p) for _, v, p in product.pairs),
                    any(part == "o" for part, _, _ in product.pairs), version)


class Matcher:
    def __init__(self, store: Store) -> None:
        self.store = store

    def match(self, components: Sequence[Component]) -> list[ComponentMatch]:
        identities = [(c, identify(c)) for c in components]
        present: dict[tuple[str, str], list[str]] = {}
        image_has_os = False
        for _, ident in identities:
            if ident is None:
                continue
            image_has_os |= ident.is_os
            for pair in ident.pairs:
                present.setdefault(pair, []).append(ident.version or "")
        context = _Platform(present, image_has_os)
        return [self._one(c, ident, context) for c, ident in identities
                if ident is not None and ident.version]

    def _one(self, component: Component, ident: Identity, platform: _Platform) -> ComponentMatch:
        assert ident.version is not None  # noqa: S101 - match() filters
        scheme = scheme_for(ident.pairs[0][1])
        full = version_key(ident.version, scheme)
        base = version_key(base_version(ident.version), scheme)
        if full is None or base is None:
            return ComponentMatch(component, ())
        try:
            rules = self.store.candidate_rules(ident.pairs, full, base)
        except Exception as e:  # sqlite3 errors of a damaged file
            raise VulnDBError(f"vulnerability lookup failed: {e}") from e
        kept: dict[str, list[StoredRule]] = {}
        unknown: set[str] = set()
        for rule in rules:
            verdict = platform.judge(rule.platform)
            if verdict is False:
                continue
            if verdict is None:
                unknown.add(rule.vuln)
            kept.setdefault(rule.vuln, []).append(rule)
        nvd_only = [v for v, rs in kept.items() if not any(r.authority for r in rs)]
        for vuln in self.store.authoritative(ident.pairs, nvd_only) if nvd_only else ():
            del kept[vuln]  # the CNA's own ranges say this version is not affected
        for vuln, rs in kept.items():
            if any(not r.platform for r in rs):
                unknown.discard(vuln)
        rows = self.store.vulns(kept)
        facts = [self._fact(component, ident.version, full, scheme, rows[v], kept[v])
                 for v in sorted(kept) if v in rows]
        return ComponentMatch(component, tuple(facts), frozenset(unknown & set(kept)))

    @staticmethod
    def _fact(component: Component, version: str, full: str, scheme: str, row: VulnRow,
              rules: list[StoredRule]) -> Vulnerability:
        fixed = sorted((k, f) for f in split_list(row.fixed)
                       if (k := version_key(f, scheme)) is not None and k > full)
        return Vulnerability(
            id=row.id, component=component.name, version=version,
            summary=(row.summary or "")[:300], severity=row.severity, cvss_score=row.score,
            cvss_vector=row.vector or None, cwes=split_list(row.cwes),
            fixed_versions=tuple(f for _, f in fixed[:_SHOWN_FIXED]),
            aliases=split_list(row.aliases), references=split_list(row.refs),
            source=rules[0].source if len(rules) == 1 else ",".join(sorted({r.source for r in rules})),
            known_exploited=bool(row.kev), published=row.published, matched_by=describe(rules[0]))


@lru_cache(maxsize=8192)
def describe(rule: StoredRule) -> str:
    what = f"{rule.vendor}:{rule.product}"
    if rule.exact is not None:
        text = f"{what} = {display(rule.exact)}"
    elif rule.start is None and rule.end is None:
        text = f"{what} all versions"
    else:
        low = f"{'[' if rule.start_incl else '('}{display(rule.start)}" if rule.start else "(*"
        high = f"{display(rule.end)}{']' if rule.end_incl else ')'}" if rule.end else "*)"
        text = f"{what} {low}, {high}"
    if rule.platform:
        text += " on " + " + ".join(alt[0].split("|")[0] for alt in rule.platform)
    return f"{text} ({rule.source})"


@dataclass(frozen=True, slots=True)
class _Platform:
    present: dict[tuple[str, str], list[str]]
    image_has_os: bool

    def judge(self, platform: Iterable[Iterable[str]]) -> bool | None:
        """True satisfied, False refuted, None unknown (see the module docstring)."""
        result: bool | None = True
        for node in platform:
            verdicts = [self._alternative(text) for text in node]
            if True in verdicts:
                continue
            if verdicts and all(v is False for v in verdicts):
                return False
            result = None
        return result

    def _alternative(self, text: str) -> bool | None:
        criteria, *bounds = text.split("|")
        try:
            cpe = parse_cpe(criteria)
        except FeedFormatError:
            return None
        versions = self.present.get((cpe.vendor, cpe.product))
        if versions is None:
            return False if cpe.part == "o" and self.image_has_os else None
        scheme = scheme_for(cpe.product)
        return any(_in_bounds(v, cpe.version, bounds, scheme) for v in versions)


def _in_bounds(version: str, cpe_version: str, bounds: list[str], scheme: str) -> bool:
    key = version_key(version, scheme) if version else None
    if key is None:
        return True  # present, version unknown: do not refute on a guess
    si, se, ei, ee = ([*bounds, "", "", "", ""])[:4]
    checks: list[tuple[str, Callable[[str, str], bool]]] = [
        (si, operator.ge), (se, operator.gt), (ei, operator.le), (ee, operator.lt)]
    if not any(b for b, _ in checks) and cpe_version not in ("*", "-", ""):
        return key == version_key(cpe_version, scheme)
    for bound, test in checks:
        bound_key = version_key(bound, scheme) if bound else None
        if bound_key is not None and not test(key, bound_key):
            return False
    return True
