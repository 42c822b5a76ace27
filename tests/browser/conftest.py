"""Fixtures for browser tests: a real server on a real (file) SQLite database, and Chromium.

The rest of the suite runs inside rolled-back transactions on an in-memory database (see
tests/conftest.py). A browser needs a server in another thread that commits for real, so
these tests get their own `create_app()` instance, migrated from scratch into a temporary
file, with the people, areas, letter codes, comments, budget rounds, proposals and
consultations they use made through the services.

Debian's Chromium is launched (Playwright's own browser download does not work here); every
test in this directory is skipped, with the reason, when it is not installed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from civic import create_app
from civic.accounts import codes as code_format
from civic.accounts import services
from civic.accounts.models import Role, utcnow
from civic.budgets import services as budgets
from civic.budgets.models import BallotKind, Phase
from civic.consultations import services as consultations
from civic.consultations.models import Audience, Consultation, QuestionKind
from civic.discussions import services as discussions
from civic.discussions.models import Comment
from civic.extensions import db
from civic.votes import services as votes
from civic.votes.models import Proposal, ProposalKind
from tests.votes.helpers import complete_case

CHROMIUM = Path("/usr/bin/chromium")
SKIP_REASON = f"chromium not installed at {CHROMIUM}: browser tests skipped"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HERE = Path(__file__).resolve().parent

PASSWORD = "Lantern-orchard-Velvet-77"
AREA_NAME = "Hyde Park and Woodhouse"
SECOND_AREA_NAME = "Little London"


@dataclass(frozen=True)
class Person:
    """Someone made by the fixture; every account has PASSWORD."""

    email: str
    name: str


MODERATOR = Person("moderator@example.org", "Morgan Moderator")
ADMIN = Person("admin@example.org", "Alex Administrator")  # edits the site pages (legal)
NEIGHBOUR = Person("neighbour@example.org", "Nia Neighbour")  # eligible in both areas
# Registered with a letter code of the first area; an officer enters a paper consultation
# form for them by that code (test_paper_browser), and they see it
PAPER_RESIDENT = Person("pat.paper@example.org", "Pat Paperwork")
# Residents of the first area who sign in to the discussion tests (each at most once).
POSTER = Person("poster@example.org", "Ada Poster")
REPORTER = Person("reporter@example.org", "Bo Reporter")
PLAIN = Person("plain@example.org", "Noor Plaintext")
# Eligible in the second area; the name is itself a payload (it must show as text).
XSS_AUTHOR = Person("xan@example.org", "Xan <img src=x onerror=alert(2)>")

# Posted (through the service) in the second area's thread; none may run in a browser.
XSS_PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "<svg/onload=alert(1)>",
    '<a href="javascript:alert(1)">y</a>',
    '![x](x" onerror="alert(1))',
    "<script>alert(1)</script> [c](JaVaScRiPt:alert(1)) [e](javascript&#58;alert(1))",
    "[r][1]\n\n[1]: javascript:alert(1)",
    '[the areas](/accounts/areas "t\\" onmouseover=\\"alert(1)")',
    '[back to the list](#comments-list "a<b>") <details open ontoggle=alert(1)>',
]
# A reply (by the moderator, to the third payload, by XSS_AUTHOR) that is also a payload.
XSS_REPLY = "[d](data:text/html,<script>alert(1)</script>) <iframe src=javascript:alert(1)>"

# Community budgets, both in the first area with a £1,000 budget and approval ballots.
# VOTER (a resident of the first area) has no ballot yet and signs in to the budget tests.
VOTER = Person("voter@example.org", "Vic Voter")
BUDGET_AMOUNT = 1000  # pounds
VOTING_ROUND = "hyde-park-2026"  # in its voting phase, chosen "within the budget"
VOTING_PROJECTS = [  # (title, cost in pounds), in ballot order
    ("Lights on the Woodhouse Moor paths", 400),
    ("Benches by the bowling green", 300),
    ("Planters on Hyde Park Road", 300),
    ("Repaint the Raglan Road mural", 500),
]
RESULTS_ROUND = "hyde-park-2025"  # voted on and counted with the Method of Equal Shares
RESULTS_PROJECTS = [
    ("Community fridge at the library", 600),
    ("Skate ramp repairs", 300),
    ("Bat boxes on Woodhouse Ridge", 100),
    ("Book swap shelves", 200),
]

# Public votes on outsourcing, both in the first area with tests.votes.helpers' complete case
# (in-house 70/60/80, private 90/55/30, weights 40/30/30; every standard met), a 20% quorum,
# a simple majority and the running tally hidden. Their consultations ended a day ago.
VOTING_PROPOSAL = "Outsource the Woodhouse leisure centre"  # voting, closes in 7 days
CONSULTATION_PROPOSAL = "Outsource the Hyde Park library cleaning"  # its vote can open now
PROPOSAL_QUORUM = 20  # percent

# Consultations in the first area, for its eligible residents, with one question of each kind
# (kind, text, options, required, most choices). OPEN_CONSULTATION opened yesterday and closes
# in 20 days, with no responses; CLOSED_CONSULTATION closed (by date) with CLOSED_RESPONSES
# submitted by residents, VOTER's among them, and no published reply yet.
OPEN_CONSULTATION = "Bin collections in Hyde Park"
OPEN_QUESTIONS = [
    (
        QuestionKind.SINGLE,
        "How often should general waste be collected?",
        ["Weekly", "Fortnightly", "Every three weeks"],
        True,
        None,
    ),
    (
        QuestionKind.MULTIPLE,
        "Which extra bins would you use?",
        ["Food", "Glass", "Garden"],
        False,
        2,
    ),
    (QuestionKind.SCALE, "How well are your bins collected now?", [], False, None),
    (
        QuestionKind.RANKING,
        "Put these in order of importance",
        ["Cost", "Reliability", "Recycling"],
        False,
        None,
    ),
    (QuestionKind.FREE_TEXT, "Anything else we should know?", [], False, None),
]
CLOSED_CONSULTATION = "Woodhouse library opening hours"
CLOSED_QUESTIONS = [
    (
        QuestionKind.SINGLE,
        "When would you use the library most?",
        ["Mornings", "Evenings", "Weekends"],
        True,
        None,
    ),
    (
        QuestionKind.MULTIPLE,
        "What do you go there for?",
        ["Books", "Computers", "Events"],
        False,
        2,
    ),
    (QuestionKind.SCALE, "How good is the library now?", [], False, None),
    (QuestionKind.FREE_TEXT, "What would bring you in more often?", [], False, None),
]
# Answers in CLOSED_QUESTIONS order (option indexes as the form sends them; "" = no answer).
CLOSED_RESPONSES = {
    VOTER: ["1", ["0", "1"], "4", "Later opening on Thursdays."],
    NEIGHBOUR: ["1", ["0"], "3", ""],
    POSTER: ["2", ["2"], "5", "More events for children."],
}
# A draft consultation (free-text questions, in this order) for the builder's keyboard and
# failure tests: they reorder its questions, so no other test may rely on its order.
DRAFT_CONSULTATION = "Dog walking on Woodhouse Moor"
DRAFT_QUESTIONS = [
    "Where do you walk your dog?",
    "When is the moor busiest?",
    "What would make walking there better?",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip this directory's tests when there is no Chromium to drive.

    (A module-level pytest.skip() in a conftest crashes collection when the directory is
    named on the command line, so the tests are marked instead.)
    """
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if Path(item.path).resolve().is_relative_to(HERE):
            item.add_marker(skip)


