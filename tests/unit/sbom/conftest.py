"""Official JSON schemas of ../shared/vulndata/schemas, loaded for offline validation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft7Validator  # type: ignore[import-untyped]  # no stubs; test-only
from referencing import Registry, Resource

from tests.conftest import SHARED

SCHEMAS = SHARED / "vulndata" / "schemas"


def _load(relative: str) -> dict[str, Any]:
    path = SCHEMAS / relative
    if not path.is_file():
        pytest.skip(f"schema not present: {path}")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


class CycloneDxValidator:
    """The official CycloneDX 1.6 schema, applied in linear time.

    jsonschema checks ``uniqueItems`` by comparing every pair of items, so a BOM with
    thousands of vulnerabilities takes minutes. We validate the document without its
    vulnerabilities, each vulnerability against the schema's own definition, and their
    uniqueness by hashing: the same rules, in linear time.
    """

    def __init__(self) -> None:
        bom = _load("cyclonedx/bom-1.6.SNAPSHOT.schema.json")
        registry: Registry[Any] = Registry().with_resource(bom["$id"],
                                                           Resource.from_contents(bom))
        for name in ("cyclonedx/spdx.SNAPSHOT.schema.json",
                     "cyclonedx/jsf-0.82.SNAPSHOT.schema.json"):
            schema = _load(name)
            resource = Resource.from_contents(schema)
            # bom-1.6 refers to them by file name, relative to its own $id.
            registry = registry.with_resource(schema["$id"], resource).with_resource(
                "http://cyclonedx.org/schema/" + name.split("/")[1], resource)
        checker = Draft7Validator.FORMAT_CHECKER
        self.document = Draft7Validator(bom, registry=registry, format_checker=checker)
        self.vulnerability = Draft7Validator(
            {"$ref": bom["$id"] + "#/definitions/vulnerability"}, registry=registry,
            format_checker=checker)

    def errors(self, document: dict[str, Any]) -> list[str]:
        vulnerabilities = document.get("vulnerabilities", [])
        rest = {k: v for k, v in document.items() if k != "vulnerabilities"}
        found = [f"{list(e.absolute_path)}: {e.message}" for e in self.document.iter_errors(rest)]
        for index, vuln in enumerate(vulnerabilities):
            found += [f"vulnerabilities/{index}/{list(e.absolute_path)}: {e.message}"
                      for e in self.vulnerability.iter_errors(vuln)]
        if len({json.dumps(v, sort_keys=True) for v in vulnerabilities}) < len(vulnerabilities):
            found.append("vulnerabilities: items are not unique")
        return found


@pytest.fixture(scope="session")
def cyclonedx_validator() -> CycloneDxValidator:
    return CycloneDxValidator()


@pytest.fixture(scope="session")
def spdx_validator() -> Draft7Validator:
    return Draft7Validator(_load("spdx-2.3-schema.json"),
                           format_checker=Draft7Validator.FORMAT_CHECKER)
