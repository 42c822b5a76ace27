"""search(): ranking, who finds what, safe highlighting, filters, input that is not
search syntax, and an index that follows every change. Runs on SQLite (FTS5) and, with
CIVIC_TEST_DATABASE_URL, on PostgreSQL (tsvector): the same assertions on both."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from civic.accounts.models import Area
from civic.discussions import services as discussions
from civic.errors import PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.search import index, registry, services
from civic.search.models import SearchDocument
from civic.search.query import MAX_QUERY_LENGTH, terms
from civic.search.registry import PUBLIC, Document, Kind, Link
from civic.votes import services as votes
from tests.factories import AdminFactory, AreaFactory, UserFactory
from tests.search import helpers


@pytest.fixture
def site():
    area, moderator, resident = helpers.people()
    round_ = helpers.ideas_round(moderator, area, slug="riverside-ideas")
    return area, moderator, resident, round_


def _titles(results) -> list[str]:
    return [str(hit.title) for hit in results.hits]


def _plain(results) -> list[str]:
    return [str(hit.title).replace("<mark>", "").replace("</mark>", "") for hit in results.hits]


# --- ranking ----------------------------------------------------------------------------


def test_a_title_match_outranks_a_match_in_the_text_only(site):
    _area, _moderator, resident, round_ = site
    helpers.project(resident, round_, "Benches for the park", "Near the allotment gardens")
    helpers.project(resident, round_, "Allotment water butts", "Rainwater for the plots")
    results = services.search("allotment", viewer=None)
    assert _plain(results) == ["Allotment water butts", "Benches for the park"]
    assert results.hits[0].rank > results.hits[1].rank


def test_more_matches_rank_higher(site):
    _area, _moderator, resident, round_ = site
    helpers.project(resident, round_, "Play area", "A new swing.")
    helpers.project(
        resident, round_, "Playground kit", "A swing, a second swing and a toddler swing."
    )
    results = services.search("swing", viewer=None)
    assert _plain(results) == ["Playground kit", "Play area"]


def test_every_word_must_match_and_the_last_may_be_a_prefix(site):
    _area, _moderator, resident, round_ = site
    helpers.project(resident, round_, "Library garden", "Raised beds by the library")
    helpers.project(resident, round_, "Library books", "More large-print books")
    assert _plain(services.search("library garden", viewer=None)) == ["Library garden"]
    # stemming: "gardens" finds "garden"; a prefix while typing: "gard"
    assert _plain(services.search("library gardens", viewer=None)) == ["Library garden"]
    assert _plain(services.search("library gard", viewer=None)) == ["Library garden"]


# --- who finds what ---------------------------------------------------------------------


ROLES = ["anonymous", "resident", "moderator", "admin"]


def _viewer(role, resident, moderator):
    return {
        "anonymous": None,
        "resident": resident,
        "moderator": moderator,
        "admin": AdminFactory(),
    }[role]


@pytest.mark.parametrize("role", ROLES)
def test_drafts_are_found_only_by_those_who_may_see_them(site, role):
    area, moderator, resident, _round = site
    helpers.draft_proposal(moderator, area, "Outsource the marina moorings")
    helpers.published_proposal(moderator, area, "Sell the marina boathouse")
    helpers.draft_consultation(moderator, area, "Marina berth charges")
    viewer = _viewer(role, resident, moderator)
    found = set(_plain(services.search("marina", viewer=viewer)))
    staff = role in ("moderator", "admin")
    assert ("Outsource the marina moorings" in found) is staff
    assert ("Marina berth charges" in found) is staff
    assert "Sell the marina boathouse" in found


@pytest.mark.parametrize("role", ROLES)
def test_hidden_comments_are_found_only_by_moderators(site, role):
    _area, moderator, resident, round_ = site
    shown = helpers.comment(resident, "budget_round", round_.slug, "The weir path floods")
    hidden = helpers.comment(resident, "budget_round", round_.slug, "The weir keeper is a fool")
    discussions.hide_comment(moderator, hidden, "Personal attack")
    viewer = _viewer(role, resident, moderator)
    hits = services.search("weir", viewer=viewer).hits
    refs = {hit.link["values"]["comment_id"] for hit in hits if hit.kind == "comment"}
    assert str(shown.id) in refs
    assert (str(hidden.id) in refs) is (role in ("moderator", "admin"))


def test_a_comment_on_a_draft_is_not_found_by_residents_until_the_draft_is_published(site):
    area, moderator, resident, _round = site
    proposal = helpers.draft_proposal(moderator, area, "Outsource street cleaning")
    helpers.comment(moderator, "proposal", str(proposal.id), "Sweepers start at dawn")
    assert services.search("sweepers", viewer=resident).total == 0
    assert services.search("sweepers", viewer=moderator).total == 1
    helpers.complete_case(moderator, proposal)
    votes.set_vote_rules(moderator, proposal, quorum_percent=20, majority="simple", hide_tally=True)
    votes.open_consultation(moderator, proposal, 28)
    assert services.search("sweepers", viewer=resident).total == 1


def test_a_hidden_comment_found_by_a_moderator_leads_to_its_moderation_page(site):
    _area, moderator, resident, round_ = site
    hidden = helpers.comment(resident, "budget_round", round_.slug, "Spam spam lovely spam")
    discussions.hide_comment(moderator, hidden, "Advertising")
    (hit,) = services.search("lovely", viewer=moderator).hits
    assert hit.link["endpoint"] == "discussions.moderate"
    assert str(hit.title) == "Hidden comment on Riverside ideas 2027"


def test_a_visible_comment_leads_to_itself_in_its_thread(site):
    _area, moderator, resident, round_ = site
    root = helpers.comment(resident, "budget_round", round_.slug, "Who maintains the benches?")
    reply = discussions.post_comment(
        moderator, "budget_round", round_.slug, "The parks team maintains them.", root.id
    )
    (hit,) = services.search("parks team", viewer=None).hits
    assert hit.link == {
        "endpoint": "discussions.comment",
        "values": {"comment_id": str(root.id)},
        "anchor": f"comment-{reply.id}",
        "heading": "Riverside ideas 2027",
        "heading_as": "comment",
    }
    assert str(services.search("parks team", viewer=None).hits[0].title) == (
        "Comment on Riverside ideas 2027"
    )


def test_a_comments_heading_is_worded_in_the_readers_language(site):
    """The index keeps the subject's own words; "Comment on" is said when shown."""
    from civic.i18n import in_language

    _area, moderator, resident, round_ = site
    helpers.comment(resident, "budget_round", round_.slug, "Who paints the <b>benches</b>?")
    with in_language("cy"):
        (hit,) = services.search("paints", viewer=None).hits
        assert str(hit.title) == "Sylw ar Riverside ideas 2027"
    hidden = helpers.comment(resident, "budget_round", round_.slug, "Spam spam lovely spam")
    discussions.hide_comment(moderator, hidden, "Advertising")
    with in_language("cy"):
        (hit,) = services.search("lovely", viewer=moderator).hits
        assert str(hit.title) == "Sylw cudd ar Riverside ideas 2027"


