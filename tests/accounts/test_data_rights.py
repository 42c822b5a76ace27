"""Your data: the registry covers every table that names a person, the export holds their
rows, erasure empties the account without touching counted votes or the audit log, and
the retention purge removes old evidence of residence."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from itertools import count
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import insert, select

from civic import audit, ballot_box
from civic.accounts import data_rights, services
from civic.accounts.models import (
    CodeBatch,
    Eligibility,
    EligibilityCode,
    EligibilityMethod,
    GroupMembership,
    GroupRole,
    Role,
    User,
)
from civic.audit.models import AuditEntry
from civic.budgets import services as budgets
from civic.budgets.models import Ballot, Phase, RoundResult
from civic.budgets.rules import input_digest
from civic.clock import utcnow
from civic.discussions import services as discussions
from civic.discussions.models import Comment, CommentRevision, CommentState
from civic.errors import Conflict, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.notifications import outbox
from civic.notifications.models import OutboxMessage
from civic.search.models import SearchDocument
from tests.conftest import login, post_form
from tests.factories import (
    PASSWORD,
    AdminFactory,
    AreaFactory,
    GroupFactory,
    MembershipFactory,
    ModeratorFactory,
    UserFactory,
)
from tests.world import _eligible, _round

USER_TABLE = "user_account"


# --- the registry covers the schema ---------------------------------------------------------


def _person_columns() -> set[tuple[str, str]]:
    """Every column in the schema that names a person: a foreign key to user_account, an
    email address, or an HMAC voter key."""
    found = set()
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            points_at_user = any(fk.column.table.name == USER_TABLE for fk in column.foreign_keys)
            if (
                points_at_user
                or column.name in data_rights.EMAIL_COLUMNS
                or column.name.endswith("_email")
                or column.name in data_rights.KEY_COLUMNS
            ):
                found.add((table.name, column.name))
    return found


def test_the_walk_finds_what_it_is_meant_to():
    """Guards the next test against passing because the walk found nothing."""
    walked = _person_columns()
    assert {
        ("comment", "author_id"),
        ("user_account", "email"),
        ("mail_outbox", "to_address"),
        ("vote_cast", "voter_key"),
        ("group_invitation", "email"),
    } <= walked
    assert len(walked) > 30


def test_every_table_that_names_a_person_is_declared():
    """A table added later (account tokens, notifications, follows ...) fails here until it
    says, in civic/accounts/data_rights.py RULES, how it is exported and erased."""
    missing = sorted(_person_columns() - data_rights.declared())
    assert not missing, (
        "declare these in civic/accounts/data_rights.py RULES "
        f"(one Rule(table, column, key, title, erase) each): {missing}"
    )


def test_every_declaration_names_a_real_column():
    for rule in data_rights.RULES:
        table = db.metadata.tables[rule.table]
        assert rule.column in table.c, rule
        for name in rule.fields:
            assert name in table.c, (rule.table, name)
            assert name not in data_rights.SECRET_COLUMNS, (rule.table, name)


# --- a person with a row in every declared table ---------------------------------------------

_numbers = count(1)


def _value(column: sa.Column) -> Any:
    """A plausible value of the column's type, unique enough for unique constraints."""
    n = next(_numbers)
    kind = column.type
    if isinstance(kind, sa.Enum):
        return kind.enums[0]
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.DateTime):
        return utcnow()
    if isinstance(kind, sa.Date):
        return date.today()
    if isinstance(kind, sa.JSON):
        return {}
    if isinstance(kind, sa.LargeBinary):
        return b"x"
    if isinstance(kind, sa.Integer | sa.Numeric):
        return n
    length = getattr(kind, "length", None) or 40
    return f"v{n}"[:length]


# rows a generic value would break a check constraint of
_OVERRIDES: dict[str, Any] = {
    "eligibility": lambda maker: {"method": "moderator"},
    "document_blob": lambda maker: {
        "sha256": f"{next(_numbers):064x}",
        "size": 1,
        "content": b"x",
    },
    "info_request": lambda maker: {
        "contract_id": maker.make("contract")["id"],
        "received_on": date.today(),
        "due_on": date.today() + timedelta(days=20),
    },
}


