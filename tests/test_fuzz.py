"""Property-based fuzzing (hypothesis) of every form, query parameter and path parameter.

The forms are not listed by hand: each page in the authorisation matrix's table is fetched
as a person allowed to see it, and every POST form on it becomes a target, with its fields
and their values as the page filled them in. Each example sends hostile text (Unicode
digits, NUL, CR/LF, huge numbers, bidirectional overrides, very long strings) in some
fields and the page's own values in the others, and checks:

- never a 500;
- a refusal (4xx) writes nothing: every table's row count, and so the audit log's size,
  is what it was before the request.

Each request runs in a savepoint rolled back afterwards, and the person's session cookie
is put back, so no example changes the world the next one sees. Examples are derandomized
(the same on every run and in CI) and few enough to keep the file well under a minute.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from civic.extensions import db, limiter
from tests.conftest import RequestClient, login
from tests.test_authorisation_matrix import TABLE, _url
from tests.world import (
    ADMIN,
    ANONYMOUS,
    ELIGIBLE,
    INELIGIBLE,
    MODERATOR,
    ORGANISER,
    World,
    build_world,
)

# CI runs a modest number of examples; CIVIC_FUZZ_SCALE=20 runs twenty times as many, for a
# deeper search on a developer's machine (still derandomized, so a failure repeats).
SCALE = max(1, int(os.environ.get("CIVIC_FUZZ_SCALE", "1")))

SETTINGS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}

# Who fills each page's forms in: the first role in this order that may GET the page.
ROLE_ORDER = (ELIGIBLE, ORGANISER, MODERATOR, ADMIN, ANONYMOUS, INELIGIBLE)

NASTY = [
    "²",
    "٣",
    "\uff13",
    "1²",
    "3000000000",
    "9" * 30,
    "-1",
    "0",
    "1e3",
    "1_000",
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n",
    "/votes\r\nSet-Cookie: x=1",
    "\t=1+1",
    '=HYPERLINK("http://evil.example","x")',
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\u202eevil",
    "\ufeff",
    "//evil.example",
    "/\\evil.example",
    "%00",
    "../../etc/passwd",
    "x" * 70_000,
]

HOSTILE = st.one_of(
    st.sampled_from(NASTY),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(st.characters(exclude_categories=("Cs",)), min_size=300, max_size=600),
)


@dataclass(frozen=True)
class Form:
    role: str
    action: str
    fields: tuple[tuple[str, str], ...]  # (name, value as the page filled it in)


class _Forms(HTMLParser):
    """POST forms on a page: their action and named fields with their values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self._current: list[tuple[str, str]] | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self._current = []
                self.forms.append((a.get("action", ""), self._current))
            return
        if self._current is None or not a.get("name"):
            return
        if tag == "input" and a.get("type") not in ("submit", "button", "image", "reset"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                # unticked: offered, so the fuzzer can tick it, but not sent by default
                self._current.append((a["name"], "\x01" + a.get("value", "on")))
            else:
                self._current.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = a["name"]
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []
        elif tag == "button" and a.get("value"):
            self._current.append((a["name"], a["value"]))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None
        elif tag == "textarea" and self._textarea is not None and self._current is not None:
            self._current.append((self._textarea, "".join(self._text).strip("\n")))
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


class _Selects(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._name: str | None = None
        self._seen: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "select":
            self._name, self._seen = a.get("name"), []
        elif tag == "option" and self._name is not None:
            self._seen.append(a.get("value", ""))
            if "selected" in a or self._name not in self.values:
                self.values[self._name] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._name = None


def _forms_on(html: str, role: str, page: str) -> list[Form]:
    parser, selects = _Forms(), _Selects()
    parser.feed(html)
    selects.feed(html)
    found = []
    for given_action, fields in parser.forms:
        action = given_action or page  # no action: the form posts to its own page
        path = urlsplit(action).path
        if not path or path.startswith("/accounts/sign-out"):
            continue
        names = {n for n, _ in fields}
        filled = [*fields, *((n, v) for n, v in selects.values.items() if n not in names)]
        found.append(Form(role, action, tuple(filled)))
    return found


class Fuzzing:
    """The world, a signed-in client per role, and the one request each example sends."""

    def __init__(self, app: Flask) -> None:
        app.test_client_class = RequestClient
        self.app = app
        self.world: World = build_world()
        self.clients = {}
        for role, user in self.world.users.items():
            client = app.test_client()
            if user is not None:
                login(client, user)
            self.clients[role] = client
        self.connection = db.engines[None]
        self.tables = list(db.metadata.sorted_tables)

    def allowed(self, endpoint: str, method: str) -> str | None:
        row = TABLE[endpoint]
        allowed = row.get if method == "GET" else row.post
        return next((r for r in ROLE_ORDER if allowed and r in allowed), None)

    def counts(self) -> dict[str, int]:
        return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in self.tables}

    def send(self, role: str, method: str, url: str, **kwargs) -> None:
        """One request, checked: no 500, and a refusal leaves every table as it was."""
        client = self.clients[role]
        cookie = client.get_cookie("session")
        savepoint = self.connection.begin_nested()
        try:
            before = self.counts()
            response = client.open(url, method=method, **kwargs)
            status = response.status_code
            assert status < 500, f"{method} {url} as {role}: {status}"
            if status >= 400:
                after = self.counts()
                changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
                assert not changed, (
                    f"{method} {url} as {role} refused ({status}) but wrote {changed}"
                )
        finally:
            savepoint.rollback()
            db.session.expire_all()
            if cookie is not None:
                client.set_cookie(cookie.key, cookie.value, domain=cookie.domain or "localhost")
            else:
                client.delete_cookie("session")

    def pages(self) -> list[tuple[str, str]]:
        """(role, url) of every page in the table, as each role allowed to GET it, and the
        drafts' builder pages, whose forms close once a vote or consultation opens."""
        found = []
        for endpoint, row in sorted(TABLE.items()):
            if row.get is None:
                continue
            url = _url(self.app, self.world, endpoint, row)
            found += [(role, url) for role in ROLE_ORDER if role in row.get]
        values = self.world.values
        return [
            *found,
            (MODERATOR, f"/votes/{values['draft_proposal_id']}/manage"),
            (MODERATOR, f"/consultations/{values['draft_consultation_id']}/build"),
        ]

    def forms(self) -> list[Form]:
        seen: dict[tuple[str, frozenset[str]], Form] = {}
        for role, url in self.pages():
            response = self.clients[role].get(url)
            if response.status_code != 200 or "html" not in response.mimetype:
                continue
            for form in _forms_on(response.get_data(as_text=True), role, url):
                key = (urlsplit(form.action).path, frozenset(n for n, _ in form.fields))
                seen.setdefault(key, form)
        return list(seen.values())


@pytest.fixture
def fuzzing(app):
    limiter.enabled = False  # thousands of requests from one address
    try:
        yield Fuzzing(app)
    finally:
        limiter.enabled = True


def test_the_crawl_finds_the_forms_that_matter(fuzzing):
    """The fuzzer is only as good as the forms it finds: check the main ones are there."""
    actions = {urlsplit(f.action).path for f in fuzzing.forms()}
    world = fuzzing.world.values
    expected = {
        "/accounts/sign-in",
        "/accounts/register",
        "/accounts/eligibility",
        f"/budgets/{world['voting_round']}/ballot",
        f"/budgets/{world['voting_round']}/paper",
        f"/budgets/{world['ideas_round']}/propose",
        f"/votes/{world['proposal_id']}/vote",
        f"/votes/{world['proposal_id']}/manage/close",
        f"/votes/{world['draft_proposal_id']}/manage/options",
        f"/votes/{world['draft_proposal_id']}/manage/case",
        f"/votes/{world['draft_proposal_id']}/manage/standards",
        f"/consultations/{world['consultation_id']}/respond",
        f"/consultations/{world['consultation_id']}/build",
        "/discussions/area/matrix-ward",
        f"/discussions/comments/{world['comment_id']}/flag",
        f"/discussions/comments/{world['comment_id']}/moderate",
        "/budgets/new",
        "/votes/new",
        "/consultations/new",
        "/accounts/areas/new",
    }
    assert expected <= actions, sorted(expected - actions)


def _field_value(data: st.DataObject, name: str, value: str) -> str | None:
    unticked = value.startswith("\x01")
    choice = data.draw(
        st.sampled_from(["keep", "hostile", "omit"] if unticked else ["keep", "keep", "hostile"]),
        label=name,
    )
    if choice == "hostile":
        return data.draw(HOSTILE, label=name)
    if choice == "omit" or unticked:
        return value[1:] if unticked and choice == "keep" else None
    return value


def test_forms_never_fail_and_refusals_write_nothing(fuzzing):
    forms = fuzzing.forms()

    @settings(max_examples=400 * SCALE, **SETTINGS)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        form = data.draw(st.sampled_from(forms), label="form")
        body: dict[str, list[str]] = {}
        for name, value in form.fields:
            if name == "csrf_token":
                body.setdefault(name, []).append(value)  # keep the token: test the view
                continue
            sent = _field_value(data, name, value)
            if sent is not None:
                body.setdefault(name, []).append(sent)
        # htmx requests render one block of the page instead: fuzz that path too
        headers = {"HX-Request": "true"} if data.draw(st.booleans(), label="htmx") else {}
        fuzzing.send(form.role, "POST", form.action, data=body, headers=headers)

    run()


QUERY_PARAMS = {
    "audit.index": ("before", "after", "size", "action", "subject"),
    "votes.index": ("area", "state"),
    "votes_api.api_list": ("area", "state"),
    "budgets.new_round": ("group",),
    "discussions.thread": ("before",),
    "discussions.moderate": ("back",),
    "accounts.sign_in": ("next",),
}


def test_query_parameters_never_fail(fuzzing):
    targets = sorted(QUERY_PARAMS)

    @settings(max_examples=120 * SCALE, **SETTINGS)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        endpoint = data.draw(st.sampled_from(targets), label="endpoint")
        params = {
            name: data.draw(HOSTILE, label=name)
            for name in QUERY_PARAMS[endpoint]
            if data.draw(st.booleans(), label=f"send {name}")
        }
        role = fuzzing.allowed(endpoint, "GET") or ANONYMOUS
        url = _url(fuzzing.app, fuzzing.world, endpoint, TABLE[endpoint])
        fuzzing.send(role, "GET", url, query_string=params)

    run()


def test_path_parameters_never_fail(fuzzing):
    """Every route, with one of its URL parameters replaced by hostile text."""
    rules = [
        (rule.endpoint, rule.rule, sorted(rule.arguments))
        for rule in fuzzing.app.url_map.iter_rules()
        if rule.arguments and rule.endpoint != "static"
    ]

    @settings(max_examples=150 * SCALE, **SETTINGS)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        endpoint, pattern, arguments = data.draw(st.sampled_from(rules), label="rule")
        hostile = data.draw(st.sampled_from(arguments), label="argument")
        method = data.draw(st.sampled_from(["GET", "POST"]), label="method")
        url = _url(fuzzing.app, fuzzing.world, endpoint, TABLE[endpoint])
        # rebuild the URL with the hostile value in place of that parameter's
        parts = pattern
        for name in arguments:
            converter = next(c for c in ("int:", "path:", "") if f"<{c}{name}>" in parts)
            key = TABLE[endpoint].values.get(name, name)
            value = (
                data.draw(HOSTILE.filter(bool), label=name)
                if name == hostile
                else str(fuzzing.world.values.get(key, key))
            )
            if name != hostile and key == "slug" and endpoint.startswith("budgets."):
                value = fuzzing.world.values["voting_round"]
            parts = parts.replace(f"<{converter}{name}>", quote(value, safe=""))
        assert url  # the untouched URL resolves (checked in the matrix)
        role = fuzzing.allowed(endpoint, method) or fuzzing.allowed(endpoint, "GET") or ANONYMOUS
        data_ = {"csrf_token": _token(fuzzing, role)} if method == "POST" else None
        fuzzing.send(role, method, parts, data=data_)

    run()


_TOKENS: dict[tuple[int, str], str] = {}


def _token(fuzzing: Fuzzing, role: str) -> str:
    from tests.world import page_token

    key = (id(fuzzing), role)
    if key not in _TOKENS:
        _TOKENS[key] = page_token(fuzzing.clients[role])
    return _TOKENS[key]
