"""The few seconds' cache of public pages for visitors who are not signed in (civic.page_cache).

Each test installs a cache on the shared app with a clock it moves by hand, so expiry is
shown without sleeping; the suite's app otherwise runs with the cache off, as tests of
other things expect every page fresh.
"""

from __future__ import annotations

import brotli
import pytest

from civic import config
from civic.budgets.models import BudgetRound
from civic.extensions import db
from civic.page_cache import PageCache, StoredPage
from tests.budgets.rounds_helpers import make_round
from tests.conftest import login
from tests.factories import UserFactory


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(app):
    ticking = Clock()
    app.extensions["civic_page_cache"] = PageCache(5, 1024 * 1024, timer=ticking)
    yield ticking
    app.extensions.pop("civic_page_cache")


def _rename_first_round(title: str) -> None:
    round_ = db.session.scalars(db.select(BudgetRound).order_by(BudgetRound.id)).first()
    round_.title = title
    db.session.flush()


def test_a_repeat_is_answered_from_the_cache_until_it_runs_out(app, clock):
    make_round()
    visitor = app.test_client()
    first = visitor.get("/budgets")
    assert first.status_code == 200 and "Age" not in first.headers
    _rename_first_round("Riverside green spaces")

    clock.now += 3
    repeat = visitor.get("/budgets")
    assert repeat.headers["Age"] == "3"
    assert repeat.get_data() == first.get_data(), "the same page, made once"
    assert "Riverside green spaces" not in repeat.get_data(as_text=True)
    # the security headers are on the copy too, and it says it varies as a page does
    assert repeat.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert "Accept-Language" in repeat.headers["Vary"]

    # a proxy in front may keep it as long (and knows how old it is), a browser asks again
    assert first.headers["Cache-Control"] == repeat.headers["Cache-Control"]
    assert first.headers["Cache-Control"] == "public, max-age=0, s-maxage=5"

    clock.now += 3  # 6 seconds after it was made: older than PAGE_CACHE_SECONDS
    fresh = visitor.get("/budgets")
    assert "Age" not in fresh.headers
    assert "Riverside green spaces" in fresh.get_data(as_text=True)


def test_signed_in_people_always_get_a_fresh_page_and_never_fill_the_cache(app, client, clock):
    make_round()
    anonymous = app.test_client()
    anonymous.get("/budgets")
    _rename_first_round("Holbeck library garden")
    user = UserFactory(display_name="Sam Okafor")
    login(client, user)

    signed_in = client.get("/budgets")
    assert "Age" not in signed_in.headers and "public" not in signed_in.headers.get(
        "Cache-Control", ""
    )
    page = signed_in.get_data(as_text=True)
    assert "Holbeck library garden" in page and "Sam Okafor" in page

    # what the signed-in resident saw was not kept for the next anonymous visitor
    again = anonymous.get("/budgets")
    assert "Age" in again.headers
    assert "Sam Okafor" not in again.get_data(as_text=True)
    assert "Holbeck library garden" not in again.get_data(as_text=True)


def test_each_language_has_its_own_copy(app, clock):
    english = app.test_client().get("/", headers={"Accept-Language": "en-GB"})
    welsh = app.test_client().get("/", headers={"Accept-Language": "cy"})
    assert "Age" not in welsh.headers, "the English copy is not the Welsh page"
    assert 'lang="cy"' in welsh.get_data(as_text=True)
    chosen = app.test_client()
    chosen.set_cookie("civic_lang", "cy")
    by_cookie = chosen.get("/", headers={"Accept-Language": "en-GB"})
    assert 'lang="cy"' in by_cookie.get_data(as_text=True)
    assert by_cookie.headers.get("Age") == "0", "the Welsh copy serves the cookie's choice"
    assert 'lang="en-GB"' in english.get_data(as_text=True)


def test_pages_that_set_a_cookie_errors_and_conditional_requests_are_not_kept(app, clock):
    visitor = app.test_client
    for _ in range(2):
        sign_in = visitor().get("/accounts/sign-in")
        assert sign_in.headers.getlist("Set-Cookie"), "its form's token lives in the session"
        assert "Age" not in sign_in.headers
        missing = visitor().get("/no-such-page")
        assert missing.status_code == 404 and "Age" not in missing.headers
    visitor().get("/audit")
    assert "Age" in visitor().get("/audit").headers
    conditional = visitor().get("/audit", headers={"If-None-Match": '"x"'})
    assert "Age" not in conditional.headers, "the view answers conditional requests itself"
    with_a_cookie = visitor()
    with_a_cookie.set_cookie("civic_device", "anything")
    assert "Age" not in with_a_cookie.get("/audit").headers


