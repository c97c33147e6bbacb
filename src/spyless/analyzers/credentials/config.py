"""Credentials in configuration files: vendor defaults, UCI, XML, key=value, service files.

Owns :class:`ConfigCredentials`, which picks the parser for a file from its path and
content: OpenWrt UCI (``/etc/config/*``), XML defaults and TR-069 data models
(``<AdminPassword>``, ``X_..._Password``), key=value files (NVRAM defaults whose records
are separated by newlines or NULs, ``default.cfg``, ``/etc/default/*``, hostapd,
wpa_supplicant, INI, JSON and YAML), and the service files of :mod:`.authfiles`.
Scripts are left to :mod:`.scripts`; passwd/shadow to the accounts analyzers.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from typing import ClassVar

from spyless.analyzers.credentials import authfiles
from spyless.analyzers.credentials.specs import (
    SPY120,
    SPY121,
    SPY122,
    SPY123,
    SPY124,
    SPY125,
    Hit,
    report_all,
)
from spyless.analyzers.credentials.tokens import scan_text
from spyless.analyzers.credentials.values import (
    MAY_NAME_SECRET,
    classify_key,
    is_account_database,
    is_documentation_or_test,
    is_placeholder,
    key_words,
    user_key_for,
)
from spyless.analyzers.interface import FileAnalyzer, FileInput, Output
from spyless.model.findings import Confidence
from spyless.unpack.interface import Artifact, ArtifactKind

_MAX_TEXT = 2 << 20
_CONFIG_DIRS = ("/etc/", "/usr/etc/", "/usr/local/etc/", "/var/", "/defaults/", "/default/",
                "/config/", "/conf/", "/nvram/", "/data/", "/mnt/", "/opt/")
_CONFIG_SUFFIXES = (".conf", ".cfg", ".config", ".ini", ".xml", ".json", ".yaml", ".yml",
                    ".properties", ".env", ".default", ".defaults", ".txt", ".dat", ".bin",
                    "-secrets")
_UCI_LINE = re.compile(r"^\s*(config|option|list)\s+(\S+)(?:\s+(.*?))?\s*$")
_KEY_VALUE = re.compile(
    r"""^\s*(?:export\s+|set\s+)?(?P<quote>["']?)(?P<key>[A-Za-z_][\w.\-\[\]@:]*?)["']?\s*
        (?P<sep>=|:(?=\s|["']))\s*(?P<value>.*?)\s*,?\s*$""", re.VERBOSE)
_JSON_PAIR = re.compile(r'"([A-Za-z_][\w.-]{0,60})"\s*:\s*"([^"\\]{0,256})"')
_XML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_XML_ELEMENT = re.compile(
    r"<(?P<tag>[A-Za-z_][\w.:-]{0,80})(?P<attrs>\s[^<>]{0,400}?)?\s*(?:/>|>(?P<text>[^<]{0,256})"
    r"</(?P=tag)\s*>)")
_XML_ATTR = re.compile(
    r"""\b(?P<name>[A-Za-z_][\w.:-]{0,80})\s*=\s*"""
    r"""(?:(?P<q>["'])(?P<value>[^"'<>]{0,256})(?P=q)|(?P<bare>[^\s"'<>/=]{1,256}))""")
_XML_USER_TAG = re.compile(r"(?:^|[_:.])?(?:User|Username|UserName|Login|LoginName|AdminName|"
                           r"UserID|Account)$", re.IGNORECASE)
_SERVICE_WORDS = {
    "http": "web", "https": "web", "httpd": "web", "web": "web", "admin": "web", "ui": "web",
    "login": "web", "ppp": "ppp", "pppoe": "ppp", "pptp": "ppp", "l2tp": "ppp", "wl": "wifi",
    "wlan": "wifi", "wifi": "wifi", "wpa": "wifi", "ftp": "ftp", "smb": "smb", "samba": "smb",
    "ddns": "ddns", "dyndns": "ddns", "noip": "ddns", "tr069": "tr069", "cwmp": "tr069",
    "acs": "tr069", "telnet": "telnet", "ssh": "ssh", "snmp": "snmp", "mqtt": "mqtt",
    "sip": "sip", "voip": "sip", "radius": "radius", "smtp": "mail", "mail": "mail",
}


def service_of(key: str, kind: str) -> str | None:
    if kind == "wifi-psk":
        return "wifi"
    if kind == "snmp-community":
        return "snmp"
    for word in key_words(key):
        service = _SERVICE_WORDS.get(word.rstrip("0123456789"))
        if service is not None:
            return service
    return None


def unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return re.split(r"\s+[#;]", value, maxsplit=1)[0]


def parse_uci(text: str) -> Iterator[Hit]:
    """OpenWrt UCI: ``config <type> ['name']`` sections of ``option <key> '<value>'``."""
    section = ""
    options: dict[str, str] = {}
    pending: list[tuple[int, str, str, str]] = []

    def flush() -> Iterator[Hit]:
        for offset, line, key, value in pending:
            kind = classify_key(key, section)
            if kind is None or kind == "token" or is_placeholder(value) or value.startswith("/"):
                continue
            user = next((options[k] for k in ("username", "user", "login") if k in options),
                        None)
            writable = kind == "snmp-community" and "rw" in (options.get("secname", "")
                                                            + options.get("access", "")).lower()
            yield Hit(kind, value, offset, line, f"{section}.{key}", username=user,
                      service=service_of(section + "_" + key, kind), writable=writable)

    for offset, line in authfiles.lines(text):
        match = _UCI_LINE.match(line)
        if match is None:
            continue
        keyword, key, rest = match.group(1), match.group(2), unquote(match.group(3) or "")
        if keyword == "config":
            yield from flush()
            section, options, pending = unquote(key), {}, []
            continue
        options[key] = rest
        pending.append((offset, line, key, rest))
    yield from flush()


def parse_xml(text: str) -> Iterator[Hit]:
    """Elements and attributes named like secrets, outside ``<!-- -->`` comments."""
    clean = _XML_COMMENT.sub(lambda m: " " * len(m.group()), text)
    last_user: tuple[int, str] | None = None
    for match in _XML_ELEMENT.finditer(clean):
        tag, attrs, body = match.group("tag"), match.group("attrs") or "", match.group("text")
        candidates: list[tuple[str, str]] = []
        attr_values = {a.group("name"): a.group("value") if a.group("q") else a.group("bare")
                       for a in _XML_ATTR.finditer(attrs)}
        if body is not None and body.strip():
            candidates.append((tag, body.strip()))
        else:
            value = attr_values.get("val", attr_values.get("value"))
            if value is not None:
                candidates.append((tag, value))
        candidates.extend((name, value) for name, value in attr_values.items()
                          if name not in {"val", "value"})
        owner = next((attr_values[a] for a in ("user", "username", "name", "login")
                      if attr_values.get(a)), None)
        for name, value in candidates:
            local = name.rsplit(":", 1)[-1]
            if _XML_USER_TAG.search(local) and not is_placeholder(value):
                last_user = (match.start(), value)
                continue
            kind = classify_key(local)
            if kind is None or kind == "token" or is_placeholder(value):
                continue
            user = owner or (last_user[1] if last_user and match.start() - last_user[0] < 600
                             else None)
            if kind != "password":
                user = None
            snippet = text[match.start():match.end()]
            yield Hit(kind, value, match.start(), snippet, local, username=user,
                      service=service_of(local, kind))


def parse_key_values(text: str, confidence: Confidence, colons: bool = False) -> Iterator[Hit]:
    """``key=value`` records (NVRAM, INI, hostapd, shell-style defaults); ``key: value`` too
    in JSON and YAML (``colons``) or with a quoted key (elsewhere ``passwd: compat`` is a
    name-service switch line, not a password)."""
    records: list[tuple[int, str, str, str]] = []
    for offset, line in authfiles.lines(text):
        if MAY_NAME_SECRET.search(line) is None:
            continue
        if colons:
            records.extend((offset + pair.start(), line, pair.group(1), pair.group(2))
                           for pair in _JSON_PAIR.finditer(line))
            if records and records[-1][1] is line:
                continue
        match = _KEY_VALUE.match(line)
        if match is not None and (match.group("sep") == "=" or colons or match.group("quote")):
            records.append((offset, line, match.group("key"), unquote(match.group("value"))))
    values = {key: value for _, _, key, value in records}
    for offset, line, key, value in records:
        kind = classify_key(key)
        if kind is None or kind == "token" or is_placeholder(value) or value.startswith("/"):
            continue
        user = next((values[k] for k in user_key_for(key) if values.get(k)), None)
        yield Hit(kind, value, offset, line, key, username=user if user and not
                  is_placeholder(user) else None, service=service_of(key, kind),
                  confidence=confidence)


def is_script_like(artifact: Artifact, fs_path: str) -> bool:
    """Files :class:`ScriptCredentials` reads; this analyzer leaves them alone."""
    return artifact.kind is ArtifactKind.SCRIPT or fs_path.startswith(
        ("/etc/init.d/", "/etc/rc.d/", "/etc/rc.local", "/etc/hotplug.d/", "/etc/uci-defaults/",
         "/lib/functions", "/etc/profile", "/etc/ppp/ip-")) or fs_path.endswith(
        (".sh", ".cgi"))


def parse_config(path: str, text: str) -> Iterator[Hit]:
    """Choose the parser(s) for one configuration file."""
    name = posixpath.basename(path).lower()
    if authfiles.is_htpasswd_name(path):
        yield from authfiles.parse_htpasswd(text)
        return
    if authfiles.is_lighttpd_plain_name(path):
        yield from authfiles.parse_htpasswd(text, plaintext=True)
        return
    if name in {"chap-secrets", "pap-secrets"}:
        yield from authfiles.parse_ppp_secrets(text)
        return
    if authfiles.is_busybox_httpd_conf(path):
        yield from authfiles.parse_busybox_httpd(text)
    yield from authfiles.parse_snmp(text)
    if "/config/" in path and re.search(r"^\s*config\s+\S", text, re.MULTILINE):
        yield from parse_uci(text)
    elif name.endswith(".xml") or text.lstrip().startswith("<"):
        yield from parse_xml(text)
    else:
        strong = path.startswith("/etc/") or any(w in name for w in (
            "default", "nvram", "hostapd", "wpa_supplicant", ".cfg", ".conf"))
        yield from parse_key_values(text, Confidence.HIGH if strong else Confidence.MEDIUM,
                                    colons=name.endswith((".json", ".yaml", ".yml")))


class ConfigCredentials(FileAnalyzer):
    name = "config-credentials"
    description = ("Default and hardcoded passwords, SNMP communities and Wi-Fi passphrases in "
                   "vendor configuration: NVRAM defaults, UCI, XML/TR-069, key=value files, "
                   "htpasswd, BusyBox httpd.conf, PPP secrets, snmpd.conf.")
    findings = (SPY120, SPY121, SPY122, SPY123, SPY124, SPY125)
    references: ClassVar[tuple[str, ...]] = (
        "https://openwrt.org/docs/guide-user/base-system/uci",
        "https://w1.fi/cgit/hostap/plain/hostapd/hostapd.conf",
        "https://busybox.net/downloads/BusyBox.html#httpd",
    )
    kinds = frozenset({ArtifactKind.TEXT, ArtifactKind.DATA})
    max_size = _MAX_TEXT

    def applies(self, artifact: Artifact, fs_path: str) -> bool:
        if not super().applies(artifact, fs_path) or is_script_like(artifact, fs_path):
            return False
        if is_documentation_or_test(fs_path) or is_account_database(fs_path):
            return False
        lowered = fs_path.lower()
        name = posixpath.basename(lowered)
        configish = (lowered.endswith(_CONFIG_SUFFIXES) or "default" in name
                     or "nvram" in name or "secret" in name or "htpasswd" in name)
        if artifact.kind is ArtifactKind.DATA:
            return "nvram" in name or "default" in name or name.endswith((".cfg", ".conf"))
        return configish or lowered.startswith(_CONFIG_DIRS)

    def analyze(self, file: FileInput, out: Output) -> None:
        text = file.text()
        hits = list(parse_config(file.fs_path, text))
        if hits:
            tokens = [hit.secret for hit in scan_text(text, generic=False)]
            report_all(out, file, hits, text, tokens)
