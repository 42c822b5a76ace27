"""A person's data rights (UK GDPR articles 15, 17 and 20): see everything Civic holds
about you, download it, and have your account erased.

Every table that points at a person declares here, in `RULES`, how its rows are exported
and what erasure does to them. A test walks the schema (every foreign key to
`user_account`, every column holding an email address, every HMAC voter key) and fails
when a table is not declared, so a table added later cannot be forgotten: declaring one
is one line, e.g.

    Rule("notification", "user_id", "notifications", "Notifications", DELETE),

Erasure keeps the `user_account` row (ballots, responses and the audit log's pseudonyms
point at its id) and empties it of personal data; what the person did officially (a
moderator's contract record) stays, pointing at "a former resident". Votes already
counted stay counted and the audit log is not touched: its entries hold pseudonyms only,
and the row they could lead to no longer says who it was.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Table, delete, func, select, update

from civic import audit, ballot_box
from civic.accounts.models import (
    Eligibility,
    EligibilityCode,
    GroupInvitation,
    GroupRole,
    InvitationState,
    Role,
    User,
)
from civic.accounts.passwords import verify_password
from civic.clock import utcnow
from civic.errors import Conflict, ValidationFailed
from civic.extensions import db
from civic.i18n import _
from civic.i18n import lazy_gettext as _l
from civic.permissions import require_admin, require_signed_in

FORMER_RESIDENT = "A former resident"
REMOVED_NOTE = "Removed at the author's request."

# what erasure does to a declared table's rows
KEEP = "keep"  # the row stays, pointing at the emptied account (counted votes, official acts)
DELETE = "delete"  # the rows go
CLEAR = "clear"  # the column is set to NULL: the row stays, the link to the person goes

# comment choices on erasure
COMMENTS_REMOVE = "remove"  # body gone, "removed at the author's request" shown
COMMENTS_ANONYMISE = "anonymise"  # body kept, shown as from "a former resident"
COMMENT_CHOICES = (COMMENTS_REMOVE, COMMENTS_ANONYMISE)

# never exported, whoever asks: hashes and keys that only work as secrets
SECRET_COLUMNS = frozenset(
    {"password_hash", "session_token", "token_hash", "code_hash", "voter_key", "signer_key"}
)


@dataclass
class Erasure:
    """What one erasure needs to know: the person, their address before it was replaced,
    their choice for comments, and when."""

    user: User
    email: str
    comments: str
    now: datetime


@dataclass(frozen=True)
class Rule:
    """How one column naming a person is exported and erased.

    `column` is a foreign key to user_account (matched with the person's id), an email
    column (`by_email`: matched with their address) or an HMAC voter key (`scope`: the
    ballot box's scope, built from `scope_column`, e.g. "proposal:{}" and "proposal_id").
    `fields` limits what the export shows (default: every column but secrets); `erase` is
    KEEP, DELETE, CLEAR or a function of (Erasure) doing what the table needs.
    """

    table: str
    column: str
    key: str
    title: str
    erase: str | Callable[[Erasure], None] = KEEP
    fields: tuple[str, ...] = ()
    by_email: bool = False
    scope: str = ""
    scope_column: str = ""
    rows: Callable[[User], list[dict[str, Any]]] | None = None


# --- export helpers ---------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A value as JSON can hold it (dates as ISO 8601, money as given, enums by value)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _table(name: str) -> Table:
    return db.metadata.tables[name]


def _columns(table: Table, fields: Iterable[str]) -> list[Any]:
    wanted = list(fields) or [c.name for c in table.columns if c.name not in SECRET_COLUMNS]
    return [table.c[name] for name in wanted]


def _keys(rule: Rule, user: User) -> dict[str, Any]:
    """The person's voter keys in every ballot box of the rule's kind, by key."""
    table = _table(rule.table)
    parents = db.session.scalars(select(table.c[rule.scope_column]).distinct()).all()
    return {ballot_box.voter_key(rule.scope.format(p), user.id): p for p in parents}


def _where(rule: Rule, user: User, email: str | None = None) -> Any:
    table = _table(rule.table)
    column = table.c[rule.column]
    if rule.by_email:
        return func.lower(column) == (email or user.email).lower()
    if rule.scope:
        return column.in_(list(_keys(rule, user)))
    return column == user.id


def _dicts(query: Any) -> list[dict[str, Any]]:
    """Run a select and give its rows as plain dicts (what the export is made of)."""
    return [
        {k: plain(v) for k, v in row._mapping.items()} for row in db.session.execute(query).all()
    ]


def _paper_contest_rows(user: User) -> list[dict[str, Any]]:
    """Contests the person made of papers entered for them: signed by their voter key in
    each vote's or consultation's own ballot box (kind:id), so every box is tried."""
    table = _table("paper_contest")
    boxes = db.session.execute(select(table.c.kind, table.c.subject_id).distinct()).all()
    keys = [ballot_box.voter_key(f"{kind}:{subject}", user.id) for kind, subject in boxes]
    if not keys:
        return []
    fields = ("kind", "subject_id", "paper_number", "reason", "state", "created_at", "response")
    return _dicts(
        select(*_columns(table, fields)).where(table.c.voter_key.in_(keys)).order_by(table.c.id)
    )


def _group_paper_contest_rows(user: User) -> list[dict[str, Any]]:
    """The same for papers in groups: the ballot boxes are "group_motion:<id>" and
    "group_election:<id>" (civic.groups.paper)."""
    table = _table("group_paper_contest")
    boxes = db.session.execute(select(table.c.kind, table.c.subject_id).distinct()).all()
    keys = [ballot_box.voter_key(f"group_{kind}:{subject}", user.id) for kind, subject in boxes]
    if not keys:
        return []
    fields = ("kind", "subject_id", "paper_number", "reason", "state", "created_at", "response")
    return _dicts(
        select(*_columns(table, fields)).where(table.c.voter_key.in_(keys)).order_by(table.c.id)
    )


def rows_of(rule: Rule, user: User) -> list[dict[str, Any]]:
    """The person's rows of one declared table, as plain dicts."""
    if rule.rows is not None:
        return rule.rows(user)
    table = _table(rule.table)
    order = table.primary_key.columns.values()
    return _dicts(select(*_columns(table, rule.fields)).where(_where(rule, user)).order_by(*order))


def _comment_rows(user: User) -> list[dict[str, Any]]:
    """Comments with every earlier version (the history page shows them to anyone)."""
    comments, revisions = _table("comment"), _table("comment_revision")
    threads = _table("discussion_thread")
    items = _dicts(
        select(
            comments.c.id,
            threads.c.subject_type,
            threads.c.subject_id,
            comments.c.parent_id,
            comments.c.body_source,
            comments.c.state,
            comments.c.hidden_reason,
            comments.c.created_at,
            comments.c.edited_at,
        )
        .join(threads, threads.c.id == comments.c.thread_id)
        .where(comments.c.author_id == user.id)
        .order_by(comments.c.id)
    )
    for item in items:
        item["earlier_versions"] = _dicts(
            select(revisions.c.body_source, revisions.c.written_at)
            .where(revisions.c.comment_id == item["id"])
            .order_by(revisions.c.id)
        )
    return items


def _eligibility_rows(user: User) -> list[dict[str, Any]]:
    """Where the person can take part, how that was shown, and the evidence still held."""
    eligibility, areas = _table("eligibility"), _table("area")
    codes, users = _table("eligibility_code"), _table("user_account")
    return _dicts(
        select(
            areas.c.name.label("area"),
            eligibility.c.area_id,
            eligibility.c.method,
            eligibility.c.granted_at,
            codes.c.batch_id.label("letter_batch"),
            users.c.display_name.label("checked_by"),
            eligibility.c.note,
            eligibility.c.evidence_removed_at,
        )
        .join(areas, areas.c.id == eligibility.c.area_id)
        .outerjoin(codes, codes.c.id == eligibility.c.code_id)
        .outerjoin(users, users.c.id == eligibility.c.confirmed_by_id)
        .where(eligibility.c.user_id == user.id)
        .order_by(eligibility.c.id)
    )


def _response_rows(user: User) -> list[dict[str, Any]]:
    """Consultation responses with every answer as the person gave it."""
    responses, answers = _table("consultation_response"), _table("consultation_answer")
    questions, choices = _table("consultation_question"), _table("consultation_choice")
    consultations = _table("consultation")
    items = _dicts(
        select(
            responses.c.id,
            responses.c.consultation_id,
            consultations.c.title.label("consultation"),
            responses.c.submitted_at,
            responses.c.updated_at,
        )
        .join(consultations, consultations.c.id == responses.c.consultation_id)
        .where(responses.c.respondent_id == user.id)
        .order_by(responses.c.id)
    )
    for item in items:
        item["answers"] = _dicts(
            select(
                answers.c.id, questions.c.text.label("question"), answers.c.text, answers.c.scale
            )
            .join(questions, questions.c.id == answers.c.question_id)
            .where(answers.c.response_id == item["id"])
            .order_by(questions.c.position)
        )
        for answer in item["answers"]:
            answer["choices"] = list(
                db.session.scalars(
                    select(choices.c.option)
                    .where(choices.c.answer_id == answer.pop("id"))
                    .order_by(choices.c.rank, choices.c.id)
                )
            )
    return items


# --- erasure helpers --------------------------------------------------------------------


def _erase_comments(job: Erasure) -> None:
    """Either choice leaves the comment in its thread (replies keep their place); the
    author is shown as "A former resident" (the account's new name)."""
    from civic.discussions.models import Comment, CommentRevision, CommentState

    if job.comments != COMMENTS_REMOVE:
        return
    mine = db.session.scalars(select(Comment).where(Comment.author_id == job.user.id)).all()
    for comment in mine:
        comment.state = CommentState.REMOVED
        comment.body_source = ""
        comment.body_html = ""
        comment.hidden_reason = ""
    if mine:
        db.session.execute(
            delete(CommentRevision).where(CommentRevision.comment_id.in_([c.id for c in mine]))
        )


def _erase_invitations(job: Erasure) -> None:
    """Invitations sent to the address: a pending one is cancelled, and none keeps it."""
    placeholder = job.user.email
    for invitation in db.session.scalars(
        select(GroupInvitation).where(func.lower(GroupInvitation.email) == job.email.lower())
    ):
        if invitation.state is InvitationState.PENDING:
            invitation.state = InvitationState.CANCELLED
        invitation.email = placeholder


def _erase_info_requests(job: Erasure) -> None:
    """An information request stays public (the council's answer matters to everyone),
    but no longer under the person's name."""
    table = _table("info_request")
    db.session.execute(
        update(table).where(table.c.requester_id == job.user.id).values(publish_name=False)
    )


# --- the declarations ---------------------------------------------------------------------

RULES: tuple[Rule, ...] = (
    Rule(
        "user_account",
        "email",
        "account",
        _l("Your account"),
        KEEP,  # emptied by erase_account itself, last
        fields=(
            "id",
            "email",
            "display_name",
            "role",
            "active",
            "created_at",
            "erased_at",
            "paper_only",
            "paper_claimed_at",
        ),
        by_email=True,
    ),
    Rule(
        "eligibility",
        "user_id",
        "eligibility",
        _l("Where you can take part"),
        DELETE,
        rows=_eligibility_rows,
    ),
    Rule("eligibility", "confirmed_by_id", "eligibility_checked", _l("Residence you checked")),
    Rule(
        "eligibility_code",
        "redeemed_by_id",
        "letter_codes",
        _l("Letter codes you used"),
        CLEAR,
        fields=("id", "batch_id", "redeemed_at"),
    ),
    Rule("code_batch", "created_by_id", "code_batches", _l("Letter batches you made")),
    Rule("group_membership", "user_id", "groups", _l("Groups you belong to"), DELETE),
    Rule(
        "group_invitation",
        "email",
        "invitations_received",
        _l("Group invitations sent to you"),
        _erase_invitations,
        fields=("id", "group_id", "role", "state", "created_at", "expires_at", "answered_at"),
        by_email=True,
    ),
    Rule(
        "group_invitation",
        "invited_by_id",
        "invitations_sent",
        _l("Group invitations you sent"),
        fields=("id", "group_id", "role", "state", "created_at", "expires_at"),
    ),
    Rule(
        "group_invitation",
        "answered_by_id",
        "invitations_answered",
        _l("Group invitations you answered or cancelled"),
        fields=("id", "group_id", "state", "answered_at"),
    ),
    Rule(
        "comment", "author_id", "comments", _l("Your comments"), _erase_comments, rows=_comment_rows
    ),
    Rule("comment_flag", "user_id", "reports", _l("Comments you reported")),
    Rule(
        "consultation_response",
        "respondent_id",
        "responses",
        _l("Your consultation responses"),
        rows=_response_rows,
    ),
    Rule(
        "consultation",
        "created_by_id",
        "consultations_made",
        _l("Consultations you set up"),
        fields=("id", "title", "state", "created_at"),
    ),
    Rule(
        "consultation_text_review",
        "reviewed_by_id",
        "text_reviews",
        _l("Free-text answers you reviewed"),
        fields=("id", "consultation_id", "decision", "reviewed_at"),
    ),
    Rule(
        "budget_project",
        "proposer_id",
        "projects",
        _l("Projects you proposed"),
        fields=("id", "round_id", "title", "description", "cost", "status", "created_at"),
    ),
    Rule(
        "budget_ballot",
        "voter_key",
        "budget_ballots",
        _l("Budget rounds you voted in (your receipts)"),
        fields=("round_id", "receipt", "paper", "updated_at"),
        scope="budget:{}",
        scope_column="round_id",
    ),
    Rule(
        "budget_ballot",
        "entered_by_id",
        "paper_ballots_entered",
        _l("Paper ballots you entered"),
        fields=("id", "round_id", "updated_at"),
    ),
    Rule(
        "budget_ballot_contest",
        "voter_key",
        "ballot_contests",
        _l("Ballots you contested"),
        fields=("round_id", "reason", "state", "created_at", "resolved_at", "response"),
        scope="budget:{}",
        scope_column="round_id",
    ),
    Rule(
        "budget_ballot_contest",
        "resolver_id",
        "ballot_contests_resolved",
        _l("Ballot contests you resolved"),
        fields=("id", "round_id", "state", "resolved_at"),
    ),
    Rule("budget_progress_note", "author_id", "progress_notes", _l("Delivery notes you wrote")),
    # paper entry (civic.paper): what an officer entered, contests and their resolution
    Rule(
        "vote_cast",
        "entered_by_id",
        "paper_votes_entered",
        _l("Paper votes you entered"),
        fields=("id", "proposal_id", "paper_number", "updated_at"),
    ),
    Rule(
        "consultation_response",
        "entered_by_id",
        "paper_responses_entered",
        _l("Paper consultation forms you entered"),
        fields=("id", "consultation_id", "paper_number", "submitted_at"),
    ),
    Rule(
        "paper_contest",
        "voter_key",
        "paper_contests",
        _l("Paper entries you contested"),
        fields=("kind", "subject_id", "paper_number", "reason", "state", "created_at", "response"),
        rows=_paper_contest_rows,
    ),
    Rule(
        "paper_contest",
        "entered_by_id",
        "paper_contests_of_yours",
        _l("Contests of paper entries you made"),
        fields=("id", "kind", "subject_id", "paper_number", "state", "created_at"),
    ),
    Rule(
        "paper_contest",
        "resolver_id",
        "paper_contests_resolved",
        _l("Paper contests you resolved"),
        fields=("id", "kind", "subject_id", "state", "resolved_at"),
    ),
    # moderators' translations of what moderators write (civic.content)
    Rule(
        "content_translation",
        "updated_by_id",
        "translations",
        _l("Translations you wrote"),
        fields=("subject_kind", "subject_id", "field", "language", "updated_at"),
    ),
    Rule(
        "vote_cast",
        "voter_key",
        "votes",
        _l("Votes you cast (your receipts)"),
        fields=("proposal_id", "receipt", "updated_at"),
        scope="proposal:{}",
        scope_column="proposal_id",
    ),
    Rule(
        "proposal",
        "created_by_id",
        "proposals_made",
        _l("Proposals you drew up"),
        fields=("id", "kind", "title", "state", "created_at"),
    ),
    Rule(
        "recall_signature",
        "signer_key",
        "recall_signatures",
        _l("Recall petitions you signed"),
        fields=("petition_id", "signed_at"),
        scope="recall:{}",
        scope_column="petition_id",
    ),
    # organiser elections and recall (issue 15, slice elections): standing, calling and
    # supporting a recall are public acts and stay, under the emptied account, like
    # official acts (the log already records them); a ballot is kept (it was counted) and
    # is found only through the HMAC voter key
    Rule(
        "group_election",
        "called_by_id",
        "group_elections_called",
        _l("Group elections and recall votes you called or proposed"),
        fields=("id", "group_id", "kind", "state", "created_at"),
    ),
    Rule(
        "group_election",
        "target_user_id",
        "group_recalls_of_you",
        _l("Recall votes about you as an organiser"),
        fields=("id", "group_id", "state", "reason", "outcome"),
    ),
    Rule(
        "group_election_candidate",
        "user_id",
        "group_candidacies",
        _l("Group elections you stood in"),
        fields=("election_id", "statement", "stood_at", "votes", "elected", "term_ends_at"),
    ),
    Rule(
        "group_recall_supporter",
        "user_id",
        "group_recalls_supported",
        _l("Recall votes you supported"),
        fields=("election_id", "supported_at"),
    ),
    Rule(
        "group_election_ballot",
        "voter_key",
        "group_election_ballots",
        _l("Group election ballots you cast (your receipts)"),
        fields=("election_id", "receipt"),
        scope="group_election:{}",
        scope_column="election_id",
    ),
    Rule(
        "info_request",
        "requester_id",
        "information_requests",
        _l("Information requests you made"),
        _erase_info_requests,
        fields=("reference", "question", "publish_name", "received_on", "status", "responded_on"),
    ),
    Rule(
        "info_request",
        "responded_by_id",
        "information_requests_answered",
        _l("Information requests you answered"),
        fields=("reference", "status", "responded_on"),
    ),
    Rule(
        "contract",
        "created_by_id",
        "contracts_made",
        _l("Contracts you recorded"),
        fields=("id", "reference", "title", "created_at"),
    ),
    Rule(
        "contract_document",
        "uploaded_by_id",
        "contract_documents",
        _l("Contract documents you uploaded"),
        fields=("id", "contract_id", "title", "filename", "uploaded_at"),
    ),
    Rule(
        "contract_finance",
        "recorded_by_id",
        "contract_finances",
        _l("Contract finances you recorded"),
        fields=("id", "contract_id", "year", "created_at"),
    ),
    Rule(
        "contract_kpi",
        "created_by_id",
        "contract_kpis",
        _l("Contract measures you set up"),
        fields=("id", "contract_id", "name", "created_at"),
    ),
    Rule(
        "contract_kpi_value",
        "recorded_by_id",
        "contract_kpi_values",
        _l("Contract figures you recorded"),
        fields=("id", "kpi_id", "period_start", "value", "created_at"),
    ),
    Rule(
        "contract_review",
        "started_by_id",
        "contract_reviews",
        _l("Contract reviews you started"),
        fields=("id", "contract_id", "started_at"),
    ),
    Rule(
        "contract_standards_report",
        "recorded_by_id",
        "contract_standards",
        _l("Standards reports you recorded"),
        fields=("id", "contract_id", "standard", "status", "updated_at"),
    ),
    Rule(
        "contract_version",
        "changed_by_id",
        "contract_versions",
        _l("Contract changes you made"),
        fields=("id", "contract_id", "version", "reason", "changed_at"),
    ),
    Rule(
        "site_page_version",
        "created_by_id",
        "site_pages",
        _l("Site page texts you saved"),
        fields=("id", "slug", "language", "version", "created_at"),
    ),
    # petitions (issue 15): a petition stays published after its starter is erased (it
    # then shows no name); signatures stay counted, keyed by an HMAC nobody can trace back
    Rule(
        "petition",
        "started_by_id",
        "petitions_started",
        _l("Petitions you started"),
        fields=("id", "title", "asks", "why", "state", "created_at"),
    ),
    Rule(
        "petition",
        "moderated_by_id",
        "petitions_moderated",
        _l("Petitions you checked"),
        fields=("id", "state", "moderated_at"),
    ),
    Rule(
        "petition",
        "responded_by_id",
        "petitions_answered",
        _l("Petition responses you published"),
        fields=("id", "responded_at"),
    ),
    Rule(
        "petition_signature",
        "signer_key",
        "petition_signatures",
        _l("Petitions you signed"),
        fields=("petition_id", "signed_at"),
        scope="petition:{}",
        scope_column="petition_id",
    ),
    Rule(
        "petition_threshold",
        "updated_by_id",
        "petition_thresholds",
        _l("Petition thresholds you set"),
        fields=("id", "area_id", "kind", "updated_at"),
    ),
    # notifications (issue 14): what the person follows and chose, and what they were told
    Rule("follow", "user_id", "follows", _l("What you follow"), DELETE),
    Rule(
        "notification_preference",
        "user_id",
        "notification_settings",
        _l("Your notice choices"),
        DELETE,
    ),
    Rule("notification", "user_id", "notifications", _l("Notifications to you"), DELETE),
    Rule("notification_digest", "user_id", "digests", _l("Daily digests sent to you"), DELETE),
    # emailed account links (confirm an address, reset a password, change of address)
    Rule(
        "account_token",
        "user_id",
        "account_links",
        _l("Account links emailed to you"),
        DELETE,
        fields=("id", "purpose", "new_email", "created_at", "expires_at", "used_at"),
    ),
    Rule(
        "account_token",
        "new_email",
        "account_links_to_address",
        _l("Account links that named your address as the new one"),
        DELETE,
        fields=("id", "purpose", "created_at", "expires_at", "used_at"),
        by_email=True,
    ),
    # groups run by their members (issue 15): a request to join is the person's own and
    # goes; motions stay the group's record (the proposer link is cleared); votes and the
    # electorate snapshot hold only voter keys and stay counted; organisers' acts stay
    Rule(
        "group_join_request",
        "user_id",
        "group_join_requests",
        _l("Requests to join groups"),
        DELETE,
    ),
    Rule(
        "group_join_request",
        "decided_by_id",
        "group_join_requests_answered",
        _l("Requests to join you answered"),
        fields=("id", "group_id", "state", "decided_at"),
    ),
    Rule(
        "group_rules",
        "updated_by_id",
        "group_rules_changed",
        _l("Group rules you changed"),
        fields=("group_id", "updated_at"),
    ),
    Rule(
        "group_motion",
        "proposed_by_id",
        "group_motions",
        _l("Motions you proposed"),
        CLEAR,
        fields=("id", "group_id", "title", "text", "state", "created_at"),
    ),
    Rule(
        "group_motion",
        "minutes_by_id",
        "group_motion_minutes",
        _l("Motion minutes you recorded"),
        fields=("id", "group_id", "title", "minutes_at"),
    ),
    Rule(
        "group_motion_vote",
        "voter_key",
        "group_motion_votes",
        _l("Votes you cast on group motions (your receipts)"),
        fields=("motion_id", "receipt", "cast_at"),
        scope="group_motion:{}",
        scope_column="motion_id",
    ),
    # paper entry in groups (civic.groups.paper): what an organiser or moderator entered,
    # and the contests of it (the member's own are found through their voter keys)
    Rule(
        "group_motion_vote",
        "entered_by_id",
        "group_paper_votes_entered",
        _l("Paper votes on group motions you entered"),
        fields=("id", "motion_id", "paper_number"),
    ),
    Rule(
        "group_election_ballot",
        "entered_by_id",
        "group_paper_ballots_entered",
        _l("Paper ballots in group elections you entered"),
        fields=("id", "election_id", "paper_number"),
    ),
    Rule(
        "group_paper_contest",
        "voter_key",
        "group_paper_contests",
        _l("Paper entries in groups you contested"),
        fields=("kind", "subject_id", "paper_number", "reason", "state", "created_at", "response"),
        rows=_group_paper_contest_rows,
    ),
    Rule(
        "group_paper_contest",
        "entered_by_id",
        "group_paper_contests_of_yours",
        _l("Contests of paper entries you made in groups"),
        fields=("id", "kind", "subject_id", "paper_number", "state", "created_at"),
    ),
    Rule(
        "group_paper_contest",
        "resolver_id",
        "group_paper_contests_resolved",
        _l("Group paper contests you resolved"),
        fields=("id", "kind", "subject_id", "state", "resolved_at"),
    ),
    Rule(
        "group_motion_elector",
        "voter_key",
        "group_motion_electorates",
        _l("Group motions you could vote on"),
        fields=("motion_id",),
        scope="group_motion:{}",
        scope_column="motion_id",
    ),
    Rule(
        "mail_outbox",
        "to_address",
        "mail",
        _l("Email sent to you"),
        DELETE,
        fields=("id", "subject", "text_body", "state", "created_at", "sent_at"),
        by_email=True,
    ),
    # stakeholder constituencies (slice "stakeholders"): a person's proof of belonging to
    # the staff, users or tenants of a service goes with them, as a residence proof does;
    # the casts it let them make keep only their (unnamed) class rows
    Rule(
        "constituency_membership",
        "user_id",
        "constituencies",
        _l("Constituencies you belong to"),
        DELETE,
        fields=("id", "constituency_id", "method", "granted_at", "note"),
    ),
    Rule(
        "constituency_membership",
        "confirmed_by_id",
        "constituency_checked",
        _l("Constituency memberships you checked"),
    ),
    Rule("constituency", "created_by_id", "constituencies_created", _l("Constituencies you named")),
)

# the kinds of column the schema walk insists are declared
EMAIL_COLUMNS = frozenset({"email", "to_address", "email_address", "address"})
KEY_COLUMNS = frozenset({"voter_key", "signer_key"})


# --- export -----------------------------------------------------------------------------


@dataclass
class Export:
    """Everything held about a person: sections in declaration order, each with rows."""

    user: User
    generated_at: datetime
    sections: list[tuple[Rule, list[dict[str, Any]]]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "generated_at": plain(self.generated_at),
            "about": (
                "Everything Civic holds about you. Your votes and ballots are secret: "
                "Civic can show you your receipts, which you can check against the "
                "published ballots, but it keeps no record of how you voted under your "
                "name."
            ),
            **{rule.key: rows for rule, rows in self.sections},
        }


def export(user: User) -> Export:
    """What Civic holds about `user`, read fresh (no cache: the person may have just acted)."""
    require_signed_in(user)
    result = Export(user=user, generated_at=utcnow())
    for rule in RULES:
        result.sections.append((rule, rows_of(rule, user)))
    return result


# --- erasure ------------------------------------------------------------------------------


def erasure_blockers(user: User) -> list[str]:
    """Why `user`'s account cannot be erased now, in words that say what to do first."""
    reasons = []
    if user.role is Role.ADMIN:
        others = db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
        )
        if not others:
            reasons.append(
                _(
                    "This is the only administrator account: make another person an "
                    "administrator first, so someone can still run Civic."
                )
            )
    for membership in user.memberships:
        if membership.role is not GroupRole.ORGANISER:
            continue
        organisers = [m for m in membership.group.memberships if m.role is GroupRole.ORGANISER]
        if len(organisers) == 1:
            reasons.append(
                _(
                    "You are the only organiser of %(group)s: make another "
                    "member an organiser first, so the group is not left without one.",
                    group=membership.group.name,
                )
            )
    return reasons


CONFIRM_SALT = "civic.erase-account"
CONFIRM_MAX_AGE = 15 * 60  # seconds between the password step and the final button


def _confirmer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=CONFIRM_SALT)


