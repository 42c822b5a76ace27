"""What services say to people goes through gettext, so a Welsh reader reads it in Welsh.

Templates are checked by test_catalogues; this walks the Python: every string literal
given to a refusal (Conflict, ValidationFailed, PermissionDenied, NotFound, ...), to
`flash`, to a form field or its checks, or put in a form's `errors`/`problems` mapping
must sit inside `_()` /
`ngettext` / `lazy_gettext`. An f-string there is always wrong: translators need whole
sentences with named placeholders. Then a few typical refusals, through the app, in Welsh.
"""

from __future__ import annotations

import ast

import pytest

from civic import ROOT, privacy
from civic.extensions import db
from civic.groups import motions, tally
from civic.groups import rules as group_rules
from civic.i18n import in_language
from tests.budgets.rounds_helpers import make_round
from tests.conftest import csrf_token, login, post_form
from tests.factories import AreaFactory, ContractFactory, ModeratorFactory, UserFactory
from tests.groups.helpers import finish, make_group, voting_motion

# calls whose message reaches a person (a page, a flash, a form field, an error page)
SAID_TO_PEOPLE = {
    "Conflict",
    "ValidationFailed",
    "PermissionDenied",
    "NotEligible",
    "ElectorateTooSmall",
    "NotFound",
    "LinkProblem",
    "BadToken",
    "UnacceptableFile",
    "LevelError",
    "AmountError",
    "flash",
    # forms: labels, hints, choices and the messages of their checks
    "max_length",
    "DataRequired",
    "InputRequired",
    "Length",
    "NumberRange",
    "StringField",
    "TextAreaField",
    "SelectField",
    "RadioField",
    "SubmitField",
    "BooleanField",
    "DayMonthYearField",
    "WholeNumberField",
    "MoneyField",
}
# keyword arguments of those calls that are not words (a date's strptime format)
NOT_WORDS = {"format", "default", "render_kw", "id", "name"}
# mappings of field -> message that a ValidationFailed carries to the form
ERROR_MAPPINGS = {"errors", "problems"}

# Deliberate English, each with its reason (paths relative to the repository).
ALLOWED = {
    "civic/audit/checkpoints.py": "the witness protocol's answers, read by witness software "
    "and operators, like the CLI's output",
    "civic/budgets/pabulib_io.py": "`flask civic budgets import`: operators' command line",
    "civic/notifications/feed.py": "a programming error between modules, never shown to anyone",
    "civic/notifications/outbox.py": "a programming error between modules, never shown to anyone",
    "civic/contracts/api_views.py": "the JSON API's reasons are English for scripts, as "
    "civic.web's _API_REASONS",
    "civic/budgets/contests.py": "being rewritten on the paper slice's branch right now; "
    "that rewrite wraps its words (drop this entry when it lands)",
}


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _is_words(node: ast.AST) -> bool:
    """A literal a person would read: an f-string with text, or a str with a letter and a
    space (field names, codes and single words are not sentences)."""
    if isinstance(node, ast.JoinedStr):
        return any(
            isinstance(part, ast.Constant) and any(c.isalpha() for c in str(part.value))
            for part in node.values
        )
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return " " in node.value.strip() and any(c.isalpha() for c in node.value)
    return False


def _literals(node: ast.AST, keys: set[int]) -> list[ast.AST]:
    """The word literals inside `node` that no gettext call wraps (dict keys skipped)."""
    found: list[ast.AST] = []

    def visit(n: ast.AST) -> None:
        if isinstance(n, ast.Call) and _name(n.func) != "str":
            # gettext wraps it; any other call (a `refusal(subject, "take part")`) makes
            # the message from a key, and its own body is walked like every other
            return
        if id(n) in keys:
            return
        if _is_words(n):
            found.append(n)
            return
        for child in ast.iter_child_nodes(n):
            visit(child)

    visit(node)
    return found


def unwrapped(source: str, path: str = "<source>") -> list[str]:
    """Each place in `source` where a person would read English that gettext never sees."""
    tree = ast.parse(source)
    keys = {id(k) for d in ast.walk(tree) if isinstance(d, ast.Dict) for k in d.keys if k}
    hits: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node.func) in SAID_TO_PEOPLE:
            keywords = (k.value for k in node.keywords if k.arg not in NOT_WORDS)
            for arg in [*node.args, *keywords]:
                hits.extend(_literals(arg, keys))
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if node.value is not None and any(
                isinstance(t, ast.Subscript)
                and isinstance(t.value, ast.Name)
                and t.value.id in ERROR_MAPPINGS
                for t in targets
            ):
                hits.extend(_literals(node.value, keys))
    text = {id(h): getattr(h, "lineno", 0) for h in hits}
    return sorted({f"{path}:{line}: {ast.unparse(h)[:70]}" for h in hits for line in [text[id(h)]]})


