"""Every built-in handler is well formed, documented, tested and fuzzed."""

from __future__ import annotations

import pytest

from spyless.unpack.interface import Handler
from spyless.unpack.registry import builtin_handlers
from tests.conftest import ROOT

HANDLERS = builtin_handlers()


def _module(handler: Handler) -> str:
    return type(handler).__module__.rsplit(".", 1)[-1]


def test_names_are_unique() -> None:
    names = [h.name for h in HANDLERS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("handler", HANDLERS, ids=lambda h: h.name)
def test_handler_metadata(handler: Handler) -> None:
    assert handler.magics
    assert handler.description
    assert all(len(m.pattern) >= 2 and m.offset >= 0 for m in handler.magics)


@pytest.mark.parametrize("handler", HANDLERS, ids=lambda h: h.name)
def test_handler_has_a_test_module(handler: Handler) -> None:
    tests = ROOT / "tests/unit/handlers"
    module = _module(handler)
    package = type(handler).__module__.split(".")[-2]
    candidates = [tests / f"test_{module}.py", tests / f"test_{handler.name}.py",
                  *tests.glob(f"test_{module.split('_')[0]}*.py"),
                  *tests.glob(f"test_{package}*.py")]
    assert any(p.is_file() for p in candidates), f"no tests/unit/handlers/test_{module}.py"


@pytest.mark.parametrize("handler", HANDLERS, ids=lambda h: h.name)
def test_handler_category_has_a_fuzz_target(handler: Handler) -> None:
    package = type(handler).__module__.split(".")[-2]
    assert (ROOT / f"fuzz/fuzz_{package}.py").is_file(), f"no fuzz/fuzz_{package}.py"