@dataclass
class LiveSite:
    """The running server and what the fixture put in its database."""

    url: str
    area_name: str
    fresh_codes: list[str] = field(default_factory=list)  # unused, printable form
    used_code: str = ""  # already redeemed by another resident
    # Seeded comments, by role in the tests: name -> (comment id, text)
    comments: dict[str, tuple[int, str]] = field(default_factory=dict)
    # Seeded proposals: title -> proposal id
    proposals: dict[str, int] = field(default_factory=dict)
    # Seeded consultations: title -> consultation id
    consultations: dict[str, int] = field(default_factory=dict)
    # Seeded contracts (recall slice): reference -> contract id
    contracts: dict[str, int] = field(default_factory=dict)
    # PAPER_RESIDENT's letter code (redeemed by them), as printed
    paper_code: str = ""
    # The server's database file (accounts slice): tests read mailed links from its outbox
    database: Path | None = None

    def mail_link(self, email: str, kind: str) -> str:
        """The path of the newest `kind` link ("confirm-email", "reset-password") mailed to
        `email`, read from the outbox as a resident reads it from their inbox."""
        import re
        import sqlite3

        assert self.database is not None
        with sqlite3.connect(self.database) as connection:
            bodies = [
                body
                for (body,) in connection.execute(
                    "SELECT text_body FROM mail_outbox WHERE to_address = ? ORDER BY id DESC",
                    (email,),
                )
            ]
        pattern = re.compile(rf"https?://[^/\s]+(/accounts/{kind}/\S+)")
        for body in bodies:
            if found := pattern.search(body):
                return found.group(1)
        raise AssertionError(f"no {kind} link mailed to {email}")

    def take_code(self) -> str:
        """A code no other test has typed (each works once)."""
        return self.fresh_codes.pop()


