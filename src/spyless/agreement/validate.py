"""Checking a parsed agreement against the schema: every problem, with its line.

``check(data, locator, known_rules)`` walks the TOML data along ``schema.SCHEMA`` and
returns :class:`Problem` values for unknown keys, wrong types, bad dates, unknown clause
ids and finding ids, bad hosts and networks, and the rules that tie keys together (a
disabled clause needs a reason; a waiver names a finding or a clause).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Collection
from typing import Any

from spyless.agreement.interface import Problem
from spyless.agreement.locate import KeyPath, Locator
from spyless.agreement.schema import SCHEMA, Field
from spyless.agreement.standard import clauses_by_id

_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_LOOKS_NUMERIC = re.compile(r"^[0-9.]+$")
_FINDING = re.compile(r"^SPY[1-8]\d\d$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_ITEM_TYPES = {"string-list": "string", "port-list": "port", "host-list": "host",
               "address-list": "network"}


def parse_date(value: object) -> dt.date | None:
    """A TOML date, or an ISO date string; None when it is neither."""
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def host_problem(text: str) -> str | None:
    """Why ``text`` is not a host, wildcard, address or network; None when it is one."""
    host = text.strip().lower().rstrip(".")
    if not host:
        return "empty host"
    if "/" in host or ":" in host or _LOOKS_NUMERIC.match(host):
        try:
            ipaddress.ip_network(host.strip("[]"), strict=False)
        except ValueError:
            return f"{text!r} is not a valid IP address or CIDR network"
        return None
    name = host.removeprefix("*.")
    if "*" in name:
        return f"{text!r}: a wildcard must look like '*.vendor.example'"
    if len(name) > 253 or not all(_LABEL.match(label) for label in name.split(".")):
        return f"{text!r} is not a valid host name"
    return None


def _type_name(value: object) -> str:
    return {bool: "boolean", int: "integer", float: "float", str: "string", list: "array",
            dict: "table"}.get(type(value), type(value).__name__)


class _Checker:
    def __init__(self, locator: Locator, known_rules: Collection[str] | None) -> None:
        self.locator = locator
        self.known_rules = known_rules
        self.problems: list[Problem] = []

    def add(self, path: KeyPath, message: str) -> None:
        shown = "".join(f"[{p + 1}]" if isinstance(p, int) else f".{p}" for p in path)
        self.problems.append(Problem(message, shown.lstrip("."), self.locator.line(path)))

    def table(self, data: dict[str, Any], fields: tuple[Field, ...], path: KeyPath) -> None:
        names = {f.name: f for f in fields}
        for key, value in data.items():
            field = names.get(key)
            if field is None:
                expected = ", ".join(sorted(names))
                self.add((*path, key), f"unknown key (expected one of: {expected})")
                continue
            self.value(value, field, (*path, key))
        for field in fields:
            if field.required and field.name not in data:
                self.add(path, f"missing required key '{field.name}'")

    def value(self, value: object, field: Field, path: KeyPath) -> None:
        kind = field.type
        if kind == "tables":
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                self.add(path, f"must be an array of tables ([[{path[-1]}]])")
                return
            for i, item in enumerate(value):
                self.table(item, field.children, (*path, i))
            return
        if kind in ("table", "clause-tables"):
            if not isinstance(value, dict):
                self.add(path, f"must be a table, not {_type_name(value)}")
                return
            if kind == "table":
                self.table(value, field.children, path)
                return
            for clause_id, settings in value.items():
                if clause_id not in clauses_by_id():
                    self.add((*path, clause_id), "unknown clause id (NB-1…NB-8, NS-1…NS-5, "
                             "SE-1…SE-9, TR-1…TR-8)")
                elif not isinstance(settings, dict):
                    self.add((*path, clause_id), "must be a table ([clauses.ID])")
                else:
                    self.table(settings, field.children, (*path, clause_id))
            return
        message = self.scalar(value, field)
        if message:
            self.add(path, message)

    def scalar(self, value: object, field: Field) -> str | None:
        kind = field.type
        if kind in ("string-list", "port-list", "host-list", "address-list"):
            if not isinstance(value, list):
                return f"must be an array, not {_type_name(value)}"
            item = Field(field.name, _ITEM_TYPES[kind], field.doc)
            for element in value:
                message = self.scalar(element, item)
                if message:
                    return message
            return None
        if kind in ("integer", "port"):
            if not isinstance(value, int) or isinstance(value, bool):
                return f"must be an integer, not {_type_name(value)}"
            if kind == "port" and not 0 <= value <= 65535:
                return f"port {value} is out of range 0-65535"
            return None
        if kind == "boolean":
            return None if isinstance(value, bool) else (
                f"must be true or false, not {_type_name(value)}")
        if kind == "date":
            shown = repr(value) if isinstance(value, str) else str(value)
            return None if parse_date(value) else f"{shown} is not a date (YYYY-MM-DD)"
        if not isinstance(value, str):
            return f"must be a string, not {_type_name(value)}"
        return self.string(value, field)

    def string(self, value: str, field: Field) -> str | None:
        kind = field.type
        if kind == "choice" and value not in field.choices:
            return f"{value!r} is not one of: {', '.join(field.choices)}"
        if kind == "host":
            return host_problem(value)
        if kind == "network":
            try:
                ipaddress.ip_network(value.strip("[]"), strict=False)
            except ValueError:
                return f"{value!r} is not a valid IP address or CIDR network"
        if kind == "path" and not value.startswith("/"):
            return f"{value!r} must be an absolute path inside the image"
        if kind in ("glob", "string") and field.required and not value.strip():
            return "must not be empty"
        if kind == "clause-id" and value not in clauses_by_id():
            return f"unknown clause id {value!r}"
        if kind == "rule":
            if not (_FINDING.match(value) or value.startswith("agreement:")):
                return f"{value!r} is not a finding id (SPYnnn) or agreement rule"
            if self.known_rules is not None and value not in self.known_rules:
                return f"unknown finding id or rule {value!r} (see docs/findings.md)"
        return None


def check(data: dict[str, Any], locator: Locator,
          known_rules: Collection[str] | None = None) -> list[Problem]:
    checker = _Checker(locator, known_rules)
    checker.table(data, SCHEMA, ())
    _cross_field(data, checker)
    return sorted(checker.problems, key=lambda p: (p.line or 0, p.path))


def _cross_field(data: dict[str, Any], checker: _Checker) -> None:
    clauses = data.get("clauses")
    if isinstance(clauses, dict):
        for clause_id, settings in clauses.items():
            if isinstance(settings, dict) and settings.get("enabled") is False and not (
                    isinstance(settings.get("reason"), str) and settings["reason"].strip()):
                checker.add(("clauses", clause_id), "switching a clause off needs a 'reason'")
    waivers = data.get("waivers")
    if isinstance(waivers, list):
        for i, waiver in enumerate(waivers):
            if isinstance(waiver, dict) and "finding" not in waiver and "clause" not in waiver:
                checker.add(("waivers", i), "a waiver needs 'finding' or 'clause'")
    products = data.get("products")
    if isinstance(products, list):
        for i, product in enumerate(products):
            images = product.get("images") if isinstance(product, dict) else None
            if isinstance(images, list):
                for image in images:
                    if isinstance(image, str) and not _SHA256.match(image.lower()):
                        checker.add(("products", i, "images"),
                                    f"{image!r} is not a sha256 (64 hex digits)")
