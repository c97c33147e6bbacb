"""The system's libcrypt (libxcrypt or glibc's) through ctypes, when it is installed.

``crypt_r`` is reentrant: each caller passes its own ``struct crypt_data``. We never depend on
the stdlib ``crypt`` module (deprecated, removed in Python 3.13). ctypes releases the GIL
during the call, so several threads can hash at once.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from functools import cache

# Larger than both libxcrypt's (32 KiB + buffers) and glibc's (~128 KiB) struct crypt_data.
_CRYPT_DATA_SIZE = 256 << 10
_LIBRARY_NAMES = ("libcrypt.so.1", "libcrypt.so.2", "libcrypt.so")


class LibCrypt:
    """One loaded libcrypt; :meth:`crypt` is safe to call from several threads."""

    def __init__(self, library: ctypes.CDLL, name: str) -> None:
        self.name = name
        self._crypt_r = library.crypt_r
        self._crypt_r.restype = ctypes.c_char_p
        self._crypt_r.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p)
        self._local = threading.local()

    def crypt(self, password: bytes, setting: str) -> str | None:
        """The hash of ``password`` with ``setting``; None when libcrypt refuses it."""
        buffer = getattr(self._local, "buffer", None)
        if buffer is None:
            buffer = ctypes.create_string_buffer(_CRYPT_DATA_SIZE)
            self._local.buffer = buffer
        if b"\0" in password:
            return None
        result = self._crypt_r(password, setting.encode("latin-1"), buffer)
        # libxcrypt signals failure with "*0"/"*1" (never a valid hash) or NULL.
        if not result or result.startswith(b"*"):
            return None
        decoded: str = result.decode("latin-1")
        return decoded

    def supports(self, setting: str, known: str) -> bool:
        """Does this libcrypt compute ``known`` (the hash of "password" with ``setting``)?"""
        return self.crypt(b"password", setting) == known


@cache
def load() -> LibCrypt | None:
    """The system libcrypt, or None when there is none with ``crypt_r``."""
    candidates = list(_LIBRARY_NAMES)
    found = ctypes.util.find_library("crypt")
    if found:
        candidates.append(found)
    for name in candidates:
        try:
            library = ctypes.CDLL(name)
            getattr(library, "crypt_r")  # noqa: B009 - probe: AttributeError when absent
        except (OSError, AttributeError):
            continue
        return LibCrypt(library, name)
    return None
