"""What the spyless log accepts as an entry: a DSSE envelope (signatures are checked by
verifiers, not by the log), at most :data:`~spyless.tlog.interface.MAX_ENTRY_SIZE` bytes."""

from __future__ import annotations

from spyless.attest.dsse import envelope_from_json
from spyless.attest.interface import EnvelopeError
from spyless.tlog.interface import EntryError


def check_envelope_entry(entry: bytes) -> None:
    """Log entry validator for :class:`~spyless.tlog.log.Log`: the entry must parse as a
    DSSE envelope."""
    try:
        envelope_from_json(entry)
    except EnvelopeError as e:
        raise EntryError(f"not a DSSE envelope: {e.diagnostics()}") from e
