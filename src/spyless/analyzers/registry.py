"""The built-in analyzers in explicit tuples, plus third-party ones from entry points.

Third-party packages add analyzers through the entry-point group ``spyless.analyzers``; each
entry point names a FileAnalyzer or ImageAnalyzer subclass. Nothing registers itself at
import time.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from spyless.analyzers.interface import FileAnalyzer, ImageAnalyzer
from spyless.errors import Error
from spyless.model.findings import FindingSpec

ENTRY_POINT_GROUP = "spyless.analyzers"


def builtin_file_analyzers() -> tuple[FileAnalyzer, ...]:
    from spyless.analyzers.builtin import FILE_ANALYZERS  # noqa: PLC0415 - avoids an import cycle

    return tuple(cls() for cls in FILE_ANALYZERS)


def builtin_image_analyzers() -> tuple[ImageAnalyzer, ...]:
    from spyless.analyzers.builtin import IMAGE_ANALYZERS  # noqa: PLC0415 - avoids an import cycle

    return tuple(cls() for cls in IMAGE_ANALYZERS)


def plugin_analyzers() -> tuple[list[FileAnalyzer], list[ImageAnalyzer]]:
    files: list[FileAnalyzer] = []
    images: list[ImageAnalyzer] = []
    for point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            cls = point.load()
        except Exception as e:
            raise Error(f"analyzer plugin {point.name!r} failed to load: {e}") from e
        if isinstance(cls, type) and issubclass(cls, FileAnalyzer):
            files.append(cls())
        elif isinstance(cls, type) and issubclass(cls, ImageAnalyzer):
            images.append(cls())
        else:
            raise Error(f"analyzer plugin {point.name!r} is not an analyzer class")
    return files, images


def all_analyzers() -> tuple[tuple[FileAnalyzer, ...], tuple[ImageAnalyzer, ...]]:
    extra_files, extra_images = plugin_analyzers()
    return ((*builtin_file_analyzers(), *extra_files),
            (*builtin_image_analyzers(), *extra_images))


def other_specs() -> tuple[tuple[str, FindingSpec], ...]:
    """Finding ids emitted outside the analyzers (traffic, agreement), with their source."""
    from spyless.agreement.specs import SPECS as AGREEMENT  # noqa: PLC0415 - avoids a cycle
    from spyless.traffic.findings import SPECS as TRAFFIC  # noqa: PLC0415 - avoids a cycle

    return (*(("traffic", spec) for spec in TRAFFIC),
            *(("agreement", spec) for spec in AGREEMENT))


def catalogue() -> dict[str, FindingSpec]:
    """Every finding id spyless may emit, by id."""
    files, images = all_analyzers()
    specs: dict[str, FindingSpec] = {}
    declared = [spec for analyzer in (*files, *images) for spec in analyzer.findings]
    for spec in (*declared, *(spec for _, spec in other_specs())):
        known = specs.get(spec.id)
        if known is not None and known != spec:
            raise Error(f"finding id {spec.id} is declared twice, differently")
        specs[spec.id] = spec
    return dict(sorted(specs.items()))
