"""Static files under content-hashed names with immutable caching and pre-compressed copies
(WhiteNoise), and compressed pages (Flask-Compress)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli
from flask import Flask

from civic import ROOT, create_app
from civic.static_files import build, hashed_name, manifest

HASHED = re.compile(r'(?:href|src)="(/static/[^"]+)"')
FOREVER = "max-age=31536000"


def _static_links(page: str) -> list[str]:
    return HASHED.findall(page)


def test_pages_link_hashed_names_that_are_cached_for_ever(client):
    links = _static_links(client.get("/").get_data(as_text=True))
    assert any(re.search(r"/css/civic\.[0-9a-f]{12}\.css$", link) for link in links), links
    assert len(links) >= 5  # icon, two stylesheets, two scripts
    for link in links:
        assert re.search(r"\.[0-9a-f]{12}\.\w+$", link), f"{link} is not a hashed name"
        response = client.get(link)
        assert response.status_code == 200, link  # nothing the page needs is missing
        cache = response.headers["Cache-Control"]
        assert FOREVER in cache and "immutable" in cache, (link, cache)
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_hashed_file_is_the_file_and_comes_compressed(client):
    original = (ROOT / "static/css/civic.css").read_bytes()
    link = next(
        link
        for link in _static_links(client.get("/").get_data(as_text=True))
        if "/css/civic." in link
    )
    plain = client.get(link)
    assert plain.data == original and "Content-Encoding" not in plain.headers
    assert plain.mimetype == "text/css"
    as_br = client.get(link, headers={"Accept-Encoding": "br, gzip"})
    assert as_br.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in as_br.headers["Vary"]
    assert brotli.decompress(as_br.data) == original
    as_gzip = client.get(link, headers={"Accept-Encoding": "gzip"})
    assert as_gzip.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(as_gzip.data) == original


def test_plain_names_still_work_with_a_short_lifetime(client):
    response = client.get("/static/css/civic.css")
    assert response.status_code == 200
    assert "immutable" not in response.headers["Cache-Control"]
    assert client.get("/static/css/no-such.css").status_code == 404


def test_url_for_static_gives_the_hashed_name(app: Flask):
    with app.test_request_context():
        from flask import url_for

        url = url_for("static", filename="vendor/htmx/htmx.min.js")
    assert re.fullmatch(r"/static/vendor/htmx/htmx\.min\.[0-9a-f]{12}\.js", url)


def test_a_new_content_is_a_new_name_and_a_new_build(tmp_path: Path):
    assert hashed_name("css/a.css", b"x") != hashed_name("css/a.css", b"y")
    assert hashed_name("LICENSE", b"x").startswith("LICENSE.")
    source = tmp_path / "static"
    (source / "css").mkdir(parents=True)
    (source / "css/a.css").write_text("body { color: black; }\n" * 100)
    first = build(source, tmp_path / "out", manifest(source))
    assert build(source, tmp_path / "out", manifest(source)) == first  # built once
    names = manifest(source)
    assert (first / names["css/a.css"]).read_bytes() == (source / "css/a.css").read_bytes()
    assert (first / (names["css/a.css"] + ".gz")).exists()
    (source / "css/a.css").write_text("body { color: red; }\n" * 100)
    second = build(source, tmp_path / "out", manifest(source))
    assert second != first and manifest(source)["css/a.css"] != names["css/a.css"]
    for n in range(5):  # more releases: only the newest few builds are kept
        (source / "css/a.css").write_text(f"p {{ margin: {n}px; }}\n" * 100)
        latest = build(source, tmp_path / "out", manifest(source))
    kept = [p for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")]
    assert latest in kept and len(kept) == 3


def test_pages_are_compressed_for_clients_that_accept_it(client):
    plain = client.get("/")
    assert "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["Vary"]
    squeezed = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert squeezed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in squeezed.headers["Vary"]
    assert gzip.decompress(squeezed.data) == plain.data
    assert len(squeezed.data) < len(plain.data) / 2
    as_br = client.get("/audit", headers={"Accept-Encoding": "br"})
    assert as_br.headers["Content-Encoding"] == "br"
    assert b"<h1" in brotli.decompress(as_br.data)


def test_tiny_responses_are_not_compressed():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})

    @app.get("/tiny")
    def tiny() -> str:
        return "ok"

    response = app.test_client().get("/tiny", headers={"Accept-Encoding": "gzip, br"})
    assert response.data == b"ok" and "Content-Encoding" not in response.headers
