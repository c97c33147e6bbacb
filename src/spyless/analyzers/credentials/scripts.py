"""Secrets in shell scripts and in command strings: who sets which password, with what.

Owns :class:`ScriptCredentials` and :func:`scan_command`, which the binary analyzer reuses
on command strings found inside executables. A command line is split into pipeline stages
(never run); literals are recognised in ``telnetd -u user:pw``, ``echo pw | passwd``,
``echo root:pw | chpasswd``, tool options (``curl -u``, ``mysql -p``, ``sshpass -p``,
``wget --password=``, ``ftpput -u -p``, ``smbclient -U user%pw``...), ``uci set`` /
``nvram set`` of secret keys, and ``PASSWORD=literal`` assignments. ``$var`` resolves to a
literal assigned earlier in the same script; anything else dynamic is skipped.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterator, Mapping
from typing import ClassVar

from spyless.analyzers.credentials.config import is_script_like, service_of
from spyless.analyzers.credentials.specs import (
    SPY120,
    SPY121,
    SPY122,
    SPY123,
    SPY124,
    SPY125,
    SPY126,
    SPY127,
    Hit,
    report_all,
)
from spyless.analyzers.credentials.tokens import scan_text
from spyless.analyzers.credentials.values import (
    classify_key,
    in_documentation_or_test_folder,
    is_placeholder,
)
from spyless.analyzers.interface import FileAnalyzer, FileInput, Output
from spyless.model.findings import Confidence
from spyless.unpack.interface import Artifact, ArtifactKind

_MAX_SCRIPT = 1 << 20
_MAX_LINE = 4096
_ASSIGNMENT = re.compile(r"^(?:export\s+|local\s+|readonly\s+)?([A-Za-z_]\w*)=(\S.*)?$")
_VARIABLE = re.compile(r"^\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))$")
_SHELL_VARIABLES = frozenset({"PWD", "OLDPWD"})
_LOGIN_DAEMONS = frozenset({"telnetd", "utelnetd", "busybox-telnetd"})
_PASSWD_TOOLS = frozenset({"passwd", "chpasswd"})


def _strip_comment(line: str) -> str:
    """The line without a trailing ``# comment`` (a ``#`` outside quotes after a blank)."""
    quote = ""
    for i, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1] in " \t;"):
            return line[:i]
    return line


def _split_stages(line: str) -> list[str]:
    """Pipeline and list stages of a command line, outside quotes (approximately)."""
    stages, quote, start, i = [], "", 0, 0
    while i < len(line):
        char = line[i]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "|;&" and not (char == "&" and (line[i - 1:i] in {">", "<"}
                                                     or line[i + 1:i + 2] == ">")):
            separator = line[i:i + 2] if line[i:i + 2] in {"||", "&&"} else char
            stages.append(line[start:i])
            stages.append(separator)
            i += len(separator)
            start = i
            continue
        i += 1
    stages.append(line[start:])
    return stages


def _words(stage: str) -> list[str]:
    try:
        return shlex.split(stage, posix=True)
    except ValueError:
        return stage.split()


def _resolve(word: str, variables: Mapping[str, str]) -> str | None:
    """A literal word, or a ``$var`` assigned a literal earlier; None if dynamic."""
    match = _VARIABLE.match(word)
    if match is not None:
        return variables.get(match.group(1) or match.group(2))
    return None if is_placeholder(word) or "$" in word or "`" in word else word


def _echo_lines(words: list[str]) -> list[str]:
    """What ``echo [-e|-n] ...`` or ``printf fmt`` writes, split into lines."""
    command = posixpath.basename(words[0])
    args = words[1:]
    escapes = command == "printf"
    while args and args[0] in {"-e", "-n", "-en", "-ne", "-E"}:
        escapes = escapes or "e" in args[0]
        args = args[1:]
    text = " ".join(args[:1] if command == "printf" else args)
    if escapes:
        text = text.replace("\\n", "\n").replace("\\r", "")
    return [part for part in text.split("\n") if part]


def _option_value(words: list[str], short: str, long: str | None = None,
                  attached: bool = True) -> str | None:
    for i, word in enumerate(words[1:], 1):
        if word == short or (long is not None and word == long):
            return words[i + 1] if i + 1 < len(words) else None
        if long is not None and word.startswith(long + "="):
            return word[len(long) + 1:]
        if attached and word.startswith(short) and len(word) > len(short):
            return word[len(short):]
    return None


