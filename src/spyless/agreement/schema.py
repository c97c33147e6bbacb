"""The agreement file's schema (version "1"), as data: the loader validates against it and
the reference in docs/agreement.md is generated from it, so the two cannot drift.

Each :class:`Field` has a type from :data:`TYPES`; tables and arrays of tables have
children. ``[clauses.<ID>]`` is a table keyed by clause id whose values have the children
of the ``clauses`` field.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Field types and what each accepts (shown in the generated reference).
TYPES: dict[str, str] = {
    "string": "a string",
    "integer": "an integer",
    "boolean": "true or false",
    "date": "a date: TOML date (2027-06-30) or a string \"2027-06-30\"",
    "choice": "one of the listed strings",
    "string-list": "an array of strings",
    "port": "an integer 0-65535",
    "port-list": "an array of integers 0-65535",
    "host": "a host name, a wildcard `*.vendor.example` (any name below it), an IPv4/IPv6 "
            "address or a CIDR network",
    "host-list": "an array of hosts (as `host`)",
    "address-list": "an array of IP addresses or CIDR networks",
    "path": "an absolute path inside the image (`/usr/sbin/telnetd`)",
    "glob": "an fnmatch pattern on the path inside the image (`/etc/*`, `/www/cgi-bin/*.cgi`)",
    "rule": "a finding id (`SPY101`) or an agreement rule (`agreement:no-sbom`)",
    "clause-id": "a clause id of the standard (`NB-2`)",
    "table": "a table",
    "tables": "an array of tables (`[[name]]`)",
    "clause-tables": "tables keyed by clause id (`[clauses.NB-2]`)",
}

SEVERITIES = ("critical", "high", "medium", "low", "info")
CONFIDENCES = ("high", "medium", "low")


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: str
    doc: str
    required: bool = False
    choices: tuple[str, ...] = ()
    children: tuple[Field, ...] = ()
    example: str = ""

    def child(self, name: str) -> Field | None:
        return next((c for c in self.children if c.name == name), None)


def _f(name: str, type_: str, doc: str, *, required: bool = False,
       choices: tuple[str, ...] = (), children: tuple[Field, ...] = (),
       example: str = "") -> Field:
    return Field(name, type_, doc, required, choices, children, example)


SCHEMA: tuple[Field, ...] = (
    _f("schema_version", "choice", "Version of this schema.", required=True, choices=("1",),
       example='"1"'),
    _f("name", "string", "Title of the agreement.", example='"ACME R1 no-spy agreement"'),
    _f("extends", "choice", "`baseline`: every clause of the built-in standard is in force "
       "unless switched off under `[clauses]`; `none`: only the clauses listed under "
       "`[clauses]` are in force.", choices=("baseline", "none"), example='"baseline"'),
    _f("parties", "tables", "Who signs: vendor, operator, evaluation lab, government.",
       children=(
           _f("name", "string", "Name of the party.", required=True),
           _f("role", "choice", "Its role.", required=True,
              choices=("vendor", "operator", "lab", "government", "other")),
           _f("contact", "string", "E-mail or URL."),
       )),
    _f("products", "tables", "Products and firmware versions the agreement covers.",
       children=(
           _f("name", "string", "Product name or model.", required=True),
           _f("versions", "string-list", "Firmware versions covered."),
           _f("hardware", "string-list", "Hardware revisions covered."),
           _f("images", "string-list", "sha256 of the firmware images covered."),
       )),
    _f("accounts", "tables", "Every login-capable account (NB-1, TR-1).", children=(
        _f("name", "string", "User name.", required=True),
        _f("uid", "integer", "User id; when given it must match."),
        _f("login", "boolean", "Whether the account can log in (default true)."),
        _f("authentication", "choice", "How it authenticates.",
           choices=("password", "key", "password+key", "none", "locked")),
        _f("purpose", "string", "Why the account exists."),
    )),
    _f("services", "tables", "Every service started at boot that listens (NB-5, TR-1).",
       children=(
           _f("name", "string", "Service name (usually the program name).", required=True),
           _f("binary", "path", "The program, e.g. `/usr/sbin/dropbear`."),
           _f("port", "port", "Port it listens on."),
           _f("protocol", "choice", "Transport.", choices=("tcp", "udp", "serial")),
           _f("bind", "string", "Bind address (`0.0.0.0`, `127.0.0.1`, `lan`, `wan`, `any`)."),
           _f("authentication", "choice", "How clients authenticate.",
              choices=("none", "password", "key", "password+key")),
           _f("purpose", "string", "Why it runs."),
       )),
    _f("endpoints", "tables", "Every destination the device may contact, with its purpose "
       "(NS-1, NS-2, TR-1). Also read by `spyless traffic`.", children=(
           _f("host", "host", "Host name, wildcard, address or network.", required=True),
           _f("ports", "port-list", "Ports; empty means any."),
           _f("purpose", "string", "Why the device contacts it."),
           _f("category", "string", "Channel category (`ntp`, `dns`, `telemetry`, `tr069`, "
              "`update`, `syslog`, `ddns`, `cloud`, ...)."),
       )),
    _f("network", "table", "Network services the device uses.", children=(
        _f("dns_resolvers", "address-list", "DNS resolvers the device may query (NS-2)."),
        _f("ntp_servers", "host-list", "NTP servers the device may use (NS-2)."),
    )),
    _f("channels", "tables", "Remote-management and telemetry channels (NS-4, TR-7).",
       children=(
           _f("name", "string", "Name of the channel.", required=True),
           _f("kind", "choice", "Management or telemetry.", required=True,
              choices=("management", "telemetry")),
           _f("category", "string", "Endpoint or service category it covers (`tr069`, "
              "`telemetry`, `syslog`, `snmp`, `mqtt`, `ddns`, `cloud`, ...).",
              required=True),
           _f("hosts", "host-list", "Its destinations."),
           _f("operator_controllable", "boolean", "The operator can switch it off or "
              "re-point it (NS-4)."),
           _f("mutual_authentication", "boolean", "Both ends authenticate (NS-4, "
              "management channels)."),
           _f("data", "string", "What is sent (TR-7)."),
           _f("recipient", "string", "To whom (TR-7)."),
           _f("purpose", "string", "Why (TR-7)."),
       )),
    _f("interfaces", "tables", "Radios and physical interfaces (NB-7, TR-1).", children=(
        _f("kind", "choice", "The interface.", required=True,
           choices=("wlan", "bluetooth", "cellular", "zigbee", "thread", "nfc", "uart",
                    "jtag", "usb", "ethernet", "sd", "other")),
        _f("state", "choice", "How it ships.", required=True,
           choices=("enabled", "disabled", "authenticated")),
        _f("description", "string", "What it is for."),
    )),
    _f("sbom", "table", "The vendor's SBOM (TR-2).", children=(
        _f("file", "string", "CycloneDX or SPDX JSON file, relative to the agreement."),
    )),
    _f("components", "tables", "Components, inline, when there is no SBOM file (TR-2).",
       children=(
           _f("name", "string", "Component name.", required=True),
           _f("version", "string", "Version."),
           _f("purl", "string", "Package URL."),
           _f("cpe", "string", "CPE 2.3 name."),
       )),
    _f("vulnerabilities", "tables", "Known critical vulnerabilities with their remediation "
       "(SE-1).", children=(
           _f("id", "string", "CVE or OSV id.", required=True),
           _f("status", "choice", "Its state in this firmware.", required=True,
              choices=("fixed", "mitigated", "not-affected", "accepted")),
           _f("remediation", "string", "What was done or will be done, and when.",
              required=True),
       )),
    _f("support", "table", "Security-update period (TR-4).", children=(
        _f("until", "date", "Last day of security updates."),
        _f("years", "integer", "Years of support from release, when no date is given."),
    )),
    _f("vulnerability_disclosure", "table", "Vulnerability reporting (TR-3).", children=(
        _f("contact", "string", "Where to report (e-mail or URL).", required=True),
        _f("policy", "string", "URL of the disclosure policy with timescales."),
        _f("response_days", "integer", "Days to a first response."),
    )),
    _f("legal", "table", "Legal obligations (TR-8, declaration only).", children=(
        _f("statement", "string", "The vendor's statement: under no legal obligation that "
           "would force state access or disclosure, or which obligations apply."),
        _f("obligations", "string-list", "Obligations that apply, if any."),
    )),
    _f("release_notes", "table", "Security-relevant changes since the previous release "
       "(TR-5).", children=(
           _f("version", "string", "This release."),
           _f("previous", "string", "The release it is compared with."),
           _f("changes", "tables", "Declared changes.", children=(
               _f("kind", "choice", "What changed.", required=True,
                  choices=("account", "service", "endpoint", "key", "component")),
               _f("change", "choice", "How.", required=True,
                  choices=("added", "removed", "changed")),
               _f("item", "string", "Name: account, service, host, key path, component.",
                  required=True),
               _f("description", "string", "Why."),
           )),
       )),
    _f("clauses", "clause-tables", "Clauses in force and how strictly: tighten or relax a "
       "clause's severity threshold, or switch it off with a reason (recorded and shown).",
       children=(
           _f("severity", "choice", "Lowest severity that fails the clause.",
              choices=SEVERITIES),
           _f("confidence", "choice", "Lowest finding confidence that counts.",
              choices=CONFIDENCES),
           _f("enabled", "boolean", "false switches the clause off; needs `reason`."),
           _f("reason", "string", "Why the clause is changed or switched off."),
       )),
    _f("waivers", "tables", "Accepted findings, for a while. Give `finding` or `clause` (or "
       "both); an expired waiver covers nothing and its findings fail.", children=(
           _f("finding", "rule", "Finding id or agreement rule it waives."),
           _f("clause", "clause-id", "Clause it waives."),
           _f("path", "glob", "Only findings at paths matching this pattern."),
           _f("reason", "string", "Why it is accepted.", required=True),
           _f("approver", "string", "Who accepted it.", required=True),
           _f("expires", "date", "Last day it applies.", required=True),
       )),
)

TOP = Field("agreement", "table", "The agreement file.", children=SCHEMA)


def schema_markdown() -> str:
    """The schema reference section of docs/agreement.md."""
    lines = ["## File reference (schema version 1)", "",
             "Every key, generated from `spyless/agreement/schema.py`. Unknown keys are "
             "errors.", ""]
    for field in SCHEMA:
        lines += _field_markdown(field, "")
    lines += ["### Value types", "", "| type | accepts |", "|---|---|"]
    lines += [f"| {name} | {text} |" for name, text in TYPES.items()]
    return "\n".join(lines) + "\n"


def _field_markdown(field: Field, prefix: str) -> list[str]:
    header = {"tables": f"[[{prefix}{field.name}]]", "table": f"[{prefix}{field.name}]",
              "clause-tables": f"[{prefix}{field.name}.<ID>]"}.get(field.type)
    if header is None:
        return []
    lines = [f"### `{header}`", "", field.doc, ""]
    scalars = [c for c in field.children if c.type not in ("table", "tables")]
    if scalars:
        lines += ["| key | type | required | meaning |", "|---|---|---|---|"]
        for child in scalars:
            kind = child.type + (f": {', '.join(f'`{c}`' for c in child.choices)}"
                                 if child.choices else "")
            lines.append(f"| `{child.name}` | {kind} | {'yes' if child.required else ''} | "
                         f"{child.doc} |")
        lines.append("")
    for child in field.children:
        lines += _field_markdown(child, f"{prefix}{field.name}.")
    return lines


def top_level_markdown() -> list[str]:
    lines = ["| key | type | required | meaning |", "|---|---|---|---|"]
    for field in SCHEMA:
        if field.type in ("table", "tables", "clause-tables"):
            continue
        kind = field.type + (f": {', '.join(f'`{c}`' for c in field.choices)}"
                             if field.choices else "")
        lines.append(f"| `{field.name}` | {kind} | {'yes' if field.required else ''} | "
                     f"{field.doc} |")
    return lines
