"""Tokens of the POSIX shell for :mod:`.shellparse`: words with their quoting kept.

It owns splitting script text into words, operators and newlines: quotes removed but
remembered, ``$VAR``/``${VAR:-x}`` kept as symbolic parts, ``$(...)`` and backticks kept
opaque, comments dropped, line continuations joined, here-document bodies skipped, file
descriptor numbers of redirections dropped. It never raises on malformed input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPERATORS = ("&&", "||", ";;", ">>", "<<-", "<<", ">&", "<&", ">|", "&>", ";", "&", "|",
              "(", ")", "<", ">")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_SPECIAL_PARAMS = frozenset("0123456789@*#?$!-")
_PLAIN = re.compile(r"[^ \t\r\n'\"\\$`#;&|()<>]+")


@dataclass(frozen=True, slots=True)
class Part:
    """A piece of a word: literal text, a ``$VAR`` expansion, or an opaque ``$(...)``."""

    kind: str  # "lit", "var", "cmd"
    text: str  # the literal, the variable name, or the command text
    quoted: bool = False
    default: str | None = None  # ${VAR:-default}


Word = tuple[Part, ...]


def word_text(word: Word) -> str:
    """The word as it was written (quotes removed), for display and excerpts."""
    out: list[str] = []
    for part in word:
        if part.kind == "lit":
            out.append(part.text)
        elif part.kind == "var":
            out.append("${" + part.text + "}" if part.default is None
                       else "${" + part.text + ":-" + part.default + "}")
        else:
            out.append("$(" + part.text + ")")
    return "".join(out)


def literal(word: Word) -> str | None:
    """The word's value when it is plain text, else None."""
    if all(p.kind == "lit" for p in word):
        return "".join(p.text for p in word)
    return None


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "word", "op", "newline"
    line: int
    word: Word = ()
    op: str = ""


