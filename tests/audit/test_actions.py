"""The action-tag registry: every tag the code records is registered, and pseudonyms
follow what the pages show (NAMED under the public pseudonym, everything else scoped)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from civic import ROOT, audit
from civic.accounts.models import User
from civic.audit.actions import ACTIONS, NAMED, PRIVATE, SCOPED, actor_scope
from civic.audit.models import AuditEntry, AuditPending
from civic.extensions import db
from tests.factories import UserFactory

TAG = re.compile(r"^[a-z_]+:[a-z_]+$")


def _is_record_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func_ = node.func
    if isinstance(func_, ast.Attribute):
        return (
            func_.attr == "record"
            and isinstance(func_.value, ast.Name)
            and (func_.value.id == "audit")
        )
    return isinstance(func_, ast.Name) and func_.id == "record"


def _strings(node: ast.AST) -> set[str]:
    return {
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def class_tags() -> dict[str, set[str]]:
    """attribute -> the literals classes in civic/ assign it in their body: a contest kind
    names its tags there (`contest_action = "paper:contest"`, civic.contests.flow)."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "civic").rglob("*.py")):
        for cls in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not isinstance(cls, ast.ClassDef):
                continue
            for node in cls.body:
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            found.setdefault(target.id, set()).update(_strings(node.value))
    return found


def _tags_of(call: ast.Call, scope: ast.AST, where: str, attributes: dict) -> set[str]:
    """The tags one call can pass: a literal, a conditional of literals, a local name
    assigned from literals in the same function, or an attribute (`kind.contest_action`)
    that classes assign literals to."""
    arg = (
        call.args[1]
        if len(call.args) > 1
        else next((k.value for k in call.keywords if k.arg == "action"), None)
    )
    assert arg is not None, f"{where}: audit.record without an action"
    if isinstance(arg, ast.Attribute):
        tags = set(attributes.get(arg.attr, set()))
    elif isinstance(arg, ast.Name):
        assigned = [
            n.value
            for n in ast.walk(scope)
            if isinstance(n, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == arg.id for t in n.targets)
        ]
        tags = set().union(*(_strings(v) for v in assigned)) if assigned else set()
    else:
        tags = _strings(arg)
    tags = {t for t in tags if TAG.match(t)}
    assert tags, f"{where}: cannot read the action tag statically; pass a literal"
    return tags


def recorded_tags() -> dict[str, list[str]]:
    """Every action tag passed to audit.record anywhere in civic/, with where."""
    found: dict[str, list[str]] = {}
    attributes = class_tags()
    for path in sorted((ROOT / "civic").rglob("*.py")):
        if path.parts[-2:] == ("audit", "log.py"):
            continue  # the definition, and release_pending's re-append of queued rows
        tree = ast.parse(path.read_text(), filename=str(path))
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
        for function in functions:
            for node in ast.walk(function):
                if _is_record_call(node):
                    where = f"{Path(path).relative_to(ROOT)}:{node.lineno}"
                    for tag in _tags_of(node, function, where, attributes):
                        found.setdefault(tag, []).append(where)
    return found


def test_every_recorded_action_tag_is_registered():
    found = recorded_tags()
    assert len(found) > 40  # the walk really found the calls
    unregistered = {tag: where for tag, where in found.items() if tag not in ACTIONS}
    assert unregistered == {}, "register these in civic/audit/actions.py"


def test_every_registered_tag_is_recorded_somewhere():
    assert set(ACTIONS) - set(recorded_tags()) == set()


def test_the_walk_reads_conditional_and_local_tags():
    found = recorded_tags()
    for tag in (
        "account:activate",
        "account:deactivate",
        "comment:restore",
        "comment:reports_dismiss",
        "consultation:respond",
        "consultation:response_change",
        "consultation:response_save",
        # named by each contest kind's class (civic.contests.flow records them)
        "budget_ballot:contest",
        "paper:contest",
        "paper:contest_resolve",
    ):
        assert tag in found, tag


def test_visibility_of_the_acts_the_pages_keep_private():
    assert ACTIONS["comment:flag"] is SCOPED
    assert ACTIONS["budget_project:propose"] is SCOPED
    for tag in (
        "proposal:vote_cast",
        "budget_ballot:cast",
        "consultation:respond",
        "eligibility:grant",
    ):
        assert ACTIONS[tag] is PRIVATE, tag
    assert ACTIONS["comment:post"] is NAMED and ACTIONS["proposal:close"] is NAMED


def test_an_unregistered_tag_is_refused_and_nothing_is_written():
    with pytest.raises(audit.UnknownAction, match=r"actions\.py"):
        audit.record(None, "area:delete", audit.Subject("area", "x"))
    with pytest.raises(ValueError, match="private"):
        audit.record(None, "proposal:vote_cast", audit.Subject("proposal", "1"), private=False)
    assert db.session.scalar(select(func.count(AuditEntry.seq))) == 0
    assert db.session.scalar(select(func.count(AuditPending.id))) == 0


def test_a_scoped_act_never_shares_a_pseudonym_with_a_private_one_on_the_same_subject():
    subject = audit.Subject("budget_round", "r")
    assert actor_scope("budget_ballot:cast", subject) == "budget_round:r"
    assert actor_scope("comment:flag", subject) == "budget_round:r/comment:flag"
    assert actor_scope("comment:post", subject) is None
    user = UserFactory()
    flag = audit.record(user, "comment:flag", audit.Subject("comment", "7"))
    post = audit.record(user, "comment:post", audit.Subject("comment", "7"))
    vote = audit.record(user, "proposal:vote_cast", audit.Subject("comment", "7"))
    assert len({flag.actor, post.actor, vote.actor}) == 3
    assert post.actor == audit.pseudonym(user.id)


def test_after_the_demo_only_named_acts_carry_a_public_pseudonym(app, monkeypatch, tmp_path):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    result = app.test_cli_runner().invoke(args=["civic", "seed"])
    assert result.exit_code == 0, result.output
    audit.release_pending()
    db.session.flush()
    public = {audit.pseudonym(user_id) for user_id in db.session.scalars(select(User.id))}
    entries = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    seen = {kind: 0 for kind in (NAMED, SCOPED, PRIVATE)}
    for entry in entries:
        kind = ACTIONS[entry.action]
        if entry.actor is None:
            continue
        seen[kind] += 1
        if kind is NAMED:
            assert entry.actor in public, (entry.seq, entry.action)
        else:
            assert entry.actor not in public, (entry.seq, entry.action)
            assert not any(p in entry.body.decode() for p in public), (entry.seq, entry.action)
    # the demo exercises every kind, so this test would catch a mis-signed one
    assert all(count > 0 for count in seen.values()), seen
    assert audit.verify().ok