def prepare_erasure(user: User, *, comments: str, password: str) -> str:
    """Check the first step of deleting one's own account (password, choice, nothing in
    the way) and return the signed confirmation the final step needs. It names the
    account and its session token, so it dies with a sign-out or a password change, and
    after CONFIRM_MAX_AGE."""
    require_signed_in(user)
    _check_erasure(user, comments=comments, password=password)
    return _confirmer().dumps({"u": user.id, "s": user.session_token, "c": comments})


def erase_own_account(user: User, confirmation: str) -> str:
    """The final step: erase `user`'s account if `confirmation` came from
    `prepare_erasure` for this account and session, recently. Returns the comment choice."""
    require_signed_in(user)
    try:
        data = _confirmer().loads(confirmation or "", max_age=CONFIRM_MAX_AGE)
    except BadSignature:
        data = None
    if (
        not isinstance(data, dict)
        or data.get("u") != user.id
        or data.get("s") != user.session_token
        or data.get("c") not in COMMENT_CHOICES
    ):
        raise Conflict(
            _("That confirmation is out of date or not yours. Nothing was deleted: start again.")
        )
    erase_account(user, user, comments=data["c"], password=None, reauthenticated=True)
    return data["c"]


def _check_erasure(user: User, *, comments: str, password: str | None) -> None:
    if user.erased_at is not None:
        raise Conflict(_("This account has already been erased."))
    errors: dict[str, str] = {}
    if password is not None and not verify_password(user.password_hash, password):
        errors["password"] = _("Your password is not right")
    if comments not in COMMENT_CHOICES:
        errors["comments"] = _("Choose what happens to the public comments")
    if errors:
        raise ValidationFailed(errors)
    if blockers := erasure_blockers(user):
        raise Conflict(" ".join(blockers))


