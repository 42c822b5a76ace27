"""Every route in the URL map, for every kind of person, GET and POST, against a table.

The table says who may use each endpoint. "May" means the answer is not a refusal (not
401/403, not a redirect to sign in); it may still be 404, 409 or 422, since POSTs are sent
empty but for the CSRF token: permission must be decided before the form is validated, so a
refused person gets 403, never a 422 that shows what they cannot change. Nobody ever gets a
500. A route without a row fails the test: decide who may use it, then add the row.

One world is built for the whole walk; each request runs in a savepoint that is rolled back
afterwards, so a POST that changes something (removing a member, signing out) changes
nothing for the requests after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from flask import Flask, url_for

from civic.extensions import db, limiter
from tests.conftest import login
from tests.world import (
    ADMIN,
    ANONYMOUS,
    ELIGIBLE,
    MODERATOR,
    ORGANISER,
    ROLES,
    World,
    build_world,
    page_token,
)

EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {ANONYMOUS}
RESIDENTS = frozenset({ELIGIBLE, ORGANISER})  # eligible in the world's area
STAFF = frozenset({MODERATOR, ADMIN})
MANAGERS = STAFF | {ORGANISER}  # of the group's budget round
ADMINS = frozenset({ADMIN})
AUTHOR = frozenset({ELIGIBLE})  # wrote the world's comment
NOBODY = frozenset()


@dataclass(frozen=True)
class Row:
    """Who may GET and who may POST (None: the route has no such method)."""

    get: frozenset[str] | None = None
    post: frozenset[str] | None = None
    values: dict[str, str] = field(default_factory=dict)  # URL parameter -> world key


AREA = {"slug": "area"}
GROUP = {"slug": "group"}
VOTING = {"slug": "voting_round"}
RESULTS = {"slug": "results_round"}
IDEAS = {"slug": "ideas_round"}
PAPER_VOTE = {"kind": "proposal", "subject_id": "proposal_id"}
GROUP_PAPER = {"slug": "group", "kind": "motion", "subject_id": "motion_id"}
INFO_REQUEST = {"reference": "info_request_reference"}  # slice requests

TABLE: dict[str, Row] = {
    "pages.home": Row(get=EVERYONE),
    # what's open now (slice opennow): the "Your areas" dashboard
    "pages.dashboard": Row(get=SIGNED_IN),
    # accounts
    "accounts.register": Row(get=EVERYONE, post=EVERYONE),
    "accounts.sign_in": Row(get=EVERYONE, post=EVERYONE),
    "accounts.sign_out": Row(post=EVERYONE),
    # the language switch: a cookie for anyone, saved on the account when signed in
    "language.switch": Row(get=EVERYONE, post=EVERYONE, values={"code": "cy"}),
    "accounts.eligibility": Row(get=SIGNED_IN, post=SIGNED_IN),
    "accounts.confirm_eligibility": Row(get=STAFF, post=STAFF),
    "accounts.areas": Row(get=EVERYONE),
    "accounts.area": Row(get=EVERYONE, values=AREA),
    "accounts.new_area": Row(get=ADMINS, post=ADMINS),
    "accounts.edit_area": Row(get=ADMINS, post=ADMINS, values=AREA),
    "accounts.generate_codes": Row(post=STAFF, values=AREA),
    "accounts.groups": Row(get=EVERYONE),
    "accounts.new_group": Row(get=STAFF, post=STAFF),
    "accounts.group": Row(get=EVERYONE, post=MANAGERS, values=GROUP),
    "accounts.remove_member": Row(post=MANAGERS, values=GROUP),
    "accounts.member_role": Row(post=STAFF, values=GROUP),  # moderators appoint organisers
    # groups slice (issue 12): invitations and the member's choice to be named. The
    # world's invitation is addressed to the ineligible resident; anyone else signed in
    # gets a 404 for it (an invitation is found only by the person it is for).
    "accounts.cancel_invitation": Row(post=MANAGERS, values=GROUP),
    "accounts.show_name": Row(post=frozenset({ORGANISER}), values=GROUP),  # members only
    "accounts.invitation_list": Row(get=SIGNED_IN),
    "accounts.invitation_by_token": Row(get=SIGNED_IN, values={"token": "invitation_token"}),
    "accounts.accept_invitation": Row(post=SIGNED_IN),
    "accounts.decline_invitation": Row(post=SIGNED_IN),
    "accounts.change_password": Row(get=SIGNED_IN, post=SIGNED_IN),
    "accounts.people": Row(get=ADMINS),
    "accounts.change_role": Row(post=ADMINS),
    "accounts.change_active": Row(post=ADMINS),
    # audit: public
    "audit.index": Row(get=EVERYONE),
    "audit.entry": Row(get=EVERYONE),
    "audit.how_to_check": Row(get=EVERYONE),
    "audit.trail": Row(
        get=EVERYONE, values={"subject_type": "proposal", "subject_id": "proposal_id"}
    ),
    # signed checkpoints and cosignatures (issue 11): public; a cosignature is
    # authenticated by its own signature (an empty POST is a 400, never a refusal)
    "audit.key": Row(get=EVERYONE),
    "audit.checkpoint": Row(get=EVERYONE),
    "audit.checkpoint_list": Row(get=EVERYONE),
    "audit.checkpoint_detail": Row(get=EVERYONE, values={"checkpoint_id": "1"}),
    "audit.checkpoints_json": Row(get=EVERYONE),
    "audit.cosign": Row(post=EVERYONE),
    "audit.verifier_download": Row(get=EVERYONE),
    # tiles and proofs
    "audit.tile": Row(get=EVERYONE, values={"path": "0/000.p/1"}),
    "audit.inclusion_proof": Row(get=EVERYONE),
    "audit.consistency_proof": Row(get=EVERYONE),
    # budgets (the voting round belongs to the organiser's group)
    "budgets.index": Row(get=EVERYONE),
    "budgets.new_round": Row(get=STAFF, post=STAFF),
    "budgets.round_detail": Row(get=EVERYONE, values=VOTING),
    "budgets.advance": Row(post=MANAGERS, values=VOTING),
    "budgets.propose": Row(get=RESIDENTS | STAFF, post=RESIDENTS | STAFF, values=IDEAS),
    "budgets.project_detail": Row(get=EVERYONE, post=MANAGERS, values=VOTING),
    "budgets.ballot": Row(get=SIGNED_IN, post=RESIDENTS, values=VOTING),
    "budgets.ballot_check": Row(post=EVERYONE, values=VOTING),  # arithmetic, writes nothing
    "budgets.paper": Row(get=MANAGERS, post=MANAGERS, values=VOTING),
    # numbered blank ballot papers: printed (numbers reserved) and shown by the managers
    "budgets.print_papers": Row(post=MANAGERS, values=VOTING),
    "budgets.papers": Row(get=MANAGERS, values=VOTING),
    # contesting the paper ballot entered for you: nobody in the world has one (409/404)
    "budgets.contest": Row(post=SIGNED_IN, values=VOTING),
    "budgets.contest_list": Row(get=STAFF),
    "budgets.resolve_contest": Row(post=STAFF),
    "budgets.results": Row(get=EVERYONE, values=RESULTS),
    "budgets.results_json": Row(get=EVERYONE, values=RESULTS),
    "budgets.results_csv": Row(get=EVERYONE, values=RESULTS),
    "budgets.ballots_json": Row(get=EVERYONE, values=RESULTS),
    "budgets.ballots_csv": Row(get=EVERYONE, values=RESULTS),
    "budgets.ballots_pb": Row(get=EVERYONE, values=RESULTS),
    "budgets.replaced_json": Row(get=EVERYONE, values=RESULTS),
    # a voter's own receipt, by their voter key (404 for anyone without a ballot)
    "budgets.receipt_txt": Row(get=SIGNED_IN, values=VOTING),
    # issue 12, fixes slice: withdrawing one's own online ballot (409 with no ballot)
    "budgets.withdraw": Row(get=RESIDENTS, post=RESIDENTS, values=VOTING),
    # consultations (open, for residents of the world's area)
    "consultations.index": Row(get=EVERYONE),
    "consultations.new": Row(get=STAFF, post=STAFF),
    "consultations.detail": Row(get=EVERYONE),
    "consultations.build": Row(get=STAFF, post=STAFF),
    "consultations.move": Row(post=STAFF),
    "consultations.remove": Row(post=STAFF),
    "consultations.edit_question": Row(get=STAFF, post=STAFF),
    "consultations.change_state": Row(post=STAFF),
    "consultations.reply": Row(post=STAFF),
    "consultations.respond": Row(get=RESIDENTS, post=RESIDENTS),
    "consultations.mine": Row(get=SIGNED_IN),
    # nobody, moderators included, sees answers while a consultation is open (this one is)
    "consultations.analysis": Row(get=NOBODY),
    "consultations.tag": Row(post=STAFF),
    "consultations.responses_csv": Row(get=NOBODY),
    "consultations.free_text": Row(get=NOBODY),
    "consultations.review": Row(get=STAFF),
    "consultations.review_answer": Row(post=STAFF),
    "consultations_api.results_json": Row(get=NOBODY),
    # discussions (a thread on the world's area; the eligible resident wrote the comment)
    "discussions.thread": Row(get=EVERYONE),
    "discussions.post": Row(post=RESIDENTS | STAFF),
    "discussions.comment": Row(get=EVERYONE),
    "discussions.reply": Row(get=SIGNED_IN),
    "discussions.edit": Row(get=AUTHOR, post=AUTHOR),
    "discussions.history": Row(get=EVERYONE),
    "discussions.flag": Row(get=SIGNED_IN, post=SIGNED_IN),
    "discussions.moderation": Row(get=STAFF),
    "discussions.moderate": Row(get=STAFF, post=STAFF),
    # receipts: anyone may check a code
    "receipts.index": Row(get=EVERYONE),
    "receipts.as_json": Row(get=EVERYONE),
    # votes (a proposal being voted on in the world's area)
    "votes.index": Row(get=EVERYONE),
    "votes.new": Row(get=STAFF, post=STAFF),
    "votes.detail": Row(get=EVERYONE),
    "votes.turnout": Row(get=EVERYONE),
    "votes.vote": Row(get=SIGNED_IN, post=RESIDENTS),
    "votes.manage": Row(get=STAFF),
    "votes.act": Row(post=STAFF, values={"action": "close"}),
    "votes.ballots_json": Row(get=EVERYONE),  # 404 until closed: a reason, not a refusal
    "votes.receipt_txt": Row(get=SIGNED_IN),
    "votes_api.api_list": Row(get=EVERYONE),
    "votes_api.api_detail": Row(get=EVERYONE),
    # honest dates slice (issue 12): closing a consultation is confirmed on its own page,
    # officers only; the moderation decisions list is public, like the log it reads
    "consultations.close": Row(get=STAFF, post=STAFF),
    "audit.moderation": Row(get=EVERYONE),
    # search (issue 12, search slice): everyone searches; what each finds is the service's
    "search.index": Row(get=EVERYONE),
    "search_api.api_search": Row(get=EVERYONE),
    # contracts (issue 13): the register is public
    "contracts.contract_detail": Row(get=EVERYONE),
    # contract register slice (issue 13): the register, providers and version histories are
    # public; moderators add, edit and publish
    "contracts.index": Row(get=EVERYONE),
    "contracts.provider": Row(get=EVERYONE),
    "contracts.history": Row(get=EVERYONE),
    "contracts.new": Row(get=STAFF, post=STAFF),
    "contracts.edit": Row(get=STAFF, post=STAFF),
    "contracts.publish": Row(post=STAFF),  # the world's contract is published: staff get 409
    # contract documents (issue 13, documents slice): moderators upload, replace and
    # withdraw; everyone downloads a public contract's documents
    "contracts.add_document": Row(get=STAFF, post=STAFF),
    "contracts.replace_document": Row(get=STAFF, post=STAFF),
    "contracts.withdraw_document": Row(get=STAFF, post=STAFF),
    "contracts.download_document": Row(get=EVERYONE),
    # information requests (issue 13, slice requests): read by everyone, asked by anyone
    # signed in, answered or refused by staff
    "contracts.requests_index": Row(get=EVERYONE),
    "contracts.requests_overdue": Row(get=EVERYONE),
    "contracts.request_detail": Row(get=EVERYONE, values=INFO_REQUEST),
    "contracts.request_new": Row(get=SIGNED_IN, post=SIGNED_IN),
    "contracts.request_respond": Row(get=STAFF, values=INFO_REQUEST),
    "contracts.request_answer": Row(post=STAFF, values=INFO_REQUEST),
    "contracts.request_refuse": Row(post=STAFF, values=INFO_REQUEST),
    "contracts_api.api_requests": Row(get=EVERYONE),
    "contracts_api.api_request": Row(get=EVERYONE, values=INFO_REQUEST),
    # contracts: performance (slice performance): the missed list is public; moderators
    # record KPIs, values, finance and standards reports
    "contracts.performance_missed": Row(get=EVERYONE),
    "contracts_api.api_performance_missed": Row(get=EVERYONE),
    "contracts.kpi_new": Row(get=STAFF, post=STAFF),
    "contracts.kpi_value_new": Row(get=STAFF, post=STAFF),  # the world's kpi_id
    "contracts.finance_new": Row(get=STAFF, post=STAFF),
    "contracts.standards_report_new": Row(get=STAFF, post=STAFF),
    # outsourcing slice (issue 13): the nine-principles scorecard is public, page and JSON
    "scorecard.page": Row(get=EVERYONE),
    "scorecard.api": Row(get=EVERYONE),
    # recall slice (issue 13): expiry review and recall petitions. The review-due list and
    # the petitions are public; moderators start a review; residents of the contract's area
    # sign; anyone signed in may withdraw their own signature (409 when they have none)
    "contracts.review_due": Row(get=EVERYONE),
    "contracts.start_review": Row(post=STAFF),
    "contracts.recall": Row(get=EVERYONE),
    "contracts.recall_progress": Row(get=EVERYONE),
    "contracts.recall_sign": Row(post=RESIDENTS),
    "contracts.recall_withdraw": Row(post=SIGNED_IN),
    "contracts.recall_list": Row(get=EVERYONE),
    # ocds slice (issue 13): the register as data is public (drafts never appear)
    "contracts_api.api_list": Row(get=EVERYONE),
    "contracts_api.api_detail": Row(get=EVERYONE),
    "contracts.register_csv": Row(get=EVERYONE),
    "contracts.ocds_json": Row(get=EVERYONE),
    # mail slice (issue 14): the outbox page and "retry now" are for administrators only
    "notifications.outbox": Row(get=ADMINS),
    "notifications.retry": Row(post=ADMINS),
    # legal slice (issue 14): the privacy notice, accessibility statement and cookies page
    # are public; only administrators edit them
    "site_pages.privacy": Row(get=EVERYONE),
    "site_pages.accessibility": Row(get=EVERYONE),
    "site_pages.cookies": Row(get=EVERYONE),
    "site_pages.edit": Row(get=ADMINS, post=ADMINS, values={"slug": "privacy"}),
    # --- slice inbox ---
    # issue 14: your own notifications, count, settings and follows, signed in (another
    # person's notification is a 404); unsubscribe links are authorised by their signed
    # token alone (RFC 8058 one-click), so anyone holding one may use it
    "notifications.index": Row(get=SIGNED_IN),
    "notifications.count": Row(get=EVERYONE),  # empty for anyone not signed in
    "notifications.item": Row(get=SIGNED_IN),
    "notifications.read_all": Row(post=SIGNED_IN),
    "notifications.settings": Row(get=SIGNED_IN, post=SIGNED_IN),
    "notifications.follow": Row(post=SIGNED_IN),
    "notifications.unsubscribe": Row(
        get=EVERYONE, post=EVERYONE, values={"token": "unsubscribe_token"}
    ),
    # --- end slice inbox ---
    # --- slice data ---
    # data rights (issue 14): everyone signed in sees, downloads and may delete their own
    # account; administrators erase another account on a written request
    "accounts.your_data": Row(get=SIGNED_IN),
    "accounts.your_data_json": Row(get=SIGNED_IN),
    "accounts.delete_account": Row(get=SIGNED_IN, post=SIGNED_IN),
    "accounts.delete_account_confirm": Row(post=SIGNED_IN),
    "accounts.erase_person": Row(get=ADMINS, post=ADMINS),
    # --- end slice data ---
    # --- slice accounts ---
    # issue 14: emailed links are for whoever holds them (signed in or not); the walk
    # uses a link nobody was sent, so every answer is the clear 404 page, never a refusal
    "accounts.check_email": Row(get=EVERYONE),
    "accounts.confirm_email": Row(get=EVERYONE, post=EVERYONE, values={"token": "no-such"}),
    "accounts.resend_confirmation": Row(post=SIGNED_IN),
    "accounts.forgot_password": Row(get=EVERYONE, post=EVERYONE),
    "accounts.reset_link_sent": Row(get=EVERYONE),
    "accounts.reset_password": Row(get=EVERYONE, post=EVERYONE, values={"token": "no-such"}),
    "accounts.change_email": Row(get=SIGNED_IN, post=SIGNED_IN),
    "accounts.change_email_confirm": Row(get=EVERYONE, post=EVERYONE, values={"token": "no-such"}),
    # --- end slice accounts ---
    # --- slice stakeholders ---
    # issue 15: constituencies are public to read; moderators name them, confirm members,
    # print letter codes and choose who can take part in a draft vote; anyone signed in
    # redeems a code on a constituency's page (the world has none: a 404, not a refusal)
    "constituencies.index": Row(get=EVERYONE),
    "constituencies.new": Row(get=STAFF, post=STAFF),
    "constituencies.detail": Row(get=EVERYONE, values={"slug": "no-such-constituency"}),
    "constituencies.redeem": Row(post=SIGNED_IN, values={"slug": "no-such-constituency"}),
    "constituencies.confirm": Row(post=STAFF, values={"slug": "no-such-constituency"}),
    "constituencies.codes": Row(post=STAFF, values={"slug": "no-such-constituency"}),
    "constituencies.open_to": Row(
        get=STAFF,
        post=STAFF,
        values={"kind": "proposal", "subject_id": "draft_proposal_id"},
    ),
    # --- end slice stakeholders ---
    # --- slice paper --- (issue 17) officers (moderators) print and enter paper votes and
    # consultation forms; the resident sees and contests theirs (nobody in the world has
    # one: 404); moderators decide contests (none exists: 404 after the role check)
    "paper.enter": Row(get=STAFF, post=STAFF, values=PAPER_VOTE),
    "paper.print_papers": Row(post=STAFF, values=PAPER_VOTE),
    "paper.papers": Row(get=STAFF, values=PAPER_VOTE),  # 404 without a printed range
    "paper.mine": Row(get=SIGNED_IN, post=SIGNED_IN, values=PAPER_VOTE),
    "paper.contests": Row(get=STAFF),  # the old queue address: redirects to contests.queue
    "paper.resolve": Row(post=STAFF),
    # --- end slice paper ---
    # --- slice paper-groups --- (issue 17) the group's organisers and moderators print and
    # enter paper votes on its motion; a member sees and contests theirs (nobody in the world
    # has one: 404); moderators decide contests in contests.queue
    "group_paper.enter": Row(get=MANAGERS, post=MANAGERS, values=GROUP_PAPER),
    "group_paper.print_papers": Row(post=MANAGERS, values=GROUP_PAPER),
    "group_paper.papers": Row(get=MANAGERS, values=GROUP_PAPER),  # 404 without a printing
    "group_paper.mine": Row(get=SIGNED_IN, post=SIGNED_IN, values=GROUP_PAPER),
    "group_paper.contests": Row(get=STAFF),  # the old queue address: redirects to contests.queue
    "group_paper.resolve": Row(post=STAFF),
    # --- end slice paper-groups ---
    # --- slice contests --- one queue of contested paper entries of every kind; moderators
    # decide (none exists: 404 after the role check)
    "contests.queue": Row(get=STAFF),
    "contests.resolve": Row(post=STAFF, values={"kind": "budget_ballot"}),
    # --- end slice contests ---
    # --- slice groups ---
    # issue 15: groups run by their members. The world's group is closed (joining is a 409
    # for everyone signed in) and has a motion voting; the organiser is its one member
    # among the roles, so only they leave, propose and vote; managers (organisers and
    # staff) answer requests, change the rules and open, close and minute motions
    "groups.join": Row(post=SIGNED_IN, values=GROUP),
    "groups.leave": Row(post=frozenset({ORGANISER}), values=GROUP),
    "groups.requests": Row(get=MANAGERS, values=GROUP),
    "groups.decide_request": Row(post=MANAGERS, values=GROUP),
    "groups.rules": Row(get=EVERYONE, values=GROUP),
    "groups.edit_rules": Row(get=MANAGERS, post=MANAGERS, values=GROUP),
    "groups.new_motion": Row(get=frozenset({ORGANISER}), post=frozenset({ORGANISER}), values=GROUP),
    "groups.motion": Row(get=EVERYONE, values=GROUP),
    "groups.vote": Row(post=frozenset({ORGANISER}), values=GROUP),
    "groups.open_voting": Row(post=MANAGERS, values=GROUP),
    "groups.close": Row(post=MANAGERS, values=GROUP),
    "groups.minutes": Row(post=MANAGERS, values=GROUP),
    "groups_api.api_group": Row(get=EVERYONE, values=GROUP),
    "groups_api.api_motion": Row(get=EVERYONE, values=GROUP),
    # --- end slice groups ---
    # --- slice petitions ---
    # issue 15: petitions are public to read; starting needs a resident of some area (the
    # form then offers only their areas), signing a resident of the petition's area (403
    # with how to become one), withdrawing anyone signed in (409 if they had not signed);
    # moderators check petitions and publish the council's response; administrators set
    # the thresholds
    "petitions.index": Row(get=EVERYONE),
    "petitions.index_json": Row(get=EVERYONE),
    "petitions.rules": Row(get=EVERYONE),
    "petitions.new": Row(get=SIGNED_IN, post=RESIDENTS),
    "petitions.detail": Row(get=EVERYONE, values={"petition_id": "petition_id"}),
    "petitions.detail_json": Row(get=EVERYONE, values={"petition_id": "petition_id"}),
    "petitions.progress": Row(get=EVERYONE, values={"petition_id": "petition_id"}),
    "petitions.sign": Row(post=RESIDENTS, values={"petition_id": "petition_id"}),
    "petitions.withdraw": Row(post=SIGNED_IN, values={"petition_id": "petition_id"}),
    "petitions.moderation": Row(get=STAFF),
    "petitions.moderate": Row(get=STAFF, post=STAFF, values={"petition_id": "petition_id"}),
    "petitions.respond": Row(get=STAFF, post=STAFF, values={"petition_id": "petition_id"}),
    "petitions.thresholds_page": Row(get=ADMINS, post=ADMINS),
    # --- end slice petitions ---
    # --- slice elections ---
    # issue 15: elections and recall pages are public; calling an election and counting
    # are for organisers and moderators; standing, withdrawing, voting, proposing and
    # supporting a recall are for the group's members only (the world's organiser is its
    # only member among the roles; everyone else is refused with a 403)
    "group_elections.new": Row(get=MANAGERS, post=MANAGERS, values=GROUP),
    "group_elections.detail": Row(get=EVERYONE, values=GROUP),
    "group_elections.detail_json": Row(get=EVERYONE, values=GROUP),
    "group_elections.stand": Row(post=frozenset({ORGANISER}), values=GROUP),
    "group_elections.withdraw": Row(post=frozenset({ORGANISER}), values=GROUP),
    "group_elections.vote": Row(post=frozenset({ORGANISER}), values=GROUP),
    "group_elections.count": Row(post=MANAGERS, values=GROUP),
    "group_elections.support": Row(post=frozenset({ORGANISER}), values=GROUP),
    "group_elections.new_recall": Row(
        get=frozenset({ORGANISER}), post=frozenset({ORGANISER}), values=GROUP
    ),
    # --- end slice elections ---
    # --- slice content ---
    # issue 17: what moderators write, in another language, and its easy-read summary
    "content.easy_read": Row(
        get=STAFF, post=STAFF, values={"kind": "proposal", "subject_id": "proposal_id"}
    ),
    "content.translate": Row(
        get=STAFF,
        post=STAFF,
        values={"kind": "consultation", "subject_id": "consultation_id", "language": "cy"},
    ),
    # --- end slice content ---
}

# Answers known to differ from the table: reported, not failed. Empty now that every route
# checks permission before its form; a later known gap goes here with its reason.
PENDING: dict[tuple[str, str, str], str] = {}


def _url(app: Flask, world: World, endpoint: str, row: Row) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {}
    defaults = VOTING if endpoint.startswith("budgets.") else {}
    for name in rule.arguments:
        key = row.values.get(name, defaults.get(name, name))
        values[name] = world.values.get(key, key)
    with app.test_request_context():
        return url_for(endpoint, **values)


def _refused(response, role: str) -> bool:
    if response.status_code in (401, 403):
        return True
    location = response.headers.get("Location") or response.headers.get("HX-Redirect") or ""
    return response.status_code in (301, 302, 303) and urlsplit(location).path.endswith(
        "/accounts/sign-in"
    )


def _checked_endpoints(app: Flask) -> list[str]:
    return sorted({r.endpoint for r in app.url_map.iter_rules() if r.endpoint != "static"})


def test_every_endpoint_has_a_row(app):
    missing = [e for e in _checked_endpoints(app) if e not in TABLE]
    assert not missing, "\n".join(
        f"add a row for endpoint {e} to TABLE in tests/test_authorisation_matrix.py"
        for e in missing
    )
    stale = sorted(set(TABLE) - set(_checked_endpoints(app)))
    assert not stale, f"rows for endpoints that no longer exist: {stale}"


def test_every_row_names_the_methods_the_route_has(app):
    for endpoint in _checked_endpoints(app):
        row = TABLE.get(endpoint)
        if row is None:
            continue  # reported by test_every_endpoint_has_a_row
        methods = set().union(
            *(r.methods or set() for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        )
        assert (row.get is not None) == ("GET" in methods), endpoint
        assert (row.post is not None) == ("POST" in methods), endpoint


def test_every_route_answers_each_role_as_the_table_says(app, _no_rate_limits):
    world = build_world()
    clients = {}
    for role in ROLES:
        client = app.test_client()
        if world.users[role] is not None:
            login(client, world.users[role])
        clients[role] = client
    tokens = {role: page_token(client) for role, client in clients.items()}
    connection = db.engines[None]
    wrong: list[str] = []
    pending: list[str] = []
    for endpoint in _checked_endpoints(app):
        row = TABLE.get(endpoint)
        if row is None:
            continue
        url = _url(app, world, endpoint, row)
        for method, allowed in (("GET", row.get), ("POST", row.post)):
            if allowed is None:
                continue
            for role in ROLES:
                client = clients[role]
                savepoint = connection.begin_nested()
                try:
                    if method == "GET":
                        response = client.get(url)
                    else:
                        response = client.post(url, data={"csrf_token": tokens[role]})
                finally:
                    savepoint.rollback()
                    db.session.expire_all()
                status = response.status_code
                refused = _refused(response, role)
                verdict = None
                if status >= 500:
                    verdict = "server error"
                elif role in allowed and refused:
                    verdict = "refused, but the table allows it"
                elif role not in allowed and not refused:
                    verdict = "allowed, but the table refuses it"
                elif role not in allowed and role != ANONYMOUS and status != 403:
                    verdict = "refused without a 403"
                if verdict and (endpoint, method, role) in PENDING:
                    pending.append(f"{method} {url} as {role}: {status}")
                elif verdict:
                    wrong.append(f"{method} {url} ({endpoint}) as {role}: {status}, {verdict}")
                if endpoint == "accounts.sign_out":
                    # signed out for real, which also renews the CSRF secret: sign in again
                    if world.users[role] is not None:
                        login(client, world.users[role])
                    tokens[role] = page_token(client)
    if pending:
        print(f"{len(pending)} known differences (see PENDING):\n" + "\n".join(pending))
    assert not wrong, f"{len(wrong)} answers differ from the table:\n" + "\n".join(wrong)


@pytest.fixture
def _no_rate_limits():
    """Hundreds of requests (and six sign-ins) from one address: limits are tested elsewhere."""
    limiter.enabled = False
    try:
        yield
    finally:
        limiter.enabled = True


@pytest.fixture(autouse=True)
def _request_scoped_clients(app):
    """Requests get their own app context, as in production (see tests/conftest.py)."""
    from tests.conftest import RequestClient

    app.test_client_class = RequestClient
