"""Credentials in configuration files: exact facts and findings, and what must stay silent."""

from __future__ import annotations

import pytest

from spyless.analyzers.credentials.config import ConfigCredentials
from spyless.analyzers.interface import Output
from spyless.model.facts import Credential
from spyless.unpack.interface import Artifact, ArtifactKind
from tests.analyzers_helpers import run_file_analyzer


def _run(text: str | bytes, path: str, kind: ArtifactKind = ArtifactKind.TEXT) -> Output:
    data = text.encode() if isinstance(text, str) else text
    return run_file_analyzer(ConfigCredentials(), data, path, kind)


def _summary(out: Output) -> list[tuple[str, str, str, str | None, int | None]]:
    """(finding id, severity, secret, username, line) for every finding."""
    rows = []
    for finding, fact in zip(out.findings, out.facts, strict=True):
        assert isinstance(fact, Credential)
        assert finding.evidence[0].secret == fact.secret
        assert fact.secret in finding.evidence[0].excerpt
        rows.append((finding.id, finding.severity.value, fact.secret, fact.username,
                     finding.evidence[0].location.line))
    return rows


def test_uci_wireless_key_is_a_wifi_psk() -> None:
    out = _run("config wifi-iface 'default_radio0'\n\toption device 'radio0'\n"
               "\toption encryption 'psk2'\n\toption key 'Welcome2024!'\n"
               "\t# option key 'commented'\nconfig wifi-iface\n\toption key '$KEY'\n",
               "/etc/config/wireless")
    assert _summary(out) == [("SPY125", "high", "Welcome2024!", None, 4)]
    fact = out.facts[0]
    assert isinstance(fact, Credential)
    assert (fact.kind, fact.context, fact.service) == ("wifi-psk", "wifi-iface.key", "wifi")
    assert fact.location.path == "/etc/config/wireless"


def test_uci_snmpd_communities_read_and_write() -> None:
    out = _run("config com2sec public\n\toption secname ro\n\toption source default\n"
               "\toption community public\n"
               "config com2sec private\n\toption secname rw\n\toption community private\n",
               "/etc/config/snmpd")
    assert _summary(out) == [("SPY123", "high", "public", None, 4),
                             ("SPY123", "critical", "private", None, 7)]


def test_uci_login_pairs_user_and_skips_system_password_reference() -> None:
    text = ("config login\n\toption username 'root'\n\toption password '$p$root'\n"
            "config login\n\toption username 'admin'\n\toption password 'admin'\n")
    out = _run(text, "/etc/config/rpcd")
    assert _summary(out) == [("SPY120", "critical", "admin", "admin", 6)]
    assert out.findings[0].evidence[0].location.offset == text.index("\toption password 'admin'")


def test_nvram_defaults_text_and_nul_separated() -> None:
    out = _run("http_username=admin\nhttp_passwd=admin\nwl0_wpa_psk=12345678\npppoe_passwd=\n"
               "http_passwd_enable=1\nwl0_ssid=vendor\n", "/etc/nvram.default")
    assert _summary(out) == [("SPY120", "critical", "admin", "admin", 2),
                             ("SPY125", "high", "12345678", None, 3)]
    blob = _run(b"http_username=admin\x00http_passwd=Zx9!kq\x00wl0_wpa_psk=\x00\xff\xff",
                "/etc/nvram.default", ArtifactKind.DATA)
    assert _summary(blob) == [("SPY121", "high", "Zx9!kq", "admin", 1)]
    assert blob.findings[0].evidence[0].location.offset == 20


def test_xml_defaults_and_tr069_skip_comments_and_masks() -> None:
    out = _run('<?xml version="1.0"?>\n<Config>\n'
               " <!-- <AdminPassword>old</AdminPassword> -->\n"
               " <UserName>admin</UserName>\n <AdminPassword>s3cr3t99</AdminPassword>\n"
               " <WPAPSK>wifipass123</WPAPSK>\n"
               ' <X_TP_Password val="tr069pw" />\n'
               " <Password></Password>\n <Password>********</Password>\n"
               ' <user name="guest" password="guest"/>\n</Config>\n', "/etc/default_config.xml")
    assert _summary(out) == [("SPY121", "high", "s3cr3t99", "admin", 5),
                             ("SPY125", "high", "wifipass123", None, 6),
                             ("SPY121", "high", "tr069pw", "admin", 7),
                             ("SPY120", "critical", "guest", "guest", 10)]


def test_snmpd_conf_directives() -> None:
    out = _run("rocommunity public\nrwcommunity private 10.0.0.0/8\n#rwcommunity secret\n"
               "com2sec readwrite default Zq8xVendor\nrocommunity $COMMUNITY\n",
               "/etc/snmp/snmpd.conf")
    assert _summary(out) == [("SPY123", "high", "public", None, 1),
                             ("SPY123", "critical", "private", None, 2),
                             ("SPY124", "high", "Zq8xVendor", None, 4)]


