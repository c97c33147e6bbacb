"""``spyless db``: the offline vulnerability database (info, import, update).

A thin adapter over spyless.vulndb; every failure is a spyless error with one line.
"""

from __future__ import annotations

from pathlib import Path

import click

from spyless.vulndb.loader import import_path
from spyless.vulndb.snapshot import (
    STALE_AFTER_DAYS,
    age_days,
    default_db_path,
    open_writable,
)
from spyless.vulndb.store import Store
from spyless.vulndb.updater import Updater

_DB_OPTION = click.option("--db", "db_path", type=click.Path(path_type=Path), default=None,
                          help="Database file (default: your copy in the cache folder, "
                               "else the embedded snapshot).")


@click.group("db")
def db_group() -> None:
    """The offline vulnerability database used to match components."""


@db_group.command("info")
@_DB_OPTION
def info_command(db_path: Path | None) -> None:
    """Show sources, record counts, dates, and whether the data is stale."""
    path = db_path or default_db_path()
    store = Store(path)
    try:
        meta = store.meta()
        click.echo(f"database: {path}")
        click.echo(f"advisories: {meta.get('vulnerabilities', '?')}")
        snapshot = meta.get("snapshot_date") or None
        click.echo(f"newest record: {snapshot or 'unknown'}")
        click.echo(f"{'source':<16} {'records':>8}  {'newest record':<20} licence")
        for source in store.sources():
            click.echo(f"{source.name:<16} {source.records:>8}  {source.newest or '-':<20} "
                       f"{source.licence}")
        age = age_days(snapshot)
        if age is not None and age > STALE_AFTER_DAYS:
            click.secho(f"warning: the newest record is {age} days old (more than "
                        f"{STALE_AFTER_DAYS}); vulnerabilities published since then are not "
                        "matched. Run 'spyless db update' (network) or 'spyless db import'.",
                        fg="yellow", err=True)
        click.echo("This product uses data from the NVD API but is not endorsed or certified "
                   "by the NVD.")
    finally:
        store.close()


@db_group.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@_DB_OPTION
def import_command(path: Path, db_path: Path | None) -> None:
    """Import a feed file or folder (NVD 2.0/1.1, CVE JSON 5, OSV, curl; detected)."""
    store = open_writable(db_path)
    try:
        for stats in import_path(store, path):
            skipped = f", {stats.skipped} skipped {stats.reasons}" if stats.skipped else ""
            click.echo(f"{stats.source}: {stats.records} records{skipped}")
        click.echo(f"database: {store.path}")
    finally:
        store.close()


@db_group.command("update")
@_DB_OPTION
@click.option("--nvd-url", default=None, help="NVD CVE API 2.0 base URL (for mirrors).")
@click.option("--osv-url", default=None, help="OSV export base URL (for mirrors).")
@click.option("--ecosystem", "ecosystems", multiple=True,
              help="OSV ecosystem to download (repeatable; default OSS-Fuzz).")
@click.option("--since", default=None, help="Fetch NVD changes since this ISO date "
                                            "(default: the newest NVD record in the database).")
@click.option("--no-nvd", is_flag=True, help="Skip NVD.")
@click.option("--no-osv", is_flag=True, help="Skip OSV.")
def update_command(db_path: Path | None, nvd_url: str | None, osv_url: str | None,
                   ecosystems: tuple[str, ...], since: str | None, no_nvd: bool,
                   no_osv: bool) -> None:
    """Download NVD 2.0 changes and OSV exports (API key from $NVD_API_KEY)."""
    store = open_writable(db_path)
    try:
        updater = Updater(store, nvd_url=nvd_url, osv_url=osv_url)
        if not no_nvd:
            stats = updater.update_nvd(since=since)
            click.echo(f"nvd-2.0: {stats.records} records, {stats.skipped} skipped")
        if not no_osv:
            for stats in updater.update_osv(ecosystems or ("OSS-Fuzz",)):
                click.echo(f"{stats.source}: {stats.records} records, {stats.skipped} skipped")
    finally:
        store.close()
