"""Cross-file key judgements over the KeyMaterial facts of a whole image.

Facts are joined on the public-key fingerprint (sha256 of the SubjectPublicKeyInfo, see
:mod:`.publickey`), which is the same for a key in every encoding and for the key inside
a certificate.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from spyless.analyzers.image import ImageView
from spyless.analyzers.interface import ImageAnalyzer, Output
from spyless.analyzers.keys.findings import SPY203, SPY207
from spyless.analyzers.keys.paths import is_trust_store, sample_context
from spyless.model.facts import KeyMaterial
from spyless.model.findings import Evidence, Severity

_PRIVATE = frozenset({"private-key", "host-key"})
_MAX_EVIDENCE = 10


class KeyReuse(ImageAnalyzer):
    name = "keys-reuse"
    description = ("Joins key facts across the image: one private key in several places or "
                   "encodings, and self-signed certificates whose private key ships too.")
    findings = (SPY203, SPY207)
    references = ("RFC 5280 section 4.1.2.7",)

    def analyze(self, image: ImageView, out: Output) -> None:
        keys = [f for f in image.facts_of(KeyMaterial) if isinstance(f, KeyMaterial)]
        private: dict[str, list[KeyMaterial]] = defaultdict(list)
        for fact in keys:
            if fact.kind in _PRIVATE and fact.fingerprint:
                private[fact.fingerprint].append(fact)
        for fingerprint, copies in private.items():
            self._reused(fingerprint, copies, out)
        per_file = Counter(f.location.chain for f in keys if f.kind == "certificate")
        for fact in keys:
            if fact.kind == "certificate" and fact.self_signed:
                self._self_signed(fact, private.get(fact.fingerprint or "", []),
                                  per_file[fact.location.chain], out)

    @staticmethod
    def _reused(fingerprint: str, copies: list[KeyMaterial], out: Output) -> None:
        paths = {c.location.path for c in copies}
        if len(paths) < 2:
            return  # one file, or the same path in twin filesystems (A/B images)
        if all(sample_context(c.location.path or "") for c in copies):
            return
        evidence = tuple(Evidence(c.location, f"{c.kind} ({c.encoding})")
                         for c in copies[:_MAX_EVIDENCE])
        listed = ", ".join(sorted(p or c.location.chain for c in copies
                                  for p in [c.location.path])[:_MAX_EVIDENCE])
        out.finding(SPY203, f"the {copies[0].algorithm} private key with public key sha256 "
                    f"{fingerprint} is in {len(paths)} places: {listed}", evidence)

    @staticmethod
    def _self_signed(cert: KeyMaterial, keys: list[KeyMaterial], in_file: int,
                     out: Output) -> None:
        path = cert.location.path or ""
        if is_trust_store(path) or sample_context(path) is not None:
            return
        excerpt = f"subject={cert.subject} notAfter={cert.not_after}"
        if keys:
            evidence = (Evidence(cert.location, excerpt),
                        *(Evidence(k.location, f"{k.kind} ({k.encoding})")
                          for k in keys[:_MAX_EVIDENCE]))
            out.finding(SPY207, f"self-signed certificate {cert.subject} in {path} and its "
                        f"private key ({keys[0].location.path}) both ship in the image",
                        evidence)
        elif in_file == 1:
            out.finding(SPY207, f"self-signed certificate {cert.subject} in {path} (its "
                        "private key is not in the image)", Evidence(cert.location, excerpt),
                        severity=Severity.INFO)
