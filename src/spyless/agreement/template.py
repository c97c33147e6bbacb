"""The commented agreement template that ``spyless agreement init`` writes.

Every section of the schema appears, with an example; the waiver's expiry is set 90 days
after the day it is written so that a fresh template validates and its waiver is live.
A test checks that the template validates and names every section of ``schema.SCHEMA``.
"""

from __future__ import annotations

import datetime as dt

_TEMPLATE = """\
# spyless agreement: what the vendor declares about this firmware, and which clauses of
# the no-spy, no-backdoors standard are in force. Reference: docs/agreement.md.
# Check it with `spyless agreement validate FILE`; use it with
# `spyless check IMAGE --agreement FILE`.

schema_version = "1"
name = "ACME R1 router: no-spy, no-backdoors agreement"
# "baseline": every clause of the built-in standard is in force unless switched off
# below; "none": only the clauses listed under [clauses] are.
extends = "baseline"

# Who signs.
[[parties]]
name = "ACME Networks Ltd."
role = "vendor"                # vendor, operator, lab, government, other
contact = "security@acme.example"

[[parties]]
name = "Example Telecom"
role = "operator"

# What the agreement covers.
[[products]]
name = "ACME R1"
versions = ["2.4.0"]
hardware = ["rev B"]
# images = ["<sha256 of the firmware image>"]

# Every account that can log in (NB-1, TR-1). Accounts found in the image that can log
# in and are not listed here fail NB-1 and TR-1; listed accounts not found fail TR-1.
[[accounts]]
name = "root"
uid = 0
authentication = "key"         # password, key, password+key, none, locked
purpose = "administration over SSH with the operator's key"

# Every service started at boot that listens (NB-5, TR-1): binary, port, bind address
# and authentication must match what the image starts.
[[services]]
name = "dropbear"
binary = "/usr/sbin/dropbear"
port = 22
protocol = "tcp"               # tcp, udp, serial
bind = "0.0.0.0"
authentication = "key"         # none, password, key, password+key
purpose = "SSH administration"

[[services]]
name = "uhttpd"
binary = "/usr/sbin/uhttpd"
port = 443
protocol = "tcp"
authentication = "password"
purpose = "web administration (LAN only)"

# Every destination the device may contact, with its purpose (NS-1, NS-2, TR-1).
# host: a name, a wildcard "*.vendor.example" (names below it), an address or a CIDR
# network. ports: empty means any. `spyless traffic` reads the same list.
[[endpoints]]
host = "update.acme.example"
ports = [443]
purpose = "firmware update check"
category = "update"

[[endpoints]]
host = "*.pool.ntp.org"
ports = [123]
purpose = "time synchronisation"
category = "ntp"

[network]
dns_resolvers = ["192.0.2.53"]
ntp_servers = ["0.pool.ntp.org"]

# Remote-management and telemetry channels (NS-4, TR-7). Management must be
# operator-controllable and mutually authenticated; telemetry says what, to whom, why.
[[channels]]
name = "TR-069 auto-configuration"
kind = "management"            # management, telemetry
category = "tr069"
hosts = ["acs.telecom.example"]
operator_controllable = true
mutual_authentication = true
purpose = "the operator's ACS configures the device"

[[channels]]
name = "crash reports"
kind = "telemetry"
category = "telemetry"
hosts = ["crash.acme.example"]
operator_controllable = true
data = "kernel crash dumps without user data"
recipient = "ACME Networks Ltd."
purpose = "fixing crashes"

# Radios and physical interfaces (NB-7, TR-1).
[[interfaces]]
kind = "wlan"                  # wlan, bluetooth, cellular, zigbee, thread, nfc, uart,
state = "enabled"              # jtag, usb, ethernet, sd, other; enabled, disabled,
description = "2.4/5 GHz AP"   # authenticated

[[interfaces]]
kind = "uart"
state = "disabled"
description = "serial console pads, no shell in production builds"

# The vendor SBOM (TR-2): a CycloneDX or SPDX JSON file next to this agreement ...
# [sbom]
# file = "acme-r1-2.4.0.cdx.json"
# ... or the components inline:
[[components]]
name = "busybox"
version = "1.36.1"
purl = "pkg:generic/busybox@1.36.1"

[[components]]
name = "dropbear"
version = "2022.83"

# Known critical vulnerabilities and what was done about them (SE-1).
[[vulnerabilities]]
id = "CVE-2022-48174"
status = "mitigated"           # fixed, mitigated, not-affected, accepted
remediation = "ash arithmetic is not reachable from any network input; fixed in 2.5.0"

# Security-update period (TR-4, declaration).
[support]
until = 2030-12-31
# years = 5

# Vulnerability reporting (TR-3, declaration).
[vulnerability_disclosure]
contact = "security@acme.example"
policy = "https://acme.example/security/disclosure"
response_days = 5

# Legal obligations (TR-8, declaration only: spyless records declared / not declared).
[legal]
statement = "ACME is under no legal obligation to give any state access to devices or data."
obligations = []

# Security-relevant changes since the previous release (TR-5, with --baseline).
[release_notes]
version = "2.4.0"
previous = "2.3.2"

[[release_notes.changes]]
kind = "service"               # account, service, endpoint, key, component
change = "added"               # added, removed, changed
item = "uhttpd"
description = "web administration moved from HTTP to HTTPS"

# Clauses in force and how strictly. severity: the lowest finding severity that fails
# the clause (critical, high, medium, low, info); confidence: the lowest confidence that
# counts. Switching a clause off needs a reason and is shown in every report.
[clauses.SE-5]
severity = "medium"
reason = "binaries without PIE or RELRO are accepted until the 2.5 toolchain upgrade"

# [clauses.SE-9]
# enabled = false
# reason = "logging is evaluated by the lab separately"

# Waivers accept findings for a while: by finding id (or clause), optionally limited to
# paths; after `expires` the waiver covers nothing and its findings fail again.
[[waivers]]
finding = "SPY104"
path = "/etc/shadow"
reason = "md5crypt kept for the 2.4 migration; sha512crypt from 2.5"
approver = "Jane Doe, Example Telecom"
expires = {expires}
"""


def template_text(today: dt.date | None = None) -> str:
    expires = (today or dt.date.today()) + dt.timedelta(days=90)
    return _TEMPLATE.replace("{expires}", expires.isoformat())
