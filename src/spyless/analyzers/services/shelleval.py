"""Decides which statements of a parsed script would run, and with which arguments.

It owns the static side of "running" a script without running anything: variables assigned
literally in the script, positional arguments (``start``, ``boot``), function calls,
``for`` loops over globs, ``case "$1"`` dispatch, and conditions that can be decided from
the script and the image alone (``if false``, ``[ -x /usr/sbin/telnetd ]``, string
comparisons of literals). Each command that would run becomes an :class:`Exec` with a
certainty: it runs, it may run (an undecidable condition), or it cannot run.
"""

from __future__ import annotations

import enum
import fnmatch
import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from spyless.analyzers.services.shelllex import Part, Word, word_text
from spyless.analyzers.services.shellparse import (
    Branch,
    CaseArm,
    Function,
    Loop,
    Script,
    Statement,
)

DEFAULT_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=")
_MAX_DEPTH = 12
_MAX_BINDINGS = 256
_GLOB_CHARS = frozenset("*?[")


class Certainty(enum.IntEnum):
    NO = 0
    MAYBE = 1
    YES = 2


@dataclass(frozen=True, slots=True)
class Exec:
    """A command that would run: its expanded words, where it is written, how surely."""

    argv: tuple[str, ...]
    line: int
    background: bool
    certainty: Certainty
    excerpt: str
    unresolved: bool = False  # some word holds an expansion the script does not decide
    search_path: str = DEFAULT_PATH


#: Called for each command; may return variables to set (from a sourced file, a config).
ExecHook = Callable[[Exec], Mapping[str, str | None] | None]
Glob = Callable[[str], list[str]]
Exists = Callable[[str], bool]


@dataclass(slots=True)
class _Scope:
    args: tuple[str, ...]
    stopped: bool = False


