"""The boot-services analyzer on small root trees, one init system or syntax at a time."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Mapping
from pathlib import Path

from spyless.analyzers.services.boot_services import BootServices
from spyless.audit import Auditor
from spyless.model.findings import Confidence, Severity
from spyless.report.model import Report
from tests.analyzers_helpers import scan_tree

BUSYBOX = b"\x7fELF\x01\x01\x01" + bytes(200)
CHAIN = "image.tar!tar@0x0"
BASE: dict[str, bytes | str] = {
    "/bin/busybox": BUSYBOX,
    "/bin/sh": "-> busybox",
    "/bin/ash": "-> busybox",
    "/sbin/init": "-> ../bin/busybox",
    "/sbin/getty": "-> ../bin/busybox",
    "/usr/sbin/telnetd": "-> ../../bin/busybox",
    "/usr/sbin/httpd": "-> ../../bin/busybox",
    "/usr/sbin/crond": "-> ../../bin/busybox",
    "/usr/sbin/inetd": "-> ../../bin/busybox",
    "/usr/sbin/ftpd": "-> ../../bin/busybox",
    "/usr/sbin/tftpd": "-> ../../bin/busybox",
    "/usr/bin/nc": "-> ../../bin/busybox",
    "/usr/sbin/dropbear": BUSYBOX + b"dropbear",
    "/etc/inittab": "::sysinit:/etc/init.d/rcS\n",
}


def _scan(tmp_path: Path, files: Mapping[str, bytes | str]) -> Report:
    tmp_path.mkdir(parents=True, exist_ok=True)
    return scan_tree(tmp_path, {**BASE, **files}, file_analyzers=[],
                     image_analyzers=[BootServices()])


def _services(report: Report) -> list[tuple[object, ...]]:
    return sorted((s.name, s.binary, (s.binary_chain or "").removeprefix(CHAIN),
                   s.arguments, f"{s.started_by.path}:{s.started_by.line}", s.manager,
                   s.enabled, s.port, s.protocol, s.listen, s.auth, s.user)
                  for s in report.services)


def _findings(report: Report) -> list[tuple[str, str, str]]:
    return sorted((f.id, f.severity.value, f.confidence.value) for f in report.findings)


def _rcs(body: str) -> dict[str, bytes | str]:
    return {"/etc/init.d/rcS": "#!/bin/sh\n" + body}


def test_rcs_telnetd_with_a_shell_is_critical_and_linked_to_busybox(tmp_path: Path) -> None:
    report = _scan(tmp_path, _rcs("mount -a\n# field access\ntelnetd -l /bin/sh\n"))
    assert _services(report) == [
        ("telnetd", "/usr/sbin/telnetd", "/bin/busybox", ("-l", "/bin/sh"),
         "/etc/init.d/rcS:4", "rcS", True, 23, "tcp", None, "none", "root")]
    assert _findings(report) == [("SPY301", "critical", "high")]
    finding = report.findings[0]
    assert finding.evidence[0].location.path == "/etc/init.d/rcS"
    assert finding.evidence[0].location.line == 4
    assert finding.evidence[0].excerpt == "telnetd -l /bin/sh"
    assert finding.cwe == 306


def test_commented_out_and_heredoc_lines_start_nothing(tmp_path: Path) -> None:
    body = ("# telnetd -l /bin/sh\n  #/usr/sbin/telnetd -l /bin/sh &\n"
            "cat > /tmp/help <<EOF\ntelnetd -l /bin/sh\nEOF\n"
            "echo 'telnetd -l /bin/sh'\n")
    report = _scan(tmp_path, _rcs(body))
    assert report.services == []
    assert report.findings == []


def test_dead_and_undecided_conditions(tmp_path: Path) -> None:
    body = ("if false; then\n  telnetd -l /bin/sh\nfi\n"
            "[ -f /var/run/debug ] && telnetd -p 2323\n")
    report = _scan(tmp_path, _rcs(body))
    assert [(s.arguments, s.enabled) for s in sorted(report.services,
                                                     key=lambda s: s.started_by.line or 0)] \
        == [(("-l", "/bin/sh"), False), (("-p", "2323"), True)]
    assert _findings(report) == [("SPY303", "high", "medium"), ("SPY312", "low", "medium")]


def test_busybox_inittab_console_shell_and_getty(tmp_path: Path) -> None:
    inittab = ("::sysinit:/etc/init.d/rcS\n"
               "ttyS0::askfirst:-/bin/ash\n"
               "tty1::respawn:/sbin/getty 38400 tty1\n"
               "#ttyS1::respawn:/bin/sh\n"
               "::shutdown:/bin/umount -a -r\n")
    report = _scan(tmp_path, {"/etc/inittab": inittab, **_rcs("mount -a\n")})
    assert _services(report) == [
        ("ash", "/bin/ash", "/bin/busybox", (), "/etc/inittab:2", "inittab", True, None,
         "serial", "ttyS0", "none", "root"),
        ("getty", "/sbin/getty", "/bin/busybox", ("38400", "tty1"), "/etc/inittab:3",
         "inittab", True, None, "serial", "tty1", "password", "root")]
    assert _findings(report) == [("SPY302", "high", "high")]


def test_busybox_default_inittab_when_none_is_shipped(tmp_path: Path) -> None:
    files = {**BASE, "/etc/init.d/rcS": "#!/bin/sh\nhttpd -p 8080\n"}
    del files["/etc/inittab"]
    report = scan_tree(tmp_path, files, file_analyzers=[], image_analyzers=[BootServices()])
    assert [(s.name, s.port, s.manager, s.started_by.path) for s in report.services] == [
        ("sh", None, "inittab", "/sbin/init"), ("httpd", 8080, "rcS", "/etc/init.d/rcS")]
    assert _findings(report) == [("SPY302", "high", "medium"), ("SPY314", "info", "medium")]


def test_sysv_inittab_runlevels(tmp_path: Path) -> None:
    inittab = ("id:3:initdefault:\nsi::sysinit:/etc/init.d/rcS\n"
               "T0:23:respawn:/sbin/getty -L ttyS0 115200 vt100\n"
               "T1:5:respawn:/sbin/getty -n -l /bin/sh ttyS1 115200\n")
    report = _scan(tmp_path, {"/etc/inittab": inittab, **_rcs(":\n")})
    assert [(s.listen, s.auth, s.enabled) for s in report.services] == [
        ("ttyS0", "password", True), ("ttyS1", "none", False)]
    assert report.findings == []


def test_rcs_loop_over_init_scripts_with_start_functions(tmp_path: Path) -> None:
    telnet = ("#!/bin/sh\nstart() {\n  telnetd -l /bin/login -p 23\n}\n"
              "stop() {\n  killall telnetd\n}\n"
              'case "$1" in\n  start) start ;;\n  stop) stop ;;\nesac\n')
    files = {**_rcs("for i in /etc/init.d/S??* ; do\n  $i start\ndone\n"),
             "/etc/init.d/S50telnet": telnet,
             "/etc/init.d/K50telnet": telnet.replace("/bin/login", "/bin/sh")}
    report = _scan(tmp_path, files)
    assert _services(report) == [
        ("telnetd", "/usr/sbin/telnetd", "/bin/busybox", ("-l", "/bin/login", "-p", "23"),
         "/etc/init.d/S50telnet:3", "init.d", True, 23, "tcp", None, "password", "root"),
        ("telnetd", "/usr/sbin/telnetd", "/bin/busybox", ("-l", "/bin/sh", "-p", "23"),
         "/etc/init.d/K50telnet:3", "init.d", False, 23, "tcp", None, "none", "root")]
    assert _findings(report) == [("SPY303", "high", "high")]


def test_rc_d_links_and_unreachable_scripts(tmp_path: Path) -> None:
    script = "#!/bin/sh\ncase $1 in\nstart)\n  /usr/sbin/{} &\n  ;;\nesac\n"
    files = {"/etc/rcS.d/S40ftp": "-> ../init.d/ftp",
             "/etc/init.d/ftp": script.format("ftpd -w -A"),
             "/etc/init.d/tftp": script.format("tftpd -c /srv"),
             **_rcs(":\n")}
    report = _scan(tmp_path, files)
    assert [(s.name, s.enabled, s.manager, s.started_by.path, s.auth) for s in
            report.services] == [("ftpd", True, "init.d", "/etc/init.d/ftp", "none"),
                                 ("tftpd", False, "init.d", "/etc/init.d/tftp", "none")]
    assert _findings(report) == [("SPY307", "high", "high")]


_PROCD_DROPBEAR = """#!/bin/sh /etc/rc.common
START=50
USE_PROCD=1
PROG=/usr/sbin/dropbear