class RowMaker:
    """Inserts a row into any table, making the rows its foreign keys need first."""

    def __init__(self, other: User) -> None:
        self.other = other

    def make(self, table_name: str, values: dict[str, Any] | None = None) -> dict[str, Any]:
        table = db.metadata.tables[table_name]
        fixed = _OVERRIDES.get(table_name)
        row = (fixed(self) if fixed else {}) | dict(values or {})
        for column in table.columns:
            if column.name in row:
                continue
            fk = next(iter(column.foreign_keys), None)
            if fk is not None and fk.column.table.name == USER_TABLE:
                if not column.nullable:
                    row[column.name] = self.other.id
                continue
            needed = not column.nullable and column.default is None
            needed = needed and column.server_default is None
            if column.primary_key and fk is None and isinstance(column.type, sa.Integer):
                continue  # an autoincrement id
            if not needed and not (column.primary_key and fk is not None):
                continue
            if fk is not None:
                parent = self.make(fk.column.table.name)
                row[column.name] = parent[fk.column.name]
            else:
                row[column.name] = _value(column)
        result = db.session.execute(insert(table).values(**row).returning(*table.primary_key))
        row.update(result.one()._mapping)
        return row


def _fill_every_table(person: User, other: User) -> None:
    maker = RowMaker(other)
    for rule in data_rights.RULES:
        if rule.table == USER_TABLE:
            continue
        if rule.by_email:
            maker.make(rule.table, {rule.column: person.email})
        elif rule.table == "paper_contest" and rule.column == "voter_key":
            # a contest is signed in its vote's or consultation's own box (kind:id)
            proposal = maker.make("proposal")["id"]
            key = ballot_box.voter_key(f"proposal:{proposal}", person.id)
            maker.make(rule.table, {"kind": "proposal", "subject_id": proposal, "voter_key": key})
        elif rule.table == "group_paper_contest" and rule.column == "voter_key":
            # the same in a group: signed in the motion's own box (group_motion:id)
            motion = maker.make("group_motion")["id"]
            key = ballot_box.voter_key(f"group_motion:{motion}", person.id)
            maker.make(rule.table, {"kind": "motion", "subject_id": motion, "voter_key": key})
        elif rule.scope:
            table = db.metadata.tables[rule.table]
            fk = next(iter(table.c[rule.scope_column].foreign_keys))
            parent = maker.make(fk.column.table.name)[fk.column.name]
            key = ballot_box.voter_key(rule.scope.format(parent), person.id)
            maker.make(rule.table, {rule.scope_column: parent, rule.column: key})
        else:
            maker.make(rule.table, {rule.column: person.id})


def test_the_export_holds_a_row_from_every_declared_table(app):
    person, other = UserFactory(), UserFactory()
    _fill_every_table(person, other)
    found = data_rights.export(person)
    by_key = {rule.key: rows for rule, rows in found.sections}
    empty = sorted(rule.key for rule in data_rights.RULES if not by_key[rule.key])
    assert not empty, f"the export missed the person's rows in {empty}"
    body = json.dumps(found.as_json())
    for secret in ("password_hash", "session_token", "voter_key", "token_hash", "code_hash"):
        assert secret not in body
    assert person.email in body
    # another person's rows are not in it
    assert other.email not in body


def test_erasure_leaves_no_row_a_rule_deletes_or_unlinks(app):
    """Whatever tables are declared, erasure does what each rule says."""
    person, other = UserFactory(email="whole@example.org"), UserFactory()
    _fill_every_table(person, other)
    data_rights.erase_account(person, person, comments="remove", password=PASSWORD)
    left = []
    for rule in data_rights.RULES:
        if rule.erase in (data_rights.DELETE, data_rights.CLEAR):
            table = db.metadata.tables[rule.table]
            where = data_rights._where(rule, person, "whole@example.org")
            if db.session.scalar(select(sa.func.count()).select_from(table).where(where)):
                left.append(rule.key)
    assert not left, f"erasure left the person's rows in {left}"
    db.session.expire_all()
    assert db.session.get(User, person.id).email != "whole@example.org"
    assert audit.verify().ok


