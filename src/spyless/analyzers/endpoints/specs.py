"""Finding ids of the static endpoint analysis (SPY501-SPY519)."""

from __future__ import annotations

from spyless.model.findings import FindingSpec, Severity

SPY501 = FindingSpec(
    "SPY501", "Update, telemetry or management channel over plain text", Severity.MEDIUM, 319,
    "An endpoint used for firmware updates, telemetry, cloud or remote management is "
    "reached with http://, ftp://, tftp:// or mqtt:// without TLS: anyone on the path can "
    "read what the device sends and, for updates, replace what it installs.",
    "Use TLS (https://, mqtts://) with certificate validation, and sign update images.",
    ("https://cwe.mitre.org/data/definitions/319.html",),
)
SPY502 = FindingSpec(
    "SPY502", "Hardcoded call-home destination in a boot or cron script", Severity.MEDIUM, 359,
    "A script that runs at boot or from cron contacts a fixed destination (wget/curl/nc, or "
    "a configured URL). The device talks to this party without the owner asking it to.",
    "Declare the destination and what is sent in the agreement, make it opt-in, or remove it.",
    ("https://cwe.mitre.org/data/definitions/359.html",),
)
SPY503 = FindingSpec(
    "SPY503", "Hardcoded public IP address", Severity.LOW, 547,
    "A public IP address is compiled into a binary or written in a script or configuration. "
    "Fixed addresses bypass DNS, cannot be changed by the operator and often mark a "
    "default server, a test leftover or a call-home.",
    "Use configurable host names, or document the address and its purpose.",
    ("https://cwe.mitre.org/data/definitions/547.html",),
)
SPY504 = FindingSpec(
    "SPY504", "Remote management or telemetry channel present", Severity.LOW, 200,
    "The image is built to talk to a remote-management, logging, telemetry, cloud, "
    "dynamic-DNS, time or name service (TR-069 ACS, remote syslog, SNMP traps, MQTT, NTP, "
    "DNS, DDNS, vendor cloud). Each is a destination the device contacts; the agreement "
    "should declare it.",
    "List the channel in the agreement's endpoints, or disable it by default.",
    ("https://www.broadband-forum.org/technical/download/TR-069.pdf",),
)
SPY505 = FindingSpec(
    "SPY505", "E-mail address in the image", Severity.INFO, 200,
    "An e-mail address is present (author, support or report address). Mostly harmless, "
    "but a device that sends mail to it would leak data.",
    "Check whether anything on the device sends mail to the address.",
)

SPECS = (SPY501, SPY502, SPY503, SPY504, SPY505)
