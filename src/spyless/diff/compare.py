"""Judging one pair of artifacts: identical, different only in named benign ways, or not.

Files are judged deepest first, so a container is judged knowing how everything extracted
from it compared: a SquashFS image whose bytes differ is benign (``container-reencoded``)
only when every file in it is, and a TP-Link image's bytes that belong to a part stored
verbatim inside it are excused by that part's own verdict (``child-file``).
"""

from __future__ import annotations

from spyless.diff.containers import (
    HeaderField,
    Segment,
    covered,
    header_fields,
    same_layout,
    segments,
    tar_field,
)
from spyless.diff.elfsections import Section, is_elf, read_sections, section_at
from spyless.diff.found import Findings, first_difference
from spyless.diff.interface import PairResult, PairStatus, Rule
from spyless.diff.normalise import (
    Span,
    differing_spans,
    is_padding,
    token_rule,
    token_rule_unaligned,
)
from spyless.diff.pairing import Entry, ImageIndex
from spyless.unpack.interface import ArtifactKind

#: Text files of different lengths are aligned line by line up to this many lines.
ALIGN_LINES = 20_000
#: Larger files are only known to differ (bounded memory on hostile input).
MAX_COMPARED = 256 * 1024 * 1024
SIGNATURE_MAX = 8192
_TEXT = frozenset({ArtifactKind.TEXT, ArtifactKind.SCRIPT})
_BUILD_ID_SECTIONS = frozenset({".note.gnu.build-id", ".gnu_debuglink"})
#: Formats that store their members compressed: no member is found verbatim inside.
_COMPRESSED = frozenset({"squashfs", "squashfs_vendor", "jffs2", "ubifs", "cramfs", "gzip",
                         "xz", "lzma", "zstd", "lz4", "lz4-legacy", "bzip2", "zlib", "lzop",
                         "zip", "7z", "7z-tool", "ubi"})
_VERBATIM_MEMBERS = 64
_OK = frozenset({PairStatus.IDENTICAL, PairStatus.BENIGN})


