"""The SQLite store: schema, writes from importers, lookups by product, metadata.

One table of advisories (``vulns``), one of affected-version rules indexed by
(vendor, product), one row per (advisory, source) with its modification date so an older
copy never overwrites a newer one, and ``sources``/``meta`` for ``spyless db info``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from spyless.vulndb.interface import FeedInfo, ImportStats, Record, Rule, VulnDBError

SCHEMA_VERSION = "2"
_MAX_SUMMARY = 400
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources(name TEXT PRIMARY KEY, licence TEXT, origin TEXT,
    records INTEGER NOT NULL DEFAULT 0, newest TEXT);
CREATE TABLE IF NOT EXISTS vulns(id TEXT PRIMARY KEY, modified TEXT, published TEXT,
    summary TEXT, severity TEXT, score REAL, vector TEXT, cwes TEXT, aliases TEXT, refs TEXT,
    fixed TEXT, kev INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS records(vuln TEXT NOT NULL, source TEXT NOT NULL, modified TEXT,
    feed TEXT NOT NULL, PRIMARY KEY(vuln, source)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rules(vuln TEXT NOT NULL, source TEXT NOT NULL,
    authority INTEGER NOT NULL, vendor TEXT NOT NULL, product TEXT NOT NULL, exact TEXT,
    any_update INTEGER NOT NULL DEFAULT 0, start TEXT, start_incl INTEGER NOT NULL DEFAULT 1,
    end TEXT, end_incl INTEGER NOT NULL DEFAULT 0, platform TEXT);
CREATE INDEX IF NOT EXISTS rules_exact ON rules(product, vendor, exact) WHERE exact IS NOT NULL;
CREATE INDEX IF NOT EXISTS rules_range ON rules(product, vendor, start, end, start_incl, end_incl,
    vuln, source, authority, exact, any_update, platform) WHERE exact IS NULL;
CREATE INDEX IF NOT EXISTS rules_vuln ON rules(vuln);
CREATE INDEX IF NOT EXISTS rules_authority ON rules(vuln, product, vendor) WHERE authority=1;
"""


class StoredRule(NamedTuple):
    vuln: str
    source: str
    authority: bool
    vendor: str
    product: str
    exact: str | None
    any_update: bool
    start: str | None
    start_incl: bool
    end: str | None
    end_incl: bool
    platform: tuple[tuple[str, ...], ...]


class VulnRow(NamedTuple):
    id: str
    summary: str | None
    severity: str | None
    score: float | None
    vector: str | None
    cwes: str | None
    aliases: str | None
    refs: str | None
    fixed: str | None
    kev: int
    published: str | None


_VULN_COLUMNS = "id, summary, severity, score, vector, cwes, aliases, refs, fixed, kev, published"


@dataclass(frozen=True, slots=True)
class SourceRow:
    name: str
    licence: str
    origin: str
    records: int
    newest: str | None