def _tool_secret(words: list[str]) -> tuple[str | None, str] | None:
    """(user, password) passed to a known tool on its command line."""
    tool = posixpath.basename(words[0])
    if tool == "curl":
        value = _option_value(words, "-u", "--user")
        if value and ":" in value:
            user, _, secret = value.partition(":")
            return user or None, secret
    elif tool == "wget":
        for option in ("--password", "--http-password", "--ftp-password", "--proxy-password"):
            value = _option_value(words, option, option, attached=False)
            if value:
                return _option_value(words, "--user", "--user", attached=False), value
    elif tool in {"mysql", "mysqldump", "mysqladmin", "mariadb"}:
        value = _option_value(words, "-p", "--password")
        if value:
            return _option_value(words, "-u", "--user"), value
    elif tool in {"ftpput", "ftpget", "sshpass", "mosquitto_pub", "mosquitto_sub"}:
        value = _option_value(words, "-P" if tool.startswith("mosquitto") else "-p", None,
                              attached=False)
        if value:
            return _option_value(words, "-u", None, attached=False), value
    elif tool in {"smbclient", "rpcclient"}:
        value = _option_value(words, "-U", "--user")
        if value and "%" in value:
            user, _, secret = value.partition("%")
            return user or None, secret
    elif tool == "redis-cli":
        value = _option_value(words, "-a", None, attached=False)
        if value:
            return None, value
    elif tool == "openssl":
        for i, word in enumerate(words[:-1]):
            if word in {"-passin", "-passout", "-pass"} and words[i + 1].startswith("pass:"):
                return None, words[i + 1][5:]
    elif tool == "htpasswd" and any(w.startswith("-") and "b" in w for w in words[1:3]):
        plain = [w for w in words[1:] if not w.startswith("-")]
        if len(plain) >= 3:
            return plain[-2], plain[-1]
    return None


def _literal(word: str, variables: Mapping[str, str], used: set[str]) -> str | None:
    match = _VARIABLE.match(word)
    if match is not None:
        used.add(match.group(1) or match.group(2) or "")
    return _resolve(word, variables)


def _login_daemon(words: list[str], line: str, offset: int, variables: Mapping[str, str],
                  used: set[str]) -> Iterator[Hit]:
    """``telnetd -u user:password``: a vendor build of telnetd with a built-in login."""
    value = _option_value(words, "-u")
    if not value:
        return
    user_pass = _literal(value, variables, used)
    if user_pass is None and ":" in value:
        user_raw, _, pass_raw = value.partition(":")
        user, secret = _literal(user_raw, variables, used), _literal(pass_raw, variables, used)
        user_pass = f"{user}:{secret}" if user and secret else None
    if user_pass and ":" in user_pass:
        user, _, secret = user_pass.partition(":")
        if secret and not is_placeholder(secret):
            yield Hit("login", secret, offset, line, f"{posixpath.basename(words[0])} -u",
                      username=user, service="telnet")


def _password_pipe(words: list[str], feeder: list[str], line: str, offset: int,
                   variables: Mapping[str, str], used: set[str]) -> Iterator[Hit]:
    """``echo pw | passwd [user]`` and ``echo user:pw | chpasswd``."""
    written = [_literal(w, variables, used) for w in _echo_lines(feeder)]
    command = posixpath.basename(words[0])
    if command == "passwd" and written and written[0] and not is_placeholder(written[0]):
        target = next((w for w in reversed(words[1:]) if not w.startswith("-")), "root")
        yield Hit("login", written[0], offset, line, "echo | passwd", username=target,
                  service="system")
    elif command == "chpasswd" and "-e" not in words and "--encrypted" not in words:
        for entry in written:
            user, sep, secret = (entry or "").partition(":")
            if sep and user and secret and not is_placeholder(secret):
                yield Hit("login", secret, offset, line, "echo | chpasswd", username=user,
                          service="system")


