"""``spyless check`` and ``spyless agreement`` end to end: exit codes, output, waivers with
``--as-of``, baselines, captures, and one-line errors."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from spyless.cli import main as cli_main
from tests.unit.agreement.trees import CLEAN_AGREEMENT, CLEAN_TREE, VARIANTS


@pytest.fixture(autouse=True)
def _commands(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wide enough for one terminal line per message."""
    monkeypatch.setenv("COLUMNS", "400")  # one terminal line per message


def run(*args: object) -> int:
    return cli_main.main([str(a) for a in args])


def image(tmp_path: Path, files: dict[str, bytes | str], name: str = "image.tar") -> Path:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for path, content in files.items():
            info = tarfile.TarInfo(path.lstrip("/"))
            if isinstance(content, str) and content.startswith("-> "):
                info.type, info.linkname = tarfile.SYMTYPE, content[3:]
                tar.addfile(info)
                continue
            data = content.encode() if isinstance(content, str) else content
            info.size, info.mode = len(data), 0o755 if "/init.d/" in path else 0o644
            tar.addfile(info, io.BytesIO(data))
    out = tmp_path / name
    out.write_bytes(buf.getvalue())
    return out


@pytest.fixture
def agreement(tmp_path: Path) -> Path:
    path = tmp_path / "agreement.toml"
    path.write_text(CLEAN_AGREEMENT, encoding="utf-8")
    return path


