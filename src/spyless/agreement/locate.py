"""Line numbers for key paths in a TOML text, which :mod:`tomllib` does not give.

The stdlib parser stays the one that decides what the file means (spec-exact, no extra
dependency); this scanner only finds where table headers and ``key =`` lines are, so that
an error about ``endpoints[2].host`` can say "line 41". It follows ``[table]`` and
``[[array]]`` headers (counting array elements per parent), dotted and quoted keys, and
skips the inside of multi-line strings and arrays. A path it cannot place falls back to
the line of its nearest located parent.
"""

from __future__ import annotations

import re

Key = str | int
KeyPath = tuple[Key, ...]

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def _split_key(text: str) -> list[str] | None:
    """``a."b.c".d`` -> ["a", "b.c", "d"]; None when it is not a key."""
    parts: list[str] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t":
            i += 1
        if i >= n:
            return None
        if text[i] in "\"'":
            quote = text[i]
            end = text.find(quote, i + 1)
            if end < 0:
                return None
            parts.append(text[i + 1:end])
            i = end + 1
        else:
            match = _BARE.match(text, i)
            if not match:
                return None
            parts.append(match.group())
            i = match.end()
        while i < n and text[i] in " \t":
            i += 1
        if i < n:
            if text[i] != ".":
                return None
            i += 1
    return parts or None


def _key_and_rest(line: str) -> tuple[list[str], str] | None:
    """Split ``key = value`` at the first ``=`` outside quotes."""
    quote = ""
    for i, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "=":
            key = _split_key(line[:i])
            return (key, line[i + 1:]) if key else None
    return None


def _open_brackets(value: str) -> tuple[int, str]:
    """Net ``[``/``{`` depth of a value and any multi-line string left open at its end."""
    depth, i, n = 0, 0, len(value)
    while i < n:
        if value.startswith(('"""', "'''"), i):
            delimiter = value[i:i + 3]
            end = value.find(delimiter, i + 3)
            if end < 0:
                return depth, delimiter
            i = end + 3
            continue
        char = value[i]
        if char == "#":
            break
        if char in "\"'":
            end = i + 1
            while end < n and value[end] != char:
                end += 2 if char == '"' and value[end] == "\\" else 1
            i = end + 1
            continue
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        i += 1
    return depth, ""


class Locator:
    """Maps key paths of one TOML text to 1-based line numbers."""

    def __init__(self, text: str) -> None:
        self.lines: dict[KeyPath, int] = {}
        self._counts: dict[KeyPath, int] = {}
        self._scan(text)

    def line(self, path: KeyPath) -> int | None:
        for end in range(len(path), 0, -1):
            found = self.lines.get(path[:end])
            if found is not None:
                return found
        return None

    def _resolve(self, names: list[str]) -> KeyPath:
        """A header's names with the index of the latest element of each array on the way."""
        resolved: list[Key] = []
        for name in names:
            resolved.append(name)
            count = self._counts.get(tuple(resolved))
            if count is not None:
                resolved.append(count - 1)
        return tuple(resolved)

    def _scan(self, text: str) -> None:
        table: KeyPath = ()
        depth, open_string = 0, ""
        for number, raw in enumerate(text.splitlines(), 1):
            if open_string:
                end = raw.find(open_string)
                if end >= 0:
                    more, open_string = _open_brackets(raw[end + 3:])
                    depth = max(depth + more, 0)
                continue
            if depth > 0:
                more, open_string = _open_brackets(raw)
                depth = max(depth + more, 0)
                continue
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("[["):
                names = _split_key(line[2:line.find("]]")] if "]]" in line else "")
                if names:
                    parent = (*self._resolve(names[:-1]), names[-1])
                    self._counts[parent] = self._counts.get(parent, 0) + 1
                    table = (*parent, self._counts[parent] - 1)
                    self.lines.setdefault(parent, number)
                    self.lines[table] = number
                continue
            if line.startswith("["):
                names = _split_key(line[1:line.find("]")] if "]" in line else "")
                if names:
                    table = self._resolve(names)
                    self.lines.setdefault(table, number)
                continue
            parsed = _key_and_rest(line)
            if parsed is None:
                continue
            key, rest = parsed
            self.lines.setdefault((*table, *key), number)
            more, open_string = _open_brackets(rest)
            depth = max(more, 0)