class Judge:
    """Judges pairs of two indexed images; ``results`` holds every verdict so far by key."""

    def __init__(self, built: ImageIndex, deployed: ImageIndex) -> None:
        self.a, self.b = built, deployed
        self.results: dict[str, PairResult] = {}

    def judge(self, ea: Entry, eb: Entry) -> PairResult:
        found = Findings()
        for reason in _metadata(ea, eb):
            found.reason(reason)
        art_a, art_b = ea.artifact, eb.artifact
        if ea.is_file and eb.is_file and art_a.sha256 != art_b.sha256 and max(
                art_a.size, art_b.size) > MAX_COMPARED:
            found.reason(f"too large to compare byte by byte ({art_a.size} -> {art_b.size} "
                         "bytes); the contents differ")
        elif ea.is_file and eb.is_file and art_a.sha256 != art_b.sha256:
            try:
                da = ea.disk.read_bytes() if ea.disk else b""
                db = eb.disk.read_bytes() if eb.disk else b""
            except OSError as e:
                found.reason(f"cannot read: {e.strerror or e}")
            else:
                if ea.chunks or eb.chunks:
                    self._container(ea, eb, da, db, found)
                else:
                    self._leaf(ea, da, db, found)
        if found.reasons or found.regions:
            status = PairStatus.DIFFERENT
        elif found.normalisations or found.more_normalisations:
            status = PairStatus.BENIGN
        else:
            status = PairStatus.IDENTICAL
        result = PairResult(
            ea.key, status, art_a.kind.value, art_a.chain, art_b.chain, art_a.size, art_b.size,
            art_a.sha256, art_b.sha256, tuple(found.normalisations), found.more_normalisations,
            tuple(found.regions), found.more_regions, tuple(found.sections),
            tuple(found.reasons))
        self.results[ea.key] = result
        return result

    # containers -------------------------------------------------------------------------

    def _container(self, ea: Entry, eb: Entry, da: bytes, db: bytes, found: Findings) -> None:
        if not same_layout(ea.chunks, eb.chunks):
            names_a = ", ".join(f"{c.format}@0x{c.offset:x}" for c in ea.chunks) or "none"
            names_b = ", ".join(f"{c.format}@0x{c.offset:x}" for c in eb.chunks) or "none"
            found.reason(f"different containers inside: built {names_a}; deployed {names_b}")
            first_difference(da, db, found)
            return
        seg_a, seg_b = segments(ea.chunks, len(da)), segments(eb.chunks, len(db))
        for n, (x, y) in enumerate(zip(seg_a, seg_b, strict=True)):
            if x.chunk is None:
                _gap(da, db, x, y, found, trailing=ea.key == "" and n == len(seg_a) - 1)
            else:
                self._chunk(da, db, x, y, found)

    def _members_ok(self, chunk_key: str) -> tuple[int, bool]:
        members = set(self.a.members.get(chunk_key, ())) | set(self.b.members.get(chunk_key, ()))
        ok = all(k in self.results and self.results[k].status in _OK for k in members)
        return len(members), ok

    def _chunk(self, da: bytes, db: bytes, x: Segment, y: Segment, found: Findings) -> None:
        if x.chunk is None or y.chunk is None:
            return
        part_a, part_b = da[x.start:x.end], db[y.start:y.end]
        if part_a == part_b:
            return
        fmt, key = x.chunk.format, x.chunk.key
        members, members_ok = self._members_ok(key)
        complete = x.chunk.complete and y.chunk.complete
        where = f"{fmt} chunk at 0x{x.start:x}"
        if len(part_a) != len(part_b):
            if members and members_ok and complete:
                found.benign(Rule.CONTAINER_REENCODED, da, db, x.start, x.length,
                             f"{where}: {x.length} -> {y.length} bytes; {_entries(members)} "
                             "inside, all equivalent", b_start=y.start)
            else:
                found.reason(f"{where}: contents differ" + (" (see the files inside)"
                                                              if members else ""))
                first_difference(da, db, found, x.start, x.end, y.start, y.end)
            return
        fields = header_fields(fmt, da, x.start)
        verbatim: list[tuple[int, int, str]] | None = None
        leftovers: list[Span] = []
        for span in differing_spans(part_a, part_b):
            absolute = Span(x.start + span.start, x.start + span.end)
            used = covered(absolute, fields)
            if used is None and fmt == "tar":
                tar = tar_field(da, x.start, absolute.start)
                used = covered(absolute, [tar]) if tar is not None else None
            if used is not None:
                _header(used, da, db, x, y, found)
                continue
            if verbatim is None:
                verbatim = self._verbatim(key, fmt, part_a, part_b)
            child = next((c for c in verbatim if c[0] <= span.start and span.end <= c[1]), None)
            if child is None:
                leftovers.append(span)
            elif self.results[child[2]].status in _OK:
                found.benign(Rule.CHILD_FILE, part_a, part_b, child[0], child[1] - child[0],
                             f"{where}: holds {child[2]} verbatim", x.start, y.start)
            else:
                found.reason(f"{where}: holds {child[2]}, which differs")
        if not leftovers:
            return
        if members and members_ok and complete:
            first, last = leftovers[0], leftovers[-1]
            found.benign(Rule.CONTAINER_REENCODED, part_a, part_b, first.start,
                         last.end - first.start, f"{where}: {len(leftovers)} regions; "
                         f"{_entries(members)} inside, all equivalent", x.start, y.start)
            return
        if members:
            found.reason(f"{where}: contents differ (see the files inside)")
        for span in leftovers:
            found.genuine(part_a, part_b, span.start, span.length, None, x.start, y.start)

    def _verbatim(self, chunk_key: str, fmt: str, part_a: bytes, part_b: bytes
                  ) -> list[tuple[int, int, str]]:
        """Members stored verbatim at the same place in both chunks: (start, end, key)."""
        if fmt in _COMPRESSED:
            return []
        out = []
        for key in self.a.members.get(chunk_key, ())[:_VERBATIM_MEMBERS]:
            ea, eb = self.a.entries.get(key), self.b.entries.get(key)
            if (ea is None or eb is None or not ea.is_file or not eb.is_file
                    or key not in self.results or ea.artifact.size < 64
                    or ea.artifact.size != eb.artifact.size):
                continue
            try:
                data_a = ea.disk.read_bytes() if ea.disk else b""
                data_b = eb.disk.read_bytes() if eb.disk else b""
            except OSError:
                continue
            at = part_a.find(data_a)
            if at >= 0 and part_b.find(data_b, at, at + len(data_b)) == at:
                out.append((at, at + len(data_a), key))
        return out

    # plain files ------------------------------------------------------------------------

    def _leaf(self, ea: Entry, da: bytes, db: bytes, found: Findings) -> None:
        allow_paths = ea.artifact.kind not in _TEXT
        elf = is_elf(da) and is_elf(db)
        if len(da) == len(db):
            sections = read_sections(da) if elf else ()
            for span in differing_spans(da, db):
                _explain(da, db, span, section_at(sections, span.start), allow_paths, found)
        elif elf:
            _elf_by_section(da, db, allow_paths, found)
        elif ea.artifact.kind in _TEXT and max(da.count(b"\n"), db.count(b"\n")) < ALIGN_LINES:
            _aligned_lines(da, db, found)
        else:
            found.reason(f"sizes differ: {len(da)} -> {len(db)} bytes")
            first_difference(da, db, found)


