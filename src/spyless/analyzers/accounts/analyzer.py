"""The accounts analyzer: judges every account and group found in an image (SPY101-SPY112).

Collects and joins the account databases (``collect``), tests every distinct hash against the
bundled lists and per-account guesses within a time budget (``crack``), then reports an
:class:`~spyless.model.facts.Account` per account and the findings about them.
"""

from __future__ import annotations

import os
import posixpath
from collections import defaultdict

from spyless.analyzers.accounts import specs
from spyless.analyzers.accounts.collect import Collected, Draft, GroupDraft, collect
from spyless.analyzers.accounts.crack import DEFAULT_BUDGET_SECONDS, Cracker, Outcome, Target
from spyless.analyzers.accounts.hashes import WEAK_FAMILIES
from spyless.analyzers.accounts.wordlists import candidates_for, image_words
from spyless.analyzers.image import ImageView
from spyless.analyzers.interface import ImageAnalyzer, Output
from spyless.model.facts import Account
from spyless.model.findings import Confidence, Evidence, FindingSpec, Location, Severity

BUDGET_ENV = "SPYLESS_CRACK_BUDGET"
_NO_LOGIN = frozenset({"false", "nologin", "sync", "halt", "shutdown", "null", "true"})
SERVICE_ACCOUNTS = frozenset({
    "daemon", "bin", "sys", "adm", "lp", "mail", "news", "uucp", "operator", "games", "man",
    "proxy", "www-data", "www", "http", "httpd", "nginx", "lighttpd", "backup", "list", "irc",
    "gnats", "nobody", "nogroup", "ftp", "tftp", "sshd", "dnsmasq", "network", "messagebus",
    "dbus", "avahi", "ntp", "mysql", "postgres", "quagga", "snmp", "_apt", "systemd-network",
    "systemd-resolve", "systemd-timesync", "polkitd", "rpc", "statd", "haldaemon", "squid",
    "named", "bind", "postfix", "smmsp", "dhcp", "radvd", "logger", "upnp",
})


def is_login_shell(shell: str | None) -> bool:
    """An empty shell field means /bin/sh; nologin, false and friends refuse logins."""
    if shell is None:
        return False
    base = posixpath.basename(shell.strip()) if shell.strip() else "sh"
    return base not in _NO_LOGIN and not base.endswith("nologin")


def _budget() -> float:
    try:
        return float(os.environ.get(BUDGET_ENV, DEFAULT_BUDGET_SECONDS))
    except ValueError:
        return DEFAULT_BUDGET_SECONDS


