"""`verifier.Site.at`: how the stand-alone verifier talks HTTP to a site.

A plain standard-library server stands in for the site, so these tests need no app."""

from __future__ import annotations

import http.server
import threading

import pytest

from civic.audit import verifier


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    ports: set[int] = set()  # the client ports seen: one per connection

    def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.ports.add(self.client_address[1])
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/civic/ok":
            self._answer(200, b"fine")
        elif self.path == "/civic/big":
            self._answer(200, b"x" * (verifier.MAX_RESPONSE_BYTES + 10))
        elif self.path == "/civic/moved":
            self._answer(301, b"", {"Location": "https://elsewhere.example/civic/ok"})
        else:
            self._answer(404, b"no such file")

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        said = self.rfile.read(length)
        self._answer(409, b"not stored: " + said[:10])

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def base():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Handler.ports.clear()
    yield f"http://127.0.0.1:{server.server_port}/civic/"
    server.shutdown()
    server.server_close()


def test_one_connection_serves_many_requests(base):
    site = verifier.Site.at(base)
    assert [site.get("ok") for _ in range(20)] == [b"fine"] * 20
    assert len(_Handler.ports) == 1


def test_statuses_redirects_and_sizes_become_fetch_errors(base):
    site = verifier.Site.at(base)
    with pytest.raises(verifier.FetchError) as missing:
        site.get("nothing")
    assert missing.value.status == 404 and "HTTP 404" in str(missing.value)
    with pytest.raises(verifier.FetchError, match=r"moved to https://elsewhere\.example"):
        site.get("moved")
    with pytest.raises(verifier.FetchError, match="larger than"):
        site.get("big")
    assert site.get("ok") == b"fine"  # the connection dropped after the big one is renewed


def test_a_post_returns_the_status_and_body(base):
    assert verifier.Site.at(base).post("cosign", b"checkpoint") == (409, b"not stored: checkpoint")


def test_a_site_that_is_down_is_a_fetch_error_without_a_status():
    with pytest.raises(verifier.FetchError) as down:
        verifier.Site.at("http://127.0.0.1:9", timeout=2).get("ok")
    assert down.value.status is None
    with pytest.raises(verifier.FetchError, match=r"http:// or https://"):
        verifier.Site.at("ftp://example.org")
