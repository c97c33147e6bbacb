"""The built-in baseline: the spyless no-spy, no-backdoors standard (STANDARD.md) as code.

Every clause NB-1…NB-8, NS-1…NS-5, SE-1…SE-9, TR-1…TR-8 with its one-line text, its
evidence rule and its mappings exactly as STANDARD.md words them (a test compares them),
and the :class:`Check` list that decides it from a report: finding ids by family,
declared-versus-found comparisons (``SPY190``-``SPY695``, ``agreement:*``, from
``compare.py``), and the source each check needs. A check whose source no analyzer of
this build provides ("radios", "file-modes", ...) cannot run, so its clause reports NOT
EVALUATED with the reason and never PASS.

``FAMILY_ROUTES`` sends finding ids that no check names (new ids landing in a family) to
a clause, so that they are judged rather than dropped; a finding tagged ``clause:NB-4``
is routed to that clause as well.
"""

from __future__ import annotations

from functools import cache

from spyless.agreement.interface import Check, Clause
from spyless.agreement.mappings import parse_mappings


def _ids(*spec: str) -> tuple[str, ...]:
    """``_ids("SPY120-128", "SPY402")`` -> every id in the ranges."""
    out: list[str] = []
    for item in spec:
        first, _, last = item.partition("-")
        if not last:
            out.append(first)
            continue
        out += [f"SPY{n}" for n in range(int(first[3:]), int(last.removeprefix("SPY")) + 1)]
    return tuple(out)


def _kind(evidence: str) -> str:
    static = "S:" in evidence or "S and D:" in evidence
    dynamic = "D:" in evidence
    if evidence.startswith("Decl"):
        return "Decl+S" if static else "Decl"
    if static and dynamic:
        return "S+D"
    return "D" if dynamic else "S"


def _clause(clause_id: str, text: str, evidence: str, maps_to: str, checks: tuple[Check, ...],
            declaration: str | None = None) -> Clause:
    return Clause(id=clause_id, group=clause_id[:2], text=text, evidence=evidence,
                  maps_to=maps_to, mappings=parse_mappings(maps_to), checks=checks,
                  kind=_kind(evidence), declaration=declaration)


C = Check