def test_hostapd_and_wpa_supplicant() -> None:
    hostapd = _run("ssid=Vendor\nwpa=2\nwpa_passphrase=VendorWifi2020\nwpa_key_mgmt=WPA-PSK\n"
                   "wpa_psk_file=/etc/hostapd.psk\n#wpa_passphrase=old\n", "/etc/hostapd.conf")
    assert _summary(hostapd) == [("SPY125", "high", "VendorWifi2020", None, 3)]
    supplicant = _run('network={\n\tssid="home"\n\tpsk="supplicant-pw"\n}\n',
                      "/etc/wpa_supplicant.conf")
    assert _summary(supplicant) == [("SPY125", "high", "supplicant-pw", None, 3)]


def test_busybox_httpd_conf_htpasswd_and_plain_user_files() -> None:
    httpd = _run("A:*\n/cgi-bin:admin:admin\n/adm:root:$1$abc$abcdefghijklmnopqrstuv\n"
                 ".cgi:/bin/sh\n", "/etc/httpd.conf")
    assert _summary(httpd) == [("SPY120", "critical", "admin", "admin", 2),
                               ("SPY122", "medium", "$1$abc$abcdefghijklmnopqrstuv", "root", 3)]
    htpasswd = _run("admin:$apr1$xyz$abcdefghijklmnopqrstu/\n", "/www/.htpasswd")
    assert _summary(htpasswd) == [("SPY122", "medium", "$apr1$xyz$abcdefghijklmnopqrstu/",
                                   "admin", 1)]
    assert [f.kind for f in htpasswd.facts if isinstance(f, Credential)] == ["htpasswd"]
    plain = _run("admin:vendor123\n", "/etc/lighttpd/lighttpd.user")
    assert _summary(plain) == [("SPY121", "high", "vendor123", "admin", 1)]


def test_ppp_secrets_json_and_etc_default() -> None:
    chap = _run('# client server secret IP addresses\n"isp" * "isp-pass" *\n',
                "/etc/ppp/chap-secrets")
    assert _summary(chap) == [("SPY121", "high", "isp-pass", "isp", 2)]
    json_out = _run('{"admin": {"username": "admin", "password": "1234"}}\n',
                    "/etc/app/config.json")
    assert _summary(json_out) == [("SPY120", "critical", "1234", "admin", 1)]
    default = _run("PASSWORD=vendorpw\nTELNET_ENABLE=1\n", "/etc/default/telnet")
    assert _summary(default) == [("SPY121", "high", "vendorpw", None, 1)]


@pytest.mark.parametrize(("path", "text"), [
    ("/etc/nsswitch.conf", "passwd: compat\ngroup: compat\nshadow: files\n"),
    ("/etc/login.defs", "PASS_MAX_DAYS 99999\nMIN_PASSWORD_LENGTH=8\npassword_hint=your pet\n"
                        "password=%s\npassword=<password>\npassword=${PW}\npassword=\n"),
    ("/etc/vsftpd.conf", "# password=hunter2\n; secret=abc\n// pwd=xyz\n"
                         "anon_password_required=NO\npasv_enable=YES\n"),
    ("/etc/ath/wsc_config.txt", "NW_KEY=\nUSB_KEY=0\nSSID=WscAtherosAP\n"),
    ("/etc/app.xml", "<!-- <Password>hunter22</Password> -->\n<Password>$PASSWORD</Password>\n"),
])
def test_placeholders_comments_and_settings_stay_silent(path: str, text: str) -> None:
    out = _run(text, path)
    assert out.findings == []
    assert out.facts == []


def _applies(path: str, kind: ArtifactKind = ArtifactKind.TEXT, size: int = 100) -> bool:
    artifact = Artifact(chain=f"img!x@0x0{path}", path=path.lstrip("/"), kind=kind, size=size,
                        sha256="0" * 64, description="test")
    return ConfigCredentials().applies(artifact, path)


def test_applies_to_configs_not_docs_web_pages_scripts_or_account_files() -> None:
    assert _applies("/etc/config/wireless")
    assert _applies("/etc/nvram.default", ArtifactKind.DATA)
    assert _applies("/opt/app/settings.ini")
    assert not _applies("/usr/share/doc/hostapd/hostapd.conf")
    assert not _applies("/usr/lib/python3/site-packages/foo/tests/config.ini")
    assert not _applies("/www/login.html")
    assert not _applies("/www/js/app.js")
    assert not _applies("/etc/shadow")
    assert not _applies("/etc/init.d/rcS", ArtifactKind.SCRIPT)
    assert not _applies("/usr/lib/firmware.bin", ArtifactKind.DATA)


def test_tr069_style_unquoted_attribute_values_and_owner_attribute() -> None:
    out = _run('<DeviceInfo>\n<X_TP_Password val=admin />\n<User name=root Password="t0psecret"/>\n'
               "<LANDevice instance=1 >\n</DeviceInfo>\n", "/etc/default_config.xml")
    assert _summary(out) == [("SPY120", "critical", "admin", None, 2),
                             ("SPY121", "high", "t0psecret", "root", 3)]


def test_uci_file_paths_are_not_secrets() -> None:
    out = _run("config uhttpd 'main'\n\toption key '/etc/uhttpd.key'\n"
               "config wifi-iface\n\toption key '/etc/wifi.psk'\n", "/etc/config/uhttpd")
    assert out.findings == []
