"""Access tokens and API keys: known token formats anywhere, secret-named keys in configs.

Owns :class:`TokenCredentials`. Token formats with a fixed, documented prefix (AWS access
key ids, Google API keys, GitHub, Slack, Stripe live keys, signed JWTs) are precise enough
to look for in every text file and in the strings of ELF binaries; generic assignments
(``api_key = ...``, ``client_secret: ...``) only count in configuration and scripts, and
only when the value looks generated (length and entropy), never for a word or a variable.
"""

from __future__ import annotations

import base64
import binascii
import json
import posixpath
import re
from collections.abc import Iterator
from typing import ClassVar

from spyless.analyzers.credentials.specs import SPY129, SPY130, Hit, report_all
from spyless.analyzers.credentials.values import (
    classify_key,
    in_documentation_or_test_folder,
    is_documentation_or_test,
    is_placeholder,
    looks_random,
)
from spyless.analyzers.interface import FileAnalyzer, FileInput, Output
from spyless.model.findings import Confidence
from spyless.unpack.interface import Artifact, ArtifactKind

#: prefix -> (service, pattern from the prefix on), formats from each vendor's documentation.
#: Prefixes are what a fast literal search looks for, so variants share one where they can.
_STRONG: dict[str, tuple[str, str]] = {
    "AKIA": ("aws", r"AKIA[0-9A-Z]{16}(?![0-9A-Za-z])"),
    "ASIA": ("aws", r"ASIA[0-9A-Z]{16}(?![0-9A-Za-z])"),
    "AIza": ("google", r"AIza[0-9A-Za-z_\-]{35}(?![0-9A-Za-z_\-])"),
    **{f"gh{kind}_": ("github", rf"gh{kind}_[A-Za-z0-9]{{36}}(?![A-Za-z0-9])")
       for kind in "pousr"},
    "github_pat_": ("github", r"github_pat_[A-Za-z0-9_]{82}"),
    "xox": ("slack", r"xox[abposr]-[0-9A-Za-z]{8,}-[0-9A-Za-z-]{8,72}"),
    "hooks.slack.com/services/": (
        "slack", r"hooks\.slack\.com/services/T[0-9A-Z]{8,}/B[0-9A-Z]{8,}/[0-9A-Za-z]{24}"),
    "k_live_": ("stripe", r"[sr]k_live_[0-9A-Za-z]{24,99}(?![0-9A-Za-z])"),
    "eyJ": ("jwt", r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}"),
}
#: Prefixes that start after the token's first character (sk_live_, rk_live_).
_BACK = {"k_live_": 1, b"k_live_": 1}
_TEXT_PATTERNS = {prefix: (service, re.compile(pattern))
                  for prefix, (service, pattern) in _STRONG.items()}
_BYTE_PATTERNS = {prefix.encode(): (service, re.compile(pattern.encode()))
                  for prefix, (service, pattern) in _STRONG.items()}
_WORD_CHARS = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-")
_MAX_PER_PREFIX = 512
_AWS_SECRET = re.compile(r"(?i)aws_?secret_?access_?key[\"']?\s*[=:]\s*[\"']?"
                         r"(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])")
_ASSIGNMENT = re.compile(
    r"""^\s*(?:export\s+|set\s+|option\s+|var\s+|const\s+|let\s+)?["']?(?P<key>[A-Za-z_][\w.-]{1,60})
        ["']?\s*(?:=|:|=>|\s)\s*["']?(?P<value>[A-Za-z0-9_\-+/=.]{16,200})["']?\s*[,;]?\s*$""",
    re.VERBOSE)
_SECRET_WORDS = ("token", "key", "secret")
_LINE = re.compile(r"[^\r\n\x00]{1,4096}")
_MAX_TEXT = 4 << 20
_WEB_SUFFIXES = (".js", ".html", ".htm", ".asp", ".php")


def _jwt_is_signed(token: str) -> bool:
    """The header decodes to JSON naming a signing algorithm other than "none"."""
    head = token.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (ValueError, binascii.Error):
        return False
    return isinstance(header, dict) and str(header.get("alg", "none")).lower() != "none"


def _usable(service: str, token: str) -> bool:
    if "EXAMPLE" in token.upper() or re.search(r"(.)\1{7,}", token):
        return False
    return service != "jwt" or _jwt_is_signed(token)