class Evaluator:
    """Walks one script in source order, calling ``hook`` for each command that may run."""

    def __init__(self, script: Script, name: str, hook: ExecHook, exists: Exists, glob: Glob,
                 env: Mapping[str, str] | None = None,
                 aliases: Mapping[str, str] | None = None) -> None:
        self.script = script
        self.name = name
        self.hook = hook
        self.exists = exists
        self.glob = glob
        self.env: dict[str, str | None] = {"PATH": DEFAULT_PATH, **(env or {})}
        self.aliases = dict(aliases or {})
        self.bodies: dict[str | None, list[tuple[Statement, tuple[object, ...]]]] = {}
        for stmt in script.statements:
            owner: str | None = None
            inner: tuple[object, ...] = stmt.frames
            for index in range(len(stmt.frames) - 1, -1, -1):
                frame = stmt.frames[index]
                if isinstance(frame, Function):
                    owner, inner = frame.name, stmt.frames[index + 1:]
                    break
            self.bodies.setdefault(owner, []).append((stmt, inner))
        self.active: list[str] = []

    def run(self, args: tuple[str, ...] = (), entries: tuple[str, ...] = ()) -> None:
        """The top level with ``args`` as $1..., then each entry function (rc.common)."""
        scope = _Scope(args)
        self._body(None, scope, Certainty.YES)
        for entry in entries:
            if not scope.stopped:
                self._call(entry, args, Certainty.YES)

    def _call(self, name: str, args: tuple[str, ...], certainty: Certainty) -> bool:
        target = name if name in self.script.functions else self.aliases.get(name)
        if target is None or target not in self.script.functions:
            return False
        if target in self.active or len(self.active) >= _MAX_DEPTH:
            return True
        self.active.append(target)
        try:
            self._body(target, _Scope(args), certainty)
        finally:
            self.active.pop()
        return True

    def _body(self, owner: str | None, scope: _Scope, outer: Certainty) -> None:
        for stmt, frames in self.bodies.get(owner, []):
            if scope.stopped:
                return
            for binding in self._bindings(frames, scope):
                self._statement(stmt, frames, scope, binding, outer)

    def _bindings(self, frames: tuple[object, ...], scope: _Scope) -> list[dict[str, str]]:
        loops = [f for f in frames if isinstance(f, Loop)]
        if not loops:
            return [{}]
        choices: list[list[tuple[str, str]]] = []
        for loop in loops:
            values = list(scope.args) if loop.words is None else self._loop_values(loop, scope)
            choices.append([(loop.var, v) for v in values[:_MAX_BINDINGS]])
        return [dict(combo) for combo in itertools.islice(itertools.product(*choices),
                                                          _MAX_BINDINGS)]

    def _loop_values(self, loop: Loop, scope: _Scope) -> list[str]:
        values: list[str] = []
        for word in loop.words or ():
            fields = self.expand(word, scope.args, {})
            if fields is None:
                continue
            unquoted_glob = any(p.kind == "lit" and not p.quoted and _GLOB_CHARS & set(p.text)
                                for p in word)
            for field in fields:
                values.extend(self.glob(field) if unquoted_glob else [field])
        return values

    def _statement(self, stmt: Statement, frames: tuple[object, ...], scope: _Scope,
                   binding: dict[str, str], outer: Certainty) -> None:
        certainty = min(outer, self._frames_certainty(frames, scope, binding))
        if stmt.guard is not None:
            op, previous = stmt.guard
            truth = self.truth(previous, scope.args, binding)
            if truth is None:
                certainty = min(certainty, Certainty.MAYBE)
            elif truth != (op == "&&"):
                certainty = Certainty.NO
        words = list(stmt.words)
        assignments: list[tuple[str, Word]] = []
        while words:
            match = _ASSIGNMENT.match(word_text(words[0][:1]))
            if match is None or words[0][0].quoted:
                break
            assignments.append(self._split_assignment(words.pop(0), match.end()))
        if not words:
            self._assign(assignments, scope, binding, certainty)
            return
        argv, unresolved = self._argv(words, scope.args, binding)
        if not argv:
            return
        if self._builtin(argv, words, scope, binding, certainty):
            return
        # a call that cannot run still tells what the function would start (disabled)
        if (argv[0] in self.script.functions or argv[0] in self.aliases) \
                and self._call(argv[0], tuple(argv[1:]), certainty):
            return
        path = self.env.get("PATH") or DEFAULT_PATH
        updates = self.hook(Exec(tuple(argv), stmt.line, stmt.background, certainty,
                                 self.script.line_text(stmt.line), unresolved, path))
        if updates and certainty is not Certainty.NO:
            self.env.update(updates)

    @staticmethod
    def _split_assignment(word: Word, end: int) -> tuple[str, Word]:
        first = word[0]
        name = first.text[:end - 1]
        rest = (Part("lit", first.text[end:], first.quoted), *word[1:])
        return name, rest

    def _assign(self, assignments: list[tuple[str, Word]], scope: _Scope,
                binding: dict[str, str], certainty: Certainty) -> None:
        for name, value in assignments:
            if certainty is Certainty.NO:
                continue
            if certainty is Certainty.MAYBE and self.env.get(name) is not None:
                continue  # `[ -z "$PORT" ] && PORT=23` keeps a value set before
            self.env[name] = self.expand_joined(value, scope.args, binding)

    def _builtin(self, argv: list[str], words: list[Word], scope: _Scope,
                 binding: dict[str, str], certainty: Certainty) -> bool:
        command = argv[0]
        if command in ("export", "local", "readonly", "declare", "typeset"):
            pairs: list[tuple[str, Word]] = []
            for word in words[1:]:
                match = _ASSIGNMENT.match(word_text(word[:1]))
                if match is not None:
                    pairs.append(self._split_assignment(word, match.end()))
            self._assign(pairs, scope, binding, certainty)
            return True
        if command == "append" and len(argv) >= 3 and certainty is not Certainty.NO:
            old = self.env.get(argv[1])
            sep = argv[3] if len(argv) > 3 else " "
            self.env[argv[1]] = argv[2] if not old else old + sep + argv[2]
            return True
        if command in ("exit", "return") and certainty is Certainty.YES:
            scope.stopped = True
            return True
        if command == "shift" and certainty is not Certainty.NO:
            scope.args = scope.args[1:]
            return True
        return False

    def _argv(self, words: list[Word], args: tuple[str, ...],
              binding: Mapping[str, str]) -> tuple[list[str], bool]:
        argv: list[str] = []
        unresolved = False
        for word in words:
            fields = self.expand(word, args, binding)
            if fields is None:
                unresolved = True
                argv.append(word_text(word))
            else:
                argv.extend(fields)
        return argv, unresolved

    def _lookup(self, name: str, default: str | None, args: tuple[str, ...],
                binding: Mapping[str, str]) -> str | None:
        if name in binding:
            return binding[name]
        if name.isdigit():
            index = int(name)
            if index == 0:
                return self.name
            value = args[index - 1] if index <= len(args) else None
            return value or default
        if name in ("@", "*"):
            return " ".join(args)
        if name == "#":
            return str(len(args))
        value = self.env.get(name)
        return value or default

    def expand(self, word: Word, args: tuple[str, ...],
               binding: Mapping[str, str]) -> list[str] | None:
        """The fields a word expands to, or None when the script does not decide it."""
        fields: list[str] = []
        current = ""
        keep = False  # a quoted or literal part keeps an empty word as one field
        for part in word:
            if part.kind == "cmd":
                return None
            if part.kind == "lit":
                current += part.text
                keep = True
                continue
            value = self._lookup(part.text, part.default, args, binding)
            if value is None:
                return None
            if part.quoted:
                current += value
                keep = True
                continue
            pieces = value.split()
            if not pieces:
                continue
            current += pieces[0]
            for piece in pieces[1:]:
                fields.append(current)
                current = piece
            keep = True
        if keep or current:
            fields.append(current)
        return fields

    def expand_joined(self, word: Word, args: tuple[str, ...],
                      binding: Mapping[str, str]) -> str | None:
        """Expansion without field splitting, as in an assignment."""
        out = ""
        for part in word:
            if part.kind == "cmd":
                return None
            if part.kind == "lit":
                out += part.text
                continue
            value = self._lookup(part.text, part.default, args, binding)
            if value is None:
                return None
            out += value
        return out

    def _frames_certainty(self, frames: tuple[object, ...], scope: _Scope,
                          binding: dict[str, str]) -> Certainty:
        certainty = Certainty.YES
        for frame in frames:
            if isinstance(frame, Branch):
                truths = [self.truth(s, scope.args, binding) for s in frame.must_true]
                truths += [self._negate(self.truth(s, scope.args, binding))
                           for s in frame.must_false]
                if False in truths:
                    return Certainty.NO
                if None in truths:
                    certainty = Certainty.MAYBE
            elif isinstance(frame, CaseArm):
                subject = self.expand_joined(frame.subject, scope.args, binding)
                if subject is None:
                    certainty = Certainty.MAYBE
                    continue
                patterns = [self.expand_joined(p, scope.args, binding) for p in frame.patterns]
                earlier = [self.expand_joined(p, scope.args, binding) for p in frame.earlier]
                # the first matching arm is the one that runs
                if any(p is not None and fnmatch.fnmatchcase(subject, p) for p in earlier):
                    return Certainty.NO
                if any(p is None for p in patterns + earlier):
                    certainty = Certainty.MAYBE
                elif not any(fnmatch.fnmatchcase(subject, p or "") for p in patterns):
                    return Certainty.NO
        return certainty

    @staticmethod
    def _negate(value: bool | None) -> bool | None:
        return None if value is None else not value

    def truth(self, stmt: Statement, args: tuple[str, ...],
              binding: Mapping[str, str]) -> bool | None:
        """Whether a condition holds, when the script and the image decide it."""
        words: list[str | None] = []
        for word in stmt.words:
            fields = self.expand(word, args, binding)
            if fields is None:
                words.append(None)
            else:
                words.extend(fields)
        if not words:
            return None
        result: bool | None = None
        head = words[0]
        if head in ("true", ":"):
            result = True
        elif head == "false":
            result = False
        elif head in ("[", "[[", "test"):
            body = words[1:]
            if head != "test" and body and body[-1] in ("]", "]]"):
                body = body[:-1]
            result = self._test(body)
        return self._negate(result) if stmt.negated else result

    def _test(self, args: list[str | None]) -> bool | None:
        if not args:
            return False
        if args[0] == "!":
            return self._negate(self._test(args[1:]))
        for joiner in ("-o", "-a"):
            if joiner in args and 0 < args.index(joiner) < len(args) - 1:
                index = args.index(joiner)
                left, right = self._test(args[:index]), self._test(args[index + 1:])
                if joiner == "-o":
                    return True if True in (left, right) else (None if None in (left, right)
                                                                else False)
                return False if False in (left, right) else (None if None in (left, right)
                                                             else True)
        if any(a is None for a in args):
            return None
        values = [a or "" for a in args]
        if len(values) == 1:
            return values[0] != ""
        if len(values) == 2:
            op, operand = values
            if op == "-n":
                return operand != ""
            if op == "-z":
                return operand == ""
            if op in ("-e", "-f", "-x", "-d", "-s", "-r", "-L", "-h"):
                # a file missing from the image may still be created at runtime
                return True if operand.startswith("/") and self.exists(operand) else None
            return None
        if len(values) == 3:
            return _compare(*values)
        return None


def _compare(left: str, op: str, right: str) -> bool | None:
    if op in ("=", "=="):
        return left == right
    if op == "!=":
        return left != right
    numeric = {"-eq": int.__eq__, "-ne": int.__ne__, "-gt": int.__gt__, "-lt": int.__lt__,
               "-ge": int.__ge__, "-le": int.__le__}
    if op in numeric:
        try:
            return bool(numeric[op](int(left), int(right)))
        except ValueError:
            return None
    return None
