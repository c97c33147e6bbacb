"""Parsing the "Maps to" column of STANDARD.md into :class:`Mapping` values.

The column is kept verbatim on each clause (it is what a lab reads); the parsed form lets
renderers group by standard and keeps the ⊕ (direct) and [R] (recalled) marks as data.
Grammar: items separated by ``;``; each starts with a standard's abbreviation followed by
references separated by ``,`` (commas inside parentheses belong to the reference).
"""

from __future__ import annotations

from spyless.agreement.interface import Mapping

#: Abbreviations used in STANDARD.md, longest first so that "TS 103 701" wins over "TS".
STANDARDS: tuple[str, ...] = tuple(sorted((
    "33.117", "EN", "PSTI", "TSR", "8259A", "ND", "BP", "SbD", "§9b", "§41 BSIG", "TB",
    "CRA", "CWE", "TS 103 701", "UK CoP", "NCSC VSA", "BMI", "Huawei",
), key=len, reverse=True))

#: Full names, for renderers.
STANDARD_NAMES: dict[str, str] = {
    "33.117": "3GPP TS 33.117 V18.1.0 (SCAS / GSMA NESAS)",
    "EN": "ETSI EN 303 645 V2.1.1",
    "PSTI": "UK SI 2023/1007 Schedule 1 (PSTI)",
    "TSR": "UK SI 2022/933 (Telecoms Security Regulations)",
    "8259A": "NIST IR 8259A",
    "ND": "Common Criteria NDcPP",
    "BP": "CISA/FBI Product Security Bad Practices v2",
    "SbD": "CISA Secure by Design pledge",
    "§9b": "German BSIG 2021 §9b and the BMI general ruling of 2021",
    "§41 BSIG": "German BSIG 2025 §41",
    "TB": "EU 5G Toolbox",
    "CRA": "EU Cyber Resilience Act",
    "CWE": "MITRE CWE",
    "TS 103 701": "ETSI TS 103 701 (IXIT)",
    "UK CoP": "UK Telecoms Security Code of Practice",
    "NCSC VSA": "NCSC Vendor Security Assessment",
    "BMI": "BMI No-Spy-Erklärung",
    "Huawei": "Huawei public pledges",
}


def _split_top(text: str, separator: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == separator and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def parse_mappings(text: str) -> tuple[Mapping, ...]:
    mappings: list[Mapping] = []
    for item in _split_top(text, ";"):
        standard = next((s for s in STANDARDS if item == s or item.startswith((s + " ", s + "-",
                                                                                s + "("))), "")
        rest = item[len(standard):].lstrip(" -") if standard else item
        if standard and rest.startswith("(") and standard == "§9b":
            refs = [rest]  # "§9b(3) and §9b(5) no. 6 (…)" is one reference
        else:
            refs = _split_top(rest, ",") or [""]
        for ref in refs:
            recalled = "[R]" in ref
            direct = "⊕" in ref
            clean = ref.replace("[R]", "").replace("⊕", "").strip()
            mappings.append(Mapping(standard or clean, clean if standard else "", direct,
                                    recalled))
    return tuple(mappings)
