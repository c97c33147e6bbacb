"""The built-in analyzers, in one place. Each concern's package lists its own."""

from __future__ import annotations

from spyless.analyzers import (
    accounts,
    backdoors,
    components,
    credentials,
    endpoints,
    extraction,
    hardening,
    keys,
    services,
    vulnerabilities,
)
from spyless.analyzers.interface import FileAnalyzer, ImageAnalyzer

# Order matters for image analyzers: vulnerabilities reads the components' facts.
_PACKAGES = (extraction, accounts, credentials, keys, services, backdoors, endpoints,
             components, vulnerabilities, hardening)

FILE_ANALYZERS: tuple[type[FileAnalyzer], ...] = tuple(
    cls for package in _PACKAGES for cls in package.FILE_ANALYZERS
)
IMAGE_ANALYZERS: tuple[type[ImageAnalyzer], ...] = tuple(
    cls for package in _PACKAGES for cls in package.IMAGE_ANALYZERS
)