class _Lexer:
    """One pass over the text; ``run`` returns the tokens."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.line = 1
        self.tokens: list[Token] = []
        self.heredocs: list[tuple[str, bool]] = []

    def run(self) -> list[Token]:
        s = self.s
        parts: list[Part] = []
        start_line = self.line
        in_word = False
        while self.i < len(s):
            c = s[self.i]
            if c == "\\" and s.startswith("\\\n", self.i):
                self.i += 2
                self.line += 1
                continue
            if c in " \t\r\n" or (c in ";&|()<>" and self._op_at() is not None):
                if in_word:
                    self._emit_word(parts, start_line, c)
                    parts, in_word = [], False
                if c == "\n":
                    self.tokens.append(Token("newline", self.line))
                    self.i += 1
                    self.line += 1
                    self._skip_heredocs()
                elif c in " \t\r":
                    self.i += 1
                else:
                    op = self._op_at() or ""
                    self.tokens.append(Token("op", self.line, op=op))
                    self.i += len(op)
                    if op in ("<<", "<<-"):
                        self._heredoc_word(op == "<<-")
                continue
            if c == "#" and not in_word:
                end = s.find("\n", self.i)
                self.i = len(s) if end < 0 else end
                continue
            if not in_word:
                in_word, start_line = True, self.line
            self._word_piece(parts)
        if in_word:
            self._emit_word(parts, start_line, "")
        return self.tokens

    def _op_at(self) -> str | None:
        for op in _OPERATORS:
            if self.s.startswith(op, self.i):
                return op
        return None

    def _emit_word(self, parts: list[Part], line: int, nxt: str) -> None:
        # "2>" and "2>&1": a file descriptor number glued to a redirection is not a word.
        if nxt and nxt in "<>" and len(parts) == 1 and parts[0].kind == "lit" \
                and not parts[0].quoted and parts[0].text.isdigit():
            return
        if len(parts) == 1:
            self.tokens.append(Token("word", line, word=(parts[0],)))
            return
        merged: list[Part] = []
        for part in parts:
            if merged and part.kind == "lit" and merged[-1].kind == "lit" \
                    and merged[-1].quoted == part.quoted:
                merged[-1] = Part("lit", merged[-1].text + part.text, part.quoted)
            else:
                merged.append(part)
        self.tokens.append(Token("word", line, word=tuple(merged)))

    def _word_piece(self, parts: list[Part]) -> None:
        s, c = self.s, self.s[self.i]
        if c == "'":
            end = s.find("'", self.i + 1)
            end = len(s) if end < 0 else end
            text = s[self.i + 1:end]
            self.line += text.count("\n")
            parts.append(Part("lit", text, quoted=True))
            self.i = end + 1
        elif c == '"':
            self.i += 1
            parts.append(Part("lit", "", quoted=True))  # "" is still one (empty) word
            while self.i < len(s) and s[self.i] != '"':
                d = s[self.i]
                if d == "\\" and self.i + 1 < len(s) and s[self.i + 1] in '$`"\\\n':
                    if s[self.i + 1] != "\n":
                        parts.append(Part("lit", s[self.i + 1], quoted=True))
                    else:
                        self.line += 1
                    self.i += 2
                elif d in "$`":
                    self._expansion(parts, quoted=True)
                else:
                    self.line += d == "\n"
                    parts.append(Part("lit", d, quoted=True))
                    self.i += 1
            self.i += 1
        elif c == "\\":
            parts.append(Part("lit", s[self.i + 1:self.i + 2], quoted=True))
            self.i += 2
        elif c in "$`":
            self._expansion(parts, quoted=False)
        else:
            j = self.i
            match = _PLAIN.match(s, j)
            j = match.end() if match else j
            j = max(j, self.i + 1)  # a '#' inside a word is literal
            parts.append(Part("lit", s[self.i:j]))
            self.i = j

    def _expansion(self, parts: list[Part], quoted: bool) -> None:
        s = self.s
        if s[self.i] == "`":
            end = s.find("`", self.i + 1)
            end = len(s) if end < 0 else end
            parts.append(Part("cmd", s[self.i + 1:end], quoted))
            self.line += s.count("\n", self.i, end)
            self.i = end + 1
            return
        nxt = s[self.i + 1:self.i + 2]
        if nxt == "(":
            end = self._matching(self.i + 1, "(", ")")
            parts.append(Part("cmd", s[self.i + 2:end], quoted))
            self.line += s.count("\n", self.i, end)
            self.i = end + 1
        elif nxt == "{":
            end = self._matching(self.i + 1, "{", "}")
            inner = s[self.i + 2:end]
            self.i = end + 1
            name = inner[:64]
            for index, ch in enumerate(name):
                if ch not in _NAME_CHARS:
                    name = name[:index]
                    break
            default = None
            if inner.startswith(name) and inner[len(name):len(name) + 2] in (":-", ":="):
                default = inner[len(name) + 2:].strip("'\"")
            elif inner.startswith(name) and inner[len(name):len(name) + 1] in ("-", "="):
                default = inner[len(name) + 1:].strip("'\"")
            if name and inner != name and default is None:
                parts.append(Part("cmd", inner, quoted))  # ${#x}, ${x%y}: not worth modelling
            else:
                parts.append(Part("var", name, quoted, default))
        elif nxt and nxt in _SPECIAL_PARAMS:
            parts.append(Part("var", nxt, quoted))
            self.i += 2
        elif nxt and nxt in _NAME_CHARS:
            j = self.i + 1
            while j < len(s) and s[j] in _NAME_CHARS:
                j += 1
            parts.append(Part("var", s[self.i + 1:j], quoted))
            self.i = j
        else:
            parts.append(Part("lit", "$", quoted))
            self.i += 1

    def _matching(self, start: int, opening: str, closing: str) -> int:
        depth, j, s = 0, start, self.s
        while j < len(s):
            if s[j] == opening:
                depth += 1
            elif s[j] == closing:
                depth -= 1
                if depth == 0:
                    return j
            elif s[j] == "'" and opening == "(":
                k = s.find("'", j + 1)
                j = len(s) if k < 0 else k
            j += 1
        return len(s)

    def _heredoc_word(self, strip_tabs: bool) -> None:
        s = self.s
        while self.i < len(s) and s[self.i] in " \t":
            self.i += 1
        j = self.i
        while j < len(s) and s[j] not in " \t\n;&|<>":
            j += 1
        delimiter = s[self.i:j].strip("'\"\\")
        self.i = j
        if delimiter:
            self.heredocs.append((delimiter, strip_tabs))
            # the parser drops a redirection and the word after it
            self.tokens.append(Token("word", self.line, word=(Part("lit", delimiter),)))

    def _skip_heredocs(self) -> None:
        s = self.s
        for delimiter, strip_tabs in self.heredocs:
            while self.i < len(s):
                end = s.find("\n", self.i)
                end = len(s) if end < 0 else end
                text = s[self.i:end]
                self.i = end + 1
                self.line += 1
                if (text.lstrip("\t") if strip_tabs else text) == delimiter:
                    break
        self.heredocs = []


def tokenize(text: str) -> list[Token]:
    return _Lexer(text).run()
