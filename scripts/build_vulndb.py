"""Build the embedded vulnerability snapshot from ../shared/vulndata (see its SOURCES.md).

    python scripts/build_vulndb.py [--data ../shared/vulndata] [--out src/spyless/data/vulndb]
                                   [--no-compress]

Imports, in this order (later sources refine earlier ones): NVD 1.1 subsets, NVD 2.0
sample, OpenSSL CNA (CVE JSON 5), curl's table, Linux kernel CNA, OSV (OSS-Fuzz). The
snapshot date recorded is the newest record date in the data, not the build time, so a
rebuild from the same data gives the same metadata (tests/unit/vulndb/test_snapshot.py).
"""

from __future__ import annotations

import argparse
import lzma
import sys
from pathlib import Path

from spyless.vulndb.loader import import_path
from spyless.vulndb.snapshot import SNAPSHOT_NAME
from spyless.vulndb.store import Store

ROOT = Path(__file__).resolve().parents[1]
INPUTS = ("nvd-1.1", "nvd-2.0", "cve5-openssl/openssl-cna-cve5.json.gz", "curl/curl-vulns.json",
          "linux-kernel/linux-cna-condensed.json.gz", "osv-oss-fuzz")


def build(data: Path, sqlite_path: Path) -> Store:
    for stale in sqlite_path.parent.glob(sqlite_path.name + "*"):
        stale.unlink()
    store = Store(sqlite_path, writable=True)
    for relative in INPUTS:
        for stats in import_path(store, data / relative):
            print(f"{relative}: {stats.source} {stats.records} records, {stats.skipped} skipped "
                  f"{stats.reasons or ''}")
    with store.transaction():
        store.set_meta("built_from", "../shared/vulndata (" + ", ".join(INPUTS) + ")")
        store.refresh_meta()
    store.db.execute("PRAGMA journal_mode=DELETE")
    store.db.execute("VACUUM")
    return store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "vulndata")
    parser.add_argument("--out", type=Path, default=ROOT / "src/spyless/data/vulndb")
    parser.add_argument("--no-compress", action="store_true")
    args = parser.parse_args(argv)
    if not (args.data / "SOURCES.md").is_file():
        print(f"{args.data}: not the shared vulndata folder", file=sys.stderr)
        return 2
    sqlite_path = args.out / "vulndb.sqlite"
    store = build(args.data, sqlite_path)
    print(dict(store.meta()))
    store.close()
    if not args.no_compress:
        compressed = lzma.compress(sqlite_path.read_bytes(), preset=9 | lzma.PRESET_EXTREME)
        (args.out / SNAPSHOT_NAME).write_bytes(compressed)
        sqlite_path.unlink()
        print(f"wrote {args.out / SNAPSHOT_NAME} ({len(compressed)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