def scan_command(line: str, offset: int, variables: Mapping[str, str],
                 used: set[str] | None = None) -> Iterator[Hit]:
    """Hits in one (comment-free, joined) command line."""
    used = set() if used is None else used
    stages = _split_stages(line)
    previous: list[str] = []
    for index in range(0, len(stages), 2):
        words = _words(stages[index])
        while words and re.match(r"^[A-Za-z_]\w*=", words[0]):
            words = words[1:]  # VAR=value prefixes of the command
        if words and words[0] in {"sudo", "exec", "nohup", "busybox"}:
            words = words[1:]
        if not words:
            previous = []
            continue
        command = posixpath.basename(words[0])
        piped = index >= 2 and stages[index - 1] == "|"
        if command in _LOGIN_DAEMONS:
            yield from _login_daemon(words, line, offset, variables, used)
        elif (command in _PASSWD_TOOLS and piped and previous
              and posixpath.basename(previous[0]) in {"echo", "printf"}):
            yield from _password_pipe(words, previous, line, offset, variables, used)
        elif command in {"uci", "nvram"} and len(words) >= 3 and words[1] == "set":
            key, sep, value = words[2].partition("=")
            kind = classify_key(key.rsplit(".", 1)[-1],
                                "wifi-iface" if "wireless." in key else "")
            secret = _literal(value, variables, used) if sep else None
            if kind in {"password", "wifi-psk", "snmp-community"} and kind and secret:
                yield Hit(kind, secret, offset, line, f"{command} set {key}",
                          service=service_of(key.replace(".", "_"), kind))
        else:
            found = _tool_secret(words)
            secret = _literal(found[1], variables, used) if found is not None else None
            if found is not None and secret and not is_placeholder(secret):
                yield Hit("password-in-command", secret, offset, line, command,
                          username=found[0], service=command)
        previous = words


def scan_script(text: str) -> Iterator[Hit]:
    """Hits in a shell script, with ``$var`` resolved to literals assigned above it."""
    joined = text.replace("\\\n", "  ")
    variables: dict[str, str] = {}
    assignments: list[tuple[int, str, str, str]] = []
    used: set[str] = set()
    position = 0
    for raw in joined.split("\n"):
        offset, position = position, position + len(raw) + 1
        line = _strip_comment(raw[:_MAX_LINE]).strip()
        if not line:
            continue
        match = _ASSIGNMENT.match(line)
        if match is not None and not re.search(r"[|;&]", match.group(2) or ""):
            words = _words(match.group(2) or "")
            value = words[0] if len(words) == 1 else ""
            if value and "$" not in value and "`" not in value:
                variables[match.group(1)] = value
                assignments.append((offset, raw, match.group(1), value))
            else:
                variables.pop(match.group(1), None)
            continue
        yield from scan_command(line, offset, variables, used)
    for offset, raw, name, value in assignments:
        if name in used or name in _SHELL_VARIABLES:
            continue
        kind = classify_key(name)
        if kind in {"password", "wifi-psk", "snmp-community"} and kind and not is_placeholder(
                value):
            yield Hit(kind, value, offset, raw, name, confidence=Confidence.MEDIUM)


class ScriptCredentials(FileAnalyzer):
    name = "script-credentials"
    description = ("Passwords set or passed by shell scripts: telnetd -u user:pw, "
                   "echo pw | passwd, chpasswd, tool options (curl -u, mysql -p, sshpass -p...), "
                   "uci/nvram set of secrets and PASSWORD= assignments.")
    findings = (SPY120, SPY121, SPY122, SPY123, SPY124, SPY125, SPY126, SPY127)
    references: ClassVar[tuple[str, ...]] = (
        "https://cwe.mitre.org/data/definitions/798.html",
        "https://cwe.mitre.org/data/definitions/214.html",
    )
    kinds = frozenset({ArtifactKind.SCRIPT, ArtifactKind.TEXT})
    max_size = _MAX_SCRIPT

    def applies(self, artifact: Artifact, fs_path: str) -> bool:
        return (super().applies(artifact, fs_path) and is_script_like(artifact, fs_path)
                and not in_documentation_or_test_folder(fs_path))

    def analyze(self, file: FileInput, out: Output) -> None:
        text = file.text()
        hits = list(scan_script(text))
        if hits:
            tokens = [hit.secret for hit in scan_text(text, generic=False)]
            report_all(out, file, hits, text, tokens)