def test_conforming_image_exits_0_with_json(tmp_path: Path, agreement: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "result.json"
    assert run("check", image(tmp_path, CLEAN_TREE), "--agreement", agreement, "-o", out,
               "-j", 1) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["verdict"]["conforms"] is True
    assert data["verdict"]["exit_code"] == 0
    assert data["verdict"]["agreement"]["name"] == "clean router agreement"
    assert data["report"]["image"]["name"] == "image.tar"
    shown = capsys.readouterr().out
    assert shown.startswith("CONFORMS to clean router agreement")
    assert f"written: {out}" in shown


def test_non_conforming_image_exits_1_and_shows_evidence(
        tmp_path: Path, agreement: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {**CLEAN_TREE, **VARIANTS["NB-3 vendor authorized key"]}
    assert run("check", image(tmp_path, files), "--agreement", agreement, "-j", 1) == 1
    shown = capsys.readouterr().out
    assert shown.startswith("DOES NOT CONFORM to clean router agreement")
    assert "NB-3 fails:" in shown
    assert "SPY204 critical /etc/dropbear/authorized_keys:1:" in shown


def test_waiver_until_and_after_its_expiry(tmp_path: Path, agreement: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    files = {**CLEAN_TREE, **VARIANTS["NB-3 vendor authorized key"]}
    agreement.write_text(CLEAN_AGREEMENT + '\n[[waivers]]\nfinding = "SPY204"\n'
                         'path = "/etc/dropbear/*"\nreason = "support contract until 2030"\n'
                         'approver = "J. Doe"\nexpires = 2030-06-30\n', encoding="utf-8")
    target = image(tmp_path, files)
    report = tmp_path / "r.json"
    assert run("check", target, "-a", agreement, "--as-of", "2030-06-30", "-o", report,
               "-j", 1) == 0
    assert "waiver active" in capsys.readouterr().out
    assert run("check", "--report", report, "-a", agreement, "--as-of", "2030-07-01") == 1
    shown = capsys.readouterr().out
    assert "waiver expired" in shown
    assert "(waiver expired 2030-06-30)" in shown


def test_report_and_baseline(tmp_path: Path, agreement: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    files = {**CLEAN_TREE, **VARIANTS["NB-1 extra uid-0 account"]}
    old = tmp_path / "old.json"
    assert run("check", image(tmp_path, files, "fw-1.0.tar"), "-a", agreement, "-o", old,
               "-q", "-j", 1) == 1
    newer = {**files, **VARIANTS["NB-3 vendor authorized key"]}
    new_image = image(tmp_path, newer, "fw-1.1.tar")
    assert run("check", new_image, "-a", agreement, "--baseline", old, "-o",
               tmp_path / "new.json", "-j", 1) == 1
    data = json.loads((tmp_path / "new.json").read_text(encoding="utf-8"))["verdict"]
    fails = {c["id"]: [e["rule"] for e in c["evidence"] if e["state"] == "counts"]
             for c in data["clauses"] if c["status"] == "fail"}
    # NB-1's uid-0 account is in the baseline; the new key is not in the release notes
    assert fails == {"NB-3": ["SPY204"], "TR-5": ["agreement:undeclared-change"]}
    tr5 = next(c for c in data["clauses"] if c["id"] == "TR-5")
    assert tr5["evidence"][0]["message"] == (
        "new key /etc/dropbear/authorized_keys since fw-1.0.tar is not in the release notes")
    assert data["baseline"]["matched"] == 1
    assert "only new findings count" in capsys.readouterr().out
    assert run("check", new_image, "--report", tmp_path / "new.json", "-a", agreement,
               "--baseline", tmp_path / "new.json", "-q") == 0


def test_stdout_output(tmp_path: Path, agreement: Path,
                       capsys: pytest.CaptureFixture[str]) -> None:
    assert run("check", image(tmp_path, CLEAN_TREE), "-a", agreement, "-o", "-",
               "--format", "json", "-j", 1) == 0
    assert json.loads(capsys.readouterr().out)["verdict"]["conforms"] is True


@pytest.mark.parametrize(("args", "message"), [
    (["check"], "give an IMAGE to scan, or --report"),
    (["check", "missing.bin"], "missing.bin: no such image file"),
    (["check", "--report", "missing.json"], "cannot read report"),
    (["check", "x.bin", "--format", "pdf"], "unknown format 'pdf' (known: json"),
    (["check", "x.bin", "--as-of", "soon"], "--as-of 'soon' is not a date"),
    (["check", "x.bin", "--agreement", "bad.toml"], "bad.toml: line 2: colour: unknown key"),
])
def test_usage_and_input_errors_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str], args: list[str],
                                       message: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.toml").write_text('schema_version = "1"\ncolour = "x"\n', encoding="utf-8")
    assert run(*args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


def test_report_of_another_image_is_refused(tmp_path: Path, agreement: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "r.json"
    assert run("check", image(tmp_path, CLEAN_TREE), "-o", report, "-q", "-j", 1) == 1
    other = image(tmp_path, {**CLEAN_TREE, "/etc/banner": "Hi.\n"}, "other.tar")
    assert run("check", other, "--report", report) == 2
    assert "is the report of image.tar" in capsys.readouterr().err


def test_capture_feeds_ns2(tmp_path: Path, agreement: Path) -> None:
    pytest.importorskip("scapy", reason="scapy (test-only dependency) is not installed")
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether

    from tests.unit.traffic import builders

    packets = [IP(src="192.168.1.20", dst="203.0.113.50") / UDP(sport=5000, dport=9999)
               / b"hello"]
    pcap = builders.write_pcap(tmp_path / "lab.pcap", [
        (1_700_000_000.0, bytes(Ether(dst="02:00:00:00:00:01") / p)) for p in packets])
    target = image(tmp_path, CLEAN_TREE)
    out = tmp_path / "r.json"
    assert run("check", target, "-a", agreement, "--capture", pcap, "-o", out, "-q",
               "-j", 1) == 1
    data = json.loads(out.read_text(encoding="utf-8"))["verdict"]
    ns2 = next(c for c in data["clauses"] if c["id"] == "NS-2")
    assert ns2["status"] == "fail"
    assert data["capture"] == "lab.pcap"
    assert [(e["rule"], e["location"]["chain"]) for e in ns2["evidence"]] == [
        ("SPY520", "lab.pcap")]
    agreement.write_text(CLEAN_AGREEMENT + '\n[[endpoints]]\nhost = "203.0.113.0/24"\n'
                         'purpose = "lab sink"\n', encoding="utf-8")
    assert run("check", "--report", out, "-a", agreement, "--capture", pcap, "-q") == 0


def test_agreement_init_and_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "agreement.toml"
    assert run("agreement", "init", path) == 0
    assert run("agreement", "init", path) == 2
    assert "exists; use --force" in capsys.readouterr().err
    assert run("agreement", "validate", path) == 0
    assert capsys.readouterr().out.startswith(f"{path}: valid (schema 1, extends baseline): "
                                              "30 clauses in force")
    path.write_text(path.read_text(encoding="utf-8").replace('port = 22', 'port = "ssh"'),
                    encoding="utf-8")
    assert run("agreement", "validate", path) == 2
    err = capsys.readouterr().err.splitlines()
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1)
                if text == 'port = "ssh"')
    assert err == [f"{path}:{line}: services[1].port: must be an integer, not string",
                   f"{path}: 1 problem(s)"]
    assert run("agreement", "clauses") == 0
    assert "NB-1" in capsys.readouterr().out