start_service() {
    config_load dropbear
    config_get_bool enabled main enable 1
    [ "$enabled" = 1 ] || return 0
    config_get port main Port 22
    config_get_bool root main RootPasswordAuth 1
    procd_open_instance
    procd_set_param command $PROG -F -P /var/run/dropbear.pid -p "$port"
    [ "$root" = 1 ] || procd_append_param command -g
    procd_set_param respawn
    procd_close_instance
}
"""


def test_openwrt_procd_service_with_uci_values(tmp_path: Path) -> None:
    files = {"/etc/rc.d/S50dropbear": "-> ../init.d/dropbear",
             "/etc/init.d/dropbear": _PROCD_DROPBEAR,
             "/etc/config/dropbear": ("config dropbear 'main'\n\toption enable '1'\n"
                                      "\toption Port '2222'\n"
                                      "\toption RootPasswordAuth 'on'\n")}
    report = _scan(tmp_path, files)
    assert _services(report) == [
        ("dropbear", "/usr/sbin/dropbear", "/usr/sbin/dropbear",
         ("-F", "-P", "/var/run/dropbear.pid", "-p", "2222"), "/etc/init.d/dropbear:13",
         "procd", True, 2222, "tcp", None, "password+key", "root")]
    assert _findings(report) == [("SPY304", "medium", "high"), ("SPY312", "low", "medium")]
    spy304 = next(f for f in report.findings if f.id == "SPY304")
    assert [(e.location.path, e.location.line, e.excerpt) for e in spy304.evidence] == [
        ("/etc/init.d/dropbear", 13, "procd_set_param command $PROG -F -P "
                                     "/var/run/dropbear.pid -p \"$port\""),
        ("/etc/config/dropbear", 4, "option RootPasswordAuth 'on'")]


def test_openwrt_uci_switches_services_off(tmp_path: Path) -> None:
    upnp = ("#!/bin/sh /etc/rc.common\nSTART=95\nUSE_PROCD=1\n"
            "start_service() {\n  config_load upnpd\n"
            "  config_get_bool enabled config enabled 0\n"
            "  [ \"$enabled\" -eq 0 ] && return 1\n"
            "  procd_open_instance\n  procd_set_param command /usr/sbin/miniupnpd -f x\n"
            "  procd_close_instance\n}\n")
    files = {"/etc/rc.d/S95miniupnpd": "-> ../init.d/miniupnpd",
             "/etc/init.d/miniupnpd": upnp,
             "/etc/config/upnpd": "config upnpd 'config'\n\toption enabled '0'\n",
             "/etc/rc.d/S50dropbear": "-> ../init.d/dropbear",
             "/etc/init.d/dropbear": _PROCD_DROPBEAR,
             "/etc/config/dropbear": ("config dropbear 'main'\n\toption enable '0'\n"
                                      "\toption RootPasswordAuth 'on'\n")}
    report = _scan(tmp_path, files)
    assert sorted((s.name, s.enabled) for s in report.services) == [
        ("dropbear", False), ("miniupnpd", False)]
    assert report.findings == []
    enabled = {**files, "/etc/config/upnpd": "config upnpd 'config'\n"
                                                 "\toption enabled '1'\n"}
    report = _scan(tmp_path / "on", enabled)
    assert _findings(report) == [("SPY309", "medium", "high")]
    assert [(s.name, s.port, s.protocol) for s in report.services if s.enabled] == [
        ("miniupnpd", 1900, "udp")]


def test_systemd_units_and_sockets(tmp_path: Path) -> None:
    files: dict[str, bytes | str] = {
        "/usr/sbin/sshd": BUSYBOX + b"sshd",
        "/usr/sbin/in.telnetd": BUSYBOX + b"telnetd",
        "/etc/systemd/system/multi-user.target.wants/ssh.service":
            "-> /lib/systemd/system/ssh.service",
        "/etc/systemd/system/sockets.target.wants/telnet.socket":
            "-> /lib/systemd/system/telnet.socket",
        "/lib/systemd/system/ssh.service": ("[Unit]\nDescription=ssh\n[Service]\n"
                                            "ExecStart=/usr/sbin/sshd -D $SSHD_OPTS\n"),
        "/lib/systemd/system/telnet.socket": ("[Socket]\nListenStream=23\nAccept=yes\n"),
        "/lib/systemd/system/telnet@.service": ("[Service]\nUser=telnetd\n"
                                                "ExecStart=-/usr/sbin/in.telnetd\n"),
        "/lib/systemd/system/unused.service": "[Service]\nExecStart=/usr/sbin/telnetd\n",
        "/etc/ssh/sshd_config": ("Port 22\nPermitRootLogin yes\n# PermitEmptyPasswords no\n"
                                 "PermitEmptyPasswords yes\n"),
    }
    report = _scan(tmp_path, files)
    assert [(s.name, s.manager, s.port, s.auth, s.user, s.started_by.line)
            for s in report.services] == [
        ("sshd", "systemd", 22, "password+key", "root", 4),
        ("in.telnetd", "systemd", 23, "password", "telnetd", 3)]
    assert _findings(report) == [("SPY303", "high", "high"), ("SPY304", "medium", "medium"),
                                 ("SPY305", "high", "medium")]


def test_inetd_services_only_when_inetd_runs(tmp_path: Path) -> None:
    conf = ("telnet stream tcp nowait root /usr/sbin/telnetd telnetd -i -l /bin/sh\n"
            "#ftp stream tcp nowait root /usr/sbin/ftpd ftpd -w /\n"
            "tftp dgram udp wait root /usr/sbin/tftpd tftpd -c /tftpboot\n"
            "echo stream tcp nowait root internal\n")
    files = {"/etc/inetd.conf": conf, "/etc/services": "tftp\t\t69/udp\n"}
    off = _scan(tmp_path / "off", {**files, **_rcs(":\n")})
    assert sorted((s.name, s.enabled) for s in off.services) == [
        ("telnetd", False), ("tftpd", False)]
    assert off.findings == []
    on = _scan(tmp_path / "on", {**files, **_rcs("inetd\n")})
    assert [(s.name, s.manager, s.port, s.protocol, s.auth, s.started_by.line)
            for s in on.services if s.name != "inetd"] == [
        ("telnetd", "inetd", 23, "tcp", "none", 1), ("tftpd", "inetd", 69, "udp", "none", 3)]
    assert _findings(on) == [("SPY301", "critical", "high"), ("SPY308", "medium", "high")]


def test_xinetd_disable_flag(tmp_path: Path) -> None:
    block = ("service telnet\n{{\n\tdisable = {}\n\tsocket_type = stream\n\tuser = root\n"
             "\tserver = /usr/sbin/in.telnetd\n}}\n")
    files = {"/usr/sbin/xinetd": BUSYBOX, "/usr/sbin/in.telnetd": BUSYBOX,
             **_rcs("/usr/sbin/xinetd\n")}
    off = _scan(tmp_path / "off", {**files, "/etc/xinetd.d/telnet": block.format("yes")})
    assert [(s.name, s.enabled) for s in off.services if s.name != "xinetd"] == [
        ("in.telnetd", False)]
    on = _scan(tmp_path / "on", {**files, "/etc/xinetd.d/telnet": block.format("no")})
    assert [(s.name, s.enabled, s.port) for s in on.services if s.name != "xinetd"] == [
        ("in.telnetd", True, 23)]
    assert _findings(on) == [("SPY303", "high", "high")]


def test_cron_rc_local_debug_and_netcat(tmp_path: Path) -> None:
    files = {
        **_rcs("crond\n"),
        "/usr/bin/gdbserver": BUSYBOX,
        "/etc/crontabs/root": "# m h dom mon dow command\n*/5 * * * * /usr/bin/watch.sh\n",
        "/usr/bin/watch.sh": "#!/bin/sh\npidof nc || nc -ll -p 4444 -e /bin/sh &\n",
        "/etc/rc.local": "gdbserver :1234 /bin/busybox &\nexit 0\ntelnetd\n",
    }
    report = _scan(tmp_path, files)
    assert [(s.name, s.manager, s.port, s.auth, s.started_by.path, s.user)
            for s in report.services if s.name != "crond"] == [
        ("gdbserver", "rc.local", 1234, "none", "/etc/rc.local", "root"),
        ("nc", "cron", 4444, "none", "/usr/bin/watch.sh", "root")]
    assert _findings(report) == [("SPY301", "critical", "medium"), ("SPY311", "high", "high")]


def test_wrappers_variables_and_hardcoded_credentials(tmp_path: Path) -> None:
    body = ('TELNETD=/usr/sbin/telnetd\nUSER=admin\nPASS="s3cret!"\n'
            '$TELNETD -u $USER:$PASS -p 2323 &\n'
            "start-stop-daemon -S -b -c nobody:nogroup -x /usr/sbin/dropbear -- "
            "-p 0.0.0.0:2022 -s\n"
            "su -c 'httpd -p 127.0.0.1:8080 -h /www' www\n"
            "start-stop-daemon -K -x /usr/sbin/telnetd\n")
    report = _scan(tmp_path, _rcs(body))
    assert _services(report) == [
        ("dropbear", "/usr/sbin/dropbear", "/usr/sbin/dropbear", ("-p", "0.0.0.0:2022", "-s"),
         "/etc/init.d/rcS:6", "rcS", True, 2022, "tcp", None, "key", "nobody"),
        ("httpd", "/usr/sbin/httpd", "/bin/busybox", ("-p", "127.0.0.1:8080", "-h", "/www"),
         "/etc/init.d/rcS:7", "rcS", True, 8080, "tcp", "127.0.0.1", "unknown", "www"),
        ("telnetd", "/usr/sbin/telnetd", "/bin/busybox",
         ("-u", "admin:s3cret!", "-p", "2323"), "/etc/init.d/rcS:5", "rcS", True, 2323,
         "tcp", None, "hardcoded", "root")]
    assert _findings(report) == [
        ("SPY303", "high", "high"), ("SPY306", "high", "high"), ("SPY312", "low", "medium"),
        ("SPY312", "low", "medium"), ("SPY314", "info", "high")]
    spy306 = next(f for f in report.findings if f.id == "SPY306")
    assert spy306.evidence[0].secret == "s3cret!"


def test_remote_management_and_custom_listeners(tmp_path: Path) -> None:
    files = {"/usr/bin/cwmpd": BUSYBOX, "/usr/bin/vendord": BUSYBOX + b"\0bind\0listen\0",
             "/usr/bin/ledd": BUSYBOX + b"\0ioctl\0",
             **_rcs("/usr/bin/cwmpd &\n/usr/bin/vendord &\n/usr/bin/ledd &\n/usr/bin/once\n")}
    report = _scan(tmp_path, files)
    assert sorted((s.name, s.port or 0, s.enabled) for s in report.services) == [
        ("cwmpd", 7547, True), ("ledd", 0, True), ("vendord", 0, True)]
    assert sorted((f.id, f.severity.value, f.confidence.value, f.location.line or 0)
                  for f in report.findings) == [("SPY310", "medium", "high", 2),
                                                ("SPY314", "info", "low", 3)]


def _scan_modes(tmp_path: Path, files: dict[str, tuple[str, int]]) -> Report:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, (text, mode) in {**{k: (v, 0o755) for k, v in {
                "etc/inittab": "::sysinit:/etc/init.d/rcS\n"}.items()}, **files}.items():
            info = tarfile.TarInfo(name)
            data = text.encode()
            info.size, info.mode = len(data), mode
            tar.addfile(info, io.BytesIO(data))
    image = tmp_path / "image.tar"
    image.write_bytes(buf.getvalue())
    return Auditor(jobs=1, file_analyzers=[], image_analyzers=[BootServices()]).scan(
        image, tmp_path / "work")


def test_world_writable_start_script(tmp_path: Path) -> None:
    report = _scan_modes(tmp_path, {"etc/init.d/rcS": ("#!/bin/sh\n/usr/sbin/vendord &\n",
                                                       0o777),
                                    "usr/sbin/vendord": ("\x7fELF" + "\0" * 64, 0o755)})
    assert [(s.name, s.binary_chain) for s in report.services] == [
        ("vendord", "image.tar!tar@0x0/usr/sbin/vendord")]
    assert [(f.id, f.severity, f.confidence, f.evidence[0].location.path) for f in
            report.findings] == [("SPY313", Severity.MEDIUM, Confidence.HIGH,
                                  "/etc/init.d/rcS")]


def test_hostile_scripts_do_not_break_the_scan(tmp_path: Path) -> None:
    loop = "#!/bin/sh\n. /etc/init.d/rcS\n/etc/init.d/rcS start\nf() { f; }\nf\n"
    files = {"/etc/init.d/rcS": loop + "for i in " + "x " * 5000 + "; do $i; done\n" +
             "if then fi esac ;; }}}\n" + "(" * 300 + "\n"}
    report = _scan(tmp_path, files)
    assert report.errors == []
    assert report.findings == []
