"""Finding ids of the declared-versus-found comparisons, and the agreement's own rules.

The comparisons (``compare.py``) judge facts against the agreement, so they are findings
like any other (ids in each family's range reserved for the agreement: x90-x99) and can be
waived, baselined and shown in every report format. Evidence taken from the agreement
text itself (no SBOM, a support period that ended) uses the ``agreement:*`` rules.
"""

from __future__ import annotations

from spyless.model.findings import FindingSpec, Severity

_DECLARE = "Declare it in the agreement (see docs/agreement.md), or remove it from the image."
_FIX_DECLARATION = "Correct the agreement, or find out why the image lacks it."

SPY190 = FindingSpec(
    "SPY190", "Login-capable account not declared in the agreement", Severity.MEDIUM, 912,
    "An account that can log in (a login shell and a password or no password) is not listed "
    "under [[accounts]] of the agreement. Undeclared login accounts are how vendor and "
    "support backdoors are shipped.", _DECLARE)
SPY191 = FindingSpec(
    "SPY191", "Declared account not found in the image", Severity.LOW, None,
    "The agreement declares an account that no account database of the image contains: the "
    "declaration does not describe this image.", _FIX_DECLARATION)
SPY390 = FindingSpec(
    "SPY390", "Listening service not declared in the agreement", Severity.MEDIUM, 1188,
    "A service started at boot listens on the network (or a serial line) but no [[services]] "
    "entry of the agreement declares it with this binary, port, bind address and "
    "authentication.", _DECLARE)
SPY391 = FindingSpec(
    "SPY391", "Declared service not found in the image", Severity.LOW, None,
    "The agreement declares a service that nothing in the image starts at boot.",
    _FIX_DECLARATION)
SPY392 = FindingSpec(
    "SPY392", "Declared management or telemetry channel not found in the image", Severity.LOW,
    None, "The agreement declares a channel whose hosts or category match no endpoint and no "
    "service found in the image.", _FIX_DECLARATION)
SPY394 = FindingSpec(
    "SPY394", "Packet capture started at boot", Severity.HIGH, 200,
    "A packet-capture or traffic-mirroring program (tcpdump, tshark, dumpcap, ...) is "
    "started at boot: the device records its users' traffic by default.",
    "Do not capture traffic by default; if a diagnostic capture is needed, declare it and "
    "let the operator start it.")
SPY395 = FindingSpec(
    "SPY395", "Legacy cleartext protocol service started at boot", Severity.MEDIUM, 319,
    "A telnet, FTP or TFTP server, an r-service (rsh, rlogin, rexec), finger, identd, a "
    "small inetd server (echo, chargen, daytime, discard) or a BOOTP server is started at "
    "boot. (Telnet, FTP and TFTP are reported here only when the services analyzer has not "
    "reported them already.)",
    "Remove the service; use SSH for remote access.")
SPY396 = FindingSpec(
    "SPY396", "Web or UPnP server runs as root", Severity.MEDIUM, 250,
    "The web management or UPnP server, the most exposed parsers on a router, run as root: "
    "any memory-safety bug in them gives full control of the device.",
    "Start the server as an unprivileged user (start-stop-daemon -c, the server's own user "
    "option) and give it only the capabilities it needs.")
SPY590 = FindingSpec(
    "SPY590", "Endpoint not declared in the agreement", Severity.MEDIUM, 359,
    "A URL, host name or public IP address that a configuration file or script of the image "
    "uses is not matched by any [[endpoints]] entry of the agreement.", _DECLARE)
SPY591 = FindingSpec(
    "SPY591", "Declared endpoint not found in the image", Severity.LOW, None,
    "The agreement declares an endpoint that matches nothing in the image (and nothing in "
    "the traffic capture, when one was given).", _FIX_DECLARATION)
SPY690 = FindingSpec(
    "SPY690", "Component missing from the vendor SBOM", Severity.LOW, 1104,
    "A component found in the image is not in the vendor's SBOM, or is there with another "
    "version.", "Regenerate the SBOM from the build that produced this image.")
SPY691 = FindingSpec(
    "SPY691", "SBOM component not found in the image", Severity.INFO, None,
    "A component of the vendor's SBOM was not identified in the image. spyless identifies "
    "a limited set of products, so this is information, not a contradiction.",
    "Check that the SBOM belongs to this image.")
SPY693 = FindingSpec(
    "SPY693", "Critical vulnerability not declared with remediation", Severity.HIGH, 1395,
    "A component has a known critical vulnerability that the agreement's [[vulnerabilities]] "
    "does not declare with its status and remediation.",
    "Update the component, or declare the vulnerability with its remediation.")
SPY694 = FindingSpec(
    "SPY694", "Packet-capture tool or library in the image", Severity.LOW, 200,
    "A packet-capture tool or library (tcpdump, libpcap, tshark) ships in the image; "
    "whether it is used is not known.", "Remove it from production images, or declare it.")
SPY695 = FindingSpec(
    "SPY695", "Debugger, tracer or compiler in the image", Severity.MEDIUM, 489,
    "gdb, gdbserver, strace, ltrace or a compiler ships in the image.",
    "Remove development tools from production images.")

SPECS: tuple[FindingSpec, ...] = (SPY190, SPY191, SPY390, SPY391, SPY392, SPY394, SPY395,
                                  SPY396, SPY590, SPY591, SPY690, SPY691, SPY693, SPY694,
                                  SPY695)

#: Rules whose evidence is the agreement itself: name -> (title, severity).
AGREEMENT_RULES: dict[str, tuple[str, Severity]] = {
    "agreement:no-sbom": ("No vendor SBOM is supplied", Severity.MEDIUM),
    "agreement:support-ended": ("The declared support period has ended", Severity.HIGH),
    "agreement:channel-terms": ("A declared channel is not operator-controllable or not "
                                "mutually authenticated", Severity.MEDIUM),
    "agreement:telemetry-undescribed": ("A telemetry channel does not say what it sends, to "
                                        "whom and why", Severity.MEDIUM),
    "agreement:undeclared-change": ("A security-relevant change since the previous release is "
                                    "not in the release notes", Severity.MEDIUM),
}
