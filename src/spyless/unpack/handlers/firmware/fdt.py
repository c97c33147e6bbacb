"""Flattened device trees (DTB) and U-Boot FIT images, parsed from the structure block.

A FIT (a DTB with ``/images/<name>`` nodes carrying ``data``, or ``data-offset`` /
``data-position`` plus ``data-size`` for external data) is split into one file per image,
named by its node. Every tree is also written as ``tree.dts``, a dts-like rendering;
large ``data``-like properties of a plain DTB are written under ``props/<node path>/``.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass, field

from spyless.errors import FormatError
from spyless.unpack.handlers.firmware._common import unpack, write_part
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

MAGIC = b"\xd0\x0d\xfe\xed"
HEADER = struct.Struct(">10I")
MIN_HEADER = 28  # up to last_comp_version; later fields exist from version 2/3/17
BEGIN_NODE, END_NODE, PROP, NOP, END = 1, 2, 3, 4, 9
MAX_DEPTH = 64
#: Properties of a plain DTB at least this large are written as files of their own.
LARGE_PROPERTY = 4096
#: Longer property values are elided from the dts rendering.
RENDER_LIMIT = 64


@dataclass(slots=True)
class Node:
    """One node while the tree is being read: absolute offsets of its property values."""

    path: str
    props: dict[str, tuple[int, int]] = field(default_factory=dict)
    children: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Tree:
    nodes: dict[str, Node]
    order: tuple[str, ...]
    total_size: int
    version: int


def _align4(n: int) -> int:
    return (n + 3) & ~3


def _cstring(blob: Blob, pos: int, end: int) -> tuple[str, int]:
    """The NUL-terminated string at ``pos`` (before ``end``) and the position after its NUL."""
    nul = blob.find(b"\x00", pos, end)
    if nul < 0:
        raise FormatError(f"device tree string at 0x{pos:x} is not terminated")
    return bytes(blob[pos:nul]).decode("utf-8", "replace"), nul + 1


def read_tree(blob: Blob, start: int) -> Tree:
    """Walk the structure block; raise FormatError on anything inconsistent."""
    fields = unpack(">7I", blob, start)
    if fields is None or blob[start : start + 4] != MAGIC:
        raise FormatError("device tree header is truncated")
    _, total, off_struct, off_strings, off_rsv, version, last_comp = fields
    if version < 16 or last_comp > 17 or total < MIN_HEADER:
        raise FormatError(f"unsupported device tree version {version} (compatible {last_comp})")
    if start + total > len(blob):
        raise FormatError(f"device tree of {total} bytes runs past the end of the input")
    size_strings = total - off_strings
    size_struct = total - off_struct
    if version >= 17:
        extra = unpack(">II", blob, start + 32)
        if extra is None:
            raise FormatError("device tree header is truncated")
        size_strings, size_struct = extra
    end = start + total
    s_start, s_end = start + off_struct, start + off_struct + size_struct
    str_start, str_end = start + off_strings, start + off_strings + size_strings
    if not (MIN_HEADER <= off_rsv <= total and s_start < s_end <= end and str_end <= end):
        raise FormatError("device tree blocks lie outside its total size")
    nodes: dict[str, Node] = {}
    order: list[str] = []
    stack: list[Node] = []
    pos = s_start
    while True:
        word = unpack(">I", blob, pos)
        if word is None or pos + 4 > s_end:
            raise FormatError("device tree structure block ends without an END token")
        token = word[0]
        pos += 4
        if token == BEGIN_NODE:
            name, after = _cstring(blob, pos, s_end)
            pos = start + _align4(after - start)
            if len(stack) >= MAX_DEPTH:
                raise FormatError(f"device tree nests deeper than {MAX_DEPTH} levels")
            parent = stack[-1].path if stack else ""
            path = "/" if not stack else (parent.rstrip("/") + "/" + name)
            node = Node(path)
            if stack:
                stack[-1].children.append(path)
            if path in nodes:
                raise FormatError(f"device tree node {path!r} appears twice")
            nodes[path] = node
            order.append(path)
            stack.append(node)
        elif token == END_NODE:
            if not stack:
                raise FormatError("device tree closes more nodes than it opens")
            stack.pop()
        elif token == PROP:
            head = unpack(">II", blob, pos)
            if head is None or not stack:
                raise FormatError("device tree property outside a node or truncated")
            length, nameoff = head
            value = pos + 8
            if value + length > s_end:
                raise FormatError("device tree property value runs past the structure block")
            if str_start + nameoff >= str_end:
                raise FormatError("device tree property name lies outside the strings block")
            pname, _ = _cstring(blob, str_start + nameoff, str_end)
            stack[-1].props[pname] = (value, length)
            pos = start + _align4(value + length - start)
        elif token == NOP:
            continue
        elif token == END:
            if stack:
                raise FormatError("device tree ends with unclosed nodes")
            break
        else:
            raise FormatError(f"unknown device tree token 0x{token:x} at 0x{pos - 4:x}")
    if "/" not in nodes:
        raise FormatError("device tree has no root node")
    return Tree(nodes, tuple(order), total, version)


def _u32(blob: Blob, prop: tuple[int, int] | None) -> int | None:
    if prop is None or prop[1] != 4:
        return None
    return int.from_bytes(blob[prop[0] : prop[0] + 4], "big")


def _text(blob: Blob, prop: tuple[int, int] | None) -> str | None:
    if prop is None:
        return None
    return bytes(blob[prop[0] : prop[0] + prop[1]]).rstrip(b"\x00").decode("utf-8", "replace")


def fit_images(blob: Blob, tree: Tree, start: int) -> dict[str, tuple[int, int]]:
    """The data region (absolute offset, length) of every FIT image node."""
    images = tree.nodes.get("/images")
    if images is None:
        return {}
    external_base = start + _align4(tree.total_size)
    found: dict[str, tuple[int, int]] = {}
    for child in images.children:
        node = tree.nodes[child]
        if "data" in node.props:
            found[child] = node.props["data"]
            continue
        size = _u32(blob, node.props.get("data-size"))
        offset = _u32(blob, node.props.get("data-offset"))
        position = _u32(blob, node.props.get("data-position"))
        if size is None or (offset is None and position is None):
            continue
        at = external_base + offset if offset is not None else start + (position or 0)
        if at + size > len(blob):
            raise FormatError(f"FIT image {child!r} data runs past the end of the input")
        found[child] = (at, size)
    return found


def _hash_check(blob: Blob, tree: Tree, path: str, region: tuple[int, int]) -> str | None:
    for child in tree.nodes[path].children:
        node = tree.nodes[child]
        algo = _text(blob, node.props.get("algo"))
        value = node.props.get("value")
        if algo is None or value is None:
            continue
        data = bytes(blob[region[0] : region[0] + region[1]])
        stored = bytes(blob[value[0] : value[0] + value[1]])
        if algo == "crc32":
            digest = zlib.crc32(data).to_bytes(4, "big")
        elif algo in ("md5", "sha1", "sha256", "sha384", "sha512"):
            digest = hashlib.new(algo, data).digest()
        else:
            return f"{algo}: not checked"
        return f"{algo}: {'ok' if digest == stored else 'mismatch'}"
    return None


def _render_value(blob: Blob, offset: int, length: int) -> str:
    raw = bytes(blob[offset : offset + length])
    if length == 0:
        return ""
    if length > RENDER_LIMIT:
        return f" = /* {length} bytes */"
    parts = raw[:-1].split(b"\x00") if raw.endswith(b"\x00") else None
    if parts and all(p and all(32 <= c < 127 for c in p) for p in parts):
        return " = " + ", ".join('"' + p.decode("ascii").replace('"', '\\"') + '"' for p in parts)
    if length % 4 == 0:
        cells = struct.unpack(f">{length // 4}I", raw)
        return " = <" + " ".join(f"0x{c:x}" for c in cells) + ">"
    return " = [" + " ".join(f"{c:02x}" for c in raw) + "]"


def render(blob: Blob, tree: Tree) -> str:
    lines = ["/dts-v1/;", ""]

    def walk(path: str, depth: int) -> None:
        node = tree.nodes[path]
        pad = "\t" * depth
        label = "/" if path == "/" else path.rsplit("/", 1)[1]
        lines.append(f"{pad}{label} {{")
        for pname, (offset, length) in node.props.items():
            lines.append(f"{pad}\t{pname}{_render_value(blob, offset, length)};")
        for child in node.children:
            walk(child, depth + 1)
        lines.append(f"{pad}}};")

    walk("/", 0)
    return "\n".join(lines) + "\n"


class FdtHandler(Handler):
    name = "fdt"
    category = Category.FIRMWARE
    magics = (Magic(MAGIC),)
    description = "Flattened device tree (DTB) and U-Boot FIT images, split by image node"
    priority = 30

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        head = unpack(">7I", blob, start)
        if head is None or blob[start : start + 4] != MAGIC:
            return None
        _, total, off_struct, off_strings, _, version, last_comp = head
        if not (16 <= version <= 32 and last_comp <= 17 and total >= MIN_HEADER):
            return None
        if not (off_struct < total and off_strings <= total):
            return None
        tree = read_tree(blob, start)
        images = fit_images(blob, tree, start)
        end = start + total
        for offset, length in images.values():
            end = max(end, offset + length)
        info = {"kind": "fit" if images else "dtb", "version": str(version),
                "nodes": str(len(tree.nodes))}
        model = _text(blob, tree.nodes["/"].props.get("model"))
        description = _text(blob, tree.nodes["/"].props.get("description"))
        if model:
            info["model"] = model[:200]
        if description:
            info["description"] = description[:200]
        if images:
            info["images"] = ",".join(p.rsplit("/", 1)[1] for p in images)[:1000]
        for path, region in list(images.items())[:64]:
            label = path.rsplit("/", 1)[1]
            node = tree.nodes[path]
            for key in ("type", "arch", "os", "compression"):
                value = _text(blob, node.props.get(key))
                if value:
                    info[f"image.{label}.{key}"] = value[:100]
            check = _hash_check(blob, tree, path, region)
            if check:
                info[f"image.{label}.hash"] = check
        return Chunk(start, end, self.name, info)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        tree = read_tree(blob, chunk.start)
        images = fit_images(blob, tree, chunk.start)
        sink.file("tree.dts", render(blob, tree).encode("utf-8"))
        for path, (offset, length) in images.items():
            sink.check()
            write_part(sink, path.rsplit("/", 1)[1], blob, offset, offset + length)
        if images:
            return None
        for path in tree.order:
            for pname, (offset, length) in tree.nodes[path].props.items():
                if length >= LARGE_PROPERTY:
                    sink.check()
                    write_part(sink, f"props{path.rstrip('/')}/{pname}", blob, offset,
                               offset + length)
        return None
