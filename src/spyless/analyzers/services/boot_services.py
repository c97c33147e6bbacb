"""Remote access started at boot (SPY301-SPY314): Service facts and the findings on them.

It owns joining the boot walk (:mod:`.boot`) with the daemon knowledge (:mod:`.daemons`)
for each root filesystem, linking every service to the artifact of its binary, and judging
the result: unauthenticated shells, root shells on the console, telnet, SSH root password
logins, hardcoded credentials, FTP/TFTP, UPnP and TR-069 listeners, debug services,
world-writable start files. Services that are installed but not started are facts with
``enabled=False`` and never findings; services behind an undecidable condition are
reported with medium confidence.
"""

from __future__ import annotations

import posixpath
from dataclasses import replace

from spyless.analyzers.image import Filesystem, ImageView
from spyless.analyzers.interface import ImageAnalyzer, Output
from spyless.analyzers.services.boot import BootWalker, Launch
from spyless.analyzers.services.daemons import Profile, describe
from spyless.analyzers.services.shelleval import Certainty
from spyless.model.facts import Service
from spyless.model.findings import Confidence, Evidence, FindingSpec, Severity
from spyless.unpack.interface import Artifact, ArtifactKind

_REFS = ("https://cwe.mitre.org/data/definitions/306.html",
         "https://www.broadband-forum.org/technical/download/TR-069.pdf")

SPY301 = FindingSpec(
    "SPY301", "Unauthenticated remote shell started at boot", Severity.CRITICAL, 306,
    "A network service started at boot hands out a shell without asking for a password: "
    "'telnetd -l /bin/sh', a netcat or socat listener executing a shell. Anyone who can "
    "reach the port gets a root shell.",
    "Remove the service from the boot scripts, or start it with a login program "
    "(telnetd -l /bin/login) and, better, replace telnet with SSH key logins.",
    (_REFS[0],))
SPY302 = FindingSpec(
    "SPY302", "Root shell on the serial console without login", Severity.HIGH, 306,
    "init starts a shell on a console line (inittab 'askfirst'/'respawn' of /bin/sh, getty "
    "with autologin, or BusyBox init's default when there is no inittab). Anyone with the "
    "board's UART header gets root without a password.",
    "Run a login program (getty/login) on the console, or disable the console in "
    "production builds.", (_REFS[0],))
SPY303 = FindingSpec(
    "SPY303", "Telnet server started at boot", Severity.HIGH, 319,
    "Telnet sends passwords and the whole session in clear text and is the first thing "
    "botnets such as Mirai try with default credentials.",
    "Do not start telnetd at boot; offer SSH with key-based logins instead.",
    ("https://cwe.mitre.org/data/definitions/319.html",))
SPY304 = FindingSpec(
    "SPY304", "SSH allows root to log in with a password", Severity.MEDIUM, 1188,
    "The SSH server accepts password logins for root (dropbear without -w/-g/-s, sshd with "
    "PermitRootLogin yes), so a default or weak root password is remotely usable.",
    "Start dropbear with -g (or -s) or set PermitRootLogin prohibit-password; use keys.",
    ("https://cwe.mitre.org/data/definitions/1188.html",))
SPY305 = FindingSpec(
    "SPY305", "Remote login accepts empty passwords", Severity.HIGH, 258,
    "The SSH server lets accounts with an empty password log in (dropbear -B, sshd "
    "PermitEmptyPasswords yes).", "Remove dropbear -B / set PermitEmptyPasswords no.",
    ("https://cwe.mitre.org/data/definitions/258.html",))
SPY306 = FindingSpec(
    "SPY306", "Hardcoded credentials on a service command line", Severity.HIGH, 798,
    "A remote-access service is started with a user and password written into the boot "
    "script (e.g. 'telnetd -u user:password'): the same on every device and readable by "
    "anyone who unpacks the firmware.",
    "Remove the built-in credential; let the owner set a password on first use.",
    ("https://cwe.mitre.org/data/definitions/798.html",))
SPY307 = FindingSpec(
    "SPY307", "FTP server started at boot", Severity.MEDIUM, 319,
    "FTP sends credentials in clear text; with anonymous access anyone can read (or write) "
    "files.", "Do not start FTP at boot; if file transfer is needed use SFTP/SCP.",
    ("https://cwe.mitre.org/data/definitions/319.html",))
SPY308 = FindingSpec(
    "SPY308", "TFTP server started at boot", Severity.MEDIUM, 306,
    "TFTP has no authentication at all: whoever reaches the port can fetch (and, where "
    "allowed, replace) files.", "Do not run a TFTP server on a production device.",
    (_REFS[0],))
