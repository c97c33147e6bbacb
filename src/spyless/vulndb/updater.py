"""Online refresh: NVD CVE API 2.0 (paged, incremental) and OSV per-ecosystem exports.

NVD: ``resultsPerPage``/``startIndex`` paging; incremental with ``lastModStartDate`` and
``lastModEndDate`` in windows of at most 120 days (the API's limit); the API key from
``$NVD_API_KEY`` in the ``apiKey`` header; 403/429/503 are rate limits, retried after
``Retry-After`` or an exponential backoff; pages are spaced as NVD asks (6 s without a
key). OSV: ``<base>/<ecosystem>/all.zip``. Base URLs are configurable (mirrors, tests).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from spyless._version import __version__
from spyless.vulndb.import_nvd2 import Nvd2Importer
from spyless.vulndb.interface import ImportStats, UpdateError
from spyless.vulndb.loader import import_document, import_path
from spyless.vulndb.store import Store

NVD_URL = "https://services.nvd.nist.gov/rest/json/cves/2.0"
OSV_URL = "https://osv-vulnerabilities.storage.googleapis.com"
PAGE_SIZE = 2000
_WINDOW = timedelta(days=120)
_RATE_LIMITED = frozenset({403, 429, 503})
_MAX_PAGE = 256 << 20
_MAX_ZIP = 2 << 30


class Updater:
    def __init__(self, store: Store, *, nvd_url: str | None = None, osv_url: str | None = None,
                 api_key: str | None = None, sleep: Callable[[float], None] = time.sleep,
                 page_delay: float | None = None, retries: int = 5, timeout: float = 60.0,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.store = store
        self.nvd_url = nvd_url or NVD_URL
        self.osv_url = (osv_url or OSV_URL).rstrip("/")
        self.api_key = api_key if api_key is not None else os.environ.get("NVD_API_KEY")
        self.sleep = sleep
        self.page_delay = page_delay if page_delay is not None else (0.6 if self.api_key else 6.0)
        self.retries = retries
        self.timeout = timeout
        self.now = now

    # -- NVD -----------------------------------------------------------------------------

    def update_nvd(self, since: str | None = None) -> ImportStats:
        """Fetch every CVE changed since ``since`` (default: newest NVD record stored)."""
        start = since or self.store.db.execute(
            "SELECT max(modified) FROM records WHERE source='nvd'").fetchone()[0]
        total = ImportStats("nvd-2.0")
        windows: Iterable[tuple[datetime, datetime] | None]
        windows = [None] if not start else _windows(_parse(start), self.now())
        for window in windows:
            params: dict[str, str | int] = {"resultsPerPage": PAGE_SIZE}
            if window is not None:
                params["lastModStartDate"] = _iso(window[0])
                params["lastModEndDate"] = _iso(window[1])
            self._pages(params, total)
        return total

    def _pages(self, params: dict[str, str | int], total: ImportStats) -> None:
        index, first = 0, True
        while True:
            if not first and self.page_delay:
                self.sleep(self.page_delay)
            first = False
            document = json.loads(self._get(self.nvd_url, {**params, "startIndex": index},
                                            _MAX_PAGE))
            if not Nvd2Importer().sniff(document) or not isinstance(document, dict):
                raise UpdateError(f"{self.nvd_url}: the response is not an NVD CVE API 2.0 page")
            stats = import_document(self.store, document)
            total.records += stats.records
            total.skipped += stats.skipped
            page = len(document.get("vulnerabilities", []))
            index += page
            if page == 0 or index >= int(document.get("totalResults", 0)):
                return

    # -- OSV -----------------------------------------------------------------------------

    def update_osv(self, ecosystems: Iterable[str]) -> list[ImportStats]:
        out: list[ImportStats] = []
        for ecosystem in ecosystems:
            url = f"{self.osv_url}/{urllib.parse.quote(ecosystem)}/all.zip"
            data = self._get(url, {}, _MAX_ZIP)
            with tempfile.TemporaryDirectory() as tmp:
                archive = Path(tmp) / "all.zip"
                archive.write_bytes(data)
                out += import_path(self.store, archive)
        return out

    # -- HTTP ----------------------------------------------------------------------------

    def _get(self, url: str, params: dict[str, str | int], limit: int) -> bytes:
        full = url + ("?" + urllib.parse.urlencode(params) if params else "")
        if not full.startswith(("http://", "https://")):
            raise UpdateError(f"{url}: only http(s) URLs are fetched")
        headers = {"User-Agent": f"spyless/{__version__}"}
        if self.api_key and url == self.nvd_url:
            headers["apiKey"] = self.api_key
        delay = self.page_delay or 1.0
        for attempt in range(self.retries + 1):
            request = urllib.request.Request(full, headers=headers)  # noqa: S310 - scheme checked above
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - scheme checked above
                    data: bytes = response.read(limit + 1)
                    if len(data) > limit:
                        raise UpdateError(f"{url}: response larger than {limit >> 20} MiB")
                    return data
            except urllib.error.HTTPError as e:
                if e.code not in _RATE_LIMITED or attempt == self.retries:
                    raise UpdateError(f"{url}: HTTP {e.code} {e.reason}") from e
                self.sleep(_retry_after(e.headers.get("Retry-After"), delay))
                delay = min(delay * 2, 120.0)
            except (urllib.error.URLError, OSError) as e:
                raise UpdateError(f"{url}: {getattr(e, 'reason', e)} (is a network "
                                  "available?)") from e
        raise UpdateError(f"{url}: still rate limited after {self.retries} retries")


def _retry_after(value: str | None, fallback: float) -> float:
    if value and value.strip().isdigit():
        return min(float(value.strip()), 600.0)
    return fallback


def _windows(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    out = []
    while start < end:
        stop = min(start + _WINDOW, end)
        out.append((start, stop))
        start = stop
    return out or [(end - timedelta(seconds=1), end)]


def _parse(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text[:19]).replace(tzinfo=UTC)
    except ValueError as e:
        raise UpdateError(f"not an ISO date: {text!r}") from e


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000")
