"""The witness's vocabulary: its error, the parsed add-checkpoint request, the answer.

c2sp.org/tlog-witness "add-checkpoint": the request body is ``old <size>\\n``, up to 63
base64 consistency-proof lines, an empty line, then a signed checkpoint note.
"""

from __future__ import annotations

from dataclasses import dataclass

from spyless.errors import Error

#: "The client MUST NOT send more than 63 consistency proof lines."
MAX_PROOF_LINES = 63
#: A checkpoint note with its signatures plus 63 proof lines fits easily in this.
MAX_REQUEST_SIZE = 256 << 10

#: The 409 answer's media type ("text/x.tlog.size").
SIZE_CONTENT_TYPE = "text/x.tlog.size"
#: Cosignature lines, like a note's signature block.
SIGNATURES_CONTENT_TYPE = "text/plain; charset=utf-8"
EVIDENCE_CONTENT_TYPE = "application/json"


class WitnessError(Error):
    """A witness could not be run, reached or understood."""


@dataclass(frozen=True, slots=True)
class AddCheckpointRequest:
    """A parsed (not yet verified) add-checkpoint body."""

    old_size: int
    proof: tuple[bytes, ...]
    note: str


@dataclass(frozen=True, slots=True)
class WitnessAnswer:
    """The HTTP status, media type and body the witness answers with."""

    status: int
    content_type: str
    body: bytes

    @classmethod
    def text(cls, status: int, message: str) -> WitnessAnswer:
        return cls(status, "text/plain; charset=utf-8",
                   (message.rstrip("\n") + "\n").encode("utf-8"))