class AccountsAnalyzer(ImageAnalyzer):
    name = "accounts"
    description = ("Accounts from passwd/shadow/group/gshadow files and passwd lines embedded "
                   "in binaries: extra uid-0 accounts, empty, plaintext and weak passwords, "
                   "passwords from public default and botnet lists.")
    findings = specs.ALL
    references = ("https://man7.org/linux/man-pages/man5/passwd.5.html",
                  "https://www.akkadia.org/drepper/SHA-crypt.txt",
                  "src/spyless/data/wordlists/SOURCES.md")

    def __init__(self, budget_seconds: float | None = None, cracker: Cracker | None = None):
        self.cracker = cracker or Cracker(budget=budget_seconds if budget_seconds is not None
                                          else _budget())

    def analyze(self, image: ImageView, out: Output) -> None:
        collected = collect(image)
        outcomes = self._crack(collected)
        for draft in collected.accounts:
            self._account(draft, outcomes.get(draft.field.hash or ""), out)
        for group in collected.groups:
            _group(group, outcomes.get(group.field.hash or ""), out)
        _shared_uids(collected.accounts, out)
        _shared_hashes(collected.accounts, out)
        _untested(collected, outcomes, out)

    def _crack(self, collected: Collected) -> dict[str, Outcome]:
        users: dict[str, list[str]] = defaultdict(list)
        families: dict[str, str] = {}
        for draft in collected.accounts:
            if draft.field.hash and draft.field.hash_type:
                users[draft.field.hash].append(draft.name)
                families[draft.field.hash] = draft.field.hash_type
        for group in collected.groups:
            if group.field.hash and group.field.hash_type:
                users[group.field.hash].append(group.entry.name)
                families[group.field.hash] = group.field.hash_type
        words = image_words(collected.banner_texts)
        # Privileged accounts first, so a short budget is spent where it matters most.
        order = sorted(users, key=lambda h: not any(d.field.hash == h and (d.uid == 0)
                                                    for d in collected.accounts))
        targets = [Target(families[h], h, tuple(candidates_for(users[h], words)))
                   for h in order]
        return self.cracker.crack(targets)

    def _account(self, draft: Draft, outcome: Outcome | None, out: Output) -> None:
        login = is_login_shell(draft.shell)
        cracked = outcome.password if outcome and outcome.status == "cracked" else None
        cracked_from = outcome.source if cracked is not None and outcome else None
        if draft.field.state == "plaintext":
            cracked, cracked_from = draft.field.plaintext, "plaintext"
        out.add(Account(
            name=draft.name, uid=draft.uid, gid=draft.gid, home=draft.home, shell=draft.shell,
            location=draft.location, password_state=draft.field.state,
            hash_type=draft.field.hash_type, password_hash=draft.field.hash, cracked=cracked,
            cracked_from=cracked_from, login_shell=login, source=draft.source))
        _judge(draft, login, (cracked, cracked_from or "") if cracked is not None
               and draft.field.state == "hash" else None, out)


def _evidence(draft: Draft, secret: str | None = None) -> tuple[Evidence, ...]:
    return (Evidence(draft.location, draft.excerpt[:160], secret),
            *(Evidence(where, excerpt[:160]) for where, excerpt in draft.extra))


def _emit(out: Output, spec: FindingSpec, draft: Draft, message: str, severity: Severity,
          confidence: Confidence = Confidence.HIGH, secret: str | None = None) -> None:
    tags: tuple[str, ...] = (draft.source,)
    if draft.documentation:
        # Examples in documentation or web assets: worth a line, never an alarm.
        severity = min(severity, Severity.LOW, key=lambda s: s.rank)
        confidence, tags = Confidence.LOW, (*tags, "documentation")
    elif draft.source == "embedded" and confidence is Confidence.HIGH:
        confidence = Confidence.MEDIUM
    out.finding(spec, message, _evidence(draft, secret), confidence=confidence,
                severity=severity, secret=secret, tags=tags)


def _judge(draft: Draft, login: bool, cracked: tuple[str, str] | None, out: Output) -> None:
    who = f"{draft.name} (uid {draft.uid if draft.uid is not None else '?'}, shell " \
          f"{draft.shell or 'unknown'})"
    state, privileged = draft.field.state, draft.uid == 0
    usable = state in ("hash", "empty", "plaintext", "no-password-field")
    if privileged and draft.name != "root":
        _emit(out, specs.SPY101, draft, f"{who} has root privileges",
              Severity.HIGH if usable else Severity.LOW)
    if state == "empty":
        severity = (Severity.CRITICAL if login and privileged else
                    Severity.HIGH if login else Severity.LOW)
        _emit(out, specs.SPY102, draft, f"{who} logs in without a password", severity)
    elif state == "plaintext":
        _emit(out, specs.SPY105, draft, f"{who} has its password in plain text",
              Severity.CRITICAL if login and privileged else Severity.HIGH,
              secret=draft.field.plaintext)
    elif state == "no-password-field" and login and draft.source != "embedded":
        _emit(out, specs.SPY107, draft, f"{who} has no shadow entry", Severity.LOW,
              Confidence.MEDIUM)
    if cracked is not None:
        password, source = cracked
        origin = ("guessed from the user name" if source == "username" else
                  "guessed from the image's banner" if source == "image" else
                  f"from the public list {source}")
        severity = Severity.CRITICAL if login or privileged else Severity.HIGH
        _emit(out, specs.SPY103, draft, f"{who}: the {draft.field.hash_type} hash is of the "
              f"password '{password}', {origin}", severity, secret=password)
    if state == "hash" and draft.field.hash_type in WEAK_FAMILIES:
        _emit(out, specs.SPY104, draft, f"{who} uses the weak hash family "
              f"{draft.field.hash_type}", Severity.MEDIUM)
    if login and draft.name in SERVICE_ACCOUNTS and not privileged:
        _emit(out, specs.SPY106, draft, f"service account {who} has a login shell",
              Severity.MEDIUM if usable else Severity.LOW)
    if draft.defined_in_file:
        _emit(out, specs.SPY112, draft, f"{who} is defined inside a file, created at runtime",
              Severity.LOW, Confidence.MEDIUM)


