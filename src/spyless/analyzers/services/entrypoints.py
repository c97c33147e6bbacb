"""The places a boot starts from, each turned into commands for the boot walker.

It owns the order and the rules of each init system: inittab actions and runlevels (and
BusyBox init's built-in default when there is no inittab), rc.d link folders, rc.local,
systemd units linked into ``*.wants`` (and their sockets), inetd/xinetd services once a
super-server runs, and crontabs once a cron daemon runs.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from spyless.analyzers.services import configs
from spyless.analyzers.services.shelleval import Certainty, Exec

if TYPE_CHECKING:
    from spyless.analyzers.services.boot import BootWalker, Ctx

_BOOT_ACTIONS = frozenset({"sysinit", "boot", "bootwait", "wait", "once", "respawn",
                           "askfirst", "askconsole", "respawnlate"})
_KEPT = frozenset({"respawn", "askfirst", "askconsole", "respawnlate"})
_SYSTEM_ACTIONS = frozenset({"sysinit", "boot", "bootwait"})
_UNIT_DIRS = ("/etc/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system")
#: Well-known ports of services that inetd starts by name, when /etc/services lacks them.
_INETD_PORTS = {"telnet": 23, "ftp": 21, "tftp": 69, "ssh": 22, "http": 80, "www": 80,
                "shell": 514, "login": 513, "exec": 512, "rsync": 873}


def _ctx(walker: BootWalker, manager: str, path: str, cap: Certainty = Certainty.YES,
         **kwargs: object) -> Ctx:
    from spyless.analyzers.services.boot import Ctx  # noqa: PLC0415 - import cycle

    ctx = Ctx(manager, cap, walker.resolve(path), path)
    for key, value in kwargs.items():
        setattr(ctx, key, value)
    return ctx


def _exec(line: int, excerpt: str, certainty: Certainty = Certainty.YES) -> Exec:
    return Exec((), line, False, certainty, excerpt.strip())


def inittab(walker: BootWalker) -> None:
    artifact = walker.resolve("/etc/inittab")
    path = "/etc/inittab"
    if artifact is not None:
        entries = configs.parse_inittab(walker.text(artifact))
    else:
        init = walker.resolve("/sbin/init")
        if init is None or posixpath.basename(walker.fs_path(init)) != "busybox":
            return
        entries = configs.parse_inittab(configs.BUSYBOX_DEFAULT_INITTAB)
        path = "/sbin/init"
    default = next((e.runlevels for e in entries if e.action == "initdefault"), "")
    for entry in entries:
        if entry.action not in _BOOT_ACTIONS:
            continue
        certainty = Certainty.YES
        if default and entry.runlevels and entry.action not in _SYSTEM_ACTIONS \
                and not set(default) & set(entry.runlevels):
            certainty = Certainty.NO
        if artifact is None:
            certainty = Certainty.MAYBE  # BusyBox's default, inferred from /sbin/init
        tty = entry.id if entry.id.startswith(("tty", "console", "hvc")) or not entry.id \
            else None
        ctx = _ctx(walker, "inittab", path, certainty, managed=entry.action in _KEPT,
                   console=(tty or "console") if entry.action not in _SYSTEM_ACTIONS
                   else None)
        process = entry.process.removeprefix("-")
        text = f"{entry.id}:{entry.runlevels}:{entry.action}:{entry.process}"
        walker.inline(process, _exec(entry.line, text, certainty), ctx)


def rc_dirs(walker: BootWalker) -> None:
    levels = ["S", "2", "3", "5"]
    inittab = walker.resolve("/etc/inittab")
    if inittab is not None:
        for entry in configs.parse_inittab(walker.text(inittab)):
            if entry.action == "initdefault" and entry.runlevels:
                levels = ["S", *entry.runlevels]
    folders = ["/etc/rc.d"]
    for level in levels:
        folders += [f"/etc/rc{level}.d", f"/etc/rc.d/rc{level}.d"]
    for folder in folders:
        for path in walker.listdir(folder):
            if posixpath.basename(path).startswith("S"):
                action = "boot" if folder == "/etc/rc.d" else "start"
                walker.run_script(path, (action,), _ctx(walker, "init.d", path))


def rc_local(walker: BootWalker) -> None:
    for path in ("/etc/rc.local", "/etc/rc.d/rc.local"):
        walker.run_script(path, (), _ctx(walker, "rc.local", path))


def systemd(walker: BootWalker) -> None:
    wanted: list[str] = []
    for directory in _UNIT_DIRS:
        for folder in walker.listdir(directory):
            if folder.endswith((".wants", ".requires")):
                wanted += [posixpath.basename(p) for p in walker.listdir(folder)]
    seen: set[str] = set()
    for name in wanted:
        if name not in seen:
            seen.add(name)
            _unit(walker, name, {})


def _unit_file(walker: BootWalker, name: str) -> str | None:
    candidates = [name]
    if "@" in name:
        stem, _, rest = name.partition("@")
        candidates.append(f"{stem}@{rest[rest.find('.'):]}" if "." in rest else name)
    for candidate in candidates:
        for directory in _UNIT_DIRS:
            path = f"{directory}/{candidate}"
            if walker.resolve(path) is not None:
                return path
    return None


def _unit(walker: BootWalker, name: str, hints: dict[str, str | int | None]) -> None:
    path = _unit_file(walker, name)
    artifact = walker.resolve(path) if path else None
    if path is None or artifact is None:
        return
    unit = configs.parse_unit(walker.text(artifact))
    if name.endswith(".socket"):
        for key in ("Socket.ListenStream", "Socket.ListenDatagram"):
            found = unit.get(key)
            if found is not None:
                address, _, port = found[0].rpartition(":")
                hints = {"port": int(port) if port.isdigit() else None,
                         "listen": address.strip("[]") or None,
                         "protocol": "tcp" if key.endswith("Stream") else "udp"}
        accept = configs.truthy((unit.get("Socket.Accept") or ("no", 0))[0]) is True
        stem = name[:-len(".socket")]
        service = (unit.get("Socket.Service") or (f"{stem}@.service" if accept
                                                  else f"{stem}.service", 0))[0]
        _unit(walker, service, hints)
        return
    user = (unit.get("Service.User") or (None, 0))[0]
    oneshot = (unit.get("Service.Type") or ("simple", 0))[0] == "oneshot"
    for value, line in unit.all("Service.ExecStart"):
        command = value.lstrip("-@:+!")
        if command:
            ctx = _ctx(walker, "systemd", path, user=user or "root", managed=not oneshot,
                       hints=dict(hints))
            walker.inline(command, _exec(line, f"ExecStart={command}"), ctx)


def _started(walker: BootWalker, names: tuple[str, ...]) -> tuple[Certainty, list[str]]:
    """The best certainty with which a daemon of these names runs, and its arguments."""
    best, arguments = Certainty.NO, list[str]()
    for launch in walker.launches:
        if launch.argv and posixpath.basename(launch.argv[0]) in names \
                and (launch.certainty > best or not arguments):
            best = max(best, launch.certainty)
            arguments = list(launch.argv[1:])
    return best, arguments


def _services_file(walker: BootWalker) -> dict[tuple[str, str], int]:
    artifact = walker.resolve("/etc/services")
    return configs.parse_services(walker.text(artifact)) if artifact is not None else {}


def superservers(walker: BootWalker) -> None:
    services = _services_file(walker)
    certainty, arguments = _started(walker, ("inetd",))
    positional = [a for a in arguments if not a.startswith("-")]
    conf = positional[-1] if positional else "/etc/inetd.conf"
    conf_artifact = walker.resolve(conf)
    if conf_artifact is not None:
        _inetd(walker, conf, configs.parse_inetd(walker.text(conf_artifact)), certainty,
               services)
    certainty, _ = _started(walker, ("xinetd",))
    files = ["/etc/xinetd.conf", *walker.listdir("/etc/xinetd.d")]
    for path in files:
        artifact = walker.resolve(path)
        if artifact is not None:
            _inetd(walker, path, configs.parse_xinetd(walker.text(artifact)), certainty,
                   services)


def _inetd(walker: BootWalker, path: str, entries: list[configs.InetdEntry],
           certainty: Certainty, services: dict[tuple[str, str], int]) -> None:
    for entry in entries:
        proto = "udp" if entry.protocol.startswith("udp") else "tcp"
        port = entry.port or (int(entry.service) if entry.service.isdigit() else None) \
            or services.get((entry.service, proto)) or _INETD_PORTS.get(entry.service)
        cap = Certainty.NO if entry.disabled else certainty
        reason = "" if cap else ("disabled in its xinetd block" if entry.disabled
                                 else "no inetd/xinetd is started at boot")
        ctx = _ctx(walker, "inetd", path, cap, user=entry.user, managed=True, reason=reason,
                   hints={"port": port, "protocol": proto, "listen": entry.listen})
        argv = (entry.server, *entry.args[1:])
        ex = Exec(argv, entry.line, False, cap, f"{entry.service} {entry.socket_type} "
                  f"{entry.protocol} {entry.user} {entry.server} {' '.join(entry.args)}")
        walker.command(ex, ctx)


def cron(walker: BootWalker) -> None:
    certainty, arguments = _started(walker, ("crond", "cron", "busybox-crond", "fcron"))
    reason = "" if certainty else "no cron daemon is started at boot"
    options = [a for a in arguments if a.startswith("-")]
    folders = ["/etc/crontabs", "/var/spool/cron/crontabs", "/var/spool/cron"]
    if "-c" in options:
        index = arguments.index("-c")
        if index + 1 < len(arguments):
            folders.insert(0, arguments[index + 1])
    tables = [(p, False) for folder in folders for p in walker.listdir(folder)]
    tables += [("/etc/crontab", True)] + [(p, True) for p in walker.listdir("/etc/cron.d")]
    seen: set[str] = set()
    for path, system in tables:
        artifact = walker.resolve(path)
        if artifact is None or artifact.chain in seen or artifact.sha256 is None:
            continue
        seen.add(artifact.chain)
        for job in configs.parse_crontab(walker.text(artifact), system):
            ctx = _ctx(walker, "cron", path, certainty, reason=reason,
                       user=job.user or posixpath.basename(path) if not system else job.user)
            walker.inline(job.command, _exec(job.line, job.command, certainty), ctx)