def _entries(count: int) -> str:
    return f"{count} entry" if count == 1 else f"{count} entries"


def _metadata(ea: Entry, eb: Entry) -> list[str]:
    a, b = ea.artifact, eb.artifact
    out = []
    if a.kind is not b.kind and ArtifactKind.DIRECTORY in (a.kind, b.kind):
        out.append(f"a {a.kind.value} in the build, a {b.kind.value} when deployed")
    if a.link_target != b.link_target:
        out.append(f"link target {a.link_target!r} -> {b.link_target!r}")
    if a.mode is not None and b.mode is not None and a.mode != b.mode:
        out.append(f"mode {a.mode:o} -> {b.mode:o}")
    if (a.uid, a.gid) != (b.uid, b.gid) and None not in (a.uid, b.uid):
        out.append(f"owner {a.uid}:{a.gid} -> {b.uid}:{b.gid}")
    if ea.is_file != eb.is_file:
        out.append("a regular file on one side only")
    return out


def _header(used: list[HeaderField], da: bytes, db: bytes, x: Segment, y: Segment,
            found: Findings) -> None:
    for f in used:
        found.benign(f.rule, da, db, f.start, f.length, f.label,
                     b_start=y.start + f.start - x.start)


def _gap(da: bytes, db: bytes, x: Segment, y: Segment, found: Findings,
         trailing: bool) -> None:
    part_a, part_b = da[x.start:x.end], db[y.start:y.end]
    if part_a == part_b:
        return
    if is_padding(part_a, part_b) or (not part_a.strip(b"\0\xff")
                                      and not part_b.strip(b"\0\xff")):
        found.benign(Rule.PADDING, da, db, x.start, x.length,
                     f"{x.length} -> {y.length} fill bytes", b_start=y.start)
        return
    if trailing and max(len(part_a.strip(b"\0\xff")), len(part_b.strip(b"\0\xff"))) <= (
            SIGNATURE_MAX):
        found.benign(Rule.SIGNATURE, da, db, x.start, x.length,
                     f"trailing block after the last container ({x.length} -> {y.length} "
                     "bytes)", b_start=y.start)
        return
    if len(part_a) != len(part_b):
        found.reason(f"bytes between containers differ at 0x{x.start:x}")
        first_difference(da, db, found, x.start, x.end, y.start, y.end)
        return
    for span in differing_spans(part_a, part_b):
        _explain(part_a, part_b, span, None, True, found, x.start, y.start)