def _group(draft: GroupDraft, outcome: Outcome | None, out: Output) -> None:
    if draft.field.state not in ("hash", "plaintext"):
        return
    cracked = outcome.password if outcome and outcome.status == "cracked" else None
    secret = cracked or draft.field.plaintext
    severity = Severity.HIGH if secret is not None else Severity.LOW
    confidence = Confidence.HIGH
    if draft.documentation:
        severity, confidence = Severity.LOW, Confidence.LOW
    message = f"group {draft.entry.name} has a {draft.field.hash_type or 'plain'} password"
    if cracked is not None:
        message += f" found in a public list: '{cracked}'"
    out.finding(specs.SPY110, message, Evidence(draft.location, draft.entry.text[:160], secret),
                confidence=confidence, severity=severity, secret=secret)



def _shared_uids(drafts: list[Draft], out: Output) -> None:
    by_uid: dict[tuple[str, int], list[Draft]] = defaultdict(list)
    for draft in drafts:
        if draft.uid is not None and draft.uid != 0 and not draft.documentation \
                and draft.source != "embedded":
            by_uid[(draft.fs_root, draft.uid)].append(draft)
    for (_, uid), group in by_uid.items():
        names = sorted({d.name for d in group})
        if len(names) > 1:
            out.finding(specs.SPY108, f"uid {uid} is shared by {', '.join(names)}",
                        tuple(Evidence(d.location, d.excerpt[:160]) for d in group[:5]))


def _shared_hashes(drafts: list[Draft], out: Output) -> None:
    by_hash: dict[tuple[str, str], list[Draft]] = defaultdict(list)
    for draft in drafts:
        if draft.field.hash and not draft.documentation:
            by_hash[(draft.fs_root, draft.field.hash)].append(draft)
    for group in by_hash.values():
        names = sorted({d.name for d in group})
        if len(names) > 1:
            out.finding(specs.SPY109, f"accounts {', '.join(names)} share one password hash",
                        tuple(Evidence(d.location, d.excerpt[:160]) for d in group[:5]))


def _untested(collected: Collected, outcomes: dict[str, Outcome], out: Output) -> None:
    cut = sorted(h for h, o in outcomes.items() if o.status == "budget")
    unsupported = sorted(h for h, o in outcomes.items() if o.status == "unsupported")
    if not cut and not unsupported:
        return
    names = {d.field.hash: d for d in collected.accounts if d.field.hash}
    parts = []
    if cut:
        parts.append(f"{len(cut)} cut short by the time budget")
    if unsupported:
        families = sorted({names[h].field.hash_type or "?" for h in unsupported if h in names})
        parts.append(f"{len(unsupported)} not attempted: no backend for "
                     f"{', '.join(families) or 'their family'}")
    evidence = tuple(Evidence(names[h].location, names[h].excerpt[:160])
                     for h in (*cut, *unsupported)[:5] if h in names)
    where: tuple[Evidence, ...] | Location = evidence or Location(chain="image")
    out.finding(specs.SPY111, "password hashes not fully tested: " + "; ".join(parts), where)
