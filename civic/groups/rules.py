"""A group's published rules: how people join, and how its motions are proposed, voted
on and decided. Organisers (and moderators) change them; every change is in the audit log
under the group with the rules before and after. A motion already voting keeps the rules
it opened under (copied onto the motion), so a change never moves a running vote's goalposts.

Choice made here: organisers change the rules directly rather than only by a passed
motion, so a new group can set itself up; members who disagree propose a motion, and the
log shows who changed what, when.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from civic import audit
from civic.accounts.models import Group, JoinPolicy, User, utcnow
from civic.accounts.services import require_group_manager
from civic.errors import ValidationFailed
from civic.extensions import db
from civic.groups import tally
from civic.groups.models import GroupRules, MajorityRule, Motion, Proposers, QuorumRule
from civic.i18n import _, format_number, ngettext
from civic.i18n import lazy_gettext as _l

MAX_DAYS = 60
MAX_QUORUM_NUMBER = 100_000

JOIN_WORDS = {
    JoinPolicy.OPEN: _l(
        "Open: anyone who has shown Civic they live in %(area)s joins at once. People from "
        "elsewhere cannot join by themselves; the organisers can invite them."
    ),
    JoinPolicy.REQUEST: _l(
        "By request: anyone with a Civic account may ask to join; an organiser approves "
        "the request or refuses it with a reason."
    ),
    JoinPolicy.CLOSED: _l("Closed: people join only when the organisers invite them."),
}
PROPOSER_WORDS = {
    Proposers.MEMBERS: _l("Any member may propose a motion."),
    Proposers.ORGANISERS: _l("Only organisers may propose a motion; every member votes."),
}
# tally's rule words (tally stays free of Flask), as pages show them
MAJORITY_WORDS = {
    "simple": _l("More votes for than against (abstentions are not counted either way)."),
    "two_thirds": _l("At least two thirds of the votes for and against must be for."),
    "all_members": _l("More than half of all members (when voting opens) must vote for."),
}


def quorum_words(rule: str, value: int) -> str:
    """`tally.quorum_words` in the reader's language."""
    if rule == "none":
        return _("No quorum: the motion is decided however many members vote.")
    if rule == "share":
        return _(
            "At least %(num)s%% of the members (when voting opens) must vote, abstaining included.",
            num=value,
        )
    return _("At least %(num)s members must vote, abstaining included.", num=value)


def majority_words(rule: str) -> str:
    return str(MAJORITY_WORDS[rule])