SPY309 = FindingSpec(
    "SPY309", "UPnP listener started at boot", Severity.MEDIUM, 284,
    "A UPnP IGD daemon lets any host on the LAN open ports in the firewall without "
    "authentication, and has a long record of remotely exploitable bugs.",
    "Ship UPnP disabled by default and let the owner enable it.",
    ("https://cwe.mitre.org/data/definitions/284.html",))
SPY310 = FindingSpec(
    "SPY310", "Remote management agent (TR-069/TR-064) started at boot", Severity.MEDIUM,
    284, "A TR-069 (CWMP) or TR-064 agent lets an auto-configuration server (the ISP or the "
    "vendor) reconfigure the device, change passwords and install firmware; its "
    "connection-request port accepts calls from outside. It must be declared to the owner.",
    "Declare the agent and its ACS in the agreement, or disable it by default.", _REFS)
SPY311 = FindingSpec(
    "SPY311", "Debugging service started at boot", Severity.HIGH, 489,
    "A debugging or tracing tool (gdbserver, strace, a netcat listener) runs at boot. A "
    "debugger port gives code execution to whoever connects.",
    "Remove debug tools from production images and from the boot scripts.",
    ("https://cwe.mitre.org/data/definitions/489.html",))
SPY312 = FindingSpec(
    "SPY312", "Remote login service on a non-standard port", Severity.LOW, 912,
    "A telnet or SSH server listens on a port other than its usual one, a common way to "
    "hide a support or debug login from port scans and from the owner.",
    "Declare the service, or remove it.",
    ("https://cwe.mitre.org/data/definitions/912.html",))
SPY313 = FindingSpec(
    "SPY313", "Service started from a world-writable file", Severity.MEDIUM, 732,
    "A boot script or service binary is writable by every user; any local process that can "
    "write it runs code as root at the next boot.",
    "Make init scripts and daemons writable by root only (mode 0755 or stricter).",
    ("https://cwe.mitre.org/data/definitions/732.html",))
SPY314 = FindingSpec(
    "SPY314", "Network service started at boot", Severity.INFO, None,
    "An inventory entry: a daemon started at boot that listens on the network (web "
    "management, DNS, DHCP, SNMP, or a custom program that binds a socket). Each listener "
    "should be declared.", "Check that every listener is needed and declared.")

_STANDARD_PORT = {"telnet": 23, "ssh": 22}
_MAX_BIND_CHECKS = 32
_BIND_READ = 4 << 20


class BootServices(ImageAnalyzer):
    name = "boot-services"
    description = ("Resolves what starts at boot (inittab, rcS, init.d and rc.d, procd with "
                   "UCI flags, systemd, inetd/xinetd, rc.local, cron) and judges the remote "
                   "access it opens.")
    findings = (SPY301, SPY302, SPY303, SPY304, SPY305, SPY306, SPY307, SPY308, SPY309,
                SPY310, SPY311, SPY312, SPY313, SPY314)
    references = ("https://git.busybox.net/busybox/tree/examples/inittab",
                  "https://openwrt.org/docs/guide-developer/procd-init-scripts")

    def analyze(self, image: ImageView, out: Output) -> None:
        roots = image.rootfs()
        for fs in image.filesystems:
            # an archive may hold /etc files without listing the folders themselves
            if any(fs is root for root in roots) or any(path.startswith("/etc/") for path in fs.entries):
                self._filesystem(image, fs, out)

    def _filesystem(self, image: ImageView, fs: Filesystem, out: Output) -> None:
        def read_path(path: str) -> tuple[Artifact, str] | None:
            artifact = fs.resolve(path)
            if artifact is None or artifact.path is None or artifact.sha256 is None:
                return None
            return artifact, image.read(artifact, 256 << 10).decode("latin-1")

        walker = BootWalker(fs, image.read)
        best: dict[tuple[object, ...], tuple[Launch, Profile]] = {}
        bind_checks = 0
        for launch in walker.walk():
            profile = describe(launch, read_path)
            if profile is None:
                continue
            if profile.kind == "other" and bind_checks < _MAX_BIND_CHECKS \
                    and launch.artifact is not None and launch.artifact.sha256 is not None:
                bind_checks += 1
                data = image.read(launch.artifact, _BIND_READ)
                # imported socket calls of a dynamically linked program: it may listen
                if data.startswith(b"\x7fELF") and b"\x00bind\x00" in data and (
                        b"\x00listen\x00" in data or b"\x00recvfrom\x00" in data):
                    profile = replace(profile, kind="listener", low_confidence=True)
            key = (profile.name, launch.binary, launch.argv, launch.where.chain,
                   launch.where.line, launch.manager)
            if key not in best or best[key][0].certainty < launch.certainty:
                best[key] = (launch, profile)
        for launch, profile in best.values():
            out.add(_service(launch, profile))
            if launch.certainty is not Certainty.NO:
                _judge(launch, profile, out)
        _writable(walker, [item for item in best.values()
                           if item[0].certainty is not Certainty.NO], out)