def test_htmx_blocks_and_whole_pages_are_kept_apart(app, clock):
    visitor = app.test_client()
    whole = visitor.get("/audit")
    block = visitor.get("/audit", headers={"HX-Request": "true", "HX-Target": "entries"})
    assert "Age" not in block.headers
    assert visitor.get("/audit").get_data() == whole.get_data()


def test_a_compressed_page_is_kept_compressed_and_served_as_it_was(app, clock):
    visitor = app.test_client()
    first = visitor.get("/", headers={"Accept-Encoding": "br"})
    assert first.headers["Content-Encoding"] == "br"
    repeat = visitor.get("/", headers={"Accept-Encoding": "br"})
    assert repeat.headers["Content-Encoding"] == "br" and "Age" in repeat.headers
    assert brotli.decompress(repeat.get_data()) == brotli.decompress(first.get_data())
    plain = visitor.get("/")
    assert "Content-Encoding" not in plain.headers and "Age" not in plain.headers
    assert plain.get_data() == brotli.decompress(first.get_data())


def test_the_cache_keeps_to_its_memory_budget(clock):
    cache = PageCache(5, 4000, timer=clock)

    def page(size: int) -> StoredPage:
        return StoredPage(headers=[], body=b"x" * size, made=clock())

    for key in "abcd":
        cache.put((key,), page(900))
    cache.get(("a",))  # asked for again: the least recently used is now "b"
    cache.put(("e",), page(900))  # 4,500 bytes would pass the budget
    assert cache.get(("b",)) is None
    assert all(cache.get((key,)) is not None for key in "acde")
    assert cache.bytes_held <= 4000
    cache.put(("f",), page(1001))  # more than a quarter of the budget
    assert cache.get(("f",)) is None and len(cache) == 4


def test_an_answer_over_a_quarter_of_the_memory_is_not_kept(app, clock):
    small = PageCache(5, 400, timer=clock)
    app.extensions["civic_page_cache"] = small
    visitor = app.test_client()
    visitor.get("/")
    assert "Age" not in visitor.get("/").headers and len(small) == 0


@pytest.mark.parametrize("name", ["CIVIC_PAGE_CACHE_SECONDS", "CIVIC_PAGE_CACHE_MB"])
@pytest.mark.parametrize("raw", ["abc", "-1", "nan", "inf"])
def test_a_page_cache_setting_that_is_not_a_number_stops_the_start(monkeypatch, name, raw):
    monkeypatch.setenv(name, raw)
    with pytest.raises(config.ConfigurationError, match=name):
        config.page_cache_settings(production=True)


def test_the_cache_is_on_for_production_and_off_for_a_single_sqlite_install(monkeypatch):
    monkeypatch.delenv("CIVIC_PAGE_CACHE_SECONDS", raising=False)
    assert config.page_cache_settings(production=True)["PAGE_CACHE_SECONDS"] == 5
    assert config.page_cache_settings(production=False)["PAGE_CACHE_SECONDS"] == 0
    monkeypatch.setenv("CIVIC_PAGE_CACHE_SECONDS", "0")
    assert config.page_cache_settings(production=True)["PAGE_CACHE_SECONDS"] == 0
    monkeypatch.setenv("CIVIC_PAGE_CACHE_MB", "1.5")
    assert config.page_cache_settings(production=True)["PAGE_CACHE_BYTES"] == 1572864


def test_a_frozen_download_keeps_its_own_lifetime(app, clock, monkeypatch):
    from tests.test_frozen_more import _frozen_round

    monkeypatch.setitem(app.config, "MIN_ELECTORATE", 0)
    round_ = _frozen_round()
    visitor = app.test_client()
    first = visitor.get(f"/budgets/{round_.slug}/results.json")
    repeat = visitor.get(f"/budgets/{round_.slug}/results.json")
    assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Age" in repeat.headers and repeat.get_data() == first.get_data()
    assert repeat.headers["ETag"] == first.headers["ETag"]