CLAUSES: tuple[Clause, ...] = (
    _clause(
        "NB-1", "Every login-capable account is declared. No undeclared uid-0 or duplicate-UID "
        "accounts exist, and service accounts have no login shell.",
        "S: `accounts` (passwd/shadow anywhere, embedded passwd lines), uid/shell/hash state",
        "33.117 ⊕4.2.3.4.2.2, ⊕4.2.4.2.2, 4.2.3.4.1.2; 8259A-4; ND FIA_UIA_EXT.1; §9b(3)",
        (C("login-capable accounts are declared", "accounts", _ids("SPY190")),
         C("no undeclared uid-0 or duplicate-uid accounts", "accounts",
           _ids("SPY101", "SPY108", "SPY112"), declarable="accounts"),
         C("service accounts have no login shell", "accounts", _ids("SPY106")))),
    _clause(
        "NB-2", "No universal, default, empty or hard-coded passwords in any account, service "
        "or config.",
        "S: `credentials` + cracked `accounts` hashes vs public default/botnet lists; "
        "`telnetd -u`, htpasswd, SNMP `public/private`, `echo pw|passwd`; the same hash in "
        "every unit",
        "33.117 ⊕4.2.3.4.2.3, ⊕4.2.3.4.2.1, 4.2.3.4.3.1; EN ⊕5.1-1, 5.1-2; PSTI ⊕para 1; BP "
        "default passwords, hard-coded credentials; SbD-2; ND FIA_UAU_EXT.2/FIA_PMG_EXT.1; "
        "CWE-798/259/521",
        (C("account passwords vs public default and botnet lists", "accounts",
           _ids("SPY102", "SPY103", "SPY109")),
         C("default and hard-coded credentials in configs, scripts and binaries",
           "credentials", _ids("SPY120-128")),
         C("credentials on service command lines", "services", _ids("SPY306")),
         C("known vendor credentials", "backdoors", _ids("SPY402")),
         C("password hashes not fully tested", "accounts", _ids("SPY111"), required=False,
           context=True))),
    _clause(
        "NB-3", "No vendor-held access keys or shared secrets: no baked `authorized_keys`, no "
        "private keys or host keys common to all units, no embedded API tokens.",
        "S: `keys` (PEM/DER/OpenSSH/PuTTY, `authorized_keys`, host keys; fingerprint reuse "
        "across images), `credentials` (tokens)",
        "EN ⊕5.4-3, ⊕5.4-4; 33.117 ⊕4.2.3.4.2.3 (keys are auth attributes), 4.2.3.2.2; ND "
        "FPT_SKP_EXT.1; BP hard-coded credentials; CWE-321",
        (C("private keys, host keys and authorized_keys", "keys", _ids("SPY201-204")),
         C("embedded API tokens and secrets", "credentials", _ids("SPY129", "SPY130")))),
    _clause(
        "NB-4", "No unauthenticated access path at boot: no shell or management function "
        "reachable without authentication, and root cannot log in remotely.",
        "S: `services` (inittab incl. `::askfirst:/bin/sh` on console, "
        "rcS/init.d/procd/systemd/inetd; auth=none such as `telnetd -l /bin/sh`), "
        "sshd/dropbear root-login flags; D: unauthenticated sessions in capture",
        "33.117 ⊕4.2.3.4.1.1, ⊕4.3.2.6, 4.3.2.1; EN ⊕5.5-5, 5.5-4, 5.6-4; ND ⊕FIA_UIA_EXT.1, "
        "FTP_TRP.1/Admin; 8259A-4",
        (C("unauthenticated shells and logins at boot", "services",
           _ids("SPY301", "SPY302", "SPY305")),
         C("root cannot log in remotely with a password", "services", _ids("SPY304")),
         C("shell listeners on fixed ports", "backdoors", _ids("SPY415")),
         C("unauthenticated sessions in the capture", "sessions", required=False))),
    _clause(
        "NB-5", "No undeclared listeners: every service started at boot (binary, port, bind "
        "address) is in the agreement, and nothing else listens.",
        "S: `services` vs agreement; D: inbound SYN-ACK or responses from undeclared ports in "
        "the lab capture",
        "33.117 ⊕4.4.2, ⊕4.3.2.1 (Note 2), 4.3.2.2; EN ⊕5.6-1, 5.6-5; 8259A-4; TB SM04",
        (C("listening services are declared", "services", _ids("SPY390")),
         C("listener findings", "services", _ids("SPY309", "SPY312", "SPY314"),
           declarable="services"),
         C("inbound traffic on undeclared ports in the capture", "capture", _ids("SPY521"),
           required=False))),
    _clause(
        "NB-6", "No hidden functionality or known backdoor code: no signature-matched "
        "backdoors, magic-packet or magic-port listeners, web handlers that spawn shells or "
        "telnetd, or enabled debug/manufacturing modes.",
        "S: YARA hits with advisory refs, hash-pinned known-bad binaries, heuristics, "
        "CGI→shell",
        "33.117 ⊕4.3.2.4 (debug functions), 4.3.2.3, ⊕4.3.4.5, 4.3.4.7; EN 5.6-4, 5.6-6; "
        "§9b(3) and §9b(5) no. 6 (properties suited to sabotage or espionage); CWE-912",
        (C("backdoor signatures and known-bad binaries", "backdoors", _ids("SPY401-404")),
         C("hidden functionality: web handlers, magic packets, debug modes", "backdoors",
           _ids("SPY410-416")),
         C("debug services at boot", "services", _ids("SPY311")))),
    _clause(
        "NB-7", "No undeclared radios or physical debug/boot paths: WLAN/BT, UART shells, USB "
        "autorun and external boot are declared or disabled.",
        "S: WLAN/BT drivers and firmware, hostapd/bluetoothd at boot, console getty, "
        "hotplug/automount scripts, U-Boot env (`bootcmd`, usb/tftp boot)",
        "33.117 4.3.2.8 [R], ⊕4.3.2.4 (unused HW interfaces), ⊕4.3.3.1.3, 4.2.3.3.2; EN "
        "⊕5.6-4, 5.6-3",
        (C("serial console shells and boot loader", "backdoors", _ids("SPY417", "SPY302"),
           declarable="interfaces"),
         C("radios: WLAN/BT drivers, firmware and daemons", "radios"),
         C("USB autorun, hotplug and external boot", "physical"))),
    _clause(
        "NB-8", "No unauthenticated privilege escalation: no passwordless su/sudo, no root "
        "setuid helpers that give shells, no world-writable boot scripts.",
        "S: file modes (setuid, world-writable in init paths), sudoers `NOPASSWD`",
        "33.117 ⊕4.2.4.1.2.1, ⊕4.3.2.7, 4.2.3.4.6.1; EN 5.6-7",
        (C("world-writable boot scripts and daemons", "services", _ids("SPY313")),
         C("setuid helpers, sudoers NOPASSWD, passwordless su", "file-modes"))),
    _clause(
        "NS-1", "The image contacts only declared endpoints: every URL, host or IP that "
        "configs, scripts or binaries are built to reach is declared with a purpose.",
        "S: `endpoints` with context (config key, boot/cron/update use, scheme) vs agreement "
        "allow-list",
        "EN ⊕6-1, ⊕6-5; §9b(3) (espionage); Huawei 2019 no-spy pledge; TSR reg 7; CRA "
        "I(2)(g) [R]",
        (C("endpoints in configs and scripts are declared", "endpoints", _ids("SPY590")),
         C("call-home destinations and hardcoded public addresses", "endpoints",
           _ids("SPY502", "SPY503"), declarable="endpoints"))),
    _clause(
        "NS-2", "On the wire the device talks only to declared destinations: no undeclared "
        "DNS resolvers, NTP servers or cloud hosts.",
        "D: flows, DNS answers, TLS SNI, HTTP Host, resolvers and NTP seen vs allow-list",
        "EN ⊕6-5, 6-4; §9b(3); TSR reg 7; CRA FAQ 4.4.2 (network traffic analysis)",
        (C("destinations and resolvers in the capture are declared", "capture",
           _ids("SPY520", "SPY522")),)),
    _clause(
        "NS-3", "No cleartext secrets or personal data leave the device: management, "
        "telemetry and update channels are protected.",
        "S: `http://`/`ftp://` update or telemetry URLs, telnet/FTP/HTTP management; D: HTTP "
        "basic auth, telnet or FTP credentials, cleartext payloads",
        "33.117 ⊕4.2.3.2.4, 4.2.5.1, 4.2.3.6.2; EN ⊕5.5-7, 5.5-1, 5.5-6, 5.8-1, 5.8-2; ND "
        "⊕FTP_ITC.1, FTP_TRP.1/Admin; 8259A-3",
        (C("update, telemetry and management URLs are protected", "endpoints",
           _ids("SPY501")),
         C("no cleartext management services (telnet, FTP)", "services",
           _ids("SPY303", "SPY307")),
         C("no cleartext remote login started at boot", "services", _ids("SPY395"),
           tags=("telnet", "ftp", "r-services")),
         C("no cleartext credentials or update requests on the wire", "capture",
           _ids("SPY523-525", "SPY527"), required=False))),
    _clause(
        "NS-4", "Remote-management and telemetry channels (TR-069 ACS, cloud agents, remote "
        "syslog, SNMP traps, MQTT, DDNS) are declared and operator-controllable, and "
        "management uses mutual authentication.",
        "S: `endpoints` categories (`acs_url`, …) + `services` (enabled flags); D: sessions "
        "to those endpoints",
        "33.117 4.2.3.4.4.1, 4.3.2.4; EN 5.6-5, ⊕6-5; TB ⊕SM04; UK CoP M2.06",
        (C("management and telemetry channels are declared", "endpoints", _ids("SPY504"),
           declarable="channels"),
         C("management agents started at boot are declared", "services", _ids("SPY310"),
           declarable="channels"),
         C("declared channels are operator-controllable, management mutually authenticated",
           "agreement", ("agreement:channel-terms",)))),
    _clause(
        "NS-5", "No undeclared traffic-interception capability: no packet capture or "
        "mirroring tools enabled by default, and no LI-like modules unless declared.",
        "S: `components` (tcpdump/libpcap-based tools, mirroring config, kernel modules), "
        "`services`",
        "33.117 ⊕4.3.2.3, 4.3.2.4; §9b(3) (espionage); TSR reg 5 [R]",
        (C("no packet capture started at boot", "services", _ids("SPY394")),
         C("packet-capture tools in the image", "components", _ids("SPY694")),
         C("mirroring configuration and interception modules", "interception"))),
    _clause(
        "SE-1", "No component with a known exploited vulnerability; every other known "
        "critical CVE is declared with remediation.",
        "S: `components` + CVEs (KEV flag)",
        "33.117 ⊕4.4.3, 4.3.2.1; EN 5.2-3, 5.3-8; BP ⊕KEV, ⊕OSS with known exploitable vulns; "
        "ND AVA_VAN.1; CRA I(2)(a) [R]",
        (C("no known exploited vulnerabilities", "vulnerabilities", _ids("SPY611")),
         C("critical vulnerabilities are declared with remediation", "vulnerabilities",
           _ids("SPY693")),
         C("known vulnerabilities per component", "vulnerabilities", _ids("SPY610"),
           required=False, context=True))),
    _clause(
        "SE-2", "No end-of-life or unsupported components.",
        "S: `components` + EOL data",
        "33.117 ⊕4.3.2.5; BP product support periods",
        (C("no end-of-life components", "eol", _ids("SPY612")),
         C("several versions of one component", "components", _ids("SPY601", "SPY602"),
           required=False, context=True))),
    _clause(
        "SE-3", "No insecure legacy protocols enabled by default (FTP, TFTP, Telnet, "
        "r-services, plain HTTP, SNMPv1/v2c, SSHv1, small servers, finger, BOOTP, CDP/LLDP, "
        "identd).",
        "S: `services` + binaries",
        "33.117 ⊕4.3.2.1; EN 5.6-5; ND FTP_TRP.1/Admin",
        (C("no telnet, FTP or TFTP at boot", "services", _ids("SPY303", "SPY307", "SPY308")),
         C("no other legacy cleartext services at boot", "services", _ids("SPY395")),
         C("no SNMPv1/v2c communities", "credentials", _ids("SPY123", "SPY124")))),
    _clause(
        "SE-4", "Secrets are stored protected: salted non-broken password hashes, no "
        "plaintext secrets, key files not world-readable.",
        "S: hash families in `accounts` (DES crypt, unsalted MD5, plaintext), `credentials`, "
        "key-file modes",
        "33.117 ⊕4.2.3.2.3, 4.2.3.2.2; EN ⊕5.4-1; ND ⊕FPT_APW_EXT.1, ⊕FPT_SKP_EXT.1; BP "
        "insecure crypto; 8259A-3",
        (C("password hashes are salted and of a sound family", "accounts",
           _ids("SPY104", "SPY105", "SPY110")),
         C("no plaintext secrets in configuration", "credentials", _ids("SPY121", "SPY125")),
         C("key files not world-readable, keys not weak", "keys", _ids("SPY205", "SPY208")))),
    _clause(
        "SE-5", "Executables carry exploit mitigations (NX, PIE, canaries, RELRO, FORTIFY; no "
        "RWX segments).",
        "S: hardening facts per binary",
        "33.117 ⊕4.3.3.1.5; EN 5.6-9; BP memory safety; CRA I(2)(k) [R]",
        (C("exploit mitigations of every ELF file", "hardening", _ids("SPY701-708")),
         C("hardening summary", "hardening", _ids("SPY709"), required=False, context=True))),
    _clause(
        "SE-6", "Updates are authenticated before install, signature-checked against embedded "
        "keys and fetched over protected channels.",
        "S: update scripts/binaries (signature-verify calls, public keys present), update URL "
        "schemes, image format (signed/unsigned)",
        "33.117 ⊕4.2.3.3.5; EN ⊕5.3-10, 5.3-2, 5.3-7, 5.3-9, 5.7-1; ND ⊕FPT_TUD_EXT.1(.3); "
        "8259A-5; TB TM07; SbD-4",
        (C("update URLs use protected channels", "endpoints", _ids("SPY501"),
           tags=("update",)),
         C("no cleartext update requests on the wire", "capture", _ids("SPY527"),
           required=False),
         C("update signature verification and image signing", "updates"))),
    _clause(
        "SE-7", "Minimal software and kernel attack surface: no debuggers, compilers, sample "
        "content or test data; hardened sysctls (rp_filter, syncookies, no proxy-ARP or "
        "source routing).",
        "S: `components`/files (gdb, gdbserver, strace, gcc, sample pages), sysctl config, web "
        "docroot",
        "33.117 ⊕4.3.2.3, 4.3.3.1.1, 4.3.3.1.2, 4.3.3.1.4, 4.2.4.1.1.2/3, 4.3.4.9, 4.3.4.10; "
        "EN 5.6-6",
        (C("no debug services at boot", "services", _ids("SPY311")),
         C("no debuggers or compilers among the components", "components", _ids("SPY695")),
         C("sysctl hardening, sample content and test data", "sysctl"))),
    _clause(
        "SE-8", "Least privilege: daemons (especially the web server) do not run as root, and "
        "the filesystem has no unsafe world-writable locations or logs.",
        "S: init/daemon user switching, web-server config, file modes",
        "33.117 ⊕4.3.4.2, ⊕4.3.2.7, 4.2.3.4.6.1, 4.2.3.6.3, 4.3.4.8; EN 5.6-7",
        (C("web and UPnP servers do not run as root", "services", _ids("SPY396")),
         C("no world-writable boot scripts or daemons", "services", _ids("SPY313")),
         C("no world-writable locations or logs", "file-modes"))),
    _clause(
        "SE-9", "Security events are logged and can be forwarded securely.",
        "S: syslog daemon and config, remote target, TLS",
        "33.117 ⊕4.2.3.6.1, ⊕4.2.3.6.2; ND FAU_GEN.1, FAU_STG_EXT.1; BP evidence of "
        "intrusions; SbD-7; 8259A-6",
        (C("remote syslog is not sent in cleartext", "endpoints", _ids("SPY501"),
           tags=("syslog",)),
         C("security events are logged (syslog daemon and configuration)", "logging"))),
    _clause(
        "TR-1", "The agreement is a complete, machine-readable declaration of accounts, "
        "services and ports, endpoints with purpose, management channels, radios and "
        "interfaces. spyless checks declared against found in **both directions**.",
        "S and D: every fact class diffed against the agreement; undeclared items found and "
        "declared items not found",
        "33.117 ⊕4.3.2.1 Note 2, ⊕4.4.2; EN 6-1, 6-5, 5.8-3; TS 103 701 IXIT (1-AuthMech, "
        "13-SoftServ, 15-Intf, 24-TelData); §9b(3)",
        (C("accounts, both directions", "accounts", _ids("SPY190", "SPY191")),
         C("services and ports, both directions", "services", _ids("SPY390", "SPY391")),
         C("endpoints, both directions", "endpoints", _ids("SPY590", "SPY591")),
         C("management and telemetry channels found are declared", "endpoints",
           _ids("SPY504"), declarable="channels"),
         C("declared channels are found", "endpoints", _ids("SPY392")),
         C("destinations on the wire", "capture", _ids("SPY520", "SPY522"), required=False),
         C("radios and interfaces", "radios", required=False))),
    _clause(
        "TR-2", "A vendor SBOM is supplied and matches the components found in the image.",
        "S: `components` vs vendor SBOM",
        "CRA Annex I Part II [R]; TS 103 701 IXIT 6-SoftComp; 33.117 4.4.3",
        (C("a vendor SBOM is supplied", "agreement", ("agreement:no-sbom",)),
         C("SBOM matches the components found", "components", _ids("SPY690", "SPY691")))),
    _clause(
        "TR-3", "A vulnerability-reporting contact and timescales are published, and CVEs are "
        "published with CWEs.",
        "Decl (agreement metadata); S: advisory refs for found CVEs",
        "PSTI ⊕para 2; EN ⊕5.2-1; BP VDP, CVE+CWE; SbD-5/6; §9b AllgVfg item 4, §9b(5) no. 4",
        (C("vulnerability contact and timescales declared", "agreement"),),
        declaration="vulnerability_disclosure"),
    _clause(
        "TR-4", "A minimum security-update (support) period is declared.",
        "Decl; S: component dates vs period",
        "PSTI ⊕para 3; EN ⊕5.3-13; BP product support periods",
        (C("support period declared and not over", "agreement", ("agreement:support-ended",)),),
        declaration="support"),
    _clause(
        "TR-5", "Release-to-release changes to security-relevant parts (new accounts, "
        "services, endpoints, keys, components) are declared in the release notes.",
        "S: `spyless diff` of two images' facts vs declared changelog",
        "§9b AllgVfg ⊕item 3; TB TM07 [R]; 33.117 4.2.3.3.5",
        (C("changes since the previous report are in the release notes", "previous",
           ("agreement:undeclared-change",)),)),
    _clause(
        "TR-6", "The image is complete and analysable, and the vendor supports evaluation: no "
        "unexplained encrypted or opaque blobs, appended data, or nested images missing from "
        "the SBOM.",
        "S: extraction anomalies (unpack coverage, entropy, unknown blobs)",
        "§9b(5) ⊕no. 3 and AllgVfg items 1\u20132 (support reviews and pentests); NCSC VSA; "
        "33.117 4.3.2.3",
        (C("extraction anomalies", "extraction", _ids("SPY801-805")),)),
    _clause(
        "TR-7", "Telemetry and personal data sent off-device are declared (what, to whom, "
        "why).",
        "S: telemetry-category `endpoints`; D: volumes per destination",
        "EN ⊕6-5, 6-4, 6-1, 5.10-1",
        (C("telemetry channels are declared", "endpoints", _ids("SPY502", "SPY504"),
           tags=("telemetry", "cloud", "mqtt"), declarable="channels"),
         C("declared telemetry says what, to whom and why", "agreement",
           ("agreement:telemetry-undescribed",)),
         C("upload volumes per destination in the capture", "capture", _ids("SPY526"),
           required=False))),
    _clause(
        "TR-8", "**Declaration only**: the vendor states it is under no legal obligation that "
        "would force state access or disclosure, or says which such obligations apply. This "
        "cannot be machine-checked; spyless records \"declared / not declared\".",
        "Decl (agreement field)",
        "BMI No-Spy-Erklärung 2014; §41 BSIG 2025 criteria (context only); Huawei 2019 "
        "pledges",
        (C("legal-obligation statement declared", "agreement"),),
        declaration="legal"),
)

