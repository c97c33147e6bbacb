"""in-toto Statement v1 (in-toto/attestation ``spec/v1/statement.md``): build and parse.

A statement is ``{"_type": "https://in-toto.io/Statement/v1", "subject": [ResourceDescriptor],
"predicateType": URI, "predicate": object}``. Subjects need a name and at least one digest;
``sha256`` digests are lowercase hex. Serialisation is canonical (sorted keys, no spaces)
so the same statement always gives the same payload bytes.
"""

from __future__ import annotations

import json
import re
from typing import Any

from spyless.attest.interface import STATEMENT_TYPE_V1, EnvelopeError, Statement, Subject

_HEX = {"sha256": re.compile(r"[0-9a-f]{64}"), "sha512": re.compile(r"[0-9a-f]{128}")}


def statement_to_dict(statement: Statement) -> dict[str, Any]:
    return {
        "_type": STATEMENT_TYPE_V1,
        "subject": [{"name": s.name, "digest": dict(s.digest)} for s in statement.subjects],
        "predicateType": statement.predicate_type,
        "predicate": dict(statement.predicate),
    }


def statement_to_payload(statement: Statement) -> bytes:
    return json.dumps(statement_to_dict(statement), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def _subject(item: object, position: int) -> Subject:
    if not isinstance(item, dict):
        raise EnvelopeError(f"statement subject {position} is not an object")
    name, digest = item.get("name", ""), item.get("digest")
    if not isinstance(name, str) or not isinstance(digest, dict) or not digest:
        raise EnvelopeError(f"statement subject {position} needs a name and a digest")
    for algorithm, value in digest.items():
        if not isinstance(value, str):
            raise EnvelopeError(f"statement subject {position}: digest {algorithm} is not text")
        pattern = _HEX.get(algorithm)
        if pattern is not None and not pattern.fullmatch(value):
            raise EnvelopeError(f"statement subject {position}: {algorithm} digest is not "
                                "lowercase hex of the right length")
    return Subject(name, dict(digest))


def statement_from_payload(payload: bytes) -> Statement:
    try:
        data = json.loads(payload)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        raise EnvelopeError(f"statement is not JSON: {e}") from e
    if not isinstance(data, dict) or data.get("_type") != STATEMENT_TYPE_V1:
        raise EnvelopeError(f"payload is not an in-toto statement ({STATEMENT_TYPE_V1})")
    subjects = data.get("subject")
    if not isinstance(subjects, list) or not subjects:
        raise EnvelopeError("statement has no subject")
    predicate_type = data.get("predicateType")
    if not isinstance(predicate_type, str) or not predicate_type:
        raise EnvelopeError("statement has no predicateType")
    predicate = data.get("predicate", {})
    if not isinstance(predicate, dict):
        raise EnvelopeError("statement predicate is not an object")
    return Statement(tuple(_subject(s, i) for i, s in enumerate(subjects)), predicate_type,
                     predicate)
