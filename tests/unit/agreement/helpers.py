"""Reports, findings and agreements built in code for the evaluation tests."""

from __future__ import annotations

from pathlib import Path

from spyless._version import __version__
from spyless.agreement.coverage import PROVIDERS, Coverage
from spyless.agreement.document import Agreement
from spyless.agreement.loader import load_agreement
from spyless.model.facts import Account, Endpoint, Service
from spyless.model.findings import Confidence, Evidence, Finding, Location, Severity
from spyless.report.model import Report
from spyless.unpack.engine import ImageInfo

FULL = Coverage(packages=frozenset(p.partition(":")[2] for ps in PROVIDERS.values()
                                   for p in ps if p.startswith("package:")),
                finding_ids=frozenset({"SPY612"}))
SBOM = '[[components]]\nname = "busybox"\n'


def report(name: str = "fw-1.0.bin") -> Report:
    return Report(image=ImageInfo(name, name, 1, "0" * 64), tool_version=__version__,
                  created="2026-01-01T00:00:00+00:00")


def loc(path: str, line: int | None = 1, offset: int | None = None,
        image: str = "fw-1.0.bin") -> Location:
    return Location(chain=f"{image}!squashfs@0x10000{path}", path=path, line=line,
                    offset=offset)


def finding(finding_id: str, path: str = "/etc/shadow", line: int | None = 1, *,
            severity: Severity = Severity.HIGH, confidence: Confidence = Confidence.HIGH,
            tags: tuple[str, ...] = (), excerpt: str = "", secret: str | None = None,
            message: str = "", image: str = "fw-1.0.bin") -> Finding:
    return Finding(id=finding_id, title=f"title of {finding_id}", severity=severity,
                   confidence=confidence, cwe=None, message=message or f"{finding_id} at {path}",
                   evidence=(Evidence(loc(path, line, image=image), excerpt, secret),),
                   remediation="fix it", analyzer="test", tags=tags)


def account(name: str, uid: int, line: int, *, login: bool = True,
            state: str = "hash") -> Account:
    return Account(name=name, uid=uid, gid=uid, home="/root", shell="/bin/sh" if login else
                   "/bin/false", location=loc("/etc/shadow", line), password_state=state,
                   hash_type="sha512crypt", login_shell=login, source="shadow")


def service(name: str, port: int | None, line: int, *, auth: str = "password",
            user: str | None = None, protocol: str | None = "tcp") -> Service:
    return Service(name=name, binary=f"/usr/sbin/{name}", binary_chain=None, arguments=(),
                   started_by=loc("/etc/init.d/rcS", line), manager="rcS", port=port,
                   protocol=protocol if port is not None else None, auth=auth, user=user)


def endpoint(value: str, path: str = "/etc/config/app", line: int = 1, *,
             kind: str = "url", context: str = "config: key url", boot: bool = False,
             category: str | None = None) -> Endpoint:
    host = value.split("://", 1)[-1].split("/", 1)[0].split(":", maxsplit=1)[0]
    return Endpoint(kind=kind, value=value, locations=(loc(path, line),),
                    scheme=value.split("://", maxsplit=1)[0] if "://" in value else None, host=host,
                    category=category, context=f"{path}: {context}", used_at_boot=boot,
                    ip_class="public" if kind.startswith("ipv") else None)


def agreement(tmp_path: Path, text: str, name: str = "agreement.toml") -> Agreement:
    path = tmp_path / name
    path.write_text('schema_version = "1"\n' + text, encoding="utf-8")
    return load_agreement(path)
