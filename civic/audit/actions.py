"""Every action tag the code records, and how visible its actor is (DESIGN §4).

The rule is "pseudonyms follow what the page shows": a person's public pseudonym (the one
their named comments carry) signs only acts the interface shows under their name. Whoever
adds an `audit.record(...)` call adds its tag here, or `record()` refuses it; a test walks
every call in civic/ and checks that its tag is registered.

- NAMED: signed by the actor's public pseudonym and appended at once. Official acts
  (moderators, organisers, administrators, the system) and what a resident publishes
  under their name (comments, edits, their own registration).
- SCOPED: appended at once, signed by a pseudonym scoped to the subject *and the action*,
  so it cannot be joined to the person's named acts nor to anything else they did about
  the same subject: reports of a comment, project ideas (whose proposer the pages never
  show).
- PRIVATE: scoped to the subject, and never appended when it happens: the entry waits in
  `audit_pending` and reaches the log in a shuffled batch with an hour-coarse time
  (`audit.release_pending`, run by `civic tick` and by every close), so its position
  cannot be read against a named act. Votes, ballots, consultation responses and
  eligibility grants. Acts of one person about one subject share the scoped pseudonym,
  so the log still shows that someone changed their vote, not who.
"""

from __future__ import annotations

import enum
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from civic.audit.log import Subject


class Visibility(enum.Enum):
    NAMED = "named"
    SCOPED = "scoped"
    PRIVATE = "private"


class UnknownAction(ValueError):
    """An action tag that is not in the registry: register it (and decide its visibility)."""


NAMED, SCOPED, PRIVATE = Visibility.NAMED, Visibility.SCOPED, Visibility.PRIVATE