# --- highlighting -----------------------------------------------------------------------


def test_user_text_is_escaped_and_only_matches_are_marked(site):
    _area, _moderator, resident, round_ = site
    helpers.project(
        resident, round_, "<script>alert('x')</script> bench", "<b>mark</b> the <mark>spot"
    )
    (hit,) = services.search("bench", viewer=None).hits
    assert str(hit.title) == ("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; <mark>bench</mark>")
    (hit,) = services.search("mark", viewer=None).hits
    assert "<script>" not in str(hit.title)
    # the word "mark" is marked; the tags the resident typed never become markup (FTS5
    # keeps them as escaped text, PostgreSQL's headline leaves tags out of an excerpt)
    snippet = str(hit.snippet)
    assert "<mark>mark</mark>" in snippet
    assert "<" not in snippet.replace("<mark>", "").replace("</mark>", "")
    assert snippet.count("<mark>") == snippet.count("</mark>")


def test_marker_characters_in_text_cannot_open_markup(site):
    _area, _moderator, resident, round_ = site
    helpers.project(resident, round_, "Tree \x02planting\x03 <i>", "Oak \x02 and ash")
    (hit,) = services.search("oak", viewer=None).hits
    assert "\x02" not in str(hit.snippet) and "\x03" not in str(hit.title)
    assert str(hit.snippet).count("<mark>") == str(hit.snippet).count("</mark>") == 1