def test_no_refusal_or_flash_in_civic_says_english_that_gettext_never_sees():
    found = []
    for path in sorted((ROOT / "civic").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "translations" in path.parts or relative in ALLOWED:
            continue
        found.extend(unwrapped(path.read_text(encoding="utf-8"), relative))
    assert not found, (
        "wrap these in _() / ngettext (named placeholders, whole sentences), or add the "
        "file to ALLOWED with the reason its English is deliberate:\n" + "\n".join(found)
    )


def test_every_allowed_file_still_exists():
    """An allowance outlives its reason silently if the file moves or goes."""
    missing = [p for p in ALLOWED if not (ROOT / p).exists()]
    assert not missing, f"drop these from ALLOWED: {missing}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('raise Conflict("Voting has not opened yet.")', 1),
        ('raise Conflict(f"Voting opens {when}.")', 1),
        ('raise ValidationFailed({"reason": "Give a reason please"})', 1),
        ('raise ValidationFailed({f"{field}-text": _("Write the text")})', 0),
        ('errors["title"] = "Give the document a title"', 1),
        ('problems[name] = f"{name} is too long"', 1),
        ('flash("Saved." if ok else "Not saved at all.", "success")', 1),
        ('raise Conflict(_("Voting opens %(when)s.", when=when))', 0),
        ('flash(_l("Your motion is proposed."), "success")', 0),
        ('raise PermissionDenied(ngettext("%(num)s vote", "%(num)s votes", n))', 0),
        ('errors["slug"] = "x"', 0),
        ('log.info("Told moderators of overdue work")', 0),
        ('raise PermissionDenied(refusal(round_, "take part"))', 0),
        ('raise Conflict(str("Sign in first, please"))', 1),
        ('StringField("Your name", validators=[max_length(80, "The name")])', 2),
        ('DayMonthYearField(_l("Opens"), format="%d %m %Y", error_name=_l("The date"))', 0),
    ],
)
def test_the_checker_finds_english_outside_gettext(source, expected):
    assert len(unwrapped(source)) == expected, unwrapped(source)


# --- the same refusals, through the app, in Welsh ------------------------------------