_ACTIONS: dict[str, Visibility] = {
    # accounts: administrators act in public; a registration is the person's own account
    "account:register": NAMED,
    "account:create": NAMED,
    "account:role": NAMED,
    "account:activate": NAMED,
    "account:deactivate": NAMED,
    # data rights: an erasure (by the person or an administrator) and the system's
    # retention purge; neither names anyone beyond the account's public pseudonym
    "user:erase": NAMED,
    "eligibility:evidence_purge": NAMED,
    # accounts and email (issue 14): a person's own acts about their account's security,
    # under a pseudonym scoped to it and in shuffled batches, with no address in the data
    "account:email_confirm": PRIVATE,
    "account:password_reset": PRIVATE,
    "account:email_change": PRIVATE,
    # a resident takes over the paper-only account a desk made with their letter code
    # (civic.accounts.paper_residents): their own act about their account, like the above
    "account:paper_claim": PRIVATE,
    "area:create": NAMED,
    "area:update": NAMED,
    "group:create": NAMED,
    "group:update": NAMED,
    # organisers and moderators act in public; the member they act on is named in the data
    # by a pseudonym scoped to the group (the page names only members who chose it)
    "group:member_add": NAMED,
    "group:member_role": NAMED,
    "group:member_remove": NAMED,
    "group:invite": NAMED,  # never says to whom: not the address, not a pseudonym
    "group:invite_cancel": NAMED,
    "group:invite_expire": NAMED,  # the system
    # the invited person's answer: their public pseudonym would tie it to their comments
    "group:invite_accept": SCOPED,
    "group:invite_decline": SCOPED,
    "eligibility:codes_generate": NAMED,
    # where a person lives is personal: a grant (by letter code or by a moderator's check)
    # would otherwise sit next to the person's registration and first ballot
    "eligibility:grant": PRIVATE,
    "eligibility:revoke": NAMED,
    # discussions
    "comment:post": NAMED,
    "comment:edit": NAMED,
    "comment:flag": SCOPED,  # the pages never say who reported whom
    "comment:auto_hide": NAMED,  # the system
    "comment:hide": NAMED,
    "comment:restore": NAMED,
    "comment:reports_dismiss": NAMED,
    # budgets
    "budget_round:create": NAMED,
    "budget_round:phase": NAMED,
    "budget_round:results": NAMED,
    "budget_round:import": NAMED,
    "budget_project:propose": SCOPED,  # project pages do not show the proposer
    "budget_project:review": NAMED,
    "budget_project:delivery": NAMED,
    "budget_ballot:cast": PRIVATE,  # online, or on paper entered by an official
    # a changed ballot: its own tag, so the number of `cast` entries is the number of
    # ballots (civic.receipts.codes.participation_count)
    "budget_ballot:change": PRIVATE,
    # a resident takes back their online ballot before the close: one `cast` less
    "budget_ballot:withdraw": PRIVATE,
    # a resident disputing the paper ballot entered for them: batched, and released at
    # the latest when a moderator answers it
    "budget_ballot:contest": PRIVATE,
    "budget_ballot:contest_resolve": NAMED,
    # votes
    "proposal:create": NAMED,
    # what moderators write, in other languages, and its easy-read summary (civic.content)
    "content:translate": NAMED,
    "content:easy_read": NAMED,
    "proposal:case": NAMED,
    "proposal:options": NAMED,
    "proposal:standards": NAMED,
    "proposal:document": NAMED,
    "proposal:vote_rules": NAMED,
    "proposal:consultation": NAMED,
    "proposal:voting": NAMED,
    "proposal:vote_cast": PRIVATE,
    "proposal:vote_change": PRIVATE,  # a changed vote (a new receipt; the old one replaced)
    "proposal:close": NAMED,
    "proposal:decide": NAMED,
    "proposal:link_consultation": NAMED,  # a moderator links the consultation about it
    # consultations
    "consultation:create": NAMED,
    "consultation:question_add": NAMED,
    "consultation:question_edit": NAMED,
    "consultation:question_remove": NAMED,
    "consultation:question_move": NAMED,
    "consultation:open": NAMED,
    "consultation:close": NAMED,
    "consultation:reply": NAMED,
    "consultation:tag": NAMED,
    "consultation:free_text_review": NAMED,  # a moderator; never the answer's own words
    "consultation:respond": PRIVATE,
    "consultation:response_save": PRIVATE,
    "consultation:response_change": PRIVATE,
    # paper and assisted participation (civic.paper): the officer's entry and the printing
    # of numbered papers are named acts (the vote or response itself is logged privately
    # under the resident's scoped pseudonym, as online); a resident's contest is private
    # and released at the latest with its resolution, which the moderator signs
    "paper:print": NAMED,
    "paper:enter": NAMED,
    "paper:contest": PRIVATE,
    "paper:contest_resolve": NAMED,
    # contracts (issue 13): the register is official and public
    "provider:create": NAMED,
    "contract:create": NAMED,
    "contract:publish": NAMED,
    # contract documents (issue 13, documents slice): moderators publish them; the entry
    # carries the file's SHA-256, so a swapped file would not match the log
    "contract_document:add": NAMED,
    "contract_document:replace": NAMED,
    "contract_document:withdraw": NAMED,
    # information requests: a requester who publishes their name asks under it; one who
    # does not asks under a pseudonym scoped to the request, which the page never names
    "info_request:ask": SCOPED,
    "info_request:ask_named": NAMED,
    "info_request:answer": NAMED,
    "info_request:refuse": NAMED,
    "info_request:overdue": NAMED,  # the system, once, when the due date passes unanswered
    # contracts: performance (slice performance); moderators record what providers report,
    # and `civic tick` (no actor) marks a required standards report overdue
    "kpi:create": NAMED,
    "kpi:report": NAMED,
    "contract_finance:record": NAMED,
    "standards_report:record": NAMED,
    "standards_report:overdue": NAMED,
    # contracts: expiry review and recall (issue 13, recall slice). The tick marks a
    # contract due (the system); a moderator starts its review; signing a recall petition
    # and withdrawing are a resident's private acts, like votes; reaching the threshold is
    # the system's act, logged after the batch of signatures it counted
    "contract:review_due": NAMED,
    "contract:review_start": NAMED,
    "recall:sign": PRIVATE,
    "recall:withdraw": PRIVATE,
    "recall:threshold": NAMED,
    # contracts, OCDS slice: a contract registered and published from an OCDS release
    # package (by a moderator, or the command line with no actor)
    "contract:import": NAMED,
    # the log itself: a witness's cosignature on a checkpoint (the actor is None; the
    # witness is named in the data, by its key's name and id)
    "audit:cosign": NAMED,
    # contract register (slice "register"): a moderator's change to a contract; after
    # publication it carries the new version's SHA-256 and the published reason
    "contract:update": NAMED,
    # the mail outbox: an administrator retrying a message (its outbox id only, no address)
    "mail:retry": NAMED,
    # site pages (slice "legal"): an administrator publishes a new version of the privacy
    # notice, accessibility statement or cookies page; the data carries the text's SHA-256
    "site_page:update": NAMED,
    # stakeholder constituencies (slice "stakeholders", issue 15): a moderator names a class
    # of people and opens a vote, consultation or round to classes (official acts); a
    # person's proof of membership (letter code or check) is private, like a residence grant
    "constituency:create": NAMED,
    "constituency:open_to": NAMED,
    "constituency:grant": PRIVATE,
    # groups run by their members (issue 15, slice groups). Joining, asking to join and
    # leaving are the member's own acts, and the group page names a member only if they
    # chose it: scoped, with the member in the data by the group's member pseudonym (as
    # accepting an invitation). Organisers' answers and rule changes are official acts.
    "group:join": SCOPED,
    "group:join_request": SCOPED,
    "group:leave": SCOPED,
    "group:join_approve": NAMED,
    "group:join_refuse": NAMED,  # never logs the reason: it is told to the person only
    "group:rules": NAMED,
    # motions: logged under the group (everything a group decides is in its trail). The
    # proposer is not named on the pages (it would tell who belongs), so scoped; a vote is
    # secret, under the motion's own subject, batched; opening and closing are the
    # organiser's or the system's acts; minutes are the organiser's
    "motion:propose": SCOPED,
    "motion:open": NAMED,
    "motion:vote_cast": PRIVATE,
    "motion:close": NAMED,
    "motion:minutes": NAMED,
    # petitions (issue 15): a resident starts one under their name (the page shows it);
    # moderators accept or refuse it and publish the council's response; signing and
    # withdrawing are private acts like votes; the system logs each threshold reached
    # (after the batch of signatures it counted), the thresholds an administrator sets,
    # and the petition's closing when its time runs out
    "petition:start": NAMED,
    "petition:accept": NAMED,
    "petition:refuse": NAMED,
    "petition:sign": PRIVATE,
    "petition:withdraw": PRIVATE,
    "petition:threshold": NAMED,
    "petition:respond": NAMED,
    "petition:close": NAMED,
    "petition_threshold:set": NAMED,
    # organiser elections and recall in member-run groups (issue 15, slice elections):
    # calling, standing, withdrawing, proposing and supporting a recall are public acts of
    # members and organisers, logged under the group; the opening, a lapse and the count
    # (with its tie-break seed) are the system's or an organiser's. A ballot is private:
    # scoped to the election and batched, never under the voter's public pseudonym
    "group_election:call": NAMED,
    "group_election:stand": NAMED,
    "group_election:withdraw": NAMED,
    "group_election:open": NAMED,
    "group_election:cast": PRIVATE,
    "group_election:close": NAMED,
    "group_recall:start": NAMED,
    "group_recall:support": NAMED,
    "group_recall:lapse": NAMED,
}

ACTIONS: MappingProxyType[str, Visibility] = MappingProxyType(_ACTIONS)

# The outcomes of moderation, as the "moderation decisions" page lists them: a moderator
# hiding or restoring a comment or dismissing its reports, and the system hiding one that
# enough people reported. Posting, editing and reporting are not decisions, so not listed.
MODERATION_DECISIONS = (
    "comment:hide",
    "comment:auto_hide",
    "comment:restore",
    "comment:reports_dismiss",
)


def visibility(action: str) -> Visibility:
    """How visible `action`'s actor is; an unregistered tag is a programming error."""
    try:
        return ACTIONS[action]
    except KeyError:
        raise UnknownAction(
            f"audit action {action!r} is not registered in civic/audit/actions.py"
        ) from None


def actor_scope(action: str, subject: Subject) -> str | None:
    """The scope of the actor's pseudonym: None (public) for NAMED acts.

    PRIVATE acts share one scope per subject (a changed vote shows as the same someone);
    SCOPED acts add the action, so a person's report and their vote, ballot or idea about
    the same subject never share a pseudonym.
    """
    kind = visibility(action)
    if kind is NAMED:
        return None
    base = f"{subject.type}:{subject.id}"
    return base if kind is PRIVATE else f"{base}/{action}"