def _service(launch: Launch, profile: Profile) -> Service:
    artifact = launch.artifact
    chain = artifact.chain if artifact is not None and artifact.kind is not \
        ArtifactKind.DIRECTORY else None
    return Service(
        name=profile.name, binary=launch.binary, binary_chain=chain,
        arguments=launch.argv[1:], started_by=launch.where, manager=launch.manager,
        enabled=launch.certainty is not Certainty.NO, port=profile.port,
        protocol=profile.protocol, listen=profile.listen, auth=profile.auth,
        user=profile.user)


def _judge(launch: Launch, p: Profile, out: Output) -> None:
    sure = launch.certainty is Certainty.YES and not launch.unresolved
    confidence = Confidence.HIGH if sure else Confidence.MEDIUM
    where = (Evidence(launch.where, launch.excerpt), *p.config)
    what = f"{p.name} ({launch.binary or launch.argv[0]}"
    what += f", {launch.artifact.chain})" if launch.artifact is not None else ")"
    how = f"started by {launch.where.path}:{launch.where.line} ({launch.manager})"
    if not sure:
        how += ", behind a condition the image does not decide" if \
            launch.certainty is Certainty.MAYBE else ", with arguments set at runtime"
    port = f" on {p.protocol or 'tcp'} port {p.port}" if p.port else ""
    if p.kind in ("telnet", "shell") and p.auth == "none":
        out.finding(SPY301, f"{what} gives a shell ({p.shell}) without a password{port}, "
                    f"{how}", where, confidence)
    elif p.kind == "console-shell":
        out.finding(SPY302, f"a root shell ({p.shell}) runs on {p.listen or 'the console'} "
                    f"without login, {how}", where,
                    confidence if launch.manager != "inittab" or sure else Confidence.MEDIUM)
    elif p.kind == "telnet":
        out.finding(SPY303, f"{what} listens{port} with {p.auth} authentication, {how}",
                    where, confidence)
    if p.auth == "hardcoded" and p.secret is not None:
        out.finding(SPY306, f"{what} is started with a built-in password, {how}",
                    (Evidence(launch.where, launch.excerpt, p.secret), *p.config),
                    confidence, secret=p.secret)
    if p.kind == "ssh":
        if p.root_password:
            out.finding(SPY304, f"{what}{port} accepts root password logins, {how}", where,
                        confidence)
        if p.empty_passwords:
            out.finding(SPY305, f"{what}{port} accepts empty passwords, {how}", where,
                        confidence)
    if p.kind in _STANDARD_PORT and p.port is not None and p.port != _STANDARD_PORT[p.kind]:
        out.finding(SPY312, f"{what} listens on port {p.port}, {how}", where,
                    Confidence.MEDIUM)
    if p.kind == "ftp":
        out.finding(SPY307, f"{what}{port}, {'anonymous access' if p.anonymous else 'login'}"
                    f" enabled, {how}", where, confidence,
                    severity=Severity.HIGH if p.anonymous else None)
    elif p.kind == "tftp":
        out.finding(SPY308, f"{what}{port}, {how}", where, confidence)
    elif p.kind == "upnp":
        out.finding(SPY309, f"{what}{port}, {how}", where, confidence)
    elif p.kind in ("tr069", "tr064"):
        out.finding(SPY310, f"{what}{port}, {how}", where, confidence)
    elif p.kind == "debug":
        out.finding(SPY311, f"{what}{port}, {how}", where, confidence)
    elif p.listening and p.kind not in ("telnet", "ssh", "shell"):
        out.finding(SPY314, f"{what}{port}, {how}", where,
                    Confidence.LOW if p.low_confidence else confidence)


def _writable(walker: BootWalker, started: list[tuple[Launch, Profile]], out: Output) -> None:
    """World-writable start files: the scripts that start services, and the binaries."""
    reported: set[str] = set()
    for launch, profile in started:
        for artifact, role in ((walker.resolve(launch.where.path or ""), "script"),
                               (launch.artifact, "binary")):
            if artifact is None or artifact.mode is None or artifact.chain in reported \
                    or artifact.kind is ArtifactKind.SYMLINK or not artifact.mode & 0o002:
                continue
            reported.add(artifact.chain)
            path = walker.fs_path(artifact)
            out.finding(SPY313, f"the {role} {path} (mode {artifact.mode & 0o7777:04o}) "
                        f"starts {profile.name} at boot and is writable by every user",
                        Evidence(launch.where if role == "script" else
                                 replace(launch.where, chain=artifact.chain, path=path,
                                         line=None, sha256=artifact.sha256),
                                 posixpath.basename(path)), Confidence.HIGH)