# --- filters and paging -----------------------------------------------------------------


def test_filters_by_kind_area_and_state(site):
    area, moderator, resident, round_ = site
    other = AreaFactory(slug="northgate", name="Northgate")
    other_round = helpers.ideas_round(moderator, other, slug="northgate-ideas", title="North")
    helpers.project(resident, round_, "Canal towpath lights")
    helpers.project(moderator, other_round, "Canal lock paint")
    helpers.published_proposal(moderator, area, "Outsource canal dredging")
    helpers.comment(resident, "budget_round", round_.slug, "The canal needs litter bins")
    assert services.search("canal", viewer=None).total == 4
    by_kind = services.search("canal", viewer=None, kinds=["budget_project"])
    assert sorted(_plain(by_kind)) == ["Canal lock paint", "Canal towpath lights"]
    by_area = services.search("canal", viewer=None, area=other)
    assert _plain(by_area) == ["Canal lock paint"]
    by_state = services.search("canal", viewer=None, state="consultation")
    assert _plain(by_state) == ["Outsource canal dredging"]
    both = services.search("canal", viewer=None, kinds=["comment", "proposal"])
    assert {hit.kind for hit in both.hits} == {"comment", "proposal"}


def test_pages_hold_twenty_results_each_and_do_not_overlap(site):
    _area, _moderator, resident, round_ = site
    for n in range(45):
        helpers.project(resident, round_, f"Hedgehog house {n}")
    first = services.search("hedgehog", viewer=None, page=1)
    third = services.search("hedgehog", viewer=None, page=3)
    assert (first.total, first.pages, len(first.hits), len(third.hits)) == (45, 3, 20, 5)
    seen = [
        hit.link["values"]["project_id"]
        for p in (1, 2, 3)
        for hit in services.search("hedgehog", viewer=None, page=p).hits
    ]
    assert len(seen) == len(set(seen)) == 45
    assert services.search("hedgehog", viewer=None, page=4).hits == []


def test_unknown_filters_are_refused_with_a_reason(site):
    with pytest.raises(ValidationFailed) as failure:
        services.parse_filters(area="atlantis", kinds=["spaceship"], state="molten", page="x")
    assert set(failure.value.errors) == {"area", "kind", "state", "page"}
    assert services.parse_filters(page="2").page == 2


# --- input that is not search syntax ----------------------------------------------------


GARBAGE = [
    "",
    "   ",
    '"',
    '"unbalanced',
    "*",
    "bench*",
    "AND",
    "bench AND",
    "OR NOT",
    "NEAR(bench",
    "NEAR(bench seat, 2)",
    "((bench",
    "bench)",
    "title:bench",
    "-bench",
    "^bench",
    "'bench'",
    "bench:*",
    "bench & | ! <->",
    "bench seat pond by the",
    "near bench",
    "\\",
    "%_",
    "ünïcödé bench",
    "日本語",
    "x" * MAX_QUERY_LENGTH,
    " ".join(["bench"] * 80)[:MAX_QUERY_LENGTH],
]


@pytest.mark.parametrize("query", GARBAGE)
def test_syntax_garbage_is_searched_as_words(site, query):
    _area, _moderator, resident, round_ = site
    helpers.project(resident, round_, "Bench seat", "By the pond")
    results = services.search(query, viewer=None)
    words = set(terms(query).words)
    # found exactly when every word left is one the project holds ("bench", "seat", ...)
    expected = bool(words) and words <= {"bench", "seat", "pond"}
    assert ("Bench seat" in _plain(results)) is expected
    assert results.total == len(results.hits)


