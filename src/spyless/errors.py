"""The one exception tree of spyless.

Every error a user can see derives from :class:`Error`; its ``diagnostics()`` is the one
line the command line prints. Subsystems translate third-party errors with ``raise ... from``.
"""

from __future__ import annotations


class Error(Exception):
    """Root of every spyless error."""

    def diagnostics(self) -> str:
        """One line telling the user what went wrong and, where possible, what to do."""
        return str(self) or type(self).__name__


class UsageError(Error):
    """The caller asked for something that cannot be done as asked."""


class InputError(Error):
    """An input file is missing, unreadable or not what it claims to be."""


class UnpackError(Error):
    """Extraction could not start or could not go on."""


class LimitExceeded(UnpackError):
    """A configured budget (bytes, files, depth, time) was reached."""

    def __init__(self, limit: str, detail: str) -> None:
        super().__init__(f"{limit} limit reached: {detail}")
        self.limit = limit
        self.detail = detail


class FormatError(UnpackError):
    """A container is truncated, corrupt or not of the format its magic suggested."""


class EncryptedError(UnpackError):
    """A container is encrypted or obfuscated with a method spyless cannot reverse."""