def outcome_words(
    count: tally.Count, quorum_rule: str, quorum_value: int, majority_rule: str
) -> str:
    """`tally.decide`'s explanation in the reader's language, from the same figures.

    The English sentence stored on a closed motion stays for the JSON record; pages and
    notifications say it again from the stored counts and rules, so a Welsh reader reads
    Welsh. `tally.decide` is pure, so the outcome cannot differ from the stored one."""
    result = tally.decide(count, quorum_rule, quorum_value, majority_rule)
    electorate = count.electorate
    votes = _(
        "%(for)s for, %(against)s against, %(abstaining)s abstaining",
        **{
            "for": format_number(count.votes_for),
            "against": format_number(count.votes_against),
            "abstaining": format_number(count.abstentions),
        },
    )
    members = format_number(electorate)
    if result.outcome == tally.NO_QUORUM:
        return ngettext(
            "Not passed: no quorum. %(turnout)s of %(members)s member voted; the rules "
            "need %(needed)s.",
            "Not passed: no quorum. %(turnout)s of %(members)s members voted; the rules "
            "need %(needed)s.",
            electorate,
            turnout=format_number(count.turnout),
            members=members,
            needed=format_number(result.quorum_needed),
        )
    if majority_rule == "all_members":
        if result.passed:
            return ngettext(
                "Passed: %(votes)s; more than half of %(members)s member voted for.",
                "Passed: %(votes)s; more than half of %(members)s members voted for.",
                electorate,
                votes=votes,
                members=members,
            )
        return ngettext(
            "Not passed: %(votes)s; it needed %(threshold)s votes for (more than half of "
            "%(members)s member).",
            "Not passed: %(votes)s; it needed %(threshold)s votes for (more than half of "
            "%(members)s members).",
            electorate,
            votes=votes,
            threshold=format_number(electorate // 2 + 1),
            members=members,
        )
    if result.outcome == tally.TIED:
        return _("Not passed: tied, %(votes)s.", votes=votes)
    if majority_rule == "simple":
        if result.passed:
            return _("Passed: %(votes)s; more for than against.", votes=votes)
        return _("Not passed: %(votes)s; more against than for.", votes=votes)
    if result.passed:
        return _("Passed: %(votes)s; at least two thirds voted for.", votes=votes)
    return _("Not passed: %(votes)s; fewer than two thirds of the votes were for.", votes=votes)


def motion_outcome_words(motion: Motion) -> str:
    """The closed `motion`'s result in words, in the reader's language ("" before then)."""
    if motion.votes_for is None or motion.votes_against is None or motion.abstentions is None:
        return ""
    return outcome_words(
        tally.Count(
            motion.electorate or 0, motion.votes_for, motion.votes_against, motion.abstentions
        ),
        (motion.quorum_rule or QuorumRule.NONE).value,
        motion.quorum_value or 0,
        (motion.majority_rule or MajorityRule.SIMPLE).value,
    )


@dataclass(frozen=True)
class Rules:
    """The rules as plain values (the row's, or the defaults for a group that never
    changed them)."""

    join_policy: str
    quorum_rule: str
    quorum_value: int
    majority_rule: str
    discussion_days: int
    voting_days: int
    proposers: str


DEFAULTS = {
    "quorum_rule": QuorumRule.SHARE.value,
    "quorum_value": 25,
    "majority_rule": MajorityRule.SIMPLE.value,
    "discussion_days": 7,
    "voting_days": 7,
    "proposers": Proposers.MEMBERS.value,
}


def rules_of(group: Group) -> Rules:
    row = db.session.get(GroupRules, group.id)
    values = (
        DEFAULTS
        if row is None
        else {
            "quorum_rule": row.quorum_rule.value,
            "quorum_value": row.quorum_value,
            "majority_rule": row.majority_rule.value,
            "discussion_days": row.discussion_days,
            "voting_days": row.voting_days,
            "proposers": row.proposers.value,
        }
    )
    return Rules(join_policy=group.join_policy.value, **values)


def check(values: dict[str, Any]) -> dict[str, str]:
    """The problems with proposed rules, by form field (empty: fine)."""
    errors: dict[str, str] = {}
    if values.get("join_policy") not in {p.value for p in JoinPolicy}:
        errors["join_policy"] = _("Choose how people join")
    quorum = values.get("quorum_rule")
    amount = values.get("quorum_value")
    if quorum not in tally.QUORUM_RULES:
        errors["quorum_rule"] = _("Choose a quorum rule")
    elif quorum == "share" and (not isinstance(amount, int) or not 1 <= amount <= 100):
        errors["quorum_value"] = _("A quorum share must be a whole percentage from 1 to 100")
    elif quorum == "number" and (
        not isinstance(amount, int) or not 1 <= amount <= MAX_QUORUM_NUMBER
    ):
        errors["quorum_value"] = _(
            "A quorum must be a whole number of members from 1 to %(most)s",
            most=format_number(MAX_QUORUM_NUMBER),
        )
    if values.get("majority_rule") not in tally.MAJORITY_RULES:
        errors["majority_rule"] = _("Choose a majority rule")
    for name, low, words in (
        ("discussion_days", 0, _l("Discussion must last from 0 to %(most)s days")),
        ("voting_days", 1, _l("Voting must last from 1 to %(most)s days")),
    ):
        days = values.get(name)
        if not isinstance(days, int) or not low <= days <= MAX_DAYS:
            errors[name] = str(words) % {"most": MAX_DAYS}
    if values.get("proposers") not in {p.value for p in Proposers}:
        errors["proposers"] = _("Choose who may propose motions")
    return errors


def set_rules(actor: User | None, group: Group, **values: Any) -> Rules:
    """Change the group's rules (organisers and moderators). Refuses bad values, all at
    once, before writing anything; logs the rules before and after."""
    manager = require_group_manager(actor, group)
    if values.get("quorum_rule") == "none":
        values["quorum_value"] = 0
    if errors := check(values):
        raise ValidationFailed(errors)
    before = rules_of(group)
    row = db.session.get(GroupRules, group.id)
    if row is None:
        row = GroupRules(group_id=group.id)
        db.session.add(row)
    row.quorum_rule = QuorumRule(values["quorum_rule"])
    row.quorum_value = values["quorum_value"]
    row.majority_rule = MajorityRule(values["majority_rule"])
    row.discussion_days = values["discussion_days"]
    row.voting_days = values["voting_days"]
    row.proposers = Proposers(values["proposers"])
    row.updated_at = utcnow()
    row.updated_by_id = manager.id
    group.join_policy = JoinPolicy(values["join_policy"])
    db.session.flush()
    after = rules_of(group)
    if after != before:
        audit.record(
            manager, "group:rules", group, {"before": asdict(before), "after": asdict(after)}
        )
    return after


def published(group: Group) -> dict[str, Any]:
    """The rules as the page and the JSON publish them: values and their meaning."""
    rules = rules_of(group)
    policy = JoinPolicy(rules.join_policy)
    return {
        **asdict(rules),
        "residence_required_to_join": policy is JoinPolicy.OPEN,
        "secret_ballot": True,
        "words": {
            "join": str(JOIN_WORDS[policy]) % {"area": group.area.name},
            "proposers": str(PROPOSER_WORDS[Proposers(rules.proposers)]),
            "quorum": quorum_words(rules.quorum_rule, rules.quorum_value),
            "majority": majority_words(rules.majority_rule),
            "timing": " ".join(
                (
                    ngettext(
                        "A motion is discussed for %(num)s day,",
                        "A motion is discussed for %(num)s days,",
                        rules.discussion_days,
                    ),
                    ngettext(
                        "then members vote for %(num)s day.",
                        "then members vote for %(num)s days.",
                        rules.voting_days,
                    ),
                )
            ),
            "ballot": _(
                "Votes are secret: for, against or abstain, one each. Only members when "
                "voting opens vote, and only while still members. Counts are published "
                "when voting closes, never before."
            ),
        },
    }