def _explain(a: bytes, b: bytes, span: Span, section: Section | None, allow_paths: bool,
             found: Findings, base_a: int = 0, base_b: int = 0) -> None:
    """Excuse one differing span of equally placed bytes by a rule, or record it."""
    name = section.name if section else None
    where = f"section {name}" if name else ""
    if name in _BUILD_ID_SECTIONS:
        found.benign(Rule.BUILD_ID, a, b, span.start, span.length, where, base_a, base_b)
    elif is_padding(a[span.start:span.end], b[span.start:span.end]):
        found.benign(Rule.PADDING, a, b, span.start, span.length, where, base_a, base_b)
    elif (hit := token_rule(a, b, span, allow_paths)) is not None:
        rules, run = hit
        detail = ", ".join([where] * bool(where) + [f"also {r.value}" for r in rules[1:]])
        found.benign(rules[0], a, b, run.start, run.length, detail, base_a, base_b)
    else:
        found.genuine(a, b, span.start, span.length, name, base_a, base_b)


def _elf_by_section(da: bytes, db: bytes, allow_paths: bool, found: Findings) -> None:
    """Two ELF files of different sizes: compare section by section, by name."""
    sections_a, sections_b = read_sections(da), read_sections(db)
    if not sections_a or not sections_b:
        found.reason(f"sizes differ: {len(da)} -> {len(db)} bytes")
        first_difference(da, db, found)
        return
    by_name = {s.name: s for s in sections_b}
    resized: list[str] = []
    for sa in sections_a:
        sb = by_name.pop(sa.name, None)
        if sb is None:
            found.reason(f"section {sa.name} only in the build")
            found.sections[sa.name] = None
            continue
        part_a, part_b = da[sa.offset:sa.end], db[sb.offset:sb.end]
        if part_a == part_b:
            continue
        if len(part_a) != len(part_b):
            resized.append(f"{sa.name} {sa.size} -> {sb.size}")
            first_difference(da, db, found, sa.offset, sa.end, sb.offset, sb.end, sa.name)
            continue
        for span in differing_spans(part_a, part_b):
            _explain(part_a, part_b, span, sa, allow_paths, found, sa.offset, sb.offset)
    for name in by_name:
        found.reason(f"section {name} only when deployed")
        found.sections[name] = None
    if resized:
        more = f" (+{len(resized) - 4} more)" if len(resized) > 4 else ""
        found.reason("sections of another size: " + ", ".join(resized[:4]) + more)
    if not found.reasons and not found.regions:
        found.reason(f"ELF layout differs: {len(da)} -> {len(db)} bytes")


def _aligned_lines(da: bytes, db: bytes, found: Findings) -> None:
    """Two text files of different sizes: align their lines, then judge each changed line
    (dates may change length; build paths are not excused in text)."""
    from difflib import SequenceMatcher  # noqa: PLC0415 - only unequal text files need it

    lines_a, lines_b = da.splitlines(keepends=True), db.splitlines(keepends=True)
    starts_a, starts_b = _line_starts(lines_a), _line_starts(lines_b)
    matcher = SequenceMatcher(None, lines_a, lines_b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            for n in range(i2 - i1):
                line_a, line_b = lines_a[i1 + n], lines_b[j1 + n]
                text_a, text_b = line_a.rstrip(b"\r\n"), line_b.rstrip(b"\r\n")
                rules = None if line_a[len(text_a):] != line_b[len(text_b):] else (
                    token_rule_unaligned(text_a, text_b, 0, len(text_a), 0, len(text_b),
                                         allow_paths=False))
                if rules is None:
                    found.genuine(da, db, starts_a[i1 + n], len(line_a),
                                  b_start=starts_b[j1 + n], b_length=len(line_b))
                else:
                    found.benign(rules[0], da, db, starts_a[i1 + n], len(line_a),
                                 "", b_start=starts_b[j1 + n])
            continue
        size_a = starts_a[i2] - starts_a[i1]
        found.genuine(da, db, starts_a[i1], size_a, b_start=starts_b[j1],
                      b_length=starts_b[j2] - starts_b[j1])


def _line_starts(lines: list[bytes]) -> list[int]:
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    return starts
