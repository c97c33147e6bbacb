"""Resolves what a root filesystem starts at boot, as a list of :class:`Launch` records.

It owns following the boot the way init would: inittab (or BusyBox's built-in default),
the scripts it runs and everything they call (init.d scripts with an action, rc.d links,
``for i in /etc/init.d/S??*`` loops, ``. file``), OpenWrt rc.common/procd scripts and their
UCI ``enabled`` flags, systemd ``*.wants`` units, rc.local, inetd/xinetd and cron once their
daemon is started, and wrappers (``start-stop-daemon``, ``su -c``, ``tcpsvd``, ``exec``).
Init scripts that nothing starts are read too, with certainty NO, so that installed but
disabled services are still known. Nothing is executed; reading is bounded.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from spyless.analyzers.image import Filesystem
from spyless.analyzers.interface import split_chain
from spyless.analyzers.services import entrypoints
from spyless.analyzers.services.configs import UciSection, parse_uci, uci_enabled, uci_get
from spyless.analyzers.services.shelleval import Certainty, Evaluator, Exec
from spyless.analyzers.services.shellparse import MAX_SCRIPT_BYTES, Script, parse
from spyless.analyzers.services.wrappers import unwrap
from spyless.model.findings import Location
from spyless.unpack.interface import Artifact, ArtifactKind

Reader = Callable[[Artifact, int], bytes]

_MAX_SCRIPTS = 400
#: Script text parsed per filesystem; real boots read well under 1 MiB of shell.
_MAX_TOTAL_BYTES = 1 << 20
_MAX_LAUNCHES = 5000
_MAX_DEPTH = 10
_SHELLS = frozenset({"sh", "ash", "bash", "dash", "hush", "msh", "ksh", "mksh", "zsh"})
_NOT_STARTING = frozenset({"stop", "disable", "status", "enabled", "shutdown", "kill"})
_INIT_DIRS = ("/etc/init.d", "/etc/rc.d/init.d")


@dataclass(frozen=True, slots=True)
class Launch:
    """A program the boot starts (or would start, or has installed but not enabled)."""

    argv: tuple[str, ...]
    binary: str | None  # the path it is started by, e.g. /usr/sbin/telnetd
    artifact: Artifact | None  # what that path resolves to (busybox for an applet link)
    where: Location
    excerpt: str
    manager: str
    certainty: Certainty
    managed: bool  # kept running: background, respawn, procd, systemd, inetd
    user: str | None = None
    unresolved: bool = False
    port: int | None = None
    protocol: str | None = None
    listen: str | None = None
    console: str | None = None
    reason: str = ""


@dataclass(slots=True)
class Ctx:
    """Where commands come from while one script (or config line) is being followed."""

    manager: str
    cap: Certainty
    file: Artifact | None
    path: str
    user: str | None = None
    depth: int = 0
    console: str | None = None
    managed: bool = False
    reason: str = ""
    hints: dict[str, str | int | None] = field(default_factory=dict)
    uci: list[UciSection] | None = None
    #: UCI options read as switched on, to learn what a disabled service would start.
    uci_forced: dict[str, str] = field(default_factory=dict)
    procd: list[tuple[list[str], Exec, str | None]] | None = None

    def location(self, line: int) -> Location:
        chain = self.file.chain if self.file is not None else self.path
        return Location(chain=chain, path=self.path, line=line,
                        sha256=self.file.sha256 if self.file is not None else None)


class BootWalker:
    def __init__(self, fs: Filesystem, read: Reader) -> None:
        self.fs = fs
        self.read = read
        self.launches: list[Launch] = []
        self.scripts: dict[str, Artifact] = {}  # every script followed, by path
        self._visited: dict[str, Certainty] = {}
        self._parsed_bytes = 0
        self._parsed: dict[str, Script] = {}
        self._children: dict[str, set[str]] = {}
        for path in fs.entries:
            child = path
            while child != "/":  # folders missing from an archive still hold their files
                parent = posixpath.dirname(child)
                known = self._children.setdefault(parent, set())
                if child in known:
                    break
                known.add(child)
                child = parent

    # -- the filesystem ------------------------------------------------------------------

    def resolve(self, path: str) -> Artifact | None:
        return self.fs.resolve(path)

    def exists(self, path: str) -> bool:
        return self.resolve(path) is not None

    def fs_path(self, artifact: Artifact) -> str:
        return split_chain(artifact.chain)[1]

    def listdir(self, directory: str) -> list[str]:
        """Entries of a directory (links followed), as paths under the name asked for."""
        target = self.resolve(directory)
        if target is not None and target.kind is not ArtifactKind.DIRECTORY:
            return []
        # archives may list files without their folders: those folders are implicit
        real = self.fs_path(target) if target is not None else posixpath.normpath(directory)
        return sorted(directory.rstrip("/") + "/" + posixpath.basename(p)
                      for p in self._children.get(real, []))

    def glob(self, pattern: str) -> list[str]:
        import fnmatch  # noqa: PLC0415 - only loops over globs need it

        directory, base = posixpath.split(pattern)
        if any(c in directory for c in "*?["):
            return []
        return [p for p in self.listdir(directory or "/")
                if fnmatch.fnmatchcase(posixpath.basename(p), base)]

    def text(self, artifact: Artifact) -> str:
        return self.read(artifact, MAX_SCRIPT_BYTES).decode("latin-1")

    def which(self, name: str, search_path: str) -> tuple[str | None, Artifact | None]:
        if "/" in name:
            path = posixpath.normpath("/" + name.lstrip("/"))
            return path, self.resolve(path)
        for directory in search_path.split(":"):
            if directory.startswith("/"):
                candidate = posixpath.join(directory, name)
                found = self.resolve(candidate)
                if found is not None and found.kind is not ArtifactKind.DIRECTORY:
                    return candidate, found
        return None, None

    # -- the walk ------------------------------------------------------------------------

    def walk(self) -> list[Launch]:
        entrypoints.inittab(self)
        entrypoints.rc_dirs(self)
        entrypoints.rc_local(self)
        entrypoints.systemd(self)
        entrypoints.superservers(self)
        entrypoints.cron(self)
        for directory in _INIT_DIRS:
            for path in self.listdir(directory):
                target = self.resolve(path)
                if target is not None and target.chain not in self._visited:
                    ctx = Ctx("init.d", Certainty.NO, None, path,
                              reason="no boot entry starts this init script")
                    self.run_script(path, ("start",), ctx)
        return self.launches

    def is_shell_script(self, artifact: Artifact) -> bool:
        if artifact.kind not in (ArtifactKind.SCRIPT, ArtifactKind.TEXT, ArtifactKind.EMPTY):
            return False
        head = self.read(artifact, 128)
        if not head.startswith(b"#!"):
            return artifact.kind is not ArtifactKind.EMPTY
        interpreter = head[2:].split(b"\n", 1)[0].split()
        names = {posixpath.basename(w.decode("latin-1")) for w in interpreter[:2]}
        return bool(names & (_SHELLS | {"rc.common", "busybox"}))

    def run_script(self, path: str, args: tuple[str, ...], parent: Ctx,
                   env: Mapping[str, str] | None = None) -> dict[str, str | None] | None:
        """Follow a shell script; returns its variables (for ``. file``), None if not one."""
        artifact = self.resolve(path)
        if artifact is None or not self.is_shell_script(artifact):
            return None
        if self._visited.get(artifact.chain, Certainty.NO - 1) >= parent.cap \
                or len(self._visited) >= _MAX_SCRIPTS or parent.depth >= _MAX_DEPTH:
            return {}
        self._visited[artifact.chain] = parent.cap
        real = self.fs_path(artifact)
        self.scripts[real] = artifact
        script = self._parsed.get(artifact.chain)
        if script is None:
            if self._parsed_bytes >= _MAX_TOTAL_BYTES:
                return {}
            text = self.text(artifact)
            self._parsed_bytes += len(text)
            script = self._parsed[artifact.chain] = parse(text)
        ctx = replace(parent, file=artifact, path=real, depth=parent.depth + 1, hints={},
                      procd=None, managed=False)
        entries: tuple[str, ...] = ()
        aliases: dict[str, str] = {}
        first = script.lines[0] if script.lines else ""
        if "rc.common" in first:
            action = args[0] if args else "start"
            if action in _NOT_STARTING:
                return {}
            entries = ("boot",) if action == "boot" and "boot" in script.functions \
                else ("start",)
            body = "\n".join(script.lines)
            if "start_service" in script.functions or "USE_PROCD" in body:
                aliases["start"] = "start_service"
                ctx.manager = "procd"
            else:
                ctx.manager = "init.d"
            self._apply_uci(ctx, posixpath.basename(real), body)
        elif real.startswith(_INIT_DIRS) and args:
            ctx.manager = "init.d"
        elif parent.manager == "inittab":
            ctx.manager = "rcS"
        evaluator = Evaluator(script, path, lambda ex: self.command(ex, ctx), self.exists,
                              self.glob, env=dict(env or {}), aliases=aliases)
        evaluator.run(args, entries)
        self._flush_procd(ctx)
        return evaluator.env

    def _apply_uci(self, ctx: Ctx, name: str, body: str) -> None:
        # the package may be named after the script or what it loads (miniupnpd -> upnpd)
        names = [name, *re.findall(r"^\s*config_load\s+['\"]?([\w.-]+)", body, re.MULTILINE)]
        config = next((c for c in (self.resolve(f"/etc/config/{n}") for n in names)
                       if c is not None), None)
        if config is None:
            return
        name = self.fs_path(config).rsplit("/", 1)[-1]
        ctx.uci = parse_uci(self.text(config))
        enabled, option = uci_enabled(ctx.uci, body)
        if enabled is False and option is not None:
            ctx.cap = Certainty.NO
            ctx.reason = f"/etc/config/{name} switches it off (option {option})"
            ctx.uci_forced = {option: "0" if option == "disabled" else "1"}

    def inline(self, text: str, ex: Exec, ctx: Ctx) -> None:
        """A command line held in a string (``su -c``, ``sh -c``, inittab, cron, ExecStart)."""
        if ctx.depth >= _MAX_DEPTH:
            return
        inner = replace(ctx, depth=ctx.depth + 1)

        def hook(sub: Exec) -> Mapping[str, str | None] | None:
            return self.command(replace(sub, line=ex.line, excerpt=ex.excerpt,
                                        certainty=min(sub.certainty, ex.certainty),
                                        background=sub.background or ex.background), inner)

        Evaluator(parse(text), ctx.path, hook, self.exists, self.glob).run()

    def command(self, ex: Exec, ctx: Ctx) -> Mapping[str, str | None] | None:
        """One command that may run: a wrapper, a script to follow, or a program."""
        dead_here = ex.certainty is Certainty.NO
        ex = replace(ex, certainty=min(ex.certainty, ctx.cap))
        if not ex.argv or ex.argv[0].startswith("$"):
            return None
        procd = self._procd(ex, ctx, dead_here)
        if procd is not None:
            return procd
        handled, updates = unwrap(self, ex, ctx)
        if handled:
            return updates
        binary, artifact = self.which(ex.argv[0], ex.search_path)
        if artifact is not None and self.is_shell_script(artifact):
            action = ex.argv[1] if len(ex.argv) > 1 else None
            if action in _NOT_STARTING:
                return None
            followed = self.run_script(binary or ex.argv[0], tuple(ex.argv[1:]),
                                       replace(ctx, cap=ex.certainty))
            if not (ex.background or ctx.managed) and followed is not None:
                return None
        self.launch(ex, ctx, binary, artifact)
        return None

    def launch(self, ex: Exec, ctx: Ctx, binary: str | None, artifact: Artifact | None,
               ) -> None:
        if len(self.launches) >= _MAX_LAUNCHES:
            return
        port = ctx.hints.get("port")
        protocol, listen = ctx.hints.get("protocol"), ctx.hints.get("listen")
        self.launches.append(Launch(
            ex.argv, binary if binary is not None or "/" not in ex.argv[0] else ex.argv[0],
            artifact, ctx.location(ex.line), ex.excerpt, ctx.manager, ex.certainty,
            ctx.managed or ex.background, ctx.user, ex.unresolved,
            port if isinstance(port, int) else None,
            protocol if isinstance(protocol, str) else None,
            listen if isinstance(listen, str) else None, ctx.console, ctx.reason))

    # -- OpenWrt procd instances and UCI lookups -------------------------------------------

    def _procd(self, ex: Exec, ctx: Ctx, dead_here: bool,
               ) -> Mapping[str, str | None] | None:
        """procd instance building and UCI reads; a line that cannot run changes nothing."""
        name, args = ex.argv[0], list(ex.argv[1:])
        if dead_here and name.startswith(("procd_", "config_")):
            return {}
        if name == "procd_open_instance":
            self._flush_procd(ctx)
            ctx.procd = []
            return {}
        if name == "procd_close_instance":
            self._flush_procd(ctx)
            return {}
        if name in ("procd_set_param", "procd_append_param") and args:
            if ctx.procd is None:
                ctx.procd = []
            if args[0] == "command" and len(args) > 1:
                if name == "procd_set_param" or not ctx.procd:
                    ctx.procd[:] = [(args[1:], ex, None)]
                else:
                    argv, first, user = ctx.procd[0]
                    ctx.procd[0] = ([*argv, *args[1:]], replace(first, unresolved=(
                        first.unresolved or ex.unresolved)), user)
            elif args[0] == "user" and len(args) > 1 and ctx.procd:
                argv, first, _ = ctx.procd[0]
                ctx.procd[0] = (argv, first, args[1])
            return {}
        if name == "config_load" and args:
            config = self.resolve(f"/etc/config/{args[0]}")
            ctx.uci = parse_uci(self.text(config)) if config is not None else []
            return {}
        if name in ("config_get", "config_get_bool") and len(args) >= 3:
            value = ctx.uci_forced.get(args[2]) or uci_get(ctx.uci or [], args[2], args[1])
            if value is None:
                value = args[3] if len(args) > 3 else None
            if name == "config_get_bool" and value is not None:
                value = "1" if value.lower() in ("1", "on", "yes", "true", "enabled") else "0"
            return {args[0]: value}
        return None

    def _flush_procd(self, ctx: Ctx) -> None:
        if not ctx.procd:
            ctx.procd = None
            return
        argv, ex, user = ctx.procd[0]
        ctx.procd = None
        if argv:
            inner = replace(ctx, managed=True, user=user or ctx.user)
            binary, artifact = self.which(argv[0], ex.search_path)
            self.launch(replace(ex, argv=tuple(argv)), inner, binary, artifact)