def erase_account(
    actor: User | None,
    user: User,
    *,
    comments: str,
    password: str | None = None,
    reauthenticated: bool = False,
) -> None:
    """Erase `user`'s personal data. The person does it with their password; an
    administrator may do it for them on request (a written request to the council).

    The account row stays but holds nothing personal (email replaced by a unique
    non-address, name by "A former resident", an unusable password, every session and
    device cookie dead); each declared table does what its rule says. Votes and
    ballots already counted stay counted; the audit log is untouched and records the
    erasure itself with no personal data.
    """
    actor = require_signed_in(actor)
    by_admin = actor.id != user.id
    if by_admin:
        require_admin(actor)
    # the person's own erasure needs the password (or erase_own_account's confirmation,
    # which was given only after it); an administrator acts on a written request instead
    checked = None if by_admin or reauthenticated else (password or "")
    _check_erasure(user, comments=comments, password=checked)

    job = Erasure(user=user, email=user.email, comments=comments, now=utcnow())
    # the account first, so rules that replace an address use the new one
    user.email = f"erased-{user.id}-{secrets.token_hex(4)}"
    user.display_name = FORMER_RESIDENT
    user.password_hash = "!erased"  # noqa: S105 (not an Argon2 hash: nothing verifies against it)
    user.role = Role.RESIDENT
    user.active = False
    user.erased_at = job.now
    user.end_sessions()
    db.session.flush()
    for rule in RULES:
        if rule.erase == KEEP:
            continue
        if callable(rule.erase):
            rule.erase(job)
            continue
        table = _table(rule.table)
        where = _where(rule, user, job.email)
        if rule.erase == DELETE:
            db.session.execute(delete(table).where(where))
        elif rule.erase == CLEAR:
            db.session.execute(update(table).where(where).values({rule.column: None}))
    db.session.flush()
    db.session.expire_all()  # rows changed above in SQL: nothing stale may be written back
    audit.record(
        actor,
        "user:erase",
        user,
        {"comments": comments, "by": "administrator" if by_admin else "self"},
    )
    db.session.flush()


