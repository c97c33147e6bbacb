"""``spyless sbom`` end to end on real images: schema-valid documents whatever was found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft7Validator  # type: ignore[import-untyped]  # no stubs; test-only

from spyless.cli.sbom import sbom_command
from tests.conftest import ROOT, corpus_file
from tests.unit.sbom.conftest import CycloneDxValidator

DEMO = ROOT / "examples" / "demo-router.bin"
TPLINK = "firmware/tplink_tl-wr841n_v10_en_3.16.9_build150310.bin"


def run(image: Path, fmt: str, out: Path) -> dict[str, object]:
    result = CliRunner().invoke(sbom_command, [str(image), "--format", fmt, "-o", str(out),
                                               "--jobs", "2"])
    assert result.exit_code == 0, result.output
    document: dict[str, object] = json.loads(out.read_text(encoding="utf-8"))
    return document


def test_demo_router_cyclonedx(tmp_path: Path, cyclonedx_validator: CycloneDxValidator) -> None:
    bom = run(DEMO, "cyclonedx", tmp_path / "bom.json")
    assert cyclonedx_validator.errors(bom) == []
    image = bom["metadata"]["component"]  # type: ignore[index]
    assert image["name"] == "demo-router.bin"
    assert image["hashes"][0]["alg"] == "SHA-256"


def test_demo_router_spdx(tmp_path: Path, spdx_validator: Draft7Validator) -> None:
    doc = run(DEMO, "spdx", tmp_path / "sbom.spdx.json")
    assert [e.message for e in spdx_validator.iter_errors(doc)] == []
    assert doc["spdxVersion"] == "SPDX-2.3"


def test_stdout_by_default() -> None:
    result = CliRunner().invoke(sbom_command, [str(DEMO), "-f", "spdx", "-j", "1"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["packages"][0]["SPDXID"] == "SPDXRef-Image"


def test_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(sbom_command, [str(DEMO), "-f", "swid"])
    assert result.exit_code == 2
    assert "swid" in result.output


@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["cyclonedx", "spdx"])
def test_tplink(tmp_path: Path, fmt: str, cyclonedx_validator: CycloneDxValidator,
                spdx_validator: Draft7Validator) -> None:
    doc = run(corpus_file(TPLINK), fmt, tmp_path / "out.json")
    if fmt == "cyclonedx":
        assert cyclonedx_validator.errors(doc) == []
    else:
        assert [e.message for e in spdx_validator.iter_errors(doc)] == []