@pytest.fixture(scope="session")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    database = tmp_path_factory.mktemp("browser") / "browser.db"
    # The rate limits stay on (the limiter is one object shared with the rest of the suite's
    # app). Sign-in allows 5 POSTs a minute from one address: each person signs in once per
    # session (conftest's `open_page`) and later tests reuse the cookies: the discussion
    # tests' 4 people and the budget tests' VOTER, 5 sign-ins in all (the consultation and
    # vote tests reuse MODERATOR and VOTER).
    #
    # Registering no longer signs anyone in (accounts slice): each new person confirms their
    # address and signs in, one more sign-in each, so the per-address limit is raised here
    # (the per-account limit stays on).
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SERVER_NAME": None,
            "LOGIN_ADDRESS_RATE_LIMIT": "60 per minute",
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # links built once and stored (frozen downloads) start with the site's own address
    app.config["SITE_URL"] = f"http://127.0.0.1:{server.server_port}"
    with app.app_context():
        upgrade()
        moderator = services.create_user(
            None, MODERATOR.email, MODERATOR.name, PASSWORD, Role.MODERATOR
        )
        services.create_user(None, ADMIN.email, ADMIN.name, PASSWORD, Role.ADMIN)
        area = services.create_area(
            None,  # areas are the administrators' (here: the operator's) job
            name=AREA_NAME,
            slug="hyde-park",
            kind="ward",
            postcode_districts="LS6",
            description="",
        )
        _batch, plain = services.generate_codes(moderator, area, count=5, valid_days=30)
        neighbour = services.create_user(
            None, NEIGHBOUR.email, NEIGHBOUR.name, PASSWORD, Role.RESIDENT
        )
        used = plain.pop()
        services.redeem_code(neighbour, used)
        comments = _seed_discussions(moderator, area, neighbour)
        _seed_budgets(moderator, area)
        _seed_group(moderator, area)
        proposals = _seed_proposals(moderator, area)
        seeded_consultations = _seed_consultations(moderator, area)
        seeded_contracts = _seed_contracts(moderator, area)
        _seed_notifications(neighbour)
        paper_code = _seed_paper_resident(moderator, area)
        db.session.commit()
        db.session.remove()

    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveSite(
            url=f"http://127.0.0.1:{server.server_port}",
            area_name=AREA_NAME,
            fresh_codes=[code_format.display(code) for code in plain],
            used_code=code_format.display(used),
            comments=comments,
            proposals=proposals,
            consultations=seeded_consultations,
            contracts=seeded_contracts,
            paper_code=paper_code,
            database=database,
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


def _seed_paper_resident(moderator, area) -> str:
    """PAPER_RESIDENT, registered with a letter code of their own batch; returns the code."""
    _batch, (code,) = services.generate_codes(moderator, area, count=1, valid_days=30)
    person = services.create_user(
        None, PAPER_RESIDENT.email, PAPER_RESIDENT.name, PASSWORD, Role.RESIDENT
    )
    services.redeem_code(person, code)
    return code_format.display(code)


def _seed_notifications(neighbour) -> None:
    """Inbox slice (issue 14): three unread notifications for NEIGHBOUR's list and count."""
    from civic.notifications import feed
    from civic.notifications.kinds import Kind

    for n, kind in enumerate((Kind.REPLY, Kind.OPENED, Kind.RESULT), start=1):
        feed.announce(
            kind, event=f"browser:{n}", title=f"Browser news {n}", url="/", to=[neighbour.id]
        )


# A published contract in the first area (recall slice): VOTER signs its recall petition.
RECALL_CONTRACT = "HP-2023-MEALS"
RECALL_CONTRACT_TITLE = "School meals, Hyde Park primary schools"


def _seed_contracts(moderator, area) -> dict[str, int]:
    from datetime import date

    from civic.contracts import services as contracts
    from civic.contracts.models import ProviderType

    provider = contracts.create_provider(moderator, "Hyde Park Catering Ltd", ProviderType.PRIVATE)
    contract = contracts.create_contract(
        moderator,
        contracts.ContractInput(
            reference=RECALL_CONTRACT,
            title=RECALL_CONTRACT_TITLE,
            service="School meals",
            area=area,
            provider=provider,
            annual_value=1_250_000_00,
            total_value=6_250_000_00,
            start_date=date(2023, 9, 1),
            end_date=date(2028, 8, 31),
            summary="Hot lunches at the ward's four primary schools.",
        ),
    )
    contracts.publish_contract(moderator, contract)
    return {RECALL_CONTRACT: contract.id}


def _seed_discussions(moderator, area, neighbour) -> dict[str, tuple[int, str]]:
    """The discussion tests' people and comments (its own codes: `fresh_codes` is untouched).

    post_comment allows each author 5 comments a minute, so the payloads are spread out.
    """
    _batch, codes = services.generate_codes(moderator, area, count=3, valid_days=30)
    residents = {}
    for person in (POSTER, REPORTER, PLAIN):
        user = services.create_user(None, person.email, person.name, PASSWORD, Role.RESIDENT)
        services.redeem_code(user, codes.pop())
        residents[person] = user
    second = services.create_area(
        None,
        name=SECOND_AREA_NAME,
        slug="little-london",
        kind="ward",
        postcode_districts="LS7",
        description="",
    )
    _batch, codes = services.generate_codes(moderator, second, count=2, valid_days=30)
    xan = services.create_user(None, XSS_AUTHOR.email, XSS_AUTHOR.name, PASSWORD, Role.RESIDENT)
    services.redeem_code(xan, codes.pop())
    services.redeem_code(neighbour, codes.pop())

    seeded = {}

    def post(key: str, author, slug: str, text: str, parent_id: int | None = None) -> None:
        comment = discussions.post_comment(author, "area", slug, text, parent_id)
        seeded[key] = (comment.id, text)

    post("neighbour", neighbour, "hyde-park", "The Woodhouse Moor paths need lighting.")
    post("to_report", residents[POSTER], "hyde-park", "Ring Sam at home on 0113 496 0000.")
    authors = [moderator, neighbour, xan]
    for n, payload in enumerate(XSS_PAYLOADS):
        post(f"xss{n}", authors[n % len(authors)], "little-london", payload)
    post("xss_reply", moderator, "little-london", XSS_REPLY, parent_id=seeded["xss2"][0])
    # a payload with a link, reported, so it is also on the moderation pages
    reported = db.session.get(Comment, seeded["xss7"][0])
    discussions.flag_comment(residents[REPORTER], reported, "spam", "")
    return seeded


GROUP_NAME = "Woodhouse Moor Friends"


def _seed_group(moderator, area) -> None:
    """A group the moderator manages (moderators manage every group), with one member who
    chose to be named and one who did not, for the group and invitation tests."""
    from civic.accounts import invitations
    from civic.accounts.models import GroupRole

    group = services.create_group(
        moderator, area=area, name=GROUP_NAME, slug="woodhouse-moor", description=""
    )
    for email, name, shown in (
        ("named@example.org", "Nell Named", True),
        ("quiet@example.org", "Quentin Quiet", False),
    ):
        person = services.create_user(None, email, name, PASSWORD, Role.RESIDENT)
        membership = services.add_member(moderator, group, person, GroupRole.MEMBER)
        invitations.set_name_shown(person, membership, shown)


def _seed_budgets(moderator, area) -> None:
    """VOTER, a round open for voting, and a round with results (ballots by the residents
    _seed_discussions made). Both run to the same dates: voting opened yesterday and closes
    in 10 days; the counted round was moved on to its results by hand."""
    _batch, codes = services.generate_codes(moderator, area, count=1, valid_days=30)
    voter = services.create_user(None, VOTER.email, VOTER.name, PASSWORD, Role.RESIDENT)
    services.redeem_code(voter, codes.pop())
    proposer = services.find_user_by_email(POSTER.email)
    now = utcnow()
    dates = [now + timedelta(days=days) for days in (-30, -20, -1, 10, 40)]

    def make_round(slug: str, title: str, rule: str, projects: list[tuple[str, int]]):
        round_ = budgets.create_round(
            moderator,
            area,
            budgets.RoundSettings(
                title=title,
                slug=slug,
                description=f"How should {AREA_NAME} spend £{BUDGET_AMOUNT:,}?",
                amount=BUDGET_AMOUNT * 100,
                currency="GBP",
                dates=dates,
                ballot_kind=BallotKind.APPROVAL,
                rule=rule,
            ),
        )
        made = [
            budgets.propose_project(
                proposer,
                round_,
                title=project_title,
                description=f"{project_title}, proposed by a resident.",
                cost_units=cost,
            )
            for project_title, cost in projects
        ]
        for project in made:
            budgets.review_project(moderator, project, feasible=True)
        budgets.advance_phase(moderator, round_, Phase.REVIEW)
        budgets.advance_phase(moderator, round_, Phase.VOTING)
        return round_, [project.id for project in made]

    make_round(VOTING_ROUND, "Hyde Park 2026", "greedy", VOTING_PROJECTS)
    counted, (fridge, ramp, bats, books) = make_round(
        RESULTS_ROUND, "Hyde Park 2025", "mes", RESULTS_PROJECTS
    )
    ballots = {
        POSTER: [fridge, bats],
        REPORTER: [fridge, books],
        PLAIN: [ramp, bats, books],
        NEIGHBOUR: [fridge, ramp],
    }
    for person, choice in ballots.items():
        resident = services.find_user_by_email(person.email)
        budgets.cast_ballot(resident, counted, [(project_id, 1) for project_id in choice])
    budgets.advance_phase(moderator, counted, Phase.RESULTS, reason="Counted early for the test")


def _seed_proposals(moderator, area) -> dict[str, int]:
    """VOTING_PROPOSAL, open for voting, and CONSULTATION_PROPOSAL, whose vote a moderator
    opens in the browser (as tests/votes/helpers.make_proposal does, through the services)."""
    made = {}
    for title, service in (
        (VOTING_PROPOSAL, "Woodhouse leisure centre"),
        (CONSULTATION_PROPOSAL, "Hyde Park library cleaning"),
    ):
        proposal = votes.create_proposal(moderator, area, ProposalKind.OUTSOURCING, title, service)
        complete_case(moderator, proposal)
        votes.set_vote_rules(
            moderator,
            proposal,
            quorum_percent=PROPOSAL_QUORUM,
            majority="simple",
            hide_tally=True,
        )
        votes.open_consultation(moderator, proposal, votes.min_consultation_days())
        proposal.consultation_from = utcnow() - timedelta(days=votes.min_consultation_days() + 1)
        made[title] = proposal.id
    voting = db.session.get(Proposal, made[VOTING_PROPOSAL])
    votes.open_voting(moderator, voting, utcnow() + timedelta(days=7))
    return made


def _seed_consultations(moderator, area) -> dict[str, int]:
    """OPEN_CONSULTATION and CLOSED_CONSULTATION (the latter's responses submitted while it
    was open, then closed by date, as the scheduled `tick` command does), and
    DRAFT_CONSULTATION, never opened."""
    now = utcnow()

    def make(title: str, service: str, questions: list, closes_at) -> Consultation:
        made = consultations.create_consultation(
            moderator,
            area,
            title=title,
            service=service,
            summary=f"How should **{service}** work in {AREA_NAME}?",
            documents="",
            audience=Audience.RESIDENTS,
            opens_at=now - timedelta(days=1),
            closes_at=closes_at,
        )
        for kind, text, options, required, max_choices in questions:
            consultations.add_question(
                moderator,
                made,
                kind=kind,
                text=text,
                options=options,
                required=required,
                max_choices=max_choices,
            )
        consultations.open_consultation(moderator, made)
        return made

    open_ = make(OPEN_CONSULTATION, "Waste collection", OPEN_QUESTIONS, now + timedelta(days=20))
    closed = make(CLOSED_CONSULTATION, "Libraries", CLOSED_QUESTIONS, now + timedelta(days=1))
    for person, answers in CLOSED_RESPONSES.items():
        resident = services.find_user_by_email(person.email)
        raw = {q.id: value for q, value in zip(closed.questions, answers, strict=True)}
        consultations.save_response(resident, closed, raw, submit=True)
    closed.closes_at = now - timedelta(minutes=1)
    assert consultations.close_due() == [f"consultation {closed.id}"]
    draft = consultations.create_consultation(
        moderator,
        area,
        title=DRAFT_CONSULTATION,
        service="Parks",
        summary="",
        documents="",
        audience=Audience.RESIDENTS,
        opens_at=now + timedelta(days=1),
        closes_at=now + timedelta(days=30),
    )
    for text in DRAFT_QUESTIONS:
        consultations.add_question(moderator, draft, kind=QuestionKind.FREE_TEXT, text=text)
    return {
        OPEN_CONSULTATION: open_.id,
        CLOSED_CONSULTATION: closed.id,
        DRAFT_CONSULTATION: draft.id,
    }


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(SKIP_REASON)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageProblems:
    """Console errors, uncaught exceptions and CSP violations seen by one page."""

    def __init__(self) -> None:
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []

    def attach(self, page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        # Reported by the browser as securitypolicyviolation events; the listener is added
        # by Playwright before any page script runs, so the policy does not block it.
        page.add_init_script(
            """
            window.__cspViolations = [];
            document.addEventListener("securitypolicyviolation", (event) => {
              window.__cspViolations.push(
                `${event.violatedDirective} blocked ${event.blockedURI || "inline"}` +
                ` at ${event.sourceFile}:${event.lineNumber}`
              );
            });
            """
        )

    def _on_console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def csp_violations(self, page) -> list[str]:
        return page.evaluate("window.__cspViolations || []")


@pytest.fixture
def problems() -> PageProblems:
    return PageProblems()


def _new_page(browser, problems: PageProblems, base_url: str, *, javascript: bool):
    context = browser.new_context(base_url=base_url, java_script_enabled=javascript)
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems.attach(page)
    return context, page


@pytest.fixture
def page(browser, live_site: LiveSite, problems: PageProblems) -> Iterator[object]:
    """A fresh browser context (no cookies) with JavaScript on, watched for problems."""
    context, new_page = _new_page(browser, problems, live_site.url, javascript=True)
    yield new_page
    context.close()


@pytest.fixture
def page_without_js(browser, live_site: LiveSite, problems: PageProblems) -> Iterator[object]:
    context, new_page = _new_page(browser, problems, live_site.url, javascript=False)
    yield new_page
    context.close()


OpenPage = Callable[..., object]


@pytest.fixture(scope="session")
def _cookies() -> dict[str, object]:
    """Signed-in storage state per email, for the whole run: each person signs in once."""
    return {}


@pytest.fixture
def open_page(
    browser, live_site: LiveSite, problems: PageProblems, _cookies: dict[str, object]
) -> Iterator[OpenPage]:
    """open_page(person=None, javascript=True): a new context's page, signed in as `person`.

    Sign-in allows 5 POSTs a minute from one address across the whole browser run, so the
    first call for a person signs in and later calls (in any module) reuse the cookies.
    """
    from playwright.sync_api import expect

    contexts = []

    def new_page(state: object | None, javascript: bool):
        context = browser.new_context(
            base_url=live_site.url, java_script_enabled=javascript, storage_state=state
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        problems.attach(page)
        return page

    def open_(person: Person | None = None, *, javascript: bool = True):
        if person is None:
            return new_page(None, javascript)
        if person.email not in _cookies:
            page = new_page(None, javascript)
            page.goto("/accounts/sign-in")
            page.get_by_label("Email address").fill(person.email)
            page.get_by_label("Password", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_text(f"Signed in as {person.name}")).to_be_visible()
            assert not problems.console_errors, f"signing in: {problems.console_errors}"
            assert not problems.csp_violations(page), "CSP violations while signing in"
            _cookies[person.email] = page.context.storage_state()
            return page
        return new_page(_cookies[person.email], javascript)

    yield open_
    for context in contexts:
        context.close()