class Store:
    """A vulnerability database file. Open read-only for matching, writable for imports."""

    def __init__(self, path: Path, *, writable: bool = False) -> None:
        self.path = path
        try:
            if writable:
                path.parent.mkdir(parents=True, exist_ok=True)
                self.db = sqlite3.connect(path)
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.executescript(_SCHEMA)
                self.db.execute("INSERT OR IGNORE INTO meta VALUES('schema', ?)", (SCHEMA_VERSION,))
                self.db.commit()
            else:
                if not path.is_file():
                    raise VulnDBError(f"no vulnerability database at {path}")
                self.db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
                self.db.execute("PRAGMA mmap_size=268435456")
            schema = self.meta().get("schema")
        except sqlite3.Error as e:
            raise VulnDBError(f"cannot open vulnerability database {path}: {e}") from e
        if schema != SCHEMA_VERSION:
            raise VulnDBError(f"{path}: database schema {schema!r}, this spyless reads "
                              f"{SCHEMA_VERSION!r}; run 'spyless db update' or re-import")

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        try:
            with self.db:
                yield
        except sqlite3.Error as e:
            raise VulnDBError(f"{self.path}: {e}") from e

    # -- writing -------------------------------------------------------------------------

    def add(self, record: Record, feed: str) -> bool:
        """Store ``record`` (read from ``feed``) unless a newer copy from its source is there."""
        row = self.db.execute("SELECT modified FROM records WHERE vuln=? AND source=?",
                              (record.id, record.source)).fetchone()
        if row is not None and row[0] and record.modified and row[0] > record.modified:
            return False
        self.db.execute("DELETE FROM rules WHERE vuln=? AND source=?", (record.id, record.source))
        self.db.execute("INSERT OR REPLACE INTO records VALUES(?,?,?,?)",
                        (record.id, record.source, record.modified, feed))
        self.db.executemany("INSERT INTO rules VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                            [_rule_row(record, r) for r in record.rules])
        self._merge_vuln(record)
        return True

    def remove(self, vuln: str, source: str) -> None:
        """Forget what ``source`` said about ``vuln`` (it was rejected or withdrawn)."""
        self.db.execute("DELETE FROM rules WHERE vuln=? AND source=?", (vuln, source))
        self.db.execute("DELETE FROM records WHERE vuln=? AND source=?", (vuln, source))
        if self.db.execute("SELECT 1 FROM records WHERE vuln=?", (vuln,)).fetchone() is None:
            self.db.execute("DELETE FROM vulns WHERE id=?", (vuln,))

    def _merge_vuln(self, r: Record) -> None:
        old = self.db.execute("SELECT modified, summary, severity, score, vector, cwes, aliases, "
                              "refs, fixed, kev, published FROM vulns WHERE id=?", (r.id,)).fetchone()
        new = [r.modified, r.summary[:_MAX_SUMMARY], r.severity, r.score, r.vector, _j(r.cwes), _j(r.aliases),
               _j(r.references), _j(r.fixed), int(r.known_exploited), r.published]
        if old is not None:
            # A scored record (NVD) keeps its score when a CNA record without one arrives.
            newer = (r.modified or "") >= (old[0] or "")
            merged = [max(old[0] or "", r.modified or "") or None]
            for i in range(1, 11):
                a, b = old[i], new[i]
                empty_b = b in (None, "", 0)
                merged.append(a if empty_b or (not newer and a not in (None, "", 0)) else b)
            if r.score is None and old[3] is not None:
                merged[2], merged[3], merged[4] = old[2], old[3], old[4]
            merged[9] = int(bool(old[9]) or r.known_exploited)
            new = merged
        self.db.execute("INSERT OR REPLACE INTO vulns(id, modified, summary, severity, score, "
                        "vector, cwes, aliases, refs, fixed, kev, published) "
                        "VALUES(?,?,?,?,?,?,?,?,?,?,?,?)", (r.id, *new))

    def record_source(self, info: FeedInfo, stats: ImportStats) -> None:
        row = self.db.execute("SELECT newest FROM sources WHERE name=?", (info.source,)).fetchone()
        newest = max(filter(None, [stats.newest, row[0] if row else None]), default=None)
        count = self.db.execute("SELECT count(*) FROM records WHERE feed=?",
                                (info.source,)).fetchone()[0]
        self.db.execute("INSERT OR REPLACE INTO sources VALUES(?,?,?,?,?)",
                        (info.source, info.licence, info.origin, count, newest))
        self.refresh_meta()

    def refresh_meta(self) -> None:
        newest = self.db.execute("SELECT max(newest) FROM sources").fetchone()[0]
        self.set_meta("snapshot_date", newest or "")
        self.set_meta("vulnerabilities", str(self.db.execute(
            "SELECT count(*) FROM vulns").fetchone()[0]))

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES(?,?)", (key, value))

    # -- reading -------------------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        try:
            return dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.Error:
            return {}

    def sources(self) -> list[SourceRow]:
        rows = self.db.execute("SELECT name, licence, origin, records, newest FROM sources "
                               "ORDER BY name").fetchall()
        return [SourceRow(*row) for row in rows]

    def candidate_rules(self, pairs: Iterable[tuple[str, str]], full: str,
                        base: str) -> list[StoredRule]:
        """Rules of these vendor:product pairs whose version condition holds for ``full``."""
        out: list[StoredRule] = []
        for vendor, product in pairs:
            # no "exact IS NOT NULL" here: the planner would read it as a range over every
            # exact rule of the product; IN alone still selects the partial rules_exact index
            exact = self.db.execute(
                f"SELECT {_COLUMNS} FROM rules WHERE product=? AND vendor=? "  # noqa: S608 - constant
                "AND exact IN (?, ?)", (product, vendor, full, base)).fetchall()
            # the base version (7.4 of 7.4p1) only matches a CPE whose update was "*"
            exact = [row for row in exact if row[5] == full or row[6]]
            ranges = self.db.execute(
                f"SELECT {_COLUMNS} FROM rules WHERE product=? AND vendor=? AND exact IS NULL "  # noqa: S608 - constant
                "AND start<=? AND end>=?", (product, vendor, full, full)).fetchall()
            ranges = [row for row in ranges if (row[7] != full or row[8])
                      and (row[9] != full or row[10])]
            out += [_stored(row) for row in exact + ranges]
        return out

    def authoritative(self, pairs: Iterable[tuple[str, str]], vulns: Iterable[str]) -> set[str]:
        """Of ``vulns``, those a CNA/vendor source has rules for (under any of ``pairs``)."""
        wanted = list(dict.fromkeys(vulns))
        found: set[str] = set()
        for vendor, product in pairs:
            for i in range(0, len(wanted), 500):
                chunk = wanted[i:i + 500]
                marks = ",".join("?" * len(chunk))
                # rules_authority (CNA rules only) answers this; an older file without it
                # falls back to rules_vuln, which also reads each CVE's many NVD rules
                found.update(v for (v,) in self.db.execute(
                    f"SELECT DISTINCT vuln FROM rules WHERE authority=1 AND vuln IN ({marks}) "  # noqa: S608 - placeholders only
                    "AND product=? AND vendor=?", (*chunk, product, vendor)))
        return found

    def vulns(self, ids: Iterable[str]) -> dict[str, VulnRow]:
        wanted = list(dict.fromkeys(ids))
        out: dict[str, VulnRow] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(f"SELECT {_VULN_COLUMNS} FROM vulns "  # noqa: S608 - placeholders only
                                       f"WHERE id IN ({marks})", chunk):
                out[row[0]] = VulnRow(*row)
        return out


#: Version keys start with "." (versions.py): "" sorts below all, "~" above all.
_OPEN_START = ""
_OPEN_END = "~"
_COLUMNS = ("vuln, source, authority, vendor, product, exact, any_update, start, start_incl, "
            "end, end_incl, platform")


def _j(values: tuple[str, ...]) -> str:
    """Lists are stored tab-joined: cheaper to split than JSON to parse, per matched CVE."""
    return "\t".join(v.replace("\t", " ") for v in values)


def split_list(text: str | None) -> tuple[str, ...]:
    return tuple(text.split("\t")) if text else ()


def _rule_row(record: Record, rule: Rule) -> tuple[object, ...]:
    platform = json.dumps([list(p) for p in rule.platform]) if rule.platform else None
    start, end = rule.start, rule.end
    if rule.exact is None:  # open bounds as sentinels so "start <= ? AND end >= ?" uses the index
        start, end = start or _OPEN_START, end or _OPEN_END
    return (record.id, record.source, int(record.authority), rule.vendor, rule.product,
            rule.exact, int(rule.any_update), start, int(rule.start_incl), end,
            int(rule.end_incl), platform)


def _stored(row: tuple[Any, ...]) -> StoredRule:
    if row[7] == _OPEN_START or row[9] == _OPEN_END:
        row = (*row[:7], row[7] or None, row[8], None if row[9] == _OPEN_END else row[9], *row[10:])
    if row[11]:
        platform = tuple(tuple(p) for p in json.loads(row[11]))
        return StoredRule(*row[:11], platform)  # type: ignore[call-arg]
    return StoredRule(*row[:11], ())  # type: ignore[call-arg]
