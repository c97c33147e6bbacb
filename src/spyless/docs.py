"""Documentation generated from the code, so that it cannot drift (checked by the tests)."""

from __future__ import annotations

from spyless.unpack.registry import builtin_handlers


def formats_markdown() -> str:
    """The table of supported formats, from the handlers' own metadata."""
    lines = [
        "# Formats spyless unpacks",
        "",
        "Generated from the handlers by `python -m spyless.docs`; do not edit by hand.",
        "Every format is found at any offset inside a blob (carving) unless marked, and",
        "unpacked recursively.",
        "",
        "| handler | category | magic (hex @ offset in chunk) | what |",
        "|---|---|---|---|",
    ]
    for handler in sorted(builtin_handlers(), key=lambda h: (h.category.value, h.name)):
        magics = ", ".join(f"`{m.pattern.hex()}`@{m.offset}" for m in handler.magics[:4])
        if len(handler.magics) > 4:
            magics += f" (+{len(handler.magics) - 4})"
        if not getattr(handler, "carve_anywhere", True):
            magics += " (start of file only)"
        lines.append(f"| {handler.name} | {handler.category.value} | {magics} | "
                     f"{handler.description} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys
    from pathlib import Path

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/formats.md")
    target.write_text(formats_markdown(), encoding="utf-8")
