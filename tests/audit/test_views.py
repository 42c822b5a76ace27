"""The public audit pages: no sign-in, newest first, filters, keyset pages, trails, htmx."""

from __future__ import annotations

import re

from civic import audit
from civic.extensions import db
from tests.queries import statements


def _log(n: int, action: str = "area:create", subject: str = "a") -> None:
    for i in range(n):
        audit.record(None, action, audit.Subject("area", f"{subject}{i}"), {"i": i})
    db.session.flush()


def test_audit_is_public_and_newest_first(client):
    _log(3)
    page = client.get("/audit").get_data(as_text=True)
    assert page.index("#2") < page.index("#1") < page.index("#0")


def test_filter_by_action_and_subject(client):
    _log(3, "area:create")
    _log(2, "group:create", "g")
    page = client.get("/audit?action=group:create").get_data(as_text=True)
    assert page.count('<code class="civic-mono govuk-body-s">group:create</code>') == 2
    assert (
        '<code class="civic-mono govuk-body-s">area:create</code>'
        not in page.split('id="results"')[1]
    )
    one = client.get("/audit?subject=area:a1").get_data(as_text=True).split('id="results"')[1]
    assert "Area a1" in one and "Area a0" not in one


NEXT_RE = re.compile(r'href="([^"]+)" rel="next"')


def _seqs(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'">#(\d+)</a>', html.split('id="results"')[1])]


def test_keyset_pages_cover_the_log_exactly_once(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_PAGE_SIZE", 10)
    _log(23)
    seen, url, pages = [], "/audit", 0
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += _seqs(html)
        pages += 1
        match = NEXT_RE.search(html)
        url = match.group(1).replace("&amp;", "&") if match else None
    assert pages == 3
    assert seen == list(range(22, -1, -1))


def test_newer_link_goes_back(client):
    _log(15)
    older = client.get("/audit?size=10&before=5").get_data(as_text=True)
    assert "Newer entries" in older
    newer = client.get("/audit?size=10&after=4").get_data(as_text=True)
    assert _seqs(newer) == list(range(14, 4, -1))


def test_htmx_request_gets_only_the_results_block(htmx_client):
    _log(2)
    response = htmx_client.get("/audit?action=area:create")
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="results">')
    assert "<html" not in body and "#1" in body
    assert "HX-Request" in response.headers["Vary"]


def test_history_restore_gets_the_full_page(htmx_client):
    _log(1)
    response = htmx_client.get("/audit", headers={"HX-History-Restore-Request": "true"})
    assert "<html" in response.get_data(as_text=True)


def test_subject_trail_and_entry_page(client):
    audit.record(None, "area:create", audit.Subject("area", "riverside"), {"name": "Riverside"})
    _log(2)
    audit.record(None, "area:update", audit.Subject("area", "riverside"), {"name": "River"})
    db.session.flush()
    trail = client.get("/audit/subject/area/riverside").get_data(as_text=True)
    assert trail.index("area:create") < trail.index("area:update")
    assert "Area a0" not in trail and "Area riverside" in trail
    entry = client.get("/audit/entries/0").get_data(as_text=True)
    assert "Riverside" in entry and "Leaf hash" in entry
    assert client.get("/audit/entries/99").status_code == 404
    assert client.get("/audit/subject/area/nowhere").status_code == 404


def test_an_empty_trail_says_nothing_is_recorded_and_the_newest_entry_has_no_next(client):
    _log(3)
    db.session.flush()
    empty = client.get("/audit/subject/budget_project/1")
    assert empty.status_code == 404
    assert "Nothing has been recorded about this yet" in empty.get_data(as_text=True)
    middle = client.get("/audit/entries/1").get_data(as_text=True)
    assert "/audit/entries/0" in middle and "/audit/entries/2" in middle
    newest = client.get("/audit/entries/2").get_data(as_text=True)
    assert "/audit/entries/3" not in newest
    assert "This is the newest entry." in newest


def test_actions_and_subjects_read_as_words_with_the_tag_kept(client):
    audit.record(None, "proposal:vote_cast", audit.Subject("proposal", "2"))
    audit.record(None, "budget_round:results", audit.Subject("budget_round", "riverside-2027"))
    audit.release_pending()  # the vote waits for its batch; released, it reads the same
    db.session.flush()
    page = client.get("/audit").get_data(as_text=True)
    assert "Proposal: vote cast" in page and "proposal:vote_cast" in page
    assert "Budget round: results" in page and "Budget round riverside-2027" in page
    trail = client.get("/audit/subject/proposal/2").get_data(as_text=True)
    assert '<h1 class="govuk-heading-l">Proposal 2</h1>' in trail


def test_the_action_filter_lists_registered_actions_without_reading_the_whole_log(client):
    with statements() as seen:
        page = client.get("/audit").get_data(as_text=True)
    # from the registry: even actions nobody took yet are offered
    for tag in ("site_page:update", "budget_ballot:withdraw", "account:password_reset"):
        assert f'<option value="{tag}"' in page
    assert not [s for s in seen if "DISTINCT" in s.upper()], "the filter scans the log"