def test_the_export_holds_comments_with_revisions_and_responses_with_answers(app):
    person = UserFactory()
    area = AreaFactory()
    _eligible(person, area)
    comment = discussions.post_comment(person, "area", area.slug, "First words")
    discussions.edit_comment(person, comment, "Better words")
    data = data_rights.export(person).as_json()
    [mine] = data["comments"]
    assert mine["body_source"] == "Better words"
    assert [v["body_source"] for v in mine["earlier_versions"]] == ["First words"]


# --- the pages ----------------------------------------------------------------------------------


def test_your_data_page_and_download(app, client):
    person = UserFactory(display_name="Ada Reader")
    area = AreaFactory(name="Hyde Park")
    _eligible(person, area)
    discussions.post_comment(person, "area", area.slug, "Mind the potholes")
    db.session.flush()
    login(client, person)
    page = client.get("/accounts/data")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<h1" in text and text.count("<h1") == 1
    assert "Mind the potholes" in text and person.email in text
    assert "no-store" in page.headers["Cache-Control"]
    download = client.get("/accounts/data.json")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    data = download.get_json()
    assert data["account"][0]["display_name"] == "Ada Reader"
    assert data["eligibility"][0]["area_id"] == area.id
    assert data["comments"][0]["body_source"] == "Mind the potholes"


def test_your_data_needs_signing_in(client):
    for path in ("/accounts/data", "/accounts/data.json", "/accounts/delete"):
        response = client.get(path)
        assert response.status_code in (302, 401), path


def test_account_page_and_privacy_notice_link_to_your_data(app, client):
    person = UserFactory()
    login(client, person)
    assert 'href="/accounts/data"' in client.get("/accounts/eligibility").get_data(as_text=True)
    privacy = client.get("/privacy").get_data(as_text=True)
    assert 'href="/accounts/data"' in privacy
    assert "only essential cookies" in privacy
    assert "365 days" in privacy


# --- erasure --------------------------------------------------------------------------------------


def _erase_through_pages(client, person: User, choice: str) -> Any:
    first = post_form(client, "/accounts/delete", {"comments": choice, "password": PASSWORD})
    assert first.status_code == 200, first.get_data(as_text=True)[:2000]
    text = first.get_data(as_text=True)
    assert "Are you sure you want to delete your account?" in text
    token = text.split('name="confirmation" value="', 1)[1].split('"', 1)[0]
    csrf = text.split('name="csrf_token" type="hidden" value="', 1)[-1].split('"', 1)[0]
    if "csrf_token" not in text:
        pytest.fail("no CSRF token on the confirmation page")
    return client.post("/accounts/delete/confirm", data={"csrf_token": csrf, "confirmation": token})