# --- eligibility evidence retention ---------------------------------------------------------


def evidence_days() -> int:
    """How long a proof of residence keeps its evidence (CIVIC_ELIGIBILITY_EVIDENCE_DAYS)."""
    return int(current_app.config.get("ELIGIBILITY_EVIDENCE_DAYS", 365))


def purge_evidence(now: datetime | None = None) -> list[str]:
    """Remove the evidence behind proofs of residence older than the retention period
    (the letter code's link to the person, a moderator's note and who checked), keeping
    the fact: area, method, date. Run by `civic tick`; a second run finds nothing."""
    now = now or utcnow()
    days = evidence_days()
    cutoff = now - timedelta(days=days)
    due = db.session.scalars(
        select(Eligibility)
        .where(Eligibility.granted_at < cutoff, Eligibility.evidence_removed_at.is_(None))
        .order_by(Eligibility.id)
    ).all()
    checks = _purge_paper_checks(cutoff)
    codes = [e.code_id for e in due if e.code_id is not None]
    for eligibility in due:
        eligibility.code_id = None
        eligibility.confirmed_by_id = None
        eligibility.note = ""
        eligibility.evidence_removed_at = now
    db.session.flush()
    if codes:
        db.session.execute(
            update(EligibilityCode).where(EligibilityCode.id.in_(codes)).values(redeemed_by_id=None)
        )
    if not due and not checks:
        return []
    audit.record(
        None,
        "eligibility:evidence_purge",
        _retention_subject(),
        {"count": len(due), "paper_checks": checks, "days": days},
    )
    db.session.flush()
    return [
        f"Removed the evidence behind {len(due)} proofs of residence and {checks} paper "
        f"entries' identity checks older than {days} days."
    ]


# The entry time of each table whose paper rows keep the officer's note of how they checked
# who the resident was (civic.paper): evidence of identity like a proof of residence's.
PAPER_CHECKS = {"vote_cast": "updated_at", "consultation_response": "submitted_at"}


def _purge_paper_checks(cutoff: datetime) -> int:
    """Empty the identity checks of paper entries made before `cutoff`; the entry itself
    (paper, its number, who entered it) stays, as a proof of residence keeps its fact."""
    cleared = 0
    for name, entered in PAPER_CHECKS.items():
        table = _table(name)
        result = db.session.execute(
            update(table)
            .where(table.c.paper_check != "", table.c[entered] < cutoff)
            .values(paper_check="")
        )
        cleared += result.rowcount or 0
    return cleared


def _retention_subject() -> audit.Subject:
    return audit.Subject("retention", "eligibility_evidence")


def declared() -> set[tuple[str, str]]:
    """Every (table, column) pair with a rule: what the schema walk checks against."""
    return {(rule.table, rule.column) for rule in RULES}