def _strong_text(text: str) -> Iterator[tuple[str, int, str]]:
    """(service, offset, token) of known token formats; a literal search finds candidates."""
    for prefix, (service, pattern) in _TEXT_PATTERNS.items():
        position = text.find(prefix)
        for _ in range(_MAX_PER_PREFIX):
            if position < 0:
                break
            begin = max(0, position - _BACK.get(prefix, 0))
            match = pattern.match(text, begin)
            if match is not None and (begin == 0 or ord(text[begin - 1]) not in _WORD_CHARS):
                yield service, begin, match.group()
            position = text.find(prefix, position + 1)


def scan_text(text: str, generic: bool, web: bool = False) -> Iterator[Hit]:
    for service, start, token in _strong_text(text):
        if _usable(service, token):
            confidence = Confidence.MEDIUM if (web and service == "google") else Confidence.HIGH
            # The token alone: the rest of its line may hold other secrets, unmasked.
            yield Hit("api-token", token, start, token,
                      f"{service} token", service=service, confidence=confidence)
    for match in _AWS_SECRET.finditer(text):
        secret = match.group("secret")
        if _usable("aws", secret):
            yield Hit("api-token", secret, match.start("secret"),
                      match.group(), "aws_secret_access_key",
                      service="aws")
    if not generic:
        return
    for line_match in _LINE.finditer(text):
        line = line_match.group()
        lowered = line.lower()
        if not any(word in lowered for word in _SECRET_WORDS):
            continue
        found = _ASSIGNMENT.match(line)
        if found is None:
            continue
        key, value = found.group("key"), found.group("value").rstrip(".")
        if key.lower().startswith("aws") or any(value.startswith(p) for p in _STRONG):
            continue  # reported above with the service named
        if (classify_key(key.rsplit(".", 1)[-1]) == "token" and not is_placeholder(value)
                and looks_random(value)):
            yield Hit("token", value, line_match.start() + found.start("value"), line, key,
                      confidence=Confidence.MEDIUM)


def scan_binary(data: bytes) -> Iterator[Hit]:
    """Strong token formats among the strings of a binary."""
    for prefix, (service, pattern) in _BYTE_PATTERNS.items():
        position = data.find(prefix)
        for _ in range(_MAX_PER_PREFIX):
            if position < 0:
                break
            begin = max(0, position - _BACK.get(prefix, 0))
            match = pattern.match(data, begin)
            if match is not None and (begin == 0 or data[begin - 1] not in _WORD_CHARS):
                token = match.group().decode("ascii")
                if _usable(service, token):
                    yield Hit("api-token", token, begin, token,
                              f"{service} token in a binary", service=service,
                              confidence=Confidence.MEDIUM)
            position = data.find(prefix, position + 1)


class TokenCredentials(FileAnalyzer):
    name = "token-credentials"
    description = ("Cloud and API tokens (AWS, Google, GitHub, Slack, Stripe, signed JWTs) in "
                   "files and binaries, and random-looking values of secret-named keys.")
    findings = (SPY129, SPY130)
    references: ClassVar[tuple[str, ...]] = (
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html",
        "https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/",
        "https://api.slack.com/authentication/token-types",
        "https://datatracker.ietf.org/doc/html/rfc7519",
    )
    kinds = frozenset({ArtifactKind.TEXT, ArtifactKind.SCRIPT, ArtifactKind.ELF,
                       ArtifactKind.DATA})

    def applies(self, artifact: Artifact, fs_path: str) -> bool:
        if not super().applies(artifact, fs_path) or in_documentation_or_test_folder(fs_path):
            return False
        if artifact.kind is ArtifactKind.DATA:  # compressed or opaque unless named as config
            name = posixpath.basename(fs_path).lower()
            return artifact.size <= _MAX_TEXT and ("nvram" in name or "default" in name
                                                   or name.endswith((".cfg", ".conf")))
        return True

    def analyze(self, file: FileInput, out: Output) -> None:
        if file.artifact.kind is ArtifactKind.ELF:
            report_all(out, file, scan_binary(file.data))
            return
        text = file.text()[:_MAX_TEXT]
        lowered = file.fs_path.lower()
        generic = (file.artifact.kind is not ArtifactKind.DATA
                   and not is_documentation_or_test(file.fs_path))
        report_all(out, file, scan_text(text, generic, web=lowered.endswith(_WEB_SUFFIXES)),
                   text)
