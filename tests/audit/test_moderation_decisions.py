""" "See every moderation decision" lists moderation decisions only: comments hidden (by a
moderator, or automatically after reports), restored, or their reports dismissed, with the
reason. A comment posted, a report or a vote cast is in the log but not on this page."""

from __future__ import annotations

import re

from sqlalchemy import select

from civic.audit.models import AuditEntry
from civic.discussions import services as discussions
from civic.extensions import db
from civic.votes import services as votes
from civic.votes.models import ProposalState
from tests.discussions.conftest import make_resident
from tests.factories import AreaFactory, ModeratorFactory
from tests.votes.helpers import make_proposal, residents

HIDE = "Personal details of a neighbour were posted"
RESTORE = "The details were the poster's own, shared on purpose"
DISMISS = "The comment is on topic and within the rules"


def _actions_on_page(page: str) -> list[str]:
    table = page.split('id="moderation-decisions"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'href="/audit/entries/(\d+)"', table)


def _tags(seqs: list[str]) -> list[str]:
    return [db.session.get(AuditEntry, int(seq)).action for seq in seqs]


def test_the_page_lists_only_moderation_decisions_with_their_reasons(client):
    area = AreaFactory(slug="riverside", name="Riverside")
    moderator = ModeratorFactory()
    author, reporter = make_resident(area), make_resident(area)
    hidden = discussions.post_comment(author, "area", "riverside", "Call Jo on 07700 900123")
    kept = discussions.post_comment(author, "area", "riverside", "The bins are late again")
    discussions.flag_comment(reporter, kept, "off_topic")
    discussions.hide_comment(moderator, hidden, HIDE)
    discussions.restore_comment(moderator, hidden, RESTORE)
    discussions.restore_comment(moderator, kept, DISMISS)  # visible: dismisses the report
    proposal, officer, varea = make_proposal(ProposalState.VOTING)
    votes.cast_vote(residents(varea, 1)[0], proposal, "for")
    votes.close_vote(officer, proposal, reason="The buyer's offer lapses before the date")
    logged = set(db.session.scalars(select(AuditEntry.action)))
    # what must not be listed is in the log, so leaving it out is the page's doing
    assert {"comment:post", "comment:flag", "proposal:vote_cast"} <= logged

    response = client.get("/audit/moderation")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _tags(_actions_on_page(page)) == [
        "comment:reports_dismiss",
        "comment:restore",
        "comment:hide",
    ]
    for reason in (HIDE, DISMISS, RESTORE.replace("'", "&#39;")):
        assert reason in page
    for never in ("comment:post", "comment:flag", "proposal:vote_cast", "Call Jo"):
        assert never not in page


def test_a_comment_hidden_automatically_is_listed_with_its_reports(client, app):
    app.config["FLAGS_TO_HIDE"] = 2
    area = AreaFactory(slug="riverside", name="Riverside")
    comment = discussions.post_comment(make_resident(area), "area", "riverside", "Buy cheap")
    for _ in range(2):
        discussions.flag_comment(make_resident(area), comment, "spam")
    page = client.get("/audit/moderation").get_data(as_text=True)
    assert _tags(_actions_on_page(page)) == ["comment:auto_hide"]
    assert "Hidden automatically after reports" in page and "2 reports" in page


def test_the_thread_links_to_the_decisions_page_and_an_empty_one_says_so(client):
    AreaFactory(slug="riverside", name="Riverside")
    thread = client.get("/discussions/area/riverside").get_data(as_text=True)
    assert 'href="/audit/moderation">See every moderation decision</a>' in thread
    page = client.get("/audit/moderation").get_data(as_text=True)
    assert "No moderation decisions yet." in page
