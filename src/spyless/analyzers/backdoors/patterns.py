"""Shared vocabulary of the hidden-functionality heuristics: which files face the web or
run at boot, what starts a shell or telnetd, which endpoint names suggest a maintenance or
manufacturing interface, and which lines are live code (not comments).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

#: Web roots and CGI locations of embedded web servers (OpenWrt, Boa, GoAhead, lighttpd...).
WEB_ROOT_PATTERNS = (
    "*/cgi-bin/*", "*.cgi", "/www/*", "/web/*", "/webs/*", "/htdocs/*", "/webroot/*",
    "/var/www/*", "/srv/www/*", "/home/httpd/*", "/usr/www/*", "/usr/share/www/*",
    "/usr/lib/lua/luci/controller/*", "/etc_ro/web/*",
)
#: Web server and CGI dispatcher binaries by name.
WEB_SERVER_PATTERNS = (
    "*/httpd", "*/uhttpd", "*/lighttpd", "*/boa", "*/goahead", "*/webs", "*/mini_httpd",
    "*/thttpd", "*/jjhttpd", "*/mathopd", "*/webserver", "*/cgibin", "*/cgi-bin/*",
    "*.cgi", "/www/*", "/web/*", "/htdocs/*",
)
#: Files that start things at boot.
BOOT_PATTERNS = (
    "/etc/init.d/*", "/etc/rc.d/*", "/etc/rc.local", "/etc/rcS", "/etc/rc", "/etc/rc.*",
    "/etc/init0.d/*", "/etc/rc?.d/*", "/etc/inittab", "/etc/inetd.conf", "/etc/xinetd.d/*",
    "/etc/xinetd.conf", "/etc/crontabs/*", "/etc/cron.d/*", "/etc/preinit", "/etc/profile",
    "/etc/systemd/system/*", "/lib/systemd/system/*", "/usr/lib/systemd/system/*",
    "/etc/scripts/*", "/etc/templates/*", "/etc/init/*",
)
#: Client-side or documentation files in a web root: they cannot run anything on the device.
CLIENT_SIDE_SUFFIXES = frozenset({
    ".js", ".css", ".html", ".htm", ".json", ".xml", ".txt", ".md", ".png", ".gif", ".jpg",
    ".jpeg", ".svg", ".ico", ".woff", ".woff2", ".ttf", ".map", ".po", ".pot",
})

_COMMAND_SPLIT = re.compile(r"[;|`]|&&?|\$\(|\bthen\b|\bdo\b|\belse\b")
_PREFIX_WORDS = frozenset({"exec", "nohup", "busybox", "then", "do", "else", "sudo", "env",
                           "setsid", "chroot", "ionice", "nice", "(", "{", "!"})
_LAUNCHERS = frozenset({"start-stop-daemon", "service_start", "procd_set_param"})
_TELNETD_NAMES = frozenset({"telnetd", "utelnetd"})
# The line patterns below are written to stay linear on hostile lines: each anchors on a
# short literal and looks at a bounded stretch of the line after (or before) it.
#: A shell given dynamic text to run.
_SHELL_C = re.compile(r"\b(?:/bin/|/usr/bin/)?(?:ba|a|da)?sh\s+-c\s")
_EXEC_SHELL = re.compile(r"\s-[a-z]{0,4}e\s{0,4}(?:/bin/)?(?:ba|a)?sh\b")
_NETCAT = re.compile(r"\b(?:nc|netcat|ncat)\b")
_SOCAT_EXEC = re.compile(r"(?:exec|system):\S{0,40}sh\b", re.IGNORECASE)
PHP_EXEC_REQUEST = re.compile(
    r"\b(?:system|exec|shell_exec|passthru|popen|proc_open)\s{0,8}\(\s{0,8}[^;)]{0,200}"
    r"\$_(?:GET|POST|REQUEST|COOKIE)")
LUA_EXEC_REQUEST = re.compile(r"\b(?:os\.execute|io\.popen)\s{0,8}\([^)\n]{0,200}formvalue")
#: Where request data enters a CGI program.
REQUEST_DATA = re.compile(
    r"QUERY_STRING|REQUEST_URI|PATH_INFO|HTTP_[A-Z_]+|\bFORM_\w+|\bPOST_\w+|\bGET_\w+|"
    r"\$_(?:GET|POST|REQUEST|COOKIE|SERVER)|formvalue|\bparam\s*\(")

_SUSPICIOUS_NAME = re.compile(
    r"^(?:\w*telnet\w*|\w*backdoor\w*|\w*debug\w*|\w*dbg\w*|mfg\w*|\w+_mfg|ate|atemode|ate_\w+|"
    r"factory(?:_?mode|_?test)?|\w*engineer\w*|\w*shell\w*|hidden\w*|\w*godmode\w*)$",
    re.IGNORECASE)
_WEB_PREFIXES = frozenset({"goform", "cgi-bin", "boafrm", "userrpm", "cgi", "api", "action",
                           "apply.cgi", "webs"})
_WEB_SUFFIXES = (".cgi", ".asp", ".htm", ".html", ".php", ".lua", ".sh")
MAX_LINE = 2048
#: Findings of one id per file: past this, more of the same adds nothing.
MAX_PER_FILE = 10
_COMMENT = re.compile(r"^\s*(?:#|//|--|;|/\*|<!--)")


def live_lines(text: str) -> Iterator[tuple[int, int, str]]:
    """(line number, offset, line) for lines that are not comments (shebangs are comments).

    Lines are cut at MAX_LINE characters: longer ones are data, and hostile input must not
    make the line patterns quadratic.
    """
    offset = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip() and not _COMMENT.match(line):
            yield number, offset, line[:MAX_LINE]
        offset += len(line) + 1


def starts_telnetd(line: str) -> str | None:
    """The arguments of a telnetd started on a shell line ("" for none), or None when the
    line only mentions telnetd (kills it, tests for it, prints its name)."""
    if "telnetd" not in line:
        return None
    for command in _COMMAND_SPLIT.split(line):
        words = [w.strip("\"'(){}") for w in command.split()]
        while words and (words[0] in _PREFIX_WORDS or re.fullmatch(r"\w+=\S*", words[0])
                         or words[0].endswith("/busybox")):
            words.pop(0)
        if not words:
            continue
        head = posixpath.basename(words[0])
        if head in _TELNETD_NAMES:
            return " ".join(words[1:])
        if head in _LAUNCHERS:
            for i, word in enumerate(words):
                if posixpath.basename(word) in _TELNETD_NAMES:
                    return " ".join(words[i + 1:]).removeprefix("-- ")
    return None


def netcat_shell(line: str) -> bool:
    """netcat/ncat with -e running a shell."""
    exec_shell = _EXEC_SHELL.search(line)
    return exec_shell is not None and _NETCAT.search(line, 0, exec_shell.start()) is not None


def socat_shell(line: str) -> bool:
    """socat with an EXEC:/SYSTEM: address running a shell."""
    at = line.find("socat")
    return at >= 0 and _SOCAT_EXEC.search(line, at) is not None


def runs_shell(line: str) -> str | None:
    """What kind of shell a line starts ("telnetd", "sh -c", ...), or None."""
    if starts_telnetd(line) is not None:
        return "telnetd"
    shell_c = _SHELL_C.search(line)
    if shell_c is not None and "$" in line[shell_c.end():]:
        return "sh -c with dynamic text"
    if netcat_shell(line):
        return "netcat -e shell"
    if socat_shell(line):
        return "socat shell"
    if PHP_EXEC_REQUEST.search(line):
        return "PHP exec of request data"
    if LUA_EXEC_REQUEST.search(line):
        return "Lua exec of request data"
    return None


def suspicious_endpoint(route: str) -> bool:
    """Whether a URL path names a telnet/debug/manufacturing/backdoor endpoint."""
    if not route.startswith("/") or len(route) > 96 or any(c.isspace() for c in route):
        return False
    segments = [s for s in route.split("/") if s and s != ".."]
    if not segments:
        return False
    last = segments[-1]
    stem, suffix = posixpath.splitext(last)
    routed = (len(segments) > 1 and segments[-2].lower() in _WEB_PREFIXES) or \
        suffix.lower() in _WEB_SUFFIXES
    return routed and bool(_SUSPICIOUS_NAME.match(stem if suffix else last))


def printable_string_at(data: bytes, start: int, end: int, spaces: bool = False) -> tuple[int, str]:
    """The whole printable string around data[start:end] (with spaces or not), and its offset."""
    low = 0x1f if spaces else 0x20
    left = start
    while left > 0 and low < data[left - 1] < 0x7f and start - left < 96:
        left -= 1
    right = end
    while right < len(data) and low < data[right] < 0x7f and right - end < 96:
        right += 1
    return left, data[left:right].decode("latin-1")
