"""The report as JSON (secrets masked unless the caller asks to see them), and back."""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
import types
import typing
from pathlib import Path
from typing import Any

from spyless.errors import InputError
from spyless.model.findings import mask_secret
from spyless.report.model import REPORT_SCHEMA_VERSION, Report

#: Fact fields that hold a usable secret.
_SECRET_FIELDS = frozenset({"secret", "cracked"})


def _mask(value: Any, show: bool) -> Any:
    if isinstance(value, dict):
        if not show and "excerpt" in value and value.get("secret"):
            secret = value["secret"]
            value = {**value, "excerpt": value["excerpt"].replace(secret, mask_secret(secret))}
        if not show and isinstance(value.get("message"), str) and value.get("evidence"):
            message = value["message"]
            for evidence in value["evidence"]:
                if evidence.get("secret"):
                    message = message.replace(evidence["secret"], mask_secret(evidence["secret"]))
            value = {**value, "message": message}
        return {k: (mask_secret(v) if not show and k in _SECRET_FIELDS and isinstance(v, str)
                    else _mask(v, show)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(v, show) for v in value]
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return value


def report_dict(report: Report, show_secrets: bool = False) -> dict[str, Any]:
    raw = dataclasses.asdict(report)
    data: dict[str, Any] = _mask(raw, show_secrets)
    data["tool"] = {"name": "spyless", "version": data.pop("tool_version")}
    data["secrets_shown"] = show_secrets
    order = ["schema_version", "tool", "created", "image", "secrets_shown", "findings",
             "accounts", "credentials", "keys", "services", "endpoints", "components",
             "vulnerabilities", "hardening", "hardening_summary", "errors", "timings",
             "extraction"]
    return {key: data[key] for key in order if key in data}


def render_json(report: Report, show_secrets: bool = False) -> str:
    return json.dumps(report_dict(report, show_secrets), indent=1) + "\n"


def to_jsonable(value: Any, show_secrets: bool = False) -> Any:
    """A dataclass (or a tuple of them) as JSON data, masked the way reports are."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    elif isinstance(value, list | tuple):
        value = [dataclasses.asdict(v) if dataclasses.is_dataclass(v) and not isinstance(
            v, type) else v for v in value]
    return _mask(value, show_secrets)


# Reading a report back (``spyless check --report``, baselines) --------------------------

Convert = typing.Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


@functools.cache
def _converter(hint: Any) -> Convert:
    """How to turn the JSON form of a value of type ``hint`` back into it (built once)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in args if a is not type(None)]
        if len(inner) != 1:
            return _same
        convert = _converter(inner[0])
        return lambda v: None if v is None else convert(v)
    if origin in (tuple, list):
        item = _converter(args[0]) if args else _same

        def sequence(value: Any) -> Any:
            if not isinstance(value, list):
                raise InputError("expected an array")
            items = [item(v) for v in value]
            return tuple(items) if origin is tuple else items
        return sequence
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return functools.partial(_build, hint)
    return _same


_FIELDS: dict[type[Any], tuple[tuple[str, Convert], ...]] = {}


def _fields_of(cls: type[Any]) -> tuple[tuple[str, Convert], ...]:
    known = _FIELDS.get(cls)
    if known is None:
        hints = typing.get_type_hints(cls)
        known = _FIELDS[cls] = tuple((f.name, _converter(hints[f.name]))
                                     for f in dataclasses.fields(cls))
    return known


def _build(cls: type[Any], data: Any) -> Any:
    """A dataclass from its JSON form, following the field annotations."""
    if not isinstance(data, dict):
        raise InputError(f"{cls.__name__}: expected an object, not {type(data).__name__}")
    return cls(**{name: convert(data[name]) for name, convert in _fields_of(cls)
                  if name in data})


def load_report(path: Path) -> Report:
    """Read a report written by :func:`render_json` back (secrets stay as written)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise InputError(f"{path}: cannot read report: {e.strerror or e}") from e
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: not a JSON report: {e}") from e
    if isinstance(data, dict) and isinstance(data.get("report"), dict):
        data = data["report"]  # the output of `spyless check --format json`
    if not isinstance(data, dict) or "image" not in data or "findings" not in data:
        raise InputError(f"{path}: not a spyless report (no 'image' and 'findings')")
    version = str(data.get("schema_version", ""))
    if version.partition(".")[0] != REPORT_SCHEMA_VERSION.partition(".")[0]:
        raise InputError(f"{path}: report schema version {version!r} is not supported "
                         f"(this spyless reads {REPORT_SCHEMA_VERSION})")
    tool = data.get("tool")
    fields = {k: v for k, v in data.items() if k not in ("tool", "secrets_shown")}
    fields["tool_version"] = tool.get("version", "") if isinstance(tool, dict) else ""
    fields.setdefault("created", "")
    try:
        report: Report = _build(Report, fields)
    except (TypeError, ValueError, AttributeError) as e:
        raise InputError(f"{path}: not a valid spyless report: {e}") from e
    except InputError as e:
        raise InputError(f"{path}: not a valid spyless report: {e}") from e
    return report
