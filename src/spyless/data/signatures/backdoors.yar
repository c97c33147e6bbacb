// spyless signature pack: publicly documented firmware backdoors and hardcoded access.
//
// Written by the spyless developers from the facts in public advisories (marker strings,
// byte patterns); see shared/corpus/markers/known_backdoor_markers.tsv for the sources.
// Every rule must carry this metadata (tests/unit/analyzers/test_backdoors_rules.py checks):
//   advisory     CVE id or public report
//   reference    URL of the advisory or report
//   severity     critical | high | medium | low
//   description  what a match means
//   verified     how the marker was checked; starts with verified-here | cited | unverified
//   kind         malicious-code | hardcoded-credential | hidden-interface
//   cwe          CWE number
// and a positive and a negative sample in that test. Markers are combined with a context
// string so that a document merely mentioning a marker does not match. Patterns named
// $secret* hold a usable secret: reports mask it unless secrets are shown.

rule dlink_xmlset_user_agent_bypass {
    meta:
        advisory = "CVE-2013-6026"
        reference = "https://nvd.nist.gov/vuln/detail/CVE-2013-6026"
        severity = "critical"
        description = "D-Link/Alpha Networks web server skips authentication for the User-Agent 'xmlset_roodkcableoj28840ybtide'"
        verified = "verified-here"
        kind = "hidden-interface"
        cwe = 912
    strings:
        $marker = "xmlset_roodkcableoj28840ybtide"
        $ua = "User-Agent" nocase
        $ids_rule = "content:" ascii
    condition:
        // An IDS rule set that detects the attack also holds both strings.
        $marker and (uint32(0) == 0x464c457f or ($ua and not $ids_rule))
}

rule alphanetworks_telnetd_image_sign {
    meta:
        advisory = "Alpha Networks OEM telnet account (no single CVE; reported 2013)"
        reference = "https://tweakers.net/nieuws/92897/onderzoeker-ontdekt-nieuwe-achterdeur-in-d-link-firmware.html"
        severity = "critical"
        description = "telnetd started with the fixed account 'Alphanetworks' whose password is the image signature shipped in the firmware"
        verified = "verified-here"
        kind = "hardcoded-credential"
        cwe = 798
    strings:
        $user = "Alphanetworks:" ascii
        $telnetd = "telnetd" ascii
        $sign = "image_sign" ascii
    condition:
        all of them
}

rule huawei_hg532_deviceupgrade_injection {
    meta:
        advisory = "CVE-2017-17215"
        reference = "https://nvd.nist.gov/vuln/detail/CVE-2017-17215"
        severity = "high"
        description = "Huawei HG532 UPnP DeviceUpgrade service (port 37215) whose NewStatusURL/NewDownloadURL reach a shell (Mirai/Satori)"
        verified = "verified-here"
        kind = "hidden-interface"
        cwe = 78
    strings:
        $path = "/ctrlt/DeviceUpgrade_1" ascii
        $arg1 = "NewStatusURL" ascii
        $arg2 = "NewDownloadURL" ascii
    condition:
        $path and 1 of ($arg*)
}

rule tplink_hardcoded_root_hash {
    meta:
        advisory = "TP-Link QCA firmware root account (vendor default, no CVE)"
        reference = "https://cwe.mitre.org/data/definitions/798.html"
        severity = "high"
        description = "root account with TP-Link's fixed md5crypt hash $1$GTN.gpri$DlSyKvZKMR9A9Uj9e9wR3/, the same on every device (its password is public)"
        verified = "verified-here"
        kind = "hardcoded-credential"
        cwe = 798
    strings:
        $entry = "root:$1$GTN.gpri$DlSyKvZKMR9A9Uj9e9wR3/:" ascii
    condition:
        $entry
}

rule tenda_w302r_mfg_daemon {
    meta:
        advisory = "devttys0, From China, With Love (2013)"
        reference = "http://www.devttys0.com/2013/10/from-china-with-love/"
        severity = "critical"
        description = "Tenda manufacturing daemon w302r_mfg: unauthenticated commands (prefix '1w') on UDP port 7329"
        verified = "cited"
        kind = "hidden-interface"
        cwe = 912
    strings:
        $name = "w302r_mfg" ascii fullword
        $path = "/w302r_mfg" ascii
        $port = "7329" ascii fullword
    condition:
        $name and (uint32(0) == 0x464c457f or $path or $port)
}

