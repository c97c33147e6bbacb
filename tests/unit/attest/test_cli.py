"""End to end through the command line: keys, attest, log, cosign, bundle, offline verify.

And every way ``spyless verify`` must fail: a changed image, an unknown signer, a failing
verdict, a missing witness quorum and a forked log; each with one line and exit code 1.
"""

from __future__ import annotations

import hashlib
import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from spyless.cli import main as cli_main

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> Run:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SPYLESS_KEY_PASSPHRASE", raising=False)

    def call(*args: str) -> tuple[int, str, str]:
        code = cli_main.main([str(a) for a in args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return call


def _check_output(path: Path, image: Path, conforms: bool) -> None:
    sha = hashlib.sha256(image.read_bytes()).hexdigest()
    path.write_text(json.dumps({
        "report": {"tool": {"name": "spyless", "version": "0.3.0"},
                   "image": {"name": image.name, "sha256": sha}, "findings": []},
        "verdict": {"conforms": conforms, "agreement": {"name": "acme", "sha256": "cd" * 32},
                    "clauses": [{"id": "NB-1", "status": "pass" if conforms else "fail"}]},
    }))


def test_key_generate_files_and_note_key_lines(run: Run, tmp_path: Path) -> None:
    code, out, err = run("key", "generate", "-o", "log.key", "--note-name", "example.org/log")
    assert code == 0
    assert out.startswith("example.org/log+")
    assert out.count("\n") == 1
    assert "PRIVATE" not in out
    assert "PRIVATE" not in err
    for name in ("log.key", "log.key.note"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert (tmp_path / "log.key.note").read_text().startswith("PRIVATE+KEY+example.org/log+")
    code, vkey, _ = run("note", "vkey", "--key", "log.key.note")
    assert (code, vkey) == (0, out)
    (tmp_path / "pass").write_text("secret words\n")
    code, _, err = run("key", "generate", "-o", "enc.key", "--type", "ecdsa-p256",
                       "--passphrase-file", "pass")
    assert code == 0
    assert "encrypted" in err
    assert b"ENCRYPTED" in (tmp_path / "enc.key").read_bytes()
    assert run("key", "generate", "-o", "log.key")[0] == 2  # exists
    assert run("key", "generate", "-o", "x.key", "--type", "ecdsa-p256", "--note-name", "a")[0] == 2


def test_note_verify_interoperates_with_sum_golang_org(run: Run, tmp_path: Path) -> None:
    from tests.unit.tlog.test_note import SUMDB_CHECKPOINT, SUMDB_VKEY

    (tmp_path / "cp").write_text(SUMDB_CHECKPOINT)
    code, out, err = run("note", "verify", "--key", SUMDB_VKEY, "cp")
    assert code == 0
    assert out.startswith("go.sum database tree\n63096908\n")
    assert "verified: sum.golang.org+033de0ae" in err
    (tmp_path / "bad").write_text(SUMDB_CHECKPOINT.replace("63096908", "63096907"))
    code, _, err = run("note", "verify", "--key", SUMDB_VKEY, "bad")
    assert code == 1
    assert err.count("\n") == 1
    assert "does not verify" in err


def _setup(run: Run, tmp_path: Path) -> Path:
    for name in ("vendor", "w1", "w2", "w3", "other"):
        assert run("key", "generate", "-o", f"{name}.key")[0] == 0
    code, vkey, _ = run("key", "generate", "-o", "log.key", "--note-name", "example.org/log")
    (tmp_path / "log.vkey").write_text(vkey)
    for w in ("w1", "w2", "w3"):
        code, line, _ = run("note", "vkey", "--key", f"{w}.key", "--name", f"{w}.example",
                            "--cosignature")
        (tmp_path / f"{w}.vkey").write_text(line)
    image = tmp_path / "fw.bin"
    image.write_bytes(b"firmware image " * 100)
    _check_output(tmp_path / "check.json", image, conforms=True)
    _check_output(tmp_path / "failing.json", image, conforms=False)
    assert run("attest", "check.json", "--key", "vendor.key", "-o", "v.dsse.json")[0] == 0
    assert run("attest", "failing.json", "--key", "vendor.key", "-o", "f.dsse.json")[0] == 0
    assert run("log", "init", "--origin", "example.org/log")[0] == 0
    code, out, _ = run("log", "append", "v.dsse.json", "f.dsse.json")
    assert (code, out) == (0, "0\tv.dsse.json\n1\tf.dsse.json\n")
    code, note, _ = run("log", "checkpoint", "--key", "log.key")
    (tmp_path / "cp").write_text(note)
    for w in ("w1", "w2"):
        assert run("note", "sign", "cp", "--key", f"{w}.key", "--name", f"{w}.example",
                   "--cosignature", "-o", "cp")[0] == 0
    assert run("log", "checkpoint", "--add-signatures", "cp")[0] == 0
    assert run("log", "bundle", "--index", "0", "-o", "good.json")[0] == 0
    assert run("log", "bundle", "--index", "1", "-o", "failing-bundle.json")[0] == 0
    return image


def _verify(run: Run, image: str = "fw.bin", bundle: str = "good.json",
            signer: str = "vendor.key.pub", quorum: str = "2",
            witnesses: tuple[str, ...] = ("w1.vkey", "w2.vkey", "w3.vkey")) -> tuple[int, str]:
    args = ["verify", image, "--bundle", bundle, "--signer", signer, "--log-key", "log.vkey",
            "--quorum", quorum]
    for w in witnesses:
        args += ["--witness", w]
    code, out, err = run(*args)
    return code, out + err


def test_scan_check_attest_append_cosign_verify(run: Run, tmp_path: Path) -> None:
    _setup(run, tmp_path)
    code, text = _verify(run)
    assert code == 0, text
    assert "passing verdict for agreement 'acme'" in text
    assert "2 of 2 required" in text
    code, out, _ = run("attest", "verify", "v.dsse.json", "--key", "vendor.key.pub",
                       "--image", "fw.bin")
    assert code == 0
    assert out.startswith("OK: fw.bin")
    code, out, _ = run("log", "proof", "--index", "1", "--json")
    assert code == 0
    assert json.loads(out)["size"] == 2
    code, out, _ = run("log", "proof", "--old-size", "1")
    assert code == 0
    assert out.startswith("old_size 1\nsize 2\n")
    assert run("log", "tiles", "static")[0] == 0
    assert (tmp_path / "static" / "tile" / "0" / "000.p" / "2").stat().st_size == 64
    assert run("log", "bundle", "--index", "0", "--format", "tlog-proof", "-o", "p")[0] == 0
    assert (tmp_path / "p").read_text().startswith("c2sp.org/tlog-proof@v1\nextra ")


def _one_line_failure(code: int, text: str, what: str) -> None:
    assert code == 1, text
    assert text.count("\n") == 1
    assert text.startswith("spyless: verification failed: ")
    assert what in text, text


def test_verify_fails_for_each_broken_link(run: Run, tmp_path: Path) -> None:
    image = _setup(run, tmp_path)
    (tmp_path / "changed.bin").write_bytes(image.read_bytes() + b"\0")
    _one_line_failure(*_verify(run, image="changed.bin"), "not about this image")
    _one_line_failure(*_verify(run, signer="other.key.pub"), "attestation: 0 of 1")
    _one_line_failure(*_verify(run, bundle="failing-bundle.json"), "verdict is 'fail'")
    _one_line_failure(*_verify(run, quorum="3"), "witness quorum not met: 2 of the 3")
    _one_line_failure(*_verify(run, witnesses=("w3.vkey",), quorum="1"), "quorum")
    assert _verify(run, quorum="4")[0] == 2  # usage error: more than the witnesses given

    # A fork: the same log key signs a different history. Witnesses never cosigned it, and
    # their cosignatures copied from the real checkpoint do not verify on the forked one.
    assert run("log", "init", "--log", "fork.db", "--origin", "example.org/log")[0] == 0
    assert run("log", "append", "--log", "fork.db", "f.dsse.json", "v.dsse.json")[0] == 0
    _, forked, _ = run("log", "checkpoint", "--log", "fork.db", "--key", "log.key")
    assert run("log", "bundle", "--log", "fork.db", "--index", "1", "-o", "fork.json")[0] == 0
    _one_line_failure(*_verify(run, bundle="fork.json"), "witness quorum not met: 0 of the 2")
    real = (tmp_path / "cp").read_text()
    stolen = forked + "".join(line + "\n" for line in real.splitlines()
                              if line.startswith("\u2014 w"))
    bundle = json.loads((tmp_path / "fork.json").read_text())
    bundle["checkpoint"] = stolen
    (tmp_path / "stolen.json").write_text(json.dumps(bundle))
    _one_line_failure(*_verify(run, bundle="stolen.json"), "cosignature by witness")

    tampered = json.loads((tmp_path / "good.json").read_text())
    tampered["index"] = 1
    (tmp_path / "tampered.json").write_text(json.dumps(tampered))
    _one_line_failure(*_verify(run, bundle="tampered.json"), "inclusion proof")
    (tmp_path / "junk.json").write_text("not json")
    _one_line_failure(*_verify(run, bundle="junk.json"), "proof bundle")


def test_log_append_refuses_what_is_not_a_dsse_envelope(run: Run, tmp_path: Path) -> None:
    assert run("log", "init", "--origin", "example.org/log")[0] == 0
    (tmp_path / "junk").write_text("not an envelope")
    code, _, err = run("log", "append", "junk")
    assert code == 2
    assert "not a DSSE envelope" in err
    code, _, err = run("log", "proof", "--index", "0")
    assert code == 2
    assert "not in a tree of size 0" in err
