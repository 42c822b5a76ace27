"""Static files: content-hashed names, pre-compressed copies, served by WhiteNoise.

Flask's own static route sends every file with a short cache lifetime and uncompressed, so
each page view costs the browser (and the server) a round of revalidation. Here the app
factory copies `static/` once into `instance/static-build/<digest>/`, adding for each file
a copy named by its content (`civic.3f2a9c1b7d4e.css`) and Brotli and gzip versions of
whatever compresses well; WhiteNoise serves that directory in front of Flask. Templates keep
writing `url_for('static', filename=...)`: a URL default turns the name into its hashed
name, which is served with `Cache-Control: max-age=31536000, public, immutable` (a new
file content is a new name). The plain names are still served, with a short lifetime, for
links from outside and for the relative imports inside the files themselves.

The build directory is named by a digest of every file's name and content, so several
workers starting at once build it once (into a temporary directory, renamed into place)
and an unchanged `static/` is never rebuilt.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from flask import Flask
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

HASH_LENGTH = 12
PLAIN_MAX_AGE = 300  # seconds: plain (unhashed) names may change with a new release


def hashed_name(name: str, data: bytes) -> str:
    """`css/civic.css` -> `css/civic.<12 hex digits of its SHA-256>.css`."""
    digest = hashlib.sha256(data).hexdigest()[:HASH_LENGTH]
    folder, _, base = name.rpartition("/")
    stem, dot, extension = base.rpartition(".")
    if not stem:  # no extension (LICENSE) or a dot file
        stem, dot, extension = base, "", ""
    hashed = f"{stem}.{digest}{dot}{extension}"
    return f"{folder}/{hashed}" if folder else hashed


def manifest(source: Path) -> dict[str, str]:
    """Each file under `source` (a POSIX relative name) -> its content-hashed name."""
    return {
        path.relative_to(source).as_posix(): hashed_name(
            path.relative_to(source).as_posix(), path.read_bytes()
        )
        for path in sorted(source.rglob("*"))
        if path.is_file()
    }


def build(source: Path, target_root: Path, names: dict[str, str]) -> Path:
    """The build directory for this content of `source`, made if it is not there yet."""
    key = hashlib.sha256("\n".join(f"{k} {v}" for k, v in names.items()).encode()).hexdigest()
    target = target_root / key[:16]
    if target.is_dir():
        os.utime(target)  # in use again (a rollback, say): newest, so not pruned
        return target
    target_root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".building-", dir=target_root))
    try:
        compressor = Compressor(quiet=True)
        for name, hashed in names.items():
            for written in (work / name, work / hashed):
                written.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source / name, written)
                if compressor.should_compress(written.name):
                    compressor.compress(str(written))
        os.replace(work, target)
    except OSError:
        if not target.is_dir():  # not another worker's finished build: a real failure
            raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _prune(target_root, keep=target)
    return target


KEEP_BUILDS = 3  # the newest builds stay: workers of a release being replaced still read theirs


def _prune(target_root: Path, keep: Path) -> None:
    """Remove all but the newest few builds, so releases do not pile up under instance/."""
    builds = sorted(
        (p for p in target_root.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in builds[KEEP_BUILDS:]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def init_app(app: Flask) -> None:
    """Serve `static/` through WhiteNoise and link its hashed names from every template."""
    source = Path(app.static_folder or "static")
    names = manifest(source)
    root = build(source, Path(app.instance_path) / "static-build", names)
    app.extensions["civic_static_manifest"] = names

    @app.url_defaults
    def _hashed_static_names(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and values.get("filename") in names:
            values["filename"] = names[values["filename"]]

    from civic.web import static_security_headers

    def _headers(headers: Any, path: str, url: str) -> None:
        static_security_headers(headers, https=bool(app.config.get("CIVIC_HTTPS")))

    prefix = app.static_url_path.rstrip("/") + "/"
    hashed = set(names.values())
    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app,
        root=str(root),
        prefix=app.static_url_path,
        max_age=PLAIN_MAX_AGE,
        immutable_file_test=lambda path, url: url.removeprefix(prefix) in hashed,
        add_headers_function=_headers,
    )