def _welsh(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "cy-GB,cy;q=0.9,en;q=0.5"
    return client


def test_a_signed_out_post_is_refused_in_welsh(client):
    contract = ContractFactory()
    db.session.commit()
    _welsh(client)
    page = f"/contracts/{contract.id}/documents/new"
    refused = client.post(page, data={"csrf_token": csrf_token(client), "title": "Terms"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 403
    assert "Mewngofnodwch i wneud hyn." in html and "Sign in to do this." not in html


def test_a_page_that_needs_signing_in_says_so_in_welsh(client):
    _welsh(client)
    sent = client.get("/consultations/new")
    assert sent.status_code == 302
    html = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Mewngofnodwch i weld y dudalen honno." in html
    assert "Sign in to see that page." not in html


def test_a_resident_on_a_moderators_page_is_refused_in_welsh(client):
    resident = UserFactory()
    db.session.commit()
    _welsh(client)
    login(client, resident)
    refused = client.get("/consultations/new")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 403
    assert "Dim ond cymedrolwyr a gweinyddwyr sy\u2019n gallu gwneud hyn." in html
    assert "Only moderators and administrators" not in html


def test_closing_a_motion_still_under_discussion_is_refused_in_welsh(client):
    group, organiser, people = make_group(members=2, discussion_days=7)
    motion = motions.propose(people[0], group, "Plant trees on the green", "Please plant.")
    db.session.commit()
    _welsh(client)
    login(client, organiser)
    page = f"/groups/{group.slug}/motions/{motion.id}"
    refused = post_form(client, f"{page}/close", {"confirm": "y"}, token_from=page)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "Nid yw\u2019r pleidleisio ar y cynnig hwn wedi agor eto." in html
    assert "has not opened yet" not in html


def test_a_closed_motions_result_is_worded_in_the_readers_language(client):
    group, organiser, people = make_group(members=3)
    motion = voting_motion(group, people[0])
    motions.cast(people[0], motion, "for")
    motions.cast(people[1], motion, "for")
    motions.cast(people[2], motion, "abstain")
    finish(motion)
    db.session.commit()
    _welsh(client)
    login(client, organiser)
    page = f"/groups/{group.slug}/motions/{motion.id}"
    closed = post_form(client, f"{page}/close", {"confirm": "y"}, token_from=page)
    assert closed.status_code == 302
    html = client.get(closed.headers["Location"]).get_data(as_text=True)
    welsh = "Pasiwyd: 2 o blaid, 0 yn erbyn, 1 yn ymatal; mwy o blaid nag yn erbyn."
    assert f"Mae\u2019r pleidleisio wedi cau. {welsh}" in html  # the flash
    assert html.count(welsh) == 2  # and the result on the page
    assert "Passed: 2 for" not in html
    # the stored English stays the open-data record's wording, whoever asks
    data = client.get(f"/api/v1/groups/{group.slug}/motions/{motion.id}").get_json()
    assert data["result"]["explanation"] == (
        "Passed: 2 for, 0 against, 1 abstaining; more for than against."
    )


def test_a_budget_phase_refusal_is_in_welsh(client):
    round_, moderator, _projects = make_round()
    db.session.commit()
    _welsh(client)
    login(client, moderator)
    page = f"/budgets/{round_.slug}"
    # not the next phase: refused with the phases named as the page names them
    wrong = post_form(client, f"{page}/phase", {"to": "ideas"}, token_from=page)
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 409
    assert "Dim ond i \u201c" in html and "\u201d y gall rownd yn \u201c" in html
    assert "can only move to" not in html
    # early, without a reason: the field's message and its date in Welsh
    early = post_form(client, f"{page}/phase", {"to": "results", "confirm": "yes"}, token_from=page)
    html = early.get_data(as_text=True)
    assert early.status_code == 422
    assert "Rhowch y rheswm dros symud y rownd i \u201c" in html and "(UTC)" in html
    assert "Give the reason" not in html


@pytest.mark.parametrize("majority", tally.MAJORITY_RULES)
@pytest.mark.parametrize("quorum", [("none", 0), ("share", 50), ("number", 3)])
@pytest.mark.parametrize(
    "votes", [(0, 0, 0), (1, 0, 0), (2, 2, 1), (3, 1, 0), (1, 3, 2), (4, 2, 0), (5, 0, 1)]
)
def test_the_translated_result_says_in_english_what_tally_stored(majority, quorum, votes):
    """The page re-words the stored result; in English the words are tally's, exactly."""
    for electorate in (1, 6, 9):
        count = tally.Count(electorate, *votes)
        stored = tally.decide(count, quorum[0], quorum[1], majority).explanation
        assert group_rules.outcome_words(count, quorum[0], quorum[1], majority) == stored


def test_the_privacy_refusals_are_worded_in_the_readers_language(app, monkeypatch):
    monkeypatch.setitem(app.config, "MIN_ELECTORATE", 10)
    with app.test_request_context(headers={"Accept-Language": "cy"}):
        with pytest.raises(privacy.ElectorateTooSmall) as refused:
            privacy.require_electorate(3, "the vote", "trigolion Glan-yr-afon")
        assert refused.value.message.startswith(
            "Dim ond 3 person sy\u2019n gymwys (trigolion Glan-yr-afon), felly ni all y "
            "bleidlais agor"
        )
        assert privacy.ballots_withheld_words(4).startswith("Dim ond 4 papur pleidleisio")
    with app.test_request_context(), in_language("en"):
        assert privacy.ballots_withheld_words(4) == privacy.withheld_reason(4)
        assert privacy.ballots_withheld_words(1) == privacy.withheld_reason(1)


def test_a_moderators_form_speaks_welsh_labels_and_errors(client):
    moderator = ModeratorFactory()
    AreaFactory()
    db.session.commit()
    _welsh(client)
    login(client, moderator)
    sent = post_form(client, "/budgets/new", {"title": "Glan-yr-afon 2027"})
    html = sent.get_data(as_text=True)
    assert sent.status_code == 422
    assert "Syniadau\u2019n agor" in html  # a date's label
    assert "Rhowch y dyddiad y mae syniadau\u2019n agor" in html  # its missing message
    assert "Ideas open" not in html and "Enter the date ideas open" not in html
