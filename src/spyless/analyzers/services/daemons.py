"""What a started program is as a service: its kind, socket, authentication and user.

It owns the knowledge of common embedded daemons (telnetd, dropbear, sshd, web servers,
FTP/TFTP, UPnP, TR-069, debug tools, netcat/socat, console shells and getty) and how their
arguments and configuration files say on which port they listen, who may log in and how.
Programs that are not daemons (mount, echo, insmod...) are not services.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from spyless.analyzers.services import configs
from spyless.analyzers.services.boot import Launch
from spyless.analyzers.services.wrappers import getopt
from spyless.model.findings import Evidence, Location
from spyless.unpack.interface import Artifact

#: Reads a file of the filesystem by path: (artifact, text), or None.
ReadPath = Callable[[str], tuple[Artifact, str] | None]

SHELLS = frozenset({"sh", "ash", "bash", "dash", "hush", "msh", "ksh", "mksh", "zsh", "tcsh",
                    "csh"})
_CATALOGUE: tuple[tuple[str, str, int | None, str | None], ...] = (
    ("telnetd utelnetd in.telnetd telnetd.busybox", "telnet", 23, "tcp"),
    ("dropbear sshd", "ssh", 22, "tcp"),
    ("httpd lighttpd uhttpd boa goahead webs mini_httpd thttpd nginx mongoose shttpd "
     "jjhttpd lighttpd-angel webserver", "web", 80, "tcp"),
    ("ftpd vsftpd proftpd pure-ftpd bftpd stupid-ftpd in.ftpd", "ftp", 21, "tcp"),
    ("tftpd in.tftpd atftpd utftpd", "tftp", 69, "udp"),
    ("miniupnpd upnpd miniupnpd.sh igd upnp_igd wscupnpd", "upnp", 1900, "udp"),
    ("cwmpd cwmp tr69 tr069 tr69c easycwmpd cwmpclient tr069_client icwmp tr069d "
     "cwmp_agent", "tr069", 7547, "tcp"),
    ("tr064 tr64c tr064d", "tr064", None, "tcp"),
    ("gdbserver strace ltrace gdb", "debug", None, "tcp"),
    ("nc netcat ncat socat", "netcat", None, "tcp"),
    ("getty agetty mingetty login", "console-login", None, None),
    ("inetd xinetd", "superserver", None, None),
    ("snmpd", "snmp", 161, "udp"), ("dnsmasq named", "dns", 53, "udp"),
    ("udhcpd dhcpd", "dhcp", 67, "udp"), ("smbd", "smb", 445, "tcp"),
    ("nmbd", "smb", 137, "udp"), ("mosquitto", "mqtt", 1883, "tcp"),
    ("avahi-daemon", "mdns", 5353, "udp"), ("minidlna minidlnad", "dlna", 8200, "tcp"),
    ("crond cron fcron syslogd klogd rsyslogd logd ntpd ubusd netifd odhcpd hostapd "
     "wpa_supplicant pppd lld2d watchdog dbus-daemon udevd", "local", None, None),
)
#: Daemon name -> (kind, default port, protocol).
_KINDS = {name: (kind, port, proto) for names, kind, port, proto in _CATALOGUE
          for name in names.split()}

#: Commands that run once and exit (or only configure), even when put in the background.
NOT_DAEMONS = frozenset(
    ["echo", "cat", "sleep", "kill", "killall", "mount", "umount", "insmod", "rmmod", "modprobe", "ifconfig", "route", "ip", "iptables", "ip6tables", "brctl", "vconfig", "mkdir", "rm", "ln", "cp", "mv", "chmod", "chown", "touch", "sysctl", "sed", "grep", "test", "[", "true", "false", "printf", "logger", "hostname", "date", "sync", "mdev", "udevadm", "iwpriv", "iwconfig", "wlanconfig", "ls", "mknod", "wait", "uci", "ubus", "mkfifo", "expr", "basename", "dirname", "cut", "awk", "tr", "head", "tail", "wc", "sort", "ps", "pidof", "tc", "ebtables", "arp", "swconfig", "nvram", "flash", "exit", "return", "set", "unset", "trap", "readlink", "stty", "tee", "usleep", "hwclock", "ulimit", "dd", "ping", "wget", "curl", "tftp", "rdate"])
_LISTENING = frozenset({"telnet", "ssh", "web", "ftp", "tftp", "upnp", "tr069", "tr064",
                        "snmp", "dns", "dhcp", "smb", "mqtt", "mdns", "dlna", "listener"})


@dataclass(frozen=True, slots=True)
class Profile:
    """A launch understood as a service, with what the findings judge."""

    kind: str
    name: str
    port: int | None = None
    protocol: str | None = None
    listen: str | None = None
    auth: str = "unknown"
    user: str | None = None
    root_password: bool = False  # root may log in with a password
    empty_passwords: bool = False
    anonymous: bool = False
    secret: str | None = None
    shell: str | None = None  # the shell a listener or console hands out without login
    config: tuple[Evidence, ...] = field(default=())
    low_confidence: bool = False

    @property
    def listening(self) -> bool:
        return self.kind in _LISTENING or (self.kind in ("debug", "shell") and
                                           self.port is not None)


def _port(value: str) -> tuple[str | None, int | None]:
    """``[addr:]port`` -> (addr or None for any, port)."""
    host, _, port = value.rpartition(":")
    address: str | None = host.strip("[]") or None
    if address in ("0.0.0.0", "::", "*"):  # noqa: S104 - "any address", read from a script
        address = None
    return address, int(port) if port.isdigit() and int(port) < 65536 else None


def _is_shell(program: str | None) -> bool:
    return program is not None and posixpath.basename(program.split()[0] if program.strip()
                                                      else "") in SHELLS


def describe(launch: Launch, read: ReadPath) -> Profile | None:
    """The service a launch is, or None when it is not one (a one-shot command)."""
    argv = launch.argv
    name = posixpath.basename(argv[0])
    if name in ("dropbearmulti", "busybox") and len(argv) > 1:
        name, argv = posixpath.basename(argv[1]), argv[1:]
    args = argv[1:]
    known = _KINDS.get(name)
    if name in SHELLS:
        bare = all(a in ("-l", "--login", "-i", "-") for a in args)
        if bare and (launch.console or launch.manager in ("rcS", "inittab")):
            return Profile("console-shell", name, protocol="serial",
                           listen=launch.console or "console", auth="none",
                           user=launch.user or "root", shell=name)
        return None
    if known is None:
        if not launch.managed or name in NOT_DAEMONS or (launch.unresolved and not name):
            return None
        return Profile("other", name, user=launch.user or "root")
    kind, port, proto = known
    base = Profile(kind, name, port, proto, auth="unknown", user=launch.user or "root")
    base = _with_hints(base, launch)
    handler = _HANDLERS.get(kind)
    profile = handler(base, name, args, read) if handler is not None else base
    if profile is not None and profile.kind == "local" and not launch.managed \
            and launch.manager not in ("rcS", "init.d", "procd", "systemd", "rc.local"):
        return None
    return profile


def _with_hints(profile: Profile, launch: Launch) -> Profile:
    if launch.port is not None:
        profile = replace(profile, port=launch.port, protocol=launch.protocol or "tcp")
    if launch.listen:
        profile = replace(profile, listen=launch.listen)
    return profile


def _telnet(p: Profile, name: str, args: tuple[str, ...], read: ReadPath) -> Profile:
    options, _ = getopt(args, "pli" if name == "utelnetd" else "plbfwu")
    login = options.get("l", [None])[-1]
    port, listen = p.port, p.listen
    if "p" in options:
        port = _port(options["p"][-1])[1] or port
    if "b" in options:
        address, bound = _port(options["b"][-1] if ":" in options["b"][-1]
                               else options["b"][-1] + ":")
        listen, port = address or listen, bound or port
    credential = options.get("u", [""])[-1]
    if ":" in credential:
        return replace(p, port=port, listen=listen, auth="hardcoded",
                       secret=credential.partition(":")[2])
    if _is_shell(login):
        return replace(p, port=port, listen=listen, auth="none", shell=login)
    if login is None or posixpath.basename(login) in ("login", "login.sh", "tlogin"):
        return replace(p, port=port, listen=listen, auth="password", root_password=True)
    return replace(p, port=port, listen=listen, auth="unknown")


def _ssh(p: Profile, name: str, args: tuple[str, ...], read: ReadPath) -> Profile:
    if name == "sshd":
        return _sshd(p, args, read)
    options, _ = getopt(args, "brdpPWKITcGA")
    listen, port = p.listen, p.port
    if "p" in options:
        listen, port = _port(options["p"][0])
    password = "s" not in options
    root_password = password and "w" not in options and "g" not in options
    config: tuple[Evidence, ...] = ()
    found = read("/etc/config/dropbear")
    if found is not None and root_password:
        artifact, text = found
        for sec in configs.parse_uci(text):
            for option in ("RootPasswordAuth", "PasswordAuth"):
                if configs.truthy(sec.options.get(option, "")) is True:
                    config += (_evidence(artifact, "/etc/config/dropbear",
                                         sec.lines[option], f"option {option} "
                                         f"'{sec.options[option]}'"),)
    return replace(p, port=port or 22, listen=listen,
                   auth="password+key" if password else "key", root_password=root_password,
                   empty_passwords="B" in options, config=config)


def _sshd(p: Profile, args: tuple[str, ...], read: ReadPath) -> Profile:
    options, _ = getopt(args, "pfohcCbEgkuD")
    path = options.get("f", ["/etc/ssh/sshd_config"])[-1]
    found = read(path)
    keys: dict[str, tuple[str, int]] = {}
    for override in options.get("o", []):
        key, _, raw = override.partition("=")
        keys[key.strip().lower()] = (raw.strip(), 0)
    if found is not None:
        for key, found_value in configs.parse_keywords(found[1]).items():
            keys.setdefault(key, found_value)

    def setting(key: str, default: str) -> str:
        return keys.get(key, (default, 0))[0].lower()

    password = setting("passwordauthentication", "yes") == "yes"
    root = setting("permitrootlogin", "prohibit-password") == "yes" and password
    config = tuple(_evidence(found[0], path, keys[k][1], f"{k} {keys[k][0]}")
                   for k in ("permitrootlogin", "permitemptypasswords")
                   if found is not None and k in keys and keys[k][1] and
                   setting(k, "no") == "yes")
    port = int(options["p"][-1]) if options.get("p", [""])[-1].isdigit() else (
        int(setting("port", "22")) if setting("port", "22").isdigit() else 22)
    listen = _port(setting("listenaddress", "") + ":")[0] if "listenaddress" in keys else None
    return replace(p, port=port, listen=listen or p.listen,
                   auth="password+key" if password else "key", root_password=root,
                   empty_passwords=setting("permitemptypasswords", "no") == "yes" and password,
                   config=config)


def _web(p: Profile, name: str, args: tuple[str, ...], read: ReadPath) -> Profile:
    options, _ = getopt(args, "pshuCcdrxtTkKnNmlLIEaAoOe")
    port, listen, user = p.port, p.listen, p.user
    if options.get("p"):
        listen, port = _port(options["p"][0])
    if name in ("httpd", "mini_httpd", "thttpd") and options.get("u", [""])[-1]:
        user = options["u"][-1].split(":")[0]
    conf = {"lighttpd": options.get("f", ["/etc/lighttpd/lighttpd.conf"])[-1],
            "boa": options.get("c", ["/etc/boa"])[-1] + "/boa.conf"}.get(name)
    found = read(conf) if conf else None
    if found is not None:
        keys = configs.parse_keywords(found[1])
        raw = keys.get("server.port", keys.get("port", ("", 0)))[0].strip("\"'")
        if raw.isdigit():
            port = int(raw)
    return replace(p, port=port or 80, listen=listen, user=user)


def _ftp(p: Profile, name: str, args: tuple[str, ...], read: ReadPath) -> Profile:
    options, positional = getopt(args, "atT")
    anonymous = "A" in options or bool(options.get("a"))
    config: tuple[Evidence, ...] = ()
    if name == "vsftpd":
        path = positional[0] if positional else "/etc/vsftpd.conf"
        found = read(path)
        keys = configs.parse_keywords(found[1], "=") if found is not None else {}
        # vsftpd's documented default for anonymous_enable is YES
        anonymous = keys.get("anonymous_enable", ("YES", 0))[0].upper() == "YES"
        if found is not None and anonymous and "anonymous_enable" in keys:
            config = (_evidence(found[0], path, keys["anonymous_enable"][1],
                                "anonymous_enable=YES"),)
    return replace(p, anonymous=anonymous, auth="none" if anonymous else "password",
                   config=config)


def _tftp(p: Profile, name: str, args: tuple[str, ...], read: ReadPath) -> Profile:
    return replace(p, auth="none")


def _debug(p: Profile, name: str, args: tuple[str, ...], read: ReadPath) -> Profile:
    if name == "gdbserver":
        for arg in args:
            if ":" in arg and not arg.startswith("-"):
                listen, port = _port(arg)
                return replace(p, port=port, listen=listen, auth="none")
    return replace(p, port=None, protocol=None)


def _netcat(p: Profile, name: str, args: tuple[str, ...], read: ReadPath) -> Profile | None:
    if name == "socat":
        listening = any("LISTEN" in a.upper() for a in args)
        shell = next((a.split(":", 1)[1].split(",")[0] for a in args
                      if a.upper().startswith(("EXEC:", "SYSTEM:")) and ":" in a), None)
        port = next((_port(a.split(",")[0])[1] for a in args if "LISTEN" in a.upper()), None)
        if not listening and not _is_shell(shell):
            return None
        return replace(p, kind="shell" if _is_shell(shell) else "debug", port=port,
                       auth="none", shell=shell if _is_shell(shell) else None)
    options, positional = getopt(args, "pseicwqof")
    programs = options.get("e") or options.get("c") or []
    program = programs[-1] if programs else None
    listening = "l" in options
    if not listening and not _is_shell(program):
        return None
    port = _port(options["p"][-1])[1] if options.get("p") else (
        int(positional[-1]) if positional and positional[-1].isdigit() else None)
    return replace(p, kind="shell" if _is_shell(program) else "debug",
                   port=port if listening else None, auth="none",
                   shell=program if _is_shell(program) else None)


def _console_login(p: Profile, name: str, args: tuple[str, ...], read: ReadPath) -> Profile:
    options, positional = getopt(args, "lItfHa")
    autologin = options.get("a", [""])[-1] or next(
        (a.partition("=")[2] for a in args if a.startswith("--autologin")), "")
    login = options.get("l", [None])[-1]
    tty = next((a for a in positional if a.startswith(("tty", "console", "/dev/"))), None)
    base = replace(p, protocol="serial", listen=tty, auth="password")
    if autologin or ("n" in options and _is_shell(login)) or _is_shell(login):
        return replace(base, kind="console-shell", auth="none",
                       user=autologin or base.user, shell=login or "login")
    return base


def _upnp(p: Profile, name: str, args: tuple[str, ...], read: ReadPath) -> Profile:
    options, _ = getopt(args, "fiapPuUwzrtBNqTd")
    port, proto = p.port, p.protocol
    found = read(options.get("f", ["/etc/miniupnpd.conf"])[-1]) if name == "miniupnpd" \
        else None
    raw = options.get("p", [""])[-1]
    if not raw and found is not None:
        raw = configs.parse_keywords(found[1], "=").get("port", ("", 0))[0]
    if raw.isdigit() and int(raw) > 0:
        port, proto = int(raw), "tcp"
    return replace(p, port=port, protocol=proto, auth="none")


def _evidence(artifact: Artifact, path: str, line: int, excerpt: str) -> Evidence:
    return Evidence(Location(chain=artifact.chain, path=path, line=line,
                             sha256=artifact.sha256), excerpt)


_HANDLERS: dict[str, Callable[[Profile, str, tuple[str, ...], ReadPath], Profile | None]] = {
    "telnet": _telnet, "ssh": _ssh, "web": _web, "ftp": _ftp, "tftp": _tftp,
    "debug": _debug, "netcat": _netcat, "console-login": _console_login, "upnp": _upnp,
}
