"""Candidate passwords: the bundled public lists and per-account, per-image guesses.

The lists live in ``spyless/data/wordlists`` (sources and licences in its SOURCES.md).
Order matters because cracking stops at the first hit and runs within a time budget: guesses
derived from the account and the image come first, then advisories, botnet and vendor lists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

#: Bundled lists in the order they are tried.
BUNDLED = ("advisories", "mirai-2016", "telnet-defaults", "router-defaults", "common-top100")
_MAX_IMAGE_WORDS = 40
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{2,31}")


@dataclass(frozen=True, slots=True)
class Candidate:
    password: str
    source: str  # the list's name, or "username", "image" for derived guesses
    username: str | None = None  # the account this pair is known for, if any


@cache
def bundled() -> tuple[Candidate, ...]:
    """Every candidate of the bundled lists, in list order."""
    found: list[Candidate] = []
    folder = resources.files("spyless.data") / "wordlists"
    for name in BUNDLED:
        text = (folder / f"{name}.tsv").read_text(encoding="utf-8")
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            user, _, rest = line.partition("\t")
            password = rest.split("\t", 1)[0]
            found.append(Candidate(password, name, user or None))
    return tuple(found)


def image_words(texts: Iterable[str]) -> tuple[str, ...]:
    """Vendor, model and product words from banner/version files, with simple variants."""
    words: list[str] = []
    for text in texts:
        for word in _WORD.findall(text[:4096]):
            if word.isdigit() or word.count(".") > 1:
                continue  # versions and numbers are poor guesses
            for variant in (word, word.lower(), word.replace("-", "").lower()):
                if variant not in words:
                    words.append(variant)
    return tuple(words[:_MAX_IMAGE_WORDS])


def candidates_for(usernames: Iterable[str], extra: Iterable[str] = ()) -> list[Candidate]:
    """Candidates for a hash used by ``usernames``, most likely first, without repeats."""
    names = [n for n in dict.fromkeys(usernames) if n]
    ordered: list[Candidate] = []
    for name in names:
        ordered.extend(Candidate(guess, "username", name)
                       for guess in (name, name[::-1], name + "123", name.lower()))
    ordered.extend(Candidate(word, "image") for word in extra)
    lists = bundled()
    lowered = {n.lower() for n in names}
    # Pairs known for these user names first, then every password of the lists.
    ordered.extend(c for c in lists if c.username and c.username.lower() in lowered)
    ordered.extend(lists)
    seen: set[str] = set()
    unique: list[Candidate] = []
    for candidate in ordered:
        if candidate.password not in seen:
            seen.add(candidate.password)
            unique.append(candidate)
    return unique
