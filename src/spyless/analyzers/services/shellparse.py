"""A light parser for the POSIX shell that init scripts are written in.

It owns turning script text into a flat list of :class:`Statement` objects: simple
commands with their words (quotes removed, expansions kept symbolic), source line, whether
they run in the background, the ``&&``/``||`` guard before them and the stack of
constructs they sit in (if/else branches, loops, case arms, function bodies). Nothing is
executed; :mod:`.shelleval` decides later what would run. Malformed scripts give a best
effort result, never an exception: unbalanced keywords are ignored, and the work done is
bounded by the input size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spyless.analyzers.services.shelllex import Token, Word, literal, tokenize

MAX_SCRIPT_BYTES = 128 << 10
_MAX_STATEMENTS = 10_000

_KEYWORDS = ("if", "while", "until", "then", "do", "elif", "else", "fi", "done", "for", "case",
             "esac", "{", "}", "function", "!")
_REDIRECTS = frozenset({">>", "<<-", "<<", ">&", "<&", ">|", "&>", "<", ">"})


@dataclass(frozen=True, slots=True)
class Branch:
    """Inside an if/elif/else branch or a loop body: runs when the conditions hold."""

    must_true: tuple[Statement, ...] = ()
    must_false: tuple[Statement, ...] = ()


@dataclass(frozen=True, slots=True)
class Loop:
    """Inside ``for VAR in WORDS``; ``words`` is None for ``for VAR`` (the arguments)."""

    var: str
    words: tuple[Word, ...] | None


@dataclass(frozen=True, slots=True)
class CaseArm:
    """One arm of ``case``; ``earlier`` holds the patterns of the arms before it."""

    subject: Word
    patterns: tuple[Word, ...]
    earlier: tuple[Word, ...] = ()


@dataclass(frozen=True, slots=True)
class Function:
    name: str


@dataclass(frozen=True, slots=True)
class Group:
    """``{ ... }`` or a ``( ... )`` subshell: no effect on what runs."""


Frame = Branch | Loop | CaseArm | Function | Group


@dataclass(frozen=True, slots=True)
class Statement:
    words: tuple[Word, ...]
    line: int
    frames: tuple[Frame, ...] = ()
    background: bool = False
    negated: bool = False
    #: The statement before a ``&&`` or ``||`` and that operator.
    guard: tuple[str, Statement] | None = None


@dataclass(slots=True)
class Script:
    statements: list[Statement] = field(default_factory=list)
    functions: set[str] = field(default_factory=set)
    lines: list[str] = field(default_factory=list)

    def line_text(self, line: int) -> str:
        return self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""


def _is_kw(word: Word, *names: str) -> bool:
    return len(word) == 1 and word[0].kind == "lit" and not word[0].quoted \
        and word[0].text in names


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.stack: list[Frame] = []
        self.out: list[Statement] = []
        self.functions: set[str] = set()
        # if/while bookkeeping: conditions collected until then/do
        self.collecting: list[list[Statement]] = []
        self.pending_conditions: list[tuple[str, list[Statement]]] = []
        self.done_conditions: list[list[Statement]] = []
        self.pending_function: str | None = None
        self.case_patterns = False
        self.for_open = False

    def parse(self) -> list[Statement]:
        guard: tuple[str, Statement] | None = None
        while self.pos < len(self.tokens) and len(self.out) < _MAX_STATEMENTS:
            if self.case_patterns:
                self._case_pattern()
                continue
            words, line, negated = self._simple()
            stmt: Statement | None = None
            if words:
                stmt = Statement(tuple(words), line, tuple(self.stack), negated=negated,
                                 guard=guard)
            term = self._next_terminator()
            if stmt is not None:
                if term == "&":
                    stmt = Statement(stmt.words, stmt.line, stmt.frames, True, negated, guard)
                self._emit(stmt)
            guard = (term, stmt) if term in ("&&", "||") and stmt is not None else None
            if term == ";;":
                self.case_patterns = True
        return self.out

    def _emit(self, stmt: Statement) -> None:
        self.out.append(stmt)
        if self.collecting:
            self.collecting[-1].append(stmt)

    def _next_terminator(self) -> str:
        while self.pos < len(self.tokens):
            tok = self.tokens[self.pos]
            self.pos += 1
            if tok.kind == "newline":
                return "\n"
            if tok.kind == "op" and tok.op in (";", "&", "&&", "||", "|", ";;"):
                return tok.op
            if tok.kind == "op" and tok.op == ")":
                self._pop_to(Group)
                continue
            if tok.kind == "op" and tok.op == "(":
                self.stack.append(Group())
                return "("
            if tok.kind == "word":
                self.pos -= 1
                return ""
        return ""

    def _simple(self) -> tuple[list[Word], int, bool]:
        """Words of one simple command, after the keywords that open or close constructs."""
        words: list[Word] = []
        line = self.tokens[self.pos].line if self.pos < len(self.tokens) else 0
        negated = False
        while self.pos < len(self.tokens):
            tok = self.tokens[self.pos]
            if tok.kind != "word":
                if tok.kind == "op" and tok.op in _REDIRECTS:
                    self.pos += 2 if tok.op not in (">&", "<&") or self._next_is_word() else 1
                    continue
                if tok.kind == "op" and tok.op == "(" and len(words) == 1 \
                        and self._at(self.pos + 1, ")"):
                    self.pending_function = literal(words[0])
                    self.pos += 2
                    words = []
                    continue
                break
            self.pos += 1
            if not words and self._keyword(tok.word):
                line = self.tokens[self.pos].line if self.pos < len(self.tokens) else line
                if _is_kw(tok.word, "!"):
                    negated = True
                continue
            if not words:
                line = tok.line
            words.append(tok.word)
        return words, line, negated

    def _next_is_word(self) -> bool:
        return self.pos + 1 < len(self.tokens) and self.tokens[self.pos + 1].kind == "word"

    def _at(self, index: int, op: str) -> bool:
        return index < len(self.tokens) and self.tokens[index].kind == "op" \
            and self.tokens[index].op == op

    def _keyword(self, word: Word) -> bool:
        if not _is_kw(word, *_KEYWORDS):
            return False
        if _is_kw(word, "if", "while", "until"):
            kind = literal(word) or ""
            self.collecting.append([])
            self.pending_conditions.append((kind, []))
            return True
        if _is_kw(word, "then", "do"):
            if _is_kw(word, "do") and self._last_is_for():
                return True
            if self.collecting and self.pending_conditions:
                cond = self.collecting.pop()
                kind, previous = self.pending_conditions.pop()
                last = (cond[-1],) if cond else ()
                if kind == "until":
                    self.stack.append(Branch(must_false=last))
                else:
                    self.stack.append(Branch(must_true=last, must_false=tuple(previous)))
                self.done_conditions.append([*previous, *last])
            return True
        if _is_kw(word, "elif", "else"):
            previous = self.done_conditions.pop() if self.done_conditions else []
            self._pop_to(Branch)
            if _is_kw(word, "elif"):
                self.collecting.append([])
                self.pending_conditions.append(("if", previous))
            else:
                self.stack.append(Branch(must_false=tuple(previous)))
                self.done_conditions.append(previous)
            return True
        if _is_kw(word, "fi", "done"):
            if self.done_conditions and not (_is_kw(word, "done") and self._top_is(Loop)):
                self.done_conditions.pop()
            self._pop_to(Loop if _is_kw(word, "done") and self._top_is(Loop) else Branch)
            return True
        if _is_kw(word, "for"):
            self._for()
            return True
        if _is_kw(word, "case"):
            subject = self._take_word()
            self._take_word()  # "in"
            self.stack.append(CaseArm(subject or (), ()))
            self.case_patterns = True
            return True
        if _is_kw(word, "esac"):
            self._pop_to(CaseArm)
            self.case_patterns = False
            return True
        if _is_kw(word, "{"):
            if self.pending_function:
                self.functions.add(self.pending_function)
                self.stack.append(Function(self.pending_function))
                self.pending_function = None
            else:
                self.stack.append(Group())
            return True
        if _is_kw(word, "}"):
            self._pop_to(Group, Function)
            return True
        if _is_kw(word, "function"):
            name = self._take_word()
            self.pending_function = literal(name) if name else None
            if self._at(self.pos, "(") and self._at(self.pos + 1, ")"):
                self.pos += 2
            return True
        return _is_kw(word, "!")

    def _last_is_for(self) -> bool:
        opened, self.for_open = self.for_open, False
        return opened and self._top_is(Loop)

    def _for(self) -> None:
        var = self._take_word()
        words: list[Word] = []
        has_in = False
        while self.pos < len(self.tokens) and self.tokens[self.pos].kind == "word":
            tok = self.tokens[self.pos]
            self.pos += 1
            if not has_in and _is_kw(tok.word, "in"):
                has_in = True
                continue
            if _is_kw(tok.word, "do"):
                self.stack.append(Loop(literal(var or ()) or "", tuple(words) if has_in
                                       else None))
                return
            words.append(tok.word)
        self.stack.append(Loop(literal(var or ()) or "", tuple(words) if has_in else None))
        self.for_open = True

    def _take_word(self) -> Word | None:
        if self.pos < len(self.tokens) and self.tokens[self.pos].kind == "word":
            self.pos += 1
            return self.tokens[self.pos - 1].word
        return None

    def _top_is(self, kind: type) -> bool:
        return bool(self.stack) and isinstance(self.stack[-1], kind)

    def _pop_to(self, *kinds: type) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if isinstance(self.stack[index], kinds):
                del self.stack[index:]
                return

    def _case_pattern(self) -> None:
        patterns: list[Word] = []
        while self.pos < len(self.tokens):
            tok = self.tokens[self.pos]
            self.pos += 1
            if tok.kind == "newline" or (tok.kind == "op" and tok.op in ("(", "|", ";;")):
                continue
            if tok.kind == "op" and tok.op == ")":
                break
            if tok.kind == "word" and _is_kw(tok.word, "esac") and not patterns:
                self._pop_to(CaseArm)
                self.case_patterns = False
                return
            if tok.kind == "word":
                patterns.append(tok.word)
        subject: Word = ()
        earlier: tuple[Word, ...] = ()
        for index in range(len(self.stack) - 1, -1, -1):
            frame = self.stack[index]
            if isinstance(frame, CaseArm):
                subject, earlier = frame.subject, frame.earlier + frame.patterns
                del self.stack[index:]
                break
        self.stack.append(CaseArm(subject, tuple(patterns), earlier))
        self.case_patterns = False


def parse(text: str) -> Script:
    """Parse a script (bounded to MAX_SCRIPT_BYTES); never raises on malformed input."""
    text = text[:MAX_SCRIPT_BYTES]
    tokens = tokenize(text)
    parser = _Parser(tokens)
    statements = parser.parse()
    return Script(statements, parser.functions, text.split("\n"))
