"""Declared changes (release notes) against the delta: what changed that nobody declared.

Agreement clause TR-5: security-relevant changes between releases (accounts, services,
endpoints, keys, components added, removed or changed) are declared in the release
notes. The notes are the agreement's ``[release_notes]`` table or a file of their own::

    [release_notes]
    version = "1.2.4"
    previous = "1.2.3"

    [[release_notes.changes]]
    kind = "account"          # account, service, endpoint, key, component
    change = "added"          # added, removed, changed
    item = "maint"            # account or service name, host, key path, component name
    description = "field service account"

(a file may also hold ``[[changes]]`` at the top level). :func:`undeclared_changes` takes
the agreement's own ``ReleaseChange`` objects as well as :class:`DeclaredChange`.
"""

from __future__ import annotations

import posixpath
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from spyless.diff.interface import (
    Change,
    DeclaredChange,
    DeclaredChangeLike,
    Delta,
    UndeclaredChange,
)
from spyless.errors import InputError
from spyless.model.findings import Location

KINDS = ("account", "service", "endpoint", "key", "component")
CHANGES = ("added", "removed", "changed")
#: Key kinds whose arrival or departure is security-relevant (certificates come and go
#: with CA bundles; a new trust anchor is reported by the keys analyzer's own findings).
_KEY_KINDS = frozenset({"private-key", "host-key", "authorized-key"})
_ACCOUNT_FIELDS = frozenset({"uid", "shell", "password", "password hash"})
_SERVICE_FIELDS = frozenset({"port", "protocol", "listen", "auth", "enabled", "user"})


def load_declared(path: Path) -> tuple[DeclaredChange, ...]:
    """Declared changes from a release-notes TOML file or an agreement file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise InputError(f"{path}: cannot read release notes: {e.strerror or e}") from e
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: not valid TOML: {e}") from e
    notes = data.get("release_notes", data)
    if not isinstance(notes, dict):
        raise InputError(f"{path}: release_notes must be a table")
    changes = notes.get("changes", [])
    if not isinstance(changes, list):
        raise InputError(f"{path}: changes must be an array of tables ([[changes]])")
    return tuple(_change(path, n, entry) for n, entry in enumerate(changes, 1))


def _change(path: Path, number: int, entry: Any) -> DeclaredChange:
    where = f"{path}: change {number}"
    if not isinstance(entry, dict):
        raise InputError(f"{where}: must be a table")
    values = {k: entry.get(k) for k in ("kind", "change", "item")}
    for key, value in values.items():
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{where}: '{key}' is required (a string)")
    kind, change, item = (str(values[k]).strip() for k in ("kind", "change", "item"))
    if kind not in KINDS:
        raise InputError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    if change not in CHANGES:
        raise InputError(f"{where}: change {change!r} is not one of {', '.join(CHANGES)}")
    description = entry.get("description", "")
    return DeclaredChange(kind, change, item, description if isinstance(description, str)
                          else "")


def undeclared_changes(delta: Delta, declared: Iterable[DeclaredChangeLike]
                       ) -> list[UndeclaredChange]:
    """Security-relevant changes of ``delta`` that no entry of ``declared`` covers."""
    notes = [(d.kind.strip().lower(), d.change.strip().lower(), d.item.strip().lower())
             for d in declared]
    out = []
    for kind, change, names, location, message in _relevant(delta):
        if not any(k == kind and _change_covers(c, change) and _item_covers(kind, i, names)
                   for k, c, i in notes):
            out.append(UndeclaredChange(kind, change, names[0], location, message))
    return out


Relevant = tuple[str, str, tuple[str, ...], Location | None, str]


def _relevant(delta: Delta) -> list[Relevant]:
    """(kind, change, names it may be declared by, location, message) per change."""
    out: list[Relevant] = []
    for fact in delta.facts:
        if fact.kind == "credential":
            continue
        fields = {f.field for f in fact.fields}
        if fact.change is Change.CHANGED and not fields & (
                _ACCOUNT_FIELDS if fact.kind == "account" else _SERVICE_FIELDS):
            continue
        if fact.kind == "key" and not _key_counts(fact.detail):
            continue
        names = (fact.item, posixpath.basename(fact.item), fact.detail.rpartition("sha256:")[2])
        what = f"{fact.kind} {fact.item} {fact.change.value}"
        if fact.fields:
            what += ": " + ", ".join(f"{f.field} {f.old or '-'} -> {f.new or '-'}"
                                     for f in fact.fields)
        out.append((fact.kind, fact.change.value, tuple(n for n in names if n), fact.location,
                    what))
    for component in delta.components:
        change = {"upgraded": "changed", "downgraded": "changed"}.get(component.change,
                                                                     component.change)
        version = component.new_version or component.old_version or ""
        names = (component.name, f"{component.name} {version}".strip(), "")
        what = (f"component {component.name} {component.change}: "
                f"{component.old_version or '-'} -> {component.new_version or '-'}")
        out.append(("component", change, names, component.location, what))
    return out


def _key_counts(detail: str) -> bool:
    return detail.split(" ", 1)[0] in _KEY_KINDS


def _change_covers(declared: str, change: str) -> bool:
    # an upgrade may be noted as the new version "added"
    return declared == change or (change == "changed" and declared == "added")


def _item_covers(kind: str, declared: str, names: tuple[str, ...]) -> bool:
    lowered = [n.lower() for n in names]
    if declared in lowered:
        return True
    if kind == "endpoint":
        return any(n.endswith("." + declared.lstrip("*.")) for n in lowered)
    fingerprint = declared.removeprefix("sha256:")
    if kind == "key" and len(fingerprint) >= 8:
        return any(len(n) >= 8 and (n.startswith(fingerprint) or fingerprint.startswith(n))
                   for n in lowered)
    return False
