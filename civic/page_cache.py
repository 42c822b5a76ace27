"""A few seconds' cache of finished pages for visitors who are not signed in (issue 16).

A city-wide vote brings tens of thousands of people to the same handful of public pages
(the home page, the round, its results). For a visitor without an account those pages are
the same for everyone who asks in the same language, so each app process keeps the
finished response (compressed, headers and all) for `PAGE_CACHE_SECONDS` and answers
repeats from it: the database and the templates then work once per page, language and
few seconds, however many people ask.

What is never taken from or put in the cache:
- anything but a GET, or a request carrying a cookie other than the language choice
  (a signed-in resident, a moderator, anyone in the middle of a form): their pages can
  hold their own name, choices and CSRF token, so they are always made fresh;
- conditional and range requests (the view answers those itself, with its ETag);
- a response that is not a 200, sets a cookie, wrote to the session, carries rate-limit
  figures or says `private`/`no-store`, or is streamed or larger than a quarter of the
  cache's memory (`PAGE_CACHE_BYTES`, 64 MB a process unless set).

The price is that a visitor who is not signed in can see a public page up to
`PAGE_CACHE_SECONDS` old (the response says how old in its `Age` header). Whoever makes a
change is signed in and sees it at once. Each process keeps its own copy, so no shared
store has to be told when something changes: the copy simply runs out. Off (0) unless set,
and off in tests; the production settings (PostgreSQL or CIVIC_HTTPS) turn it on at
5 seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from cachetools import TTLCache
from flask import Flask, Response, current_app, g, request, session

from civic.i18n import COOKIE as LANGUAGE_COOKIE
from civic.i18n import select_locale

# request headers a page can answer differently to (htmx asks for single blocks)
_KEYED_HEADERS = (
    "Accept",
    "Accept-Encoding",
    "HX-Request",
    "HX-Target",
    "HX-Trigger",
    "HX-Boosted",
    "HX-History-Restore-Request",
)
# requests the view must answer itself
_BYPASS_HEADERS = ("Authorization", "If-None-Match", "If-Modified-Since", "Range", "If-Range")
_CACHED_TYPES = frozenset({"text/html", "application/json", "text/csv", "text/plain"})


@dataclass(frozen=True)
class StoredPage:
    """A finished answer as it was sent: the compressed body and every header but `Age`."""

    headers: list[tuple[str, str]]
    body: bytes
    made: float


def _size(stored: StoredPage) -> int:
    return len(stored.body) + sum(len(name) + len(value) for name, value in stored.headers)


class PageCache:
    """One process's store of finished anonymous pages, shared by its threads."""

    def __init__(
        self, seconds: float, budget: int, timer: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self.timer = timer
        # bounded by bytes, not entries: a city round's ballots.json is megabytes, a page a
        # few kilobytes; the oldest pages make way when a new one would pass the budget
        self.largest = budget // 4
        self._store: TTLCache[tuple[str, ...], StoredPage] = TTLCache(
            maxsize=budget, ttl=seconds, timer=timer, getsizeof=_size
        )
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> StoredPage | None:
        with self._lock:
            return self._store.get(key)

    def put(self, key: tuple[str, ...], stored: StoredPage) -> None:
        if _size(stored) > self.largest:
            return
        with self._lock:
            self._store[key] = stored

    @property
    def bytes_held(self) -> int:
        with self._lock:
            return int(self._store.currsize)

    def clear(self) -> None:
        with self._lock:
            self._store.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._store)


def cache_for(app: Flask) -> PageCache | None:
    """The app's page cache, or None when it is off."""
    return app.extensions.get("civic_page_cache")


def _key() -> tuple[str, ...] | None:
    """The cache key of this request, or None when it must be answered fresh."""
    if request.method != "GET":
        return None
    if any(name != LANGUAGE_COOKIE for name in request.cookies):
        return None
    if any(header in request.headers for header in _BYPASS_HEADERS):
        return None
    return (
        request.url,
        select_locale(),
        *(request.headers.get(header, "") for header in _KEYED_HEADERS),
    )


def _serve_from_cache() -> Response | None:
    cache = cache_for(current_app)
    key = _key() if cache is not None else None
    if cache is None or key is None:
        return None
    stored = cache.get(key)
    if stored is None:
        g.page_cache_key = key
        return None
    g.page_cache_hit = True
    response = Response(stored.body, status=200, headers=stored.headers)
    response.headers["Age"] = str(int(cache.timer() - stored.made))
    return response


def _cacheable(response: Response) -> bool:
    if response.status_code != 200 or response.is_streamed or response.direct_passthrough:
        return False
    if response.mimetype not in _CACHED_TYPES:
        return False
    if "Set-Cookie" in response.headers or "X-RateLimit-Limit" in response.headers:
        return False
    if session.modified or session:  # a flash or a CSRF token: this visitor's own
        return False
    control = response.cache_control
    if control.private or control.no_store:
        return False
    return response.content_length is not None


def _store_in_cache(response: Response) -> Response:
    key = g.pop("page_cache_key", None)
    cache = cache_for(current_app)
    if key is None or cache is None or g.get("page_cache_hit") or not _cacheable(response):
        return response
    if "Cache-Control" not in response.headers:
        # a shared proxy in front may keep it as long as this cache does; browsers ask again
        response.headers["Cache-Control"] = f"public, max-age=0, s-maxage={int(cache.seconds)}"
    headers = [(name, value) for name, value in response.headers.items() if name != "Age"]
    cache.put(key, StoredPage(headers=headers, body=response.get_data(), made=cache.timer()))
    return response


def init_app(app: Flask) -> None:
    """Keep pages for PAGE_CACHE_SECONDS when it is above 0 (the hooks do nothing else).

    Call it after every other extension has added its request hooks: the lookup must come
    after the NUL-byte check and the rate limiter, and the store after compression, so a
    repeat is answered with the same compressed bytes and headers the first visitor got.
    """
    seconds = float(app.config.get("PAGE_CACHE_SECONDS", 0) or 0)
    budget = int(app.config.get("PAGE_CACHE_BYTES", 64 * 1024 * 1024))
    if seconds > 0 and budget > 0:
        app.extensions["civic_page_cache"] = PageCache(seconds, budget)
    app.before_request(_serve_from_cache)
    # after_request hooks run last-registered first: at the front of the list, the store
    # runs after every other hook (compression included) has finished the response
    app.after_request_funcs.setdefault(None, []).insert(0, _store_in_cache)
