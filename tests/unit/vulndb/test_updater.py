"""``db update`` against a local HTTP server: NVD paging, incremental dates, rate limits, OSV."""

from __future__ import annotations

import io
import json
import threading
import urllib.parse
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from spyless.vulndb.interface import UpdateError
from spyless.vulndb.store import Store
from spyless.vulndb.updater import Updater


def _cve(n: int) -> dict[str, object]:
    return {"cve": {"id": f"CVE-2099-{n:04d}", "vulnStatus": "Analyzed",
                    "lastModified": f"2026-11-0{1 + n % 5}T00:00:00.000",
                    "descriptions": [{"lang": "en", "value": f"issue {n}"}],
                    "configurations": [{"nodes": [{"operator": "OR", "cpeMatch": [{
                        "vulnerable": True, "versionEndExcluding": f"1.{n}",
                        "criteria": "cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*"}]}]}]}}


class _Server:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, list[str]], dict[str, str]]] = []
        self.fail_first: list[int] = []  # status codes to answer before serving
        self.total = 5
        self.page = 2
        self.osv_zip = b""

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        url = urllib.parse.urlparse(handler.path)
        query = urllib.parse.parse_qs(url.query)
        self.requests.append((url.path, query, {k.lower(): v for k, v in handler.headers.items()}))
        if self.fail_first:
            code = self.fail_first.pop(0)
            handler.send_response(code)
            handler.send_header("Retry-After", "3")
            handler.end_headers()
            return
        if url.path == "/nvd":
            start = int(query["startIndex"][0])
            size = min(self.page, int(query["resultsPerPage"][0]))
            items = [_cve(n) for n in range(start, min(start + size, self.total))]
            body = json.dumps({"format": "NVD_CVE", "version": "2.0", "startIndex": start,
                               "resultsPerPage": len(items), "totalResults": self.total,
                               "timestamp": "2026-11-27T00:00:00.000",
                               "vulnerabilities": items}).encode()
        elif url.path == "/osv/OSS-Fuzz/all.zip":
            body = self.osv_zip
        else:
            handler.send_response(404)
            handler.end_headers()
            return
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


@pytest.fixture
def server() -> Iterator[tuple[_Server, str]]:
    state = _Server()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.handle(self)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - signature
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _updater(store: Store, base: str, sleeps: list[float], **kwargs: object) -> Updater:
    return Updater(store, nvd_url=f"{base}/nvd", osv_url=f"{base}/osv", api_key="k3y",
                   sleep=sleeps.append, page_delay=0.5,
                   now=lambda: datetime(2026, 11, 27, tzinfo=UTC), **kwargs)  # type: ignore[arg-type]


def test_nvd_paging_and_rate_limits(server: tuple[_Server, str], empty_store: Store) -> None:
    state, base = server
    state.fail_first = [429, 503]
    sleeps: list[float] = []
    stats = _updater(empty_store, base, sleeps).update_nvd()
    assert stats.records == 5
    nvd = [q for path, q, _ in state.requests if path == "/nvd"]
    assert len(nvd) == 5  # two rate-limited answers, then pages 0, 2, 4
    assert [q["startIndex"] for q in nvd[2:]] == [["0"], ["2"], ["4"]]
    assert sleeps == [3.0, 3.0, 0.5, 0.5]  # Retry-After twice, then the page spacing
    assert all(h.get("apikey") == "k3y" for _, _, h in state.requests)
    assert "lastModStartDate" not in nvd[0]  # empty database: full download
    count = empty_store.db.execute("SELECT count(*) FROM vulns").fetchone()[0]
    assert count == 5


def test_nvd_incremental_windows(server: tuple[_Server, str], empty_store: Store) -> None:
    state, base = server
    state.total = 1
    _updater(empty_store, base, []).update_nvd(since="2026-06-01T00:00:00")
    windows = [(q["lastModStartDate"][0], q["lastModEndDate"][0])
               for path, q, _ in state.requests if path == "/nvd"]
    assert windows == [("2026-06-01T00:00:00.000", "2026-09-29T00:00:00.000"),
                       ("2026-09-29T00:00:00.000", "2026-11-27T00:00:00.000")]
    state.requests.clear()
    _updater(empty_store, base, []).update_nvd()  # since the newest stored record
    assert state.requests[0][1]["lastModStartDate"] == ["2026-11-01T00:00:00.000"]


def test_rate_limit_gives_up(server: tuple[_Server, str], empty_store: Store) -> None:
    state, base = server
    state.fail_first = [403] * 10
    with pytest.raises(UpdateError, match="HTTP 403"):
        _updater(empty_store, base, [], retries=2).update_nvd()


def test_server_error_and_no_network(server: tuple[_Server, str], empty_store: Store) -> None:
    _, base = server
    with pytest.raises(UpdateError, match="HTTP 404"):
        Updater(empty_store, nvd_url=f"{base}/nothing", sleep=lambda _: None).update_nvd()
    with pytest.raises(UpdateError, match="network"):
        Updater(empty_store, nvd_url="http://127.0.0.1:9/", sleep=lambda _: None,
                timeout=2).update_nvd()


def test_osv_zip(server: tuple[_Server, str], empty_store: Store) -> None:
    state, base = server
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for i in range(3):
            archive.writestr(f"OSV-2099-{i}.json", json.dumps({
                "id": f"OSV-2099-{i}", "modified": "2026-01-01T00:00:00Z",
                "schema_version": "1.6.0", "withdrawn": "2026-02-01T00:00:00Z" if i == 2 else None,
                "affected": [{"package": {"name": "dnsmasq", "ecosystem": "OSS-Fuzz"},
                              "versions": ["v2.89"]}]}))
    state.osv_zip = buf.getvalue()
    (stats,) = _updater(empty_store, base, []).update_osv(["OSS-Fuzz"])
    assert (stats.source, stats.records, stats.skipped) == ("osv:OSS-Fuzz", 2, 1)
