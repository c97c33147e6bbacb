"""Finding ids of the backdoors family (SPY401-SPY449), shared by its analyzers.

SPY401-SPY404 come from the signature pack and the hash list (facts from public advisories);
SPY410-SPY417 are heuristics for hidden functionality (medium or low confidence).
"""

from __future__ import annotations

from spyless.model.findings import FindingSpec, Severity

_ADVISORY_FIX = ("Update to a firmware release that removes it (see the advisory); until then "
                 "block the affected service from untrusted networks.")

SPY401 = FindingSpec(
    "SPY401", "Known backdoor code", Severity.CRITICAL, 506,
    "A file matches a signature of publicly documented malicious code (for example the "
    "xz-utils liblzma backdoor). The rule name and its advisory are in the message.",
    _ADVISORY_FIX, ("https://cwe.mitre.org/data/definitions/506.html",),
)
SPY402 = FindingSpec(
    "SPY402", "Known hardcoded vendor credential", Severity.CRITICAL, 798,
    "A file contains a publicly documented vendor account or password that is the same on "
    "every device (for example Zyxel's zyfwp account or TP-Link's fixed root hash).",
    "Remove the account or make its password unique per device and changeable by the owner.",
    ("https://cwe.mitre.org/data/definitions/798.html",),
)
SPY403 = FindingSpec(
    "SPY403", "Known hidden access interface", Severity.CRITICAL, 912,
    "A file matches a signature of a publicly documented hidden interface: a magic HTTP "
    "header or route, a manufacturing daemon or a magic-packet listener that gives access "
    "without the owner's credentials.",
    _ADVISORY_FIX, ("https://cwe.mitre.org/data/definitions/912.html",),
)
SPY404 = FindingSpec(
    "SPY404", "Known-bad binary (hash match)", Severity.CRITICAL, 506,
    "The file's SHA-256 equals that of a binary named in a public advisory as backdoored.",
    "Replace the file with a build from a clean source release and rebuild the image.",
    ("https://cwe.mitre.org/data/definitions/506.html",),
)
SPY410 = FindingSpec(
    "SPY410", "Web handler starts a shell or telnetd", Severity.HIGH, 912,
    "A web-facing script (CGI, PHP, ASP, Lua) starts telnetd or runs request data through "
    "a shell. Whoever reaches the web interface gets a shell, usually as root.",
    "Remove the handler; if a remote console is needed, make it an authenticated, "
    "documented service the owner can switch off.",
    ("https://cwe.mitre.org/data/definitions/912.html",
     "https://cwe.mitre.org/data/definitions/78.html"),
)
SPY411 = FindingSpec(
    "SPY411", "Backdoor enable switch in a web-facing script", Severity.CRITICAL, 912,
    "A web-facing script compares request data against a fixed magic token (a name such as "
    "*BACKDOOR*, *DEBUG*, *FACTORY* or an opaque string) and unlocks functionality for it: "
    "a hidden switch that only someone who knows the token can use.",
    "Remove the switch. Maintenance access must use the device's normal authentication.",
    ("https://cwe.mitre.org/data/definitions/912.html",),
)
SPY412 = FindingSpec(
    "SPY412", "Web server binary routes a request to telnetd or a shell", Severity.HIGH, 912,
    "A web server or CGI binary has a route named like telnet/debug/manufacturing and the "
    "command that starts telnetd or a shell close to it (the Tenda /goform/telnet pattern).",
    "Remove the route or put it behind the administrator's authentication and document it.",
    ("https://nvd.nist.gov/vuln/detail/CVE-2020-10988",),
)
SPY413 = FindingSpec(
    "SPY413", "Hidden debug or manufacturing web endpoint", Severity.MEDIUM, 912,
    "A web server binary or the web root exposes an endpoint named like telnet, debug, "
    "manufacturing (mfg, ate, factory) or backdoor. It may be an undocumented maintenance "
    "interface; check what it does and whether it requires authentication.",
    "Remove test and manufacturing endpoints from production firmware.",
    ("https://cwe.mitre.org/data/definitions/912.html",),
)
SPY414 = FindingSpec(
    "SPY414", "Magic-packet or port-knock listener", Severity.HIGH, 912,
    "A daemon waits for a special packet (telnetenable, knock, magic packet) and then opens "
    "a console. The owner cannot see or disable such an entry point.",
    "Remove the daemon; remote consoles must be documented, authenticated and switchable.",
    ("https://openwrt.org/toh/netgear/telnet.console",),
)
SPY415 = FindingSpec(
    "SPY415", "Shell listener on a fixed non-standard port at boot", Severity.HIGH, 912,
    "A boot script or inetd entry starts telnetd on a port other than 23, a netcat/socat "
    "listener that executes a shell, or a shell as an inetd service.",
    "Remove the listener from the boot scripts.",
    ("https://cwe.mitre.org/data/definitions/912.html",),
)
SPY416 = FindingSpec(
    "SPY416", "Manufacturing or debug mode enabled in configuration", Severity.MEDIUM, 489,
    "A default configuration (nvram defaults, UCI, .conf/.cfg) enables a manufacturing, "
    "factory, engineering or debug mode, or turns telnet on. Such modes often open extra "
    "services and skip authentication.",
    "Ship production defaults with test, manufacturing and debug modes off.",
    ("https://cwe.mitre.org/data/definitions/489.html",),
)
SPY417 = FindingSpec(
    "SPY417", "Boot loader can be interrupted on the serial console", Severity.LOW, 1191,
    "A U-Boot environment has a boot delay and a serial console and no stop key or "
    "password: anyone with physical access gets the boot loader prompt and can boot a "
    "shell.",
    "Set bootdelay to -2 (or 0 with a bootstopkey/bootstopkeysha256) in production.",
    ("https://cwe.mitre.org/data/definitions/1191.html",),
)