def test_a_query_too_long_is_refused_with_a_reason():
    with pytest.raises(ValidationFailed) as failure:
        services.search("x" * (MAX_QUERY_LENGTH + 1), viewer=None)
    assert "200 characters" in failure.value.errors["q"]


def test_terms_are_quoted_words_only():
    found = terms('NEAR(bus "stop* shelter) AND')
    assert found.words == ("near", "bus", "stop", "shelter")
    assert found.fts5() == '"near" "bus" "stop" "shelter"*'
    assert found.tsquery() == "'near' & 'bus' & 'stop' & 'shelter':*"
    assert not terms("*()\"'")
    assert not terms("the and OR not")


# --- the index follows every change -----------------------------------------------------


def test_edits_state_changes_and_hiding_update_the_index(site):
    area, moderator, resident, round_ = site
    proposal = helpers.draft_proposal(moderator, area, "Outsource the ferry")
    votes.update_case(moderator, proposal, public_interest_case="The hovercraft is cheaper")
    assert services.search("hovercraft", viewer=moderator).total == 1
    doc = db.session.scalar(select(SearchDocument).where(SearchDocument.kind == "proposal"))
    assert (doc.audience, doc.state) == ("moderators", "draft")
    comment = helpers.comment(resident, "budget_round", round_.slug, "Ferry fares are too high")
    assert services.search("fares", viewer=resident).total == 1
    discussions.hide_comment(moderator, comment, "Off-topic")
    assert services.search("fares", viewer=resident).total == 0
    hidden = db.session.scalar(select(SearchDocument).where(SearchDocument.kind == "comment"))
    assert (hidden.audience, hidden.state) == ("moderators", "hidden")


def test_rebuild_writes_the_same_documents_the_events_wrote(site):
    area, moderator, resident, round_ = site
    helpers.project(resident, round_, "Wildflower verge")
    helpers.published_proposal(moderator, area, "Outsource grounds maintenance")
    helpers.comment(resident, "budget_round", round_.slug, "Yes to wildflowers")
    columns = ("kind", "ref", "audience", "area_id", "state", "title", "body", "link")

    def snapshot():
        db.session.expire_all()
        return sorted(
            tuple(str(getattr(d, c)) for c in columns)
            for d in db.session.scalars(select(SearchDocument))
        )

    index.write_pending(db.session)
    before = snapshot()
    assert index.rebuild(db.session) == len(before) >= 4
    assert snapshot() == before
    assert services.search("wildflower", viewer=None).total == 2


def test_a_new_kind_joins_by_registering(site):
    """What contracts and petitions will do: register, and be found; no core edit."""
    area = db.session.scalar(select(Area).where(Area.slug == "riverside"))

    def area_document(found: Area) -> Document:
        return Document(
            ref=found.slug,
            title=found.name,
            body="",
            audience=PUBLIC,
            state="",
            area_id=found.id,
            link=Link("accounts.area", {"slug": found.slug}),
        )

    registry.register(Kind("area", "Area", "Areas", Area, lambda a: a.slug, area_document))
    try:
        area.name = "Riverside and Holbeck"
        db.session.flush()
        (hit,) = services.search("holbeck", viewer=None, kinds=["area"]).hits
        assert hit.link == {
            "endpoint": "accounts.area",
            "values": {"slug": "riverside"},
            "anchor": None,
            "heading": "",
            "heading_as": "",
        }
    finally:
        registry.unregister("area")


def test_the_search_service_decides_visibility_itself():
    """No caller can ask for more: the viewer is the only way in, and unknown viewers
    are the public."""
    assert services.audiences(None) == ("public",)
    assert services.audiences(UserFactory()) == ("public",)
    assert "moderators" in services.audiences(AdminFactory())
    with pytest.raises(PermissionDenied):
        from civic.accounts.people import find_people

        find_people(UserFactory())
