"""Release notes against the delta (TR-5): what is declared, what is not, bad notes."""

from __future__ import annotations

from pathlib import Path

import pytest

from spyless.diff.declared import load_declared, undeclared_changes
from spyless.diff.interface import (
    Change,
    ComponentChange,
    DeclaredChange,
    Delta,
    FactChange,
    FieldChange,
    ImageRef,
)
from spyless.errors import InputError

REF = ImageRef("fw.bin", 1, "0" * 64)


def _delta() -> Delta:
    return Delta(REF, REF, facts=(
        FactChange("account", Change.ADDED, "maint", None, detail="maint (uid 0)"),
        FactChange("endpoint", Change.ADDED, "support.vendor-remote.example", None),
        FactChange("key", Change.ADDED, "/etc/dropbear/authorized_keys", None,
                   detail="authorized-key ed25519 sha256:0123456789abcdef"),
        FactChange("key", Change.ADDED, "/etc/ssl/certs/ca.pem", None,
                   detail="certificate rsa sha256:fedcba9876543210"),
        FactChange("service", Change.CHANGED, "telnetd", None,
                   (FieldChange("auth", "password", "none"),)),
        FactChange("service", Change.CHANGED, "httpd", None,
                   (FieldChange("arguments", "-p 80", "-p 80 -v"),)),
        FactChange("credential", Change.ADDED, "api-token /etc/x", None)),
        components=(ComponentChange("busybox", "upgraded", "1.30.1", "1.35.0", None),))


def test_every_security_relevant_change_must_be_declared() -> None:
    missing = undeclared_changes(_delta(), [])
    assert [(u.kind, u.change, u.item) for u in missing] == [
        ("account", "added", "maint"), ("endpoint", "added", "support.vendor-remote.example"),
        ("key", "added", "/etc/dropbear/authorized_keys"), ("service", "changed", "telnetd"),
        ("component", "changed", "busybox")]
    assert missing[3].message == "service telnetd changed: auth password -> none"


def test_declarations_cover_by_name_domain_path_and_fingerprint() -> None:
    notes = [DeclaredChange("account", "added", "MAINT"),
             DeclaredChange("endpoint", "added", "vendor-remote.example"),
             DeclaredChange("key", "added", "sha256:0123456789abcdef0011"),
             DeclaredChange("service", "changed", "telnetd"),
             DeclaredChange("component", "added", "busybox 1.35.0")]
    assert undeclared_changes(_delta(), notes) == []


def test_a_declaration_of_another_change_does_not_cover() -> None:
    notes = [DeclaredChange("account", "removed", "maint"),
             DeclaredChange("service", "added", "maint")]
    assert "maint" in [u.item for u in undeclared_changes(_delta(), notes)]


def test_release_notes_files(tmp_path: Path) -> None:
    notes = tmp_path / "notes.toml"
    notes.write_text('[release_notes]\nversion = "1.2.4"\n\n[[release_notes.changes]]\n'
                     'kind = "account"\nchange = "added"\nitem = "maint"\n'
                     'description = "field service"\n')
    assert load_declared(notes) == (DeclaredChange("account", "added", "maint",
                                                   "field service"),)
    plain = tmp_path / "plain.toml"
    plain.write_text('[[changes]]\nkind = "component"\nchange = "changed"\nitem = "busybox"\n')
    assert load_declared(plain) == (DeclaredChange("component", "changed", "busybox"),)


@pytest.mark.parametrize(("text", "message"), [
    ('[[changes]]\nkind = "user"\nchange = "added"\nitem = "x"\n', "kind 'user' is not one of"),
    ('[[changes]]\nkind = "account"\nchange = "added"\n', "'item' is required"),
    ("changes = 3\n", "changes must be an array"),
    ("[[changes]\n", "not valid TOML"),
])
def test_bad_release_notes_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    notes = tmp_path / "bad.toml"
    notes.write_text(text)
    with pytest.raises(InputError, match=message):
        load_declared(notes)


def test_the_agreements_release_change_type_is_accepted() -> None:
    document = pytest.importorskip("spyless.agreement.document")
    notes = [document.ReleaseChange("account", "added", "maint")]
    assert "maint" not in [u.item for u in undeclared_changes(_delta(), notes)]