rule tenda_goform_telnet {
    meta:
        advisory = "CVE-2020-10988"
        reference = "https://nvd.nist.gov/vuln/detail/CVE-2020-10988"
        severity = "critical"
        description = "Tenda httpd route /goform/telnet starts telnetd on request (hardcoded telnet password)"
        verified = "verified-here (strings)"
        kind = "hidden-interface"
        cwe = 912
    strings:
        $route = "/goform/telnet" ascii
        $handler = "TendaTelnet" ascii
        $start = "telnetd &" ascii
    condition:
        $route and ($handler or $start)
}

rule sercomm_tcp32764_backdoor {
    meta:
        advisory = "CVE-2014-0659"
        reference = "https://github.com/elvanderb/TCP-32764"
        severity = "critical"
        description = "Sercomm configuration/command backdoor on TCP port 32764 (magic ScMM/MMcS; knock EtherType 0x8888 with md5('DGN1000'))"
        verified = "cited"
        kind = "hidden-interface"
        cwe = 912
    strings:
        $magic_le = "ScMM" ascii
        $magic_be = "MMcS" ascii
        $port = "32764" ascii fullword
        $knock_hex = "45d1bb339b07a6618b2114dbc0d7783e" ascii nocase
        $knock_raw = { 45 d1 bb 33 9b 07 a6 61 8b 21 14 db c0 d7 78 3e }
        $scfgmgr = "scfgmgr" ascii
    condition:
        uint32(0) == 0x464c457f and
        (($magic_le or $magic_be) and ($port or $scfgmgr) or $knock_hex or $knock_raw)
}

rule netgear_telnetenable_magic_packet {
    meta:
        advisory = "Netgear telnetenable (no CVE; OpenWrt wiki)"
        reference = "https://openwrt.org/toh/netgear/telnet.console"
        severity = "high"
        description = "Netgear telnetenabled daemon: a Blowfish-encrypted magic packet starts a telnet console with a fixed account"
        verified = "cited (credentials); unverified (key string)"
        kind = "hidden-interface"
        cwe = 912
    strings:
        $key = "AMBIT_TELNET_ENABLE+" ascii
        $user = "Gearguy" ascii fullword
        $secret = "Geardog" ascii fullword
    condition:
        $key or ($user and $secret)
}

rule juniper_screenos_master_password {
    meta:
        advisory = "CVE-2015-7755 (JSA10713)"
        reference = "https://nvd.nist.gov/vuln/detail/CVE-2015-7755"
        severity = "critical"
        description = "Juniper ScreenOS authentication backdoor: the master password disguised as a debug format string"
        verified = "cited"
        kind = "malicious-code"
        cwe = 798
    strings:
        $password = "<<< %s(un='%s') = %u" ascii
    condition:
        $password
}

rule fortinet_fortimanager_access {
    meta:
        advisory = "CVE-2016-1909 (FG-IR-16-001)"
        reference = "https://nvd.nist.gov/vuln/detail/CVE-2016-1909"
        severity = "critical"
        description = "FortiOS hidden SSH account Fortimanager_Access with a fixed challenge-response secret"
        verified = "cited"
        kind = "hardcoded-credential"
        cwe = 798
    strings:
        $user = "Fortimanager_Access" ascii
        $secret = "FGTAbc11*xy+Qqz27" ascii
    condition:
        $user and $secret
}

rule fortinet_hardcoded_config_key {
    meta:
        advisory = "CVE-2019-6693 (FG-IR-19-007)"
        reference = "https://nvd.nist.gov/vuln/detail/CVE-2019-6693"
        severity = "medium"
        description = "FortiOS hard-coded key for ENC fields of configuration backups (reported string, not re-checked)"
        verified = "unverified (key string); advisory verified"
        kind = "hardcoded-credential"
        cwe = 321
    strings:
        $secret = "Mary had a little lamb" ascii
        $ctx1 = "FortiGate" ascii nocase
        $ctx2 = "FortiOS" ascii nocase
    condition:
        uint32(0) == 0x464c457f and $secret and 1 of ($ctx*)
}

rule zyxel_zyfwp_account {
    meta:
        advisory = "CVE-2020-29583"
        reference = "https://nvd.nist.gov/vuln/detail/CVE-2020-29583"
        severity = "critical"
        description = "Zyxel ZLD undocumented admin account zyfwp with a fixed password (SSH and web)"
        verified = "cited"
        kind = "hardcoded-credential"
        cwe = 798
    strings:
        $user = "zyfwp" ascii fullword
        $secret = "PrOw!aN_fXp" ascii
    condition:
        $user and $secret
}

