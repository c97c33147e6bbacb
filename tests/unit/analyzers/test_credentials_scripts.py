"""Secrets in shell scripts: login passwords, tool options, uci/nvram, assignments."""

from __future__ import annotations

import pytest

from spyless.analyzers.credentials.scripts import ScriptCredentials, scan_command
from spyless.analyzers.interface import Output
from spyless.model.facts import Credential
from spyless.unpack.interface import Artifact, ArtifactKind
from tests.analyzers_helpers import run_file_analyzer

SCRIPT = r"""#!/bin/sh
PW=Vend0r!
USER=support
telnetd -l /bin/login -u $USER:$PW &
/usr/sbin/telnetd -u admin:1234
telnetd -u root:$(cat /tmp/pw)
# telnetd -u old:old
echo "root:Sup3rS3cret" | chpasswd
echo -e "toor\ntoor" | passwd root
echo "$NEWPW" | passwd
printf 'adminpw\nadminpw\n' | passwd admin
curl -s -u api:K3yK3y99 https://vendor.example/upload
curl -u "$U:$P" https://vendor.example/
wget --password=ftppw123 ftp://vendor.example/file
mysql -uroot -pdbpass123 -e 'select 1'
ftpput -u logs -p logpass99 ftp.vendor.example /r /l
sshpass -p 'sshpw!!' ssh root@10.0.0.1
smbclient //nas/share -U guest%smbpw1
uci set wireless.@wifi-iface[0].key='DefaultKey1'
nvram set http_passwd=admin
SECRET_PASSWORD="literalpw"
DB_PASSWORD=$1
cd $PWD
echo "password: $x"
dropbear -p 22 2>&1 | logger
"""


def _rows(out: Output) -> list[tuple[str, str, str, str | None, str, int | None]]:
    rows = []
    for finding, fact in zip(out.findings, out.facts, strict=True):
        assert isinstance(fact, Credential)
        rows.append((finding.id, fact.kind, fact.secret, fact.username, fact.context,
                     finding.evidence[0].location.line))
    return rows


def test_script_secrets_exactly() -> None:
    out = run_file_analyzer(ScriptCredentials(), SCRIPT.encode(), "/etc/init.d/S50vendor",
                            ArtifactKind.SCRIPT)
    assert _rows(out) == [
        ("SPY127", "hardcoded-password", "Vend0r!", "support", "telnetd -u", 4),
        ("SPY127", "hardcoded-password", "1234", "admin", "telnetd -u", 5),
        ("SPY127", "hardcoded-password", "Sup3rS3cret", "root", "echo | chpasswd", 8),
        ("SPY127", "hardcoded-password", "toor", "root", "echo | passwd", 9),
        ("SPY127", "hardcoded-password", "adminpw", "admin", "echo | passwd", 11),
        ("SPY126", "password-in-command", "K3yK3y99", "api", "curl", 12),
        ("SPY126", "password-in-command", "ftppw123", None, "wget", 14),
        ("SPY126", "password-in-command", "dbpass123", "root", "mysql", 15),
        ("SPY126", "password-in-command", "logpass99", "logs", "ftpput", 16),
        ("SPY126", "password-in-command", "sshpw!!", None, "sshpass", 17),
        ("SPY126", "password-in-command", "smbpw1", "guest", "smbclient", 18),
        ("SPY125", "wifi-psk", "DefaultKey1", None,
         "uci set wireless.@wifi-iface[0].key", 19),
        ("SPY120", "default-password", "admin", None, "nvram set http_passwd", 20),
        ("SPY121", "hardcoded-password", "literalpw", None, "SECRET_PASSWORD", 21),
    ]
    severities = {f.id: f.severity.value for f in out.findings}
    assert severities == {"SPY127": "critical", "SPY126": "high", "SPY125": "high",
                          "SPY120": "critical", "SPY121": "high"}
    assert out.findings[-1].confidence.value == "medium"  # a bare assignment


def test_continuation_lines_and_trailing_comments() -> None:
    text = "#!/bin/sh\ntelnetd -p 23 \\\n  -u admin:Zx81q # vendor access\nls # -u a:b\n"
    out = run_file_analyzer(ScriptCredentials(), text.encode(), "/etc/rc.d/rcS",
                            ArtifactKind.SCRIPT)
    assert _rows(out) == [("SPY127", "hardcoded-password", "Zx81q", "admin", "telnetd -u", 2)]


@pytest.mark.parametrize("line", [
    "telnetd -u %s:%s",
    "telnetd -l /bin/sh",
    'echo "$PW" | passwd root',
    "echo root:$1 | chpasswd",
    "echo 'root:$6$salt$hash' | chpasswd -e",
    "curl -u $CREDS https://x",
    "mysql -p",
    "wget --password=$PASS ftp://x",
    "echo password | grep -q passwd",
    "passwd -l root",
])
def test_dynamic_or_harmless_commands_are_skipped(line: str) -> None:
    assert list(scan_command(line, 0, {})) == []


def test_variables_resolve_only_to_literals_assigned_earlier() -> None:
    hits = list(scan_command("telnetd -u $U:$P", 0, {"U": "root", "P": "pw1234x"}))
    assert [(h.username, h.secret) for h in hits] == [("root", "pw1234x")]
    assert list(scan_command("telnetd -u $U:$P", 0, {"U": "root"})) == []


def _applies(path: str, kind: ArtifactKind) -> bool:
    artifact = Artifact(chain=f"img!x@0x0{path}", path=path.lstrip("/"), kind=kind, size=10,
                        sha256="0" * 64, description="test")
    return ScriptCredentials().applies(artifact, path)


def test_applies_to_scripts_and_init_files_not_docs() -> None:
    assert _applies("/usr/bin/anything", ArtifactKind.SCRIPT)
    assert _applies("/etc/init.d/rcS", ArtifactKind.TEXT)
    assert _applies("/www/cgi-bin/login.cgi", ArtifactKind.TEXT)
    assert not _applies("/etc/config/wireless", ArtifactKind.TEXT)
    assert not _applies("/usr/share/doc/pkg/examples/setup.sh", ArtifactKind.SCRIPT)
    assert not _applies("/usr/lib/lua/foo/tests/run.sh", ArtifactKind.SCRIPT)
