"""Commands that start another command: what they start, as whom, on which socket.

It owns unwrapping ``exec``, ``nohup``, ``busybox APPLET``, ``start-stop-daemon -S``,
``su -c``, ``sudo -u``, ``chpst``, ``sh -c``, ``sh script``, ``. file``, ``service NAME
start``, ``run-parts DIR``, ``tcpsvd``/``udpsvd`` and ``tcpd``, handing the inner command
back to the boot walker with the user and socket they add.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from spyless.analyzers.services.shelleval import Exec

if TYPE_CHECKING:
    from spyless.analyzers.services.boot import BootWalker, Ctx

Updates = Mapping[str, str | None] | None

_PLAIN = frozenset({"exec", "nohup", "setsid", "command", "time", "builtin", "busybox",
                    "tcpd", "daemonize", "fakeroot"})
_SHELLS = frozenset({"sh", "ash", "bash", "dash", "hush", "msh", "ksh"})
#: start-stop-daemon options that take a value, long form -> short letter.
_SSD_VALUE = {"--exec": "x", "--startas": "a", "--chuid": "c", "--user": "u", "--name": "n",
              "--pidfile": "p", "--nicelevel": "N", "--group": "g", "--chroot": "r",
              "--chdir": "d", "--umask": "k", "--signal": "s", "--retry": "R",
              "--procsched": "P", "--iosched": "I"}
_SSD_SHORT = frozenset(_SSD_VALUE.values())


def getopt(argv: tuple[str, ...] | list[str], with_value: str,
           ) -> tuple[dict[str, list[str]], list[str]]:
    """Short options as getopt reads them (``-lp 23``, ``-p23``); the rest positional."""
    options: dict[str, list[str]] = {}
    positional: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg == "--":
            positional.extend(argv[i:])
            break
        if arg.startswith("--"):
            key, _, value = arg.partition("=")
            options.setdefault(key, []).append(value)
            continue
        if not arg.startswith("-") or arg == "-":
            positional.append(arg)
            continue
        letters = arg[1:]
        for j, letter in enumerate(letters):
            if letter in with_value:
                value = letters[j + 1:]
                if not value and i < len(argv):
                    value = argv[i]
                    i += 1
                options.setdefault(letter, []).append(value)
                break
            options.setdefault(letter, []).append("")
    return options, positional


def unwrap(walker: BootWalker, ex: Exec, ctx: Ctx) -> tuple[bool, Updates]:
    """(True, updates) when ``ex`` is a wrapper or a script call handled here."""
    argv = ex.argv
    name = posixpath.basename(argv[0])
    again = _inner(argv, name)
    if again is not None:
        if again[1]:
            ctx = replace(ctx, user=again[1])
        if again[0]:
            return True, walker.command(replace(ex, argv=again[0]), ctx)
        return True, None
    if name in (".", "source") and len(argv) > 1:
        return True, walker.run_script(argv[1], (), replace(ctx, cap=min(ctx.cap,
                                                                          ex.certainty)))
    if name in _SHELLS and len(argv) > 1:
        options, positional = getopt(argv[1:], "co")
        if "c" in options:
            walker.inline(options["c"][-1], ex, ctx)
            return True, None
        if positional:
            walker.run_script(positional[0], tuple(positional[1:]), replace(ctx, cap=min(
                ctx.cap, ex.certainty)))
            return True, None
    if name in ("su", "runuser") and len(argv) > 1:
        options, positional = getopt(argv[1:], "csgu")
        users = [p for p in positional if p != "-"] + options.get("u", [])
        if "c" in options:
            walker.inline(options["c"][-1], ex, replace(ctx, user=users[0] if users else "root"))
        return True, None
    if name in ("service", "invoke-rc.d", "rc-service") and len(argv) > 2:
        if argv[2] in ("start", "restart", "boot", "force-reload", "reload", "enable"):
            for directory in ("/etc/init.d", "/etc/rc.d/init.d"):
                if walker.run_script(f"{directory}/{argv[1]}", ("start",),
                                     replace(ctx, cap=ex.certainty)) is not None:
                    break
        return True, None
    if name == "run-parts":
        _, positional = getopt(argv[1:], "a")
        if positional:
            for path in walker.listdir(positional[-1]):
                walker.run_script(path, (), replace(ctx, cap=ex.certainty))
        return True, None
    if name in ("tcpsvd", "udpsvd") and len(argv) > 1:
        options, positional = getopt(argv[1:], "cCbul")
        if len(positional) >= 3:
            port = int(positional[1]) if positional[1].isdigit() else None
            any_address = ("0", "0.0.0.0", "::")  # noqa: S104 - read from a script, not bound
            listen = None if positional[0] in any_address else positional[0]
            hints: dict[str, str | int | None] = {
                "port": port, "listen": listen,
                "protocol": "tcp" if name == "tcpsvd" else "udp"}
            user = options.get("u", [""])[-1].split(":")[0] or ctx.user
            inner = replace(ctx, managed=True, hints=hints, user=user)
            walker.command(replace(ex, argv=tuple(positional[2:])), inner)
        return True, None
    if name == "start-stop-daemon":
        return True, _start_stop_daemon(walker, ex, ctx)
    if name == "service_start" and len(argv) > 1:
        walker.command(replace(ex, argv=argv[1:]), replace(ctx, managed=True))
        return True, None
    return False, None


def _inner(argv: tuple[str, ...], name: str) -> tuple[tuple[str, ...], str | None] | None:
    """The wrapped command and the user it switches to, for the simple wrappers."""
    rest = list(argv[1:])
    if name in _PLAIN:
        if name == "exec":
            while rest and rest[0].startswith("-"):
                rest = rest[2:] if rest[0] == "-a" else rest[1:]
        return tuple(rest), None
    if name in ("nice", "ionice", "chrt", "taskset", "env"):
        while rest and (rest[0].startswith("-") or "=" in rest[0]
                        or (name in ("chrt", "taskset") and rest[0][:1].isdigit())):
            takes = (rest[0] in ("-n", "-c", "-p", "-u") and name != "env") or rest[0] == "-u"
            rest = rest[2:] if takes else rest[1:]
        return tuple(rest), None
    if name in ("sudo", "chpst", "setuidgid", "doas"):
        user = None
        if name == "setuidgid" and rest:
            return tuple(rest[1:]), rest[0]
        while rest and rest[0].startswith("-"):
            if rest[0] in ("-u", "-U") and len(rest) > 1:
                user = rest[1].split(":")[0]
                rest = rest[2:]
            else:
                rest = rest[1:]
        return tuple(rest), user
    return None


def _start_stop_daemon(walker: BootWalker, ex: Exec, ctx: Ctx) -> Updates:
    values: dict[str, str] = {}
    flags: set[str] = set()
    args: list[str] = []
    rest = list(ex.argv[1:])
    while rest:
        arg = rest.pop(0)
        if arg == "--":
            args = rest
            break
        key, eq, value = arg.partition("=")
        letter = _SSD_VALUE.get(key) or (key[1:] if len(key) == 2 and key[1:] in _SSD_SHORT
                                         else None)
        if letter is not None:
            values[letter] = value if eq else (rest.pop(0) if rest else "")
        else:
            flags.add(arg)
    if flags & {"-K", "--stop", "-T", "--status"}:
        return None
    program = values.get("a") or values.get("x") or values.get("n")
    if program is None:
        return None
    user = values.get("c", "").split(":")[0] or ctx.user
    return walker.command(replace(ex, argv=(program, *args)),
                          replace(ctx, managed=True, user=user))
