"""Cloud and API tokens in text and binaries; generic secret keys only when random."""

from __future__ import annotations

import base64
import json

import pytest

from spyless.analyzers.credentials.tokens import TokenCredentials
from spyless.analyzers.interface import Output
from spyless.model.facts import Credential
from spyless.unpack.interface import ArtifactKind
from tests.analyzers_helpers import run_file_analyzer

SLACK = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
GOOGLE = "AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW"
GITHUB = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"


def _b64(value: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def _rows(out: Output) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for finding, fact in zip(out.findings, out.facts, strict=True):
        assert isinstance(fact, Credential)
        rows.append((finding.id, fact.kind, fact.secret, fact.context,
                     finding.confidence.value))
    return rows


def test_tokens_in_a_config_file() -> None:
    text = ("aws_access_key_id = AKIAQ3EGUVWXY7ZABCDE\n"
            "aws_secret_access_key = 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\n"
            "AKIAIOSFODNN7EXAMPLE\n"
            f"slack={SLACK}\n"
            'api_key = "f3a9c1d27b8e4a6f9d0c2b1e7a5f3d9c"\n'
            'api_key = "changeme"\n'
            "token=${TOKEN}\n"
            "# api_key = 0a1b2c3d4e5f60718293a4b5c6d7e8f9\n"
            "session_token_length = 32\n")
    out = run_file_analyzer(TokenCredentials(), text.encode(), "/etc/cloud.conf")
    assert _rows(out) == [
        ("SPY129", "api-token", "AKIAQ3EGUVWXY7ZABCDE", "aws token", "high"),
        ("SPY129", "api-token", SLACK, "slack token", "high"),
        ("SPY129", "api-token", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq9Ab3dE7g",
         "aws_secret_access_key", "high"),
        ("SPY130", "private-token", "f3a9c1d27b8e4a6f9d0c2b1e7a5f3d9c", "api_key", "medium"),
    ]
    assert [f.severity.value for f in out.findings] == ["high", "high", "high", "medium"]


def test_signed_jwt_and_browser_key_in_javascript() -> None:
    jwt = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64({'sub': 'device'})}.c2lnbmF0dXJlc2ln"
    unsigned = f"{_b64({'alg': 'none'})}.{_b64({'sub': 'device'})}.c2lnbmF0dXJlc2ln"
    text = (f'const k = "{GOOGLE}";\nvar t = "{jwt}";\nvar u = "{unsigned}";\n'
            'password: document.getElementById("pw").value,\n'
            'var api_key = "f3a9c1d27b8e4a6f9d0c2b1e7a5f3d9c";\n')
    out = run_file_analyzer(TokenCredentials(), text.encode(), "/www/app.js")
    assert _rows(out) == [("SPY129", "api-token", GOOGLE, "google token", "medium"),
                          ("SPY129", "api-token", jwt, "jwt token", "high")]


def test_strong_tokens_in_a_binary_only() -> None:
    data = (b"\x7fELF\x01\x01\x01" + b"\x00" * 40 + GITHUB.encode() + b"\x00AKIA"
            + b"Z" * 16 + b"\x00api_key=f3a9c1d27b8e4a6f9d0c2b1e7a5f3d9c\x00xghp_" + b"a" * 36)
    out = run_file_analyzer(TokenCredentials(), data, "/usr/bin/agent", ArtifactKind.ELF)
    assert _rows(out) == [("SPY129", "api-token", GITHUB, "github token in a binary",
                           "medium")]
    assert out.findings[0].evidence[0].location.offset == 47


@pytest.mark.parametrize("path", ["/usr/share/doc/aws/README", "/usr/lib/node/x/test/keys.js"])
def test_documentation_and_test_folders_are_not_scanned(path: str) -> None:
    from spyless.unpack.interface import Artifact

    artifact = Artifact(chain=f"img!x@0x0{path}", path=path.lstrip("/"),
                        kind=ArtifactKind.TEXT, size=10, sha256="0" * 64, description="t")
    assert not TokenCredentials().applies(artifact, path)


def test_stripe_key_starts_before_its_search_prefix() -> None:
    key = "sk_live_" + "a1B2c3D4e5F6g7H8i9J0k1L2"
    out = run_file_analyzer(TokenCredentials(), f"STRIPE={key}\nmask_live_x\n".encode(),
                            "/etc/pay.conf")
    assert _rows(out) == [("SPY129", "api-token", key, "stripe token", "high")]
    assert out.findings[0].evidence[0].location.offset == 7
