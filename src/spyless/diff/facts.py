"""The facts part of the delta: accounts, credentials, keys, services and endpoints.

Each kind has an identity that survives a rebuild (an account by name, a key by its
fingerprint, a service by name and binary, an endpoint by kind and value) and a few
fields whose change matters (an account's uid, shell or password; a service's port,
listen address or authentication). Secrets are never put in the delta: a changed password
or credential shows as changed, with a short digest on each side.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from spyless.diff.interface import Change, FactChange, FieldChange
from spyless.diff.pairing import chain_key
from spyless.model.facts import Account, Credential, Endpoint, KeyMaterial, Service
from spyless.model.findings import Location
from spyless.report.model import Report

T = TypeVar("T")
Fields = dict[str, str]


def digest(secret: str | None) -> str:
    """A short digest that tells two secrets apart without showing either."""
    if not secret:
        return ""
    return "sha256:" + hashlib.sha256(secret.encode("utf-8", "surrogateescape")).hexdigest()[:12]


def where(location: Location, image: str) -> str:
    """The path inside the image, else the chain without the image name and offsets."""
    return location.path or chain_key(location.chain, image) or "(image)"


def fact_changes(old: Report, new: Report) -> list[FactChange]:
    out: list[FactChange] = []
    out += _compare("account", _accounts(old), _accounts(new))
    out += _compare("credential", _items(old.credentials, _credential, old.image.name),
                    _items(new.credentials, _credential, new.image.name))
    out += _compare("key", _items(old.keys, _key, old.image.name),
                    _items(new.keys, _key, new.image.name))
    out += _compare("service", _items(old.services, _service, old.image.name),
                    _items(new.services, _service, new.image.name))
    out += _compare("endpoint", _items(old.endpoints, _endpoint, old.image.name),
                    _items(new.endpoints, _endpoint, new.image.name))
    return out


Item = tuple[str, Location | None, Fields, str]  # item name, location, fields, detail


def _compare(kind: str, old: dict[str, Item], new: dict[str, Item]) -> list[FactChange]:
    out = []
    for key in sorted(new.keys() - old.keys()):
        item, location, _, detail = new[key]
        out.append(FactChange(kind, Change.ADDED, item, location, detail=detail))
    for key in sorted(old.keys() - new.keys()):
        item, location, _, detail = old[key]
        out.append(FactChange(kind, Change.REMOVED, item, location, detail=detail))
    for key in sorted(old.keys() & new.keys()):
        item, location, fields, detail = new[key]
        before = old[key][2]
        changed = tuple(FieldChange(name, before.get(name, ""), value)
                        for name, value in fields.items() if before.get(name, "") != value)
        changed += tuple(FieldChange(name, value, "") for name, value in before.items()
                         if name not in fields and value)
        if changed:
            out.append(FactChange(kind, Change.CHANGED, item, location, changed, detail))
    return out


def _items(facts: Sequence[T], describe: Callable[[T, str], tuple[str, Item]],
           image: str) -> dict[str, Item]:
    items: dict[str, Item] = {}
    for fact in facts:
        key, item = describe(fact, image)
        items.setdefault(key, item)
    return items


# accounts: one per name, password fields from shadow where there is one -----------------


def _accounts(report: Report) -> dict[str, Item]:
    by_name: dict[str, list[Account]] = {}
    for account in report.accounts:
        by_name.setdefault(account.name, []).append(account)
    items: dict[str, Item] = {}
    for name, records in by_name.items():
        items[name] = _account(name, records)
    return items


def _account(name: str, records: Iterable[Account]) -> Item:
    ordered = sorted(records, key=lambda a: {"passwd": 0, "shadow": 1}.get(a.source, 2))
    identity = ordered[0]
    # the shadow entry holds the password; without one, a passwd field that has it
    secret = next((a for a in ordered if a.source == "shadow"),
                  next((a for a in ordered
                        if a.password_state != "no-password-field"),  # noqa: S105 - a state
                       identity))
    fields: Fields = {
        "uid": _text(identity.uid), "gid": _text(identity.gid),
        "shell": identity.shell or "", "home": identity.home or "",
        "password": secret.password_state + (f" {secret.hash_type}" if secret.hash_type else ""),
        "password hash": digest(secret.password_hash),
        "cracked": "yes" if any(a.cracked for a in ordered) else "no",
    }
    uid = "" if identity.uid is None else f" (uid {identity.uid})"
    return name, identity.location, fields, f"{name}{uid}, {fields['password']}"


# the other facts -------------------------------------------------------------------------


def _credential(credential: Credential, image: str) -> tuple[str, Item]:
    path = where(credential.location, image)
    user = f"{credential.username}@" if credential.username else ""
    key = "\0".join((credential.kind, credential.username or "", path, credential.context))
    item = f"{credential.kind} {user}{path}"
    fields = {"secret": digest(credential.secret), "service": credential.service or ""}
    return key, (item, credential.location, fields, credential.context)


def _key(key: KeyMaterial, image: str) -> tuple[str, Item]:
    path = where(key.location, image)
    identity = key.fingerprint or f"{key.kind}\0{path}"
    fields = {"kind": key.kind, "path": path, "algorithm": key.algorithm,
              "bits": _text(key.bits), "not_after": key.not_after or "",
              "encrypted": "yes" if key.encrypted else "no"}
    detail = f"{key.kind} {key.algorithm}" + (f" sha256:{key.fingerprint[:16]}"
                                              if key.fingerprint else "")
    return f"{key.kind}\0{identity}", (path, key.location, fields, detail)


def _service(service: Service, image: str) -> tuple[str, Item]:
    fields = {"binary": service.binary or "", "manager": service.manager,
              "enabled": "yes" if service.enabled else "no", "port": _text(service.port),
              "protocol": service.protocol or "", "listen": service.listen or "",
              "auth": service.auth, "user": service.user or "",
              "arguments": " ".join(service.arguments)}
    port = f" port {service.port}" if service.port else ""
    detail = f"{service.binary or service.name}{port}, auth {service.auth}"
    return f"{service.name}\0{service.binary or ''}", (service.name, service.started_by,
                                                      fields, detail)


def _endpoint(endpoint: Endpoint, image: str) -> tuple[str, Item]:
    location = endpoint.locations[0] if endpoint.locations else None
    fields = {"category": endpoint.category or "", "confidence": endpoint.confidence,
              "used at boot": "yes" if endpoint.used_at_boot else "no"}
    places = ", ".join(sorted({where(loc, image) for loc in endpoint.locations})[:3])
    item = (endpoint.host or endpoint.value).lower()
    return f"{endpoint.kind}\0{endpoint.value.lower()}", (
        item, location, fields, f"{endpoint.kind} {endpoint.value} in {places}")


def _text(value: object) -> str:
    return "" if value is None else str(value)
