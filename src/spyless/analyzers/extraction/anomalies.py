"""Extraction anomalies (SPY8xx): what unpacking refused, could not read, or did not know.

An image that hides parts of itself from evaluation is a finding in its own right
(STANDARD.md TR-6), and so is an image that tries to write outside its workspace.
"""

from __future__ import annotations

from spyless.analyzers.image import ImageView
from spyless.analyzers.interface import ImageAnalyzer, Output
from spyless.model.findings import Confidence, FindingSpec, Location, Severity
from spyless.unpack.interface import EventKind, ExtractionEvent

SPY801 = FindingSpec(
    "SPY801", "Container entry tries to escape the extraction root", Severity.HIGH, 22,
    "An archive or filesystem entry has an absolute path, climbs out with '..', is a link "
    "pointing out of the tree, or writes through a link. Real firmware has no reason to; "
    "it is a sign of a malicious or broken image.",
    "Rebuild the image from a clean tree; entries must be relative and stay inside it.",
)
SPY802 = FindingSpec(
    "SPY802", "Extraction budget exceeded (possible decompression bomb)", Severity.MEDIUM, 409,
    "Unpacking stopped at a configured limit (bytes, expansion ratio, files, depth or time). "
    "What lies beyond the limit was not analysed.",
    "Check the container named; raise the limit only if the image is trusted to be large.",
)
SPY803 = FindingSpec(
    "SPY803", "Encrypted or obfuscated container", Severity.MEDIUM, None,
    "A container is encrypted or obfuscated and could not be opened, so its contents could "
    "not be evaluated (STANDARD.md TR-6).",
    "Ask the vendor for the decrypted image or the key so the evaluation covers it.",
)
SPY804 = FindingSpec(
    "SPY804", "Unrecognised high-entropy region", Severity.LOW, None,
    "A region of the image matched no known format and looks compressed or encrypted. It may "
    "be a vendor format spyless does not know, or hidden content.",
    "Identify the region with the vendor; spyless reports its offset, size and entropy.",
)
SPY805 = FindingSpec(
    "SPY805", "Corrupt or truncated container", Severity.LOW, None,
    "A container was only partly readable; files after the damage were not analysed.",
    "Obtain an intact copy of the image and scan it again.",
)

_HIGH_ENTROPY = 7.5
_MIN_OPAQUE = 4096


class ExtractionAnomalies(ImageAnalyzer):
    name = "extraction-anomalies"
    description = "Turns refused entries, limits, encryption and unknown data into findings."
    findings = (SPY801, SPY802, SPY803, SPY804, SPY805)
    references = ("STANDARD.md TR-6",)

    def analyze(self, image: ImageView, out: Output) -> None:
        for event in image.result.events:
            self._event(event, out)

    def _event(self, event: ExtractionEvent, out: Output) -> None:
        where = Location(chain=event.chain, offset=event.offset)
        if event.kind is EventKind.REFUSED:
            out.finding(SPY801, event.message, where)
        elif event.kind is EventKind.LIMIT:
            out.finding(SPY802, event.message, where)
        elif event.kind is EventKind.ENCRYPTED:
            out.finding(SPY803, event.message, where)
        elif event.kind is EventKind.PARTIAL:
            out.finding(SPY805, f"{event.format}: {event.message}", where)
        elif (event.kind is EventKind.UNKNOWN and event.entropy is not None
              and event.entropy >= _HIGH_ENTROPY and (event.size or 0) >= _MIN_OPAQUE):
            out.finding(SPY804, f"{event.size} bytes at 0x{event.offset or 0:x} with entropy "
                        f"{event.entropy:.2f} bits/byte match no known format", where,
                        confidence=Confidence.MEDIUM)