@pytest.mark.parametrize(
    ("choice", "shown", "gone"),
    [
        ("remove", "Removed at the author's request.", "Secret plans"),
        ("anonymise", "Secret plans", None),
    ],
)
def test_erasure_by_the_person_keeps_comments_as_chosen(app, client, choice, shown, gone):
    person = UserFactory(display_name="Bea Gone", email="bea@example.org")
    neighbour = UserFactory(display_name="Cy Stays")
    area = AreaFactory(slug="erase-ward")
    _eligible(person, area)
    _eligible(neighbour, area)
    comment = discussions.post_comment(person, "area", area.slug, "Secret plans")
    discussions.edit_comment(person, comment, "Secret plans")  # no change: nothing logged
    reply = discussions.post_comment(neighbour, "area", area.slug, "I agree", comment.id)
    outbox.queue(to=person.email, subject="Hello", text="t", html="<p>t</p>", key="bea-1")
    db.session.flush()
    login(client, person)

    done = _erase_through_pages(client, person, choice)
    assert done.status_code == 302

    db.session.expire_all()
    erased = db.session.get(User, person.id)
    assert erased.erased_at is not None and not erased.active
    assert erased.display_name == data_rights.FORMER_RESIDENT
    assert "@" not in erased.email and "bea" not in erased.email
    assert not db.session.scalars(select(Eligibility).where(Eligibility.user_id == person.id)).all()
    assert not db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == "bea@example.org")
    ).all()
    # signed out, and cannot sign in again
    assert client.get("/accounts/data").status_code in (302, 401)
    assert services.authenticate("bea@example.org", PASSWORD) is None

    thread = client.get("/discussions/area/erase-ward")
    assert thread.status_code == 200
    page = thread.get_data(as_text=True)
    assert "A former resident" in page
    assert "Bea Gone" not in page
    assert shown in page
    if gone:
        assert gone not in page
        assert db.session.get(Comment, comment.id).state is CommentState.REMOVED
        assert not db.session.scalars(
            select(CommentRevision).where(CommentRevision.comment_id == comment.id)
        ).all()
        # nor does search find its words any more
        assert not db.session.scalars(
            select(SearchDocument).where(
                SearchDocument.kind == "comment", SearchDocument.ref == str(comment.id)
            )
        ).all()
    assert "I agree" in page and db.session.get(Comment, reply.id).is_visible
    assert audit.verify().ok
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user:erase")).one()
    body = entry.body.decode() if isinstance(entry.body, bytes) else str(entry.body)
    assert "bea" not in body.lower() and choice in body


def test_erasure_leaves_a_closed_round_counted_and_the_log_valid(app):
    moderator = ModeratorFactory()
    area = AreaFactory()
    round_, projects = _round(moderator, area, "erase-round", Phase.VOTING)
    voters = [_eligible(UserFactory(), area) for _ in range(3)]
    for voter, project in zip(voters, [projects[0], projects[0], projects[1]], strict=True):
        budgets.cast_ballot(voter, round_, [(project.id, 1)])
    budgets.advance_phase(moderator, round_, Phase.RESULTS, reason="Counted early for this test")
    before = db.session.get(RoundResult, round_.id)
    frozen = (before.input_digest, list(before.selected), before.ballots)
    receipts = sorted(b.receipt for b in db.session.scalars(select(Ballot)))
    mine = data_rights.export(voters[0]).as_json()["budget_ballots"]
    assert [b["round_id"] for b in mine] == [round_.id] and mine[0]["receipt"] in receipts

    data_rights.erase_account(voters[0], voters[0], comments="anonymise", password=PASSWORD)
    db.session.expire_all()

    after = db.session.get(RoundResult, round_.id)
    assert (after.input_digest, list(after.selected), after.ballots) == frozen
    assert sorted(b.receipt for b in db.session.scalars(select(Ballot))) == receipts
    # a recount from the ballots as stored now reproduces the frozen input exactly
    instance, profile, _ = budgets.rule_input(round_)
    assert input_digest(instance, profile) == frozen[0]
    assert audit.verify().ok


def test_erasure_refusals(app):
    admin = AdminFactory()
    person = UserFactory()
    with pytest.raises(ValidationFailed) as wrong:
        data_rights.erase_account(person, person, comments="remove", password="not it")
    assert "password" in wrong.value.errors
    with pytest.raises(ValidationFailed) as choice:
        data_rights.erase_account(person, person, comments="shred", password=PASSWORD)
    assert "comments" in choice.value.errors
    # the only administrator
    with pytest.raises(Conflict, match="only administrator"):
        data_rights.erase_account(admin, admin, comments="remove", password=PASSWORD)
    # the only organiser of a group
    group = GroupFactory(name="Allotment friends")
    MembershipFactory(group=group, user=person, role=GroupRole.ORGANISER)
    with pytest.raises(Conflict, match="only organiser of Allotment friends"):
        data_rights.erase_account(person, person, comments="remove", password=PASSWORD)
    # another resident cannot erase someone; an administrator can, without the password
    stranger = UserFactory()
    with pytest.raises(PermissionDenied):
        data_rights.erase_account(stranger, person, comments="remove")
    helper = UserFactory()
    MembershipFactory(group=group, user=helper, role=GroupRole.ORGANISER)
    db.session.expire_all()
    data_rights.erase_account(admin, person, comments="remove")
    assert db.session.get(User, person.id).erased_at is not None
    assert not db.session.scalars(
        select(GroupMembership).where(GroupMembership.user_id == person.id)
    ).all()
    with pytest.raises(Conflict, match="already been erased"):
        data_rights.erase_account(admin, person, comments="remove")