rule hikvision_magic_auth_parameter {
    meta:
        advisory = "CVE-2017-7921"
        reference = "https://nvd.nist.gov/vuln/detail/CVE-2017-7921"
        severity = "critical"
        description = "Hikvision magic auth parameter YWRtaW46MTEK (base64 'admin:11') accepted without a session"
        verified = "cited"
        kind = "hidden-interface"
        cwe = 287
    strings:
        $token = "YWRtaW46MTEK" ascii
        $param = "auth=" ascii
    condition:
        $token and (uint32(0) == 0x464c457f or $param)
}

rule xiongmai_hardcoded_telnet_password {
    meta:
        advisory = "Mirai scanner.c credential list (2016)"
        reference = "https://github.com/jgamblin/Mirai-Source-Code/blob/master/mirai/bot/scanner.c"
        severity = "critical"
        description = "XiongMai/HiSilicon DVR and camera root password shipped in plain text (on Mirai's list)"
        verified = "verified-here (7ujMko0vizxv); cited (others)"
        kind = "hardcoded-credential"
        cwe = 798
    strings:
        $secret_strong1 = "7ujMko0vizxv" ascii
        $secret_strong2 = "7ujMko0admin" ascii
        $secret_strong3 = "xmhdipc" ascii fullword
        $secret_weak1 = "xc3511" ascii fullword
        $secret_weak2 = "klv123" ascii fullword
        $ctx1 = "telnetd" ascii
        $ctx2 = "passwd" ascii
    condition:
        1 of ($secret_strong*) or (1 of ($secret_weak*) and 1 of ($ctx*))
}

rule xz_liblzma_backdoor_code {
    meta:
        advisory = "CVE-2024-3094"
        reference = "https://www.openwall.com/lists/oss-security/2024/03/29/4"
        severity = "critical"
        description = "x86-64 code of the xz-utils 5.6.0/5.6.1 liblzma backdoor (hooks RSA_public_decrypt in sshd)"
        verified = "verified-here"
        kind = "malicious-code"
        cwe = 506
    strings:
        $op1 = { f3 0f 1e fa 55 48 89 f5 4c 89 ce 53 89 fb 81 e7 00 00 00 80 48 83 ec 28 48 89 54 24 18 48 89 4c 24 10 }
        $op2 = { 48 8d 7c 24 08 f3 ab 48 8d 44 24 08 48 89 d1 4c 89 c7 48 89 c2 e8 ?? ?? ?? ?? 89 c2 }
        $op3 = { 4d 8b 6c 24 08 45 8b 3c 24 4c 8b 63 10 89 85 78 f1 ff ff 31 c0 83 bd 78 f1 ff ff 00 f3 ab 79 07 }
        $op4 = { 31 c0 49 89 ff b9 16 00 00 00 4d 89 c5 48 8d 7c 24 48 4d 89 ce f3 ab 48 8d 44 24 48 }
    condition:
        uint32(0) == 0x464c457f and 2 of them
}

rule xz_backdoor_marker_string {
    meta:
        advisory = "CVE-2024-3094"
        reference = "https://www.openwall.com/lists/oss-security/2024/03/29/4"
        severity = "high"
        description = "string marker associated with the xz-utils 5.6.0/5.6.1 backdoor"
        verified = "verified-here"
        kind = "malicious-code"
        cwe = 506
    strings:
        $marker = "yolAbejyiejuvnup=Evjtgvsh5okmkAvj" ascii
    condition:
        $marker
}

rule iotgoat_shellback_banner {
    meta:
        advisory = "OWASP IoTGoat planted backdoor (shellback.c)"
        reference = "https://github.com/OWASP/IoTGoat"
        severity = "critical"
        description = "IoTGoat bind shell on TCP 5515 (banner of the shellback backdoor)"
        verified = "verified-here"
        kind = "malicious-code"
        cwe = 912
    strings:
        $banner = "[***]Successfully Connected to IoTGoat's Backdoor[***]" ascii
    condition:
        $banner
}

rule iotgoat_rclocal_telnetd_65534 {
    meta:
        advisory = "OWASP IoTGoat planted backdoor (rc.local)"
        reference = "https://github.com/OWASP/IoTGoat"
        severity = "high"
        description = "telnetd started at boot on the hidden port 65534"
        verified = "verified-here"
        kind = "hidden-interface"
        cwe = 912
    strings:
        $start = /(^|[\n;&|\/ \t])telnetd[ \t]+-p[ \t]*65534\b/
    condition:
        $start
}