#: Id prefix -> (clause, check name) for finding ids that no check names.
FAMILY_ROUTES: tuple[tuple[str, str, str], ...] = (
    ("SPY10", "NB-1", "other account findings"),
    ("SPY11", "NB-1", "other account findings"),
    ("SPY12", "NB-2", "other credential findings"),
    ("SPY13", "NB-2", "other credential findings"),
    ("SPY14", "NB-2", "other credential findings"),
    ("SPY2", "NB-3", "other key findings"),
    ("SPY3", "NB-5", "other service findings"),
    ("SPY4", "NB-6", "other hidden-functionality findings"),
    ("SPY50", "NS-1", "other endpoint findings"),
    ("SPY51", "NS-1", "other endpoint findings"),
    ("SPY52", "NS-2", "other traffic findings"),
    ("SPY60", "SE-2", "other component findings"),
    ("SPY6", "SE-1", "other vulnerability findings"),
    ("SPY7", "SE-5", "other hardening findings"),
    ("SPY8", "TR-6", "other extraction findings"),
)

#: Known finding ids that no clause of the standard is about (they stay in the report and
#: are listed as "not assigned to a clause" in the verdict).
UNASSIGNED = frozenset({
    "SPY107",  # a login account whose password is set outside the image: not a defect
    "SPY206",  # expired certificate: certificate hygiene, no clause
    "SPY207",  # self-signed server certificate: no clause
    "SPY505",  # e-mail address: inventory only
})

#: Declarations that can excuse a family-routed finding.
FAMILY_DECLARABLE = {"SPY3": "services", "SPY50": "endpoints", "SPY51": "endpoints"}


@cache
def clauses_by_id() -> dict[str, Clause]:
    return {c.id: c for c in CLAUSES}


def family_route(finding_id: str) -> tuple[str, str] | None:
    """The (clause, check) a finding id falls to by its family, longest prefix first."""
    best: tuple[str, str, str] | None = None
    for prefix, clause, check in FAMILY_ROUTES:
        if finding_id.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, clause, check)
    return (best[1], best[2]) if best else None


def family_check(finding_id: str) -> tuple[str, Check] | None:
    """(clause, check) for a finding id that no check names, from its family."""
    route = family_route(finding_id)
    if route is None:
        return None
    declarable = next((v for k, v in FAMILY_DECLARABLE.items() if finding_id.startswith(k)),
                      None)
    return route[0], Check(route[1], "family", (finding_id,), required=False,
                           declarable=declarable)
