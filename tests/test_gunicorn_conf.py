"""gunicorn.conf.py loads, names only settings gunicorn knows, and its values are sane."""

from __future__ import annotations

import os
import runpy
import socket
import subprocess
import sys
import time
import urllib.request
from typing import Any

import pytest
from gunicorn.config import Config

from civic import ROOT


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    loaded = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    return {k: v for k, v in loaded.items() if not k.startswith("_") and k.islower()}


def test_every_name_is_a_gunicorn_setting_it_accepts(settings):
    config = Config()
    unknown = {name for name in settings if name not in config.settings}
    assert unknown <= {"multiprocessing", "os", "annotations"}, unknown
    for name, value in settings.items():
        if name in config.settings:
            config.set(name, value)  # gunicorn's own validation
    assert config.worker_class_str == "gthread"
    assert config.wsgi_app == "civic:create_app()"


def test_values_are_sane(settings):
    assert 2 <= settings["workers"] <= 64
    assert 1 <= settings["threads"] <= 8
    assert 10 <= settings["timeout"] <= 120
    assert 0 < settings["graceful_timeout"] <= settings["timeout"]
    assert settings["max_requests"] >= 100
    assert 0 < settings["max_requests_jitter"] < settings["max_requests"]
    assert settings["preload_app"] is False  # no database connection shared across forks
    assert settings["accesslog"] == "-" and settings["errorlog"] == "-"


def test_worker_count_follows_web_concurrency(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"] == 3


def test_gunicorn_serves_civic_with_it(tmp_path):
    """Started for real with this file: the app comes up and WhiteNoise serves a static file
    (no database needed for that)."""
    port = _free_port()
    env = {
        **os.environ,
        "WEB_CONCURRENCY": "1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'civic.db'}",
    }
    env.pop("GUNICORN_CMD_ARGS", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        response = _get_when_up(f"http://127.0.0.1:{port}/static/css/civic.css", server)
        assert response.status == 200
        assert (ROOT / "static/css/civic.css").read_bytes() == response.read()
    finally:
        server.terminate()
        server.wait(timeout=60)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get_when_up(url: str, server: subprocess.Popen) -> Any:
    for _ in range(600):  # up to a minute on a busy machine; not a speed check
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited: {server.stderr.read().decode()[-2000:]}")
        try:
            return urllib.request.urlopen(url, timeout=5)  # noqa: S310 (our own http URL)
        except OSError:
            time.sleep(0.1)
    pytest.fail("gunicorn did not answer within a minute")