def test_a_stale_or_forged_confirmation_deletes_nothing(app, client):
    person = UserFactory()
    login(client, person)
    response = post_form(
        client,
        "/accounts/delete/confirm",
        {"confirmation": "forged"},
        token_from="/accounts/delete",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, person.id).erased_at is None
    # a confirmation made for another person does not work here either
    other = UserFactory()
    token = data_rights.prepare_erasure(other, comments="remove", password=PASSWORD)
    with pytest.raises(Conflict):
        data_rights.erase_own_account(person, token)
    assert db.session.get(User, other.id).erased_at is None


def test_the_delete_page_says_what_is_in_the_way(app, client):
    admin = AdminFactory()
    login(client, admin)
    page = client.get("/accounts/delete")
    assert page.status_code == 409
    assert "only administrator" in page.get_data(as_text=True)
    wrong = post_form(client, "/accounts/delete", {"comments": "remove", "password": "nope"})
    assert wrong.status_code == 422
    assert "Your password is not right" in wrong.get_data(as_text=True)


def test_an_administrator_erases_an_account_on_request(app, client):
    admin, person = AdminFactory(), UserFactory(display_name="Dee Request")
    login(client, admin)
    assert client.get(f"/accounts/people/{person.id}/erase").status_code == 200
    done = post_form(client, f"/accounts/people/{person.id}/erase", {"comments": "anonymise"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, person.id).display_name == data_rights.FORMER_RESIDENT
    assert audit.verify().ok
    own = post_form(client, f"/accounts/people/{admin.id}/erase", {"comments": "anonymise"})
    assert own.status_code == 409


# --- evidence retention ------------------------------------------------------------------------


def _code_eligibility(person: User, area: Any, moderator: User, granted: datetime) -> Eligibility:
    batch = CodeBatch(area_id=area.id, size=1, created_by_id=moderator.id, expires_at=granted)
    db.session.add(batch)
    db.session.flush()
    code = EligibilityCode(
        batch_id=batch.id,
        code_hash=f"{person.id:064d}",
        redeemed_by_id=person.id,
        redeemed_at=granted,
    )
    db.session.add(code)
    db.session.flush()
    eligibility = Eligibility(
        user_id=person.id,
        area_id=area.id,
        method=EligibilityMethod.CODE,
        code_id=code.id,
        granted_at=granted,
    )
    db.session.add(eligibility)
    db.session.flush()
    return eligibility


def test_tick_removes_old_evidence_once_and_keeps_the_fact(app):
    moderator = ModeratorFactory()
    area, other_area = AreaFactory(), AreaFactory()
    old, recent = UserFactory(), UserFactory()
    long_ago = utcnow() - timedelta(days=400)
    by_code = _code_eligibility(old, area, moderator, long_ago)
    checked = services.confirm_eligibility(moderator, old, other_area, "Saw a council tax bill")
    checked.granted_at = long_ago
    fresh = services.confirm_eligibility(moderator, recent, area, "Saw a tenancy agreement")
    db.session.flush()

    runner = app.test_cli_runner()
    result = runner.invoke(args=["civic", "tick"])
    assert result.exit_code == 0, result.output
    assert "Removed the evidence behind 2 proofs of residence" in result.output
    db.session.expire_all()
    by_code, checked = (
        db.session.get(Eligibility, by_code.id),
        db.session.get(Eligibility, checked.id),
    )
    assert by_code.code_id is None and by_code.evidence_removed_at is not None
    assert by_code.method is EligibilityMethod.CODE and by_code.area_id == area.id
    assert checked.note == "" and checked.confirmed_by_id is None
    code = db.session.scalars(select(EligibilityCode)).one()
    assert code.redeemed_by_id is None and code.redeemed_at is not None
    assert db.session.get(Eligibility, fresh.id).note == "Saw a tenancy agreement"
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "eligibility:evidence_purge")
    ).all()
    assert len(entries) == 1

    again = runner.invoke(args=["civic", "tick"])
    assert again.exit_code == 0 and "Removed the evidence" not in again.output
    assert (
        len(
            db.session.scalars(
                select(AuditEntry).where(AuditEntry.action == "eligibility:evidence_purge")
            ).all()
        )
        == 1
    )
    assert audit.verify().ok


