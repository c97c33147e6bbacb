"""Transparency-log witnesses (c2sp.org/tlog-witness, c2sp.org/tlog-cosignature v1).

Public API: :class:`Witness` (verify, check consistency, persist atomically, cosign; forks
become evidence files), :class:`WitnessState` (the state directory), :class:`WitnessServer`
(``spyless witness serve``) and the log-side client :func:`cosign_checkpoint` /
:func:`request_cosignature` with :class:`WitnessEndpoint`.
"""

from spyless.witness.client import (
    CosignOutcome,
    WitnessEndpoint,
    cosign_checkpoint,
    request_cosignature,
)
from spyless.witness.interface import AddCheckpointRequest, WitnessAnswer, WitnessError
from spyless.witness.protocol import format_add_checkpoint, parse_add_checkpoint
from spyless.witness.server import WitnessServer
from spyless.witness.state import WitnessState
from spyless.witness.witness import Witness

__all__ = [
    "AddCheckpointRequest",
    "CosignOutcome",
    "Witness",
    "WitnessAnswer",
    "WitnessEndpoint",
    "WitnessError",
    "WitnessServer",
    "WitnessState",
    "cosign_checkpoint",
    "format_add_checkpoint",
    "parse_add_checkpoint",
    "request_cosignature",
]
