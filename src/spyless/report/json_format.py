"""The report as JSON; secrets are masked unless the caller asks to see them."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from spyless.model.findings import mask_secret
from spyless.report.model import Report

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
             "vulnerabilities", "hardening", "errors", "timings", "extraction"]
    return {key: data[key] for key in order if key in data}


def render_json(report: Report, show_secrets: bool = False) -> str:
    return json.dumps(report_dict(report, show_secrets), indent=1) + "\n"