def test_purge_follows_the_setting(app):
    person, moderator = UserFactory(), ModeratorFactory()
    eligibility = services.confirm_eligibility(moderator, person, AreaFactory(), "Bill seen")
    eligibility.granted_at = utcnow() - timedelta(days=40)
    db.session.flush()
    app.config["ELIGIBILITY_EVIDENCE_DAYS"] = 30
    try:
        assert data_rights.purge_evidence()
    finally:
        app.config["ELIGIBILITY_EVIDENCE_DAYS"] = 365
    assert eligibility.note == ""
    # the page shows the fact without the evidence
    assert data_rights.export(person).as_json()["eligibility"][0]["method"] == "moderator"


def test_role_check_is_unchanged_for_staff_rows(app):
    """A moderator's official records stay, pointing at the emptied account."""
    moderator, admin = ModeratorFactory(), AdminFactory()
    area = AreaFactory()
    batch_rows = services.generate_codes(moderator, area, count=2, valid_days=30)
    data_rights.erase_account(moderator, moderator, comments="remove", password=PASSWORD)
    db.session.expire_all()
    batch = db.session.scalars(select(CodeBatch)).one()
    assert batch.created_by_id == moderator.id
    assert batch.created_by.display_name == data_rights.FORMER_RESIDENT
    assert db.session.get(User, moderator.id).role is Role.RESIDENT
    assert batch_rows and admin


def test_the_demo_shows_former_residents_comments(app, client, monkeypatch, tmp_path):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    result = app.test_cli_runner().invoke(args=["civic", "seed"])
    assert result.exit_code == 0, result.output
    page = client.get("/discussions/area/riverside").get_data(as_text=True)
    assert "Removed at the author's request." in page
    assert "Reported the lights too." in page  # the reply keeps its place
    assert "the lights by the lock" not in page
    assert "keep the car park" in page and "A former resident" in page
    assert "Dev Marsh" not in page and "Olu Bakare" not in page
    assert audit.verify().ok


def test_purge_empties_the_identity_checks_of_old_paper_entries(app):
    """An officer's note of how they identified a resident for a paper entry is evidence
    like a proof of residence's: gone after the retention period, the entry itself kept."""
    from civic.votes.models import VoteCast
    from tests.votes.helpers import make_proposal

    proposal, _moderator, _area = make_proposal()
    old = VoteCast(
        proposal_id=proposal.id,
        voter_key="k-old",
        choice="for",
        receipt="R-OLD",
        updated_at=utcnow() - timedelta(days=400),
        paper=True,
        paper_number=1,
        paper_check="Saw a bus pass with photo",
    )
    recent = VoteCast(
        proposal_id=proposal.id,
        voter_key="k-new",
        choice="against",
        receipt="R-NEW",
        updated_at=utcnow() - timedelta(days=10),
        paper=True,
        paper_number=2,
        paper_check="Knew them from the tenants' meeting",
    )
    db.session.add_all([old, recent])
    db.session.flush()

    first = data_rights.purge_evidence()
    assert first and "1 paper entries' identity checks" in first[0]
    db.session.expire_all()
    assert db.session.get(VoteCast, old.id).paper_check == ""
    assert db.session.get(VoteCast, old.id).paper_number == 1  # the entry stays
    assert db.session.get(VoteCast, recent.id).paper_check.startswith("Knew them")
    assert data_rights.purge_evidence() == []  # a second run finds nothing
    assert audit.verify().ok
