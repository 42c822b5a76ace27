"""Demo data for `make run`: a small borough with areas, groups, people and letters.

Everything is created through the service functions, so the demo's audit log is a real
one. Loading is idempotent: if the demo administrator exists, nothing is added again.
"""

from __future__ import annotations

import os

from flask import current_app

from civic import audit
from civic.accounts import services
from civic.accounts.codes import display
from civic.accounts.models import Group, GroupRole, Role

ADMIN = ("admin@civic.example", "Alex Morgan", "Riverside-Admin-Demo-26", Role.ADMIN)
MODERATOR = ("moderator@civic.example", "Rosa Patel", "Mod-Rosa-Riverside-26", Role.MODERATOR)
RESIDENT = ("resident@civic.example", "Sam Okafor", "resident-demo-password", Role.RESIDENT)
ORGANISER = ("organiser@civic.example", "Bridget Lowe", "organiser-demo-password", Role.RESIDENT)
NEIGHBOURS = [
    ("jamal.hussain@civic.example", "Jamal Hussain"),
    ("eileen.shaw@civic.example", "Eileen Shaw"),
    ("tomasz.nowak@civic.example", "Tomasz Nowak"),
    ("grace.adeyemi@civic.example", "Grace Adeyemi"),
]
NEIGHBOUR_PASSWORD = "neighbour-demo-password"
# More residents, so every vote, round and consultation the demo opens has at least
# MIN_ELECTORATE (10) people who can take part: a smaller electorate is refused, because a
# published count could tell how each of them voted.
RIVERSIDE_RESIDENTS = [
    "Aisha Begum",
    "Callum Reid",
    "Dorota Kowalska",
    "Femi Adebayo",
    "Hannah Price",
    "Imran Sheikh",
    "Kath Lister",
    "Liam Doyle",
    "Mei Chen",
    "Nia Roberts",
]
NORTHGATE_RESIDENTS = [
    "Owen Hughes",
    "Priya Nair",
    "Ruth Abbott",
    "Stefan Popescu",
    "Tariq Mahmood",
    "Una Fitzgerald",
    "Victor Osei",
    "Wendy Clarke",
    "Yusuf Ali",
    "Zoe Marsh",
]


# the demo's main proposal and consultation (a later step gives them Welsh versions)
MAIN_PROPOSAL = "Outsource the Riverside leisure centre to a leisure trust or company"
MAIN_CONSULTATION = "Riverside leisure centre: what matters to you?"


def _demo_email(name: str) -> str:
    return name.lower().replace(" ", ".") + "@civic.example"


AREAS = [
    {
        "name": "Riverside Ward",
        "slug": "riverside",
        "kind": "ward",
        "postcode_districts": "LS11 LS12",
        "description": "The wards along the river: Holbeck, the Millbrook estate and the old "
        "mill streets. Home to the Riverside leisure centre and Holbeck library.",
    },
    {
        "name": "Northgate Ward",
        "slug": "northgate",
        "kind": "ward",
        "postcode_districts": "LS6 LS16",
        "description": "Terraces, student housing and the Northgate park; bin collections "
        "and street cleaning here were contracted out in 2019.",
    },
    {
        "name": "Millbrook Estate",
        "slug": "millbrook",
        "kind": "estate",
        "postcode_districts": "LS12",
        "description": "A council estate of 1,100 homes run with its tenants' association.",
    },
]

DEFAULT_SITE = "http://127.0.0.1:5000"

ACCOUNTS_TEXT = """Demo accounts (sign in at {site}/accounts/sign-in):
  admin       admin@civic.example       Riverside-Admin-Demo-26
  moderator   moderator@civic.example   Mod-Rosa-Riverside-26
  resident    resident@civic.example    resident-demo-password   (can vote in Riverside Ward;
              an invitation to join Millbrook TRA waits under Invitations)
  organiser   organiser@civic.example   organiser-demo-password  (organises Millbrook TRA)
  neighbour   jamal.hussain@civic.example neighbour-demo-password (a paper ballot was entered
              for him in Riverside 2027: he sees it on the ballot page and can contest it)
  neighbour   grace.adeyemi@civic.example neighbour-demo-password (voted in the counted
              Northgate Park round and the closed library vote: her receipts are on their pages)
  pending     priya.pending@civic.example neighbour-demo-password (has not confirmed her email
              address: the link is in the mail folder, instance/mail/)
  cymraeg     gwen.morgan@civic.example neighbour-demo-password (reads Civic in Welsh: her
              notifications and their mail, in instance/mail/, are in Welsh)
  in Welsh    nia.pritchard@civic.example neighbour-demo-password (chose Cymraeg: every page
              she opens, and her mail, is in Welsh; try a letter code below as her)"""


def _codes_file():
    from pathlib import Path

    return Path(current_app.instance_path) / "demo-codes.txt"


def load() -> str:
    """Create each part of the demo once; return what to tell the person running `make run`."""
    loaded = [name for name, step in STEPS if step()]
    # the demo's votes, ballots and responses reach the public log as `civic tick` would
    # release them: one shuffled batch, stamped with the hour
    audit.release_due()
    # and a first signed checkpoint, so /audit/checkpoints and witnesses have one to show
    audit.make_checkpoint("seed")
    status = f"Demo data loaded: {', '.join(loaded)}." if loaded else "Demo data already loaded."
    return (
        status
        + "\n"
        + ACCOUNTS_TEXT.format(site=site())
        + _try_now_text()
        + _recall_text()
        + _receipts_text()
        + _unused_codes_text()
        + _stakeholders_text()
        + _paper_code_text()
    )


def site() -> str:
    """Where the demo is served, for the addresses the seed prints: `make run PORT=8000`
    passes CIVIC_DEMO_URL, so they follow the port."""
    return os.environ.get("CIVIC_DEMO_URL", "").strip().rstrip("/") or DEFAULT_SITE


def _user(email: str):
    user = services.find_user_by_email(email)
    assert user is not None, f"demo account {email} missing"
    return user


def _accounts_and_areas() -> bool:
    if services.find_user_by_email(ADMIN[0]) is not None:
        return False
    email, name, password, role = ADMIN
    admin = services.create_user(None, email, name, password, role)
    people = {}
    for email, name, password, role in (MODERATOR, RESIDENT, ORGANISER):
        people[email] = services.create_user(admin, email, name, password, role)
    for email, name in NEIGHBOURS:
        people[email] = services.register(email, name, NEIGHBOUR_PASSWORD, confirmed=True)
    moderator = people[MODERATOR[0]]

    areas = {spec["slug"]: services.create_area(admin, **spec) for spec in AREAS}

    tra = services.create_group(
        moderator,
        area=areas["millbrook"],
        name="Millbrook Tenants and Residents Association",
        slug="millbrook-tra",
        description="Runs the estate's community chest and the summer fun day.",
        organiser=people[ORGANISER[0]],
    )
    for email, _ in NEIGHBOURS[:3]:
        services.add_member(moderator, tra, people[email], GroupRole.MEMBER)
    park = services.create_group(
        moderator,
        area=areas["northgate"],
        name="Friends of Northgate Park",
        slug="friends-of-northgate-park",
        description="Volunteers who look after the park and its bowling green.",
        organiser=people[NEIGHBOURS[3][0]],
    )
    services.add_member(moderator, park, people[NEIGHBOURS[1][0]], GroupRole.MEMBER)

    _, riverside_codes = services.generate_codes(
        moderator, areas["riverside"], count=40, valid_days=120, note="Holbeck streets, phase 1"
    )
    services.redeem_code(people[RESIDENT[0]], riverside_codes[0])
    services.redeem_code(people[NEIGHBOURS[0][0]], riverside_codes[1])
    _, northgate_codes = services.generate_codes(
        moderator, areas["northgate"], count=25, valid_days=90, note="Northgate terraces"
    )
    # codes 2-4 (Riverside) and 0-2 (Northgate) are left for whoever runs the demo
    for names, codes in (
        (RIVERSIDE_RESIDENTS, riverside_codes[5:]),
        (NORTHGATE_RESIDENTS, northgate_codes[3:]),
    ):
        for name, code in zip(names, codes, strict=False):
            person = services.register(_demo_email(name), name, NEIGHBOUR_PASSWORD, confirmed=True)
            services.redeem_code(person, code)
    services.confirm_eligibility(
        moderator, people[NEIGHBOURS[3][0]], areas["northgate"], "Tenancy agreement seen at library"
    )
    for email in [ORGANISER[0]] + [email for email, _ in NEIGHBOURS[:3]]:
        services.confirm_eligibility(
            moderator, people[email], areas["millbrook"], "On the TRA's tenancy list"
        )

    unused = [display(c) for c in riverside_codes[2:5]] + [display(c) for c in northgate_codes[:3]]
    path = _codes_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(unused) + "\n")
    return True


def _discussions() -> bool:
    from civic.discussions import services as talk

    if talk.find_thread("area", "riverside") is not None:
        return False
    sam, jamal = _user(RESIDENT[0]), _user(NEIGHBOURS[0][0])
    rosa, bridget = _user(MODERATOR[0]), _user(ORGANISER[0])
    eileen, tomasz = _user(NEIGHBOURS[1][0]), _user(NEIGHBOURS[2][0])

    def say(who, text, parent=None, subject=("area", "riverside")):
        return talk.post_comment(who, *subject, text, parent.id if parent else None)

    pool = say(
        sam,
        "The **Riverside leisure centre** pool has been closed three Saturdays this month. "
        "Does anyone know whether that is staffing or the boiler again?",
    )
    answer = say(
        jamal,
        "Staffing. The contractor cut the lifeguard rota in March: the council's own "
        "[performance report](https://example.org/riverside-kpis) shows it.",
        pool,
    )
    say(sam, "Thanks. Then it belongs in the consultation on the leisure contract.", answer)
    say(
        rosa,
        "Moderator here: the council will publish the contract's KPIs on Civic before the "
        "vote, so everyone can check them.",
        answer,
    )
    bins = say(
        jamal,
        "Bin collections on Holbeck Moor Road were missed twice in October. Is it only us?",
    )
    say(sam, "Same on Top Moor Side. Reported both times.", bins)
    rude = say(
        jamal,
        "Whoever runs the depot should be named and shamed: he lives at 14 Elm Row.",
    )
    talk.flag_comment(sam, rude, "personal_data")
    talk.hide_comment(rosa, rude, "Shares someone's home address")
    spam = say(sam, "Cheap flights!!! click here [now](https://example.com/deal)")
    talk.flag_comment(jamal, spam, "spam")

    fun_day = say(
        bridget,
        "Planning for the **summer fun day** starts next week. Ideas for stalls welcome:\n\n"
        "- bouncy castle (again?)\n- plant swap\n- repair café",
        subject=("group", "millbrook-tra"),
    )
    say(
        eileen,
        "A repair café would be brilliant. I can bring my sewing machine.",
        fun_day,
        subject=("group", "millbrook-tra"),
    )
    say(tomasz, "I can run the plant swap.", fun_day, subject=("group", "millbrook-tra"))
    return True


def _budgets() -> bool:
    from datetime import timedelta
    from pathlib import Path

    from civic.accounts.models import Area, utcnow
    from civic.budgets import services as budgets
    from civic.budgets.models import BallotKind, Phase
    from civic.budgets.pabulib import parse_file
    from civic.budgets.pabulib_io import import_round
    from civic.extensions import db
    from civic.paper import services as paper

    if db.session.scalar(db.select(Area).where(Area.slug == "assen")) is not None:
        return False
    rosa, sam, jamal = _user(MODERATOR[0]), _user(RESIDENT[0]), _user(NEIGHBOURS[0][0])
    bridget, eileen, tomasz = (
        _user(ORGANISER[0]),
        _user(NEIGHBOURS[1][0]),
        _user(NEIGHBOURS[2][0]),
    )
    riverside = db.session.scalar(db.select(Area).where(Area.slug == "riverside"))

    # 1. a real round, imported: the results page as Assen published it
    assen = services.create_area(
        None,
        name="Assen (Netherlands), example",
        slug="assen",
        kind="neighbourhood",
        postcode_districts="",
        description="Real data from Assen's 2024 youth budget, imported from Pabulib, to show "
        "a finished round with its results computed by the Method of Equal Shares.",
    )
    pb = parse_file(Path(__file__).parent / "data" / "Netherlands_Assen_2024.pb")
    import_round(pb, assen, slug="assen-top-idee-2024")

    # 2. Riverside's own round, open for voting
    now = utcnow()
    days = [now - timedelta(days=d) for d in (40, 20, 2)] + [
        now + timedelta(days=d) for d in (19, 60)
    ]
    round_ = budgets.create_round(
        rosa,
        riverside,
        budgets.RoundSettings(
            title="Riverside community budget 2027",
            slug="riverside-2027",
            description="£50,000 from the ward's share of the Community Infrastructure Levy, "
            "for projects residents propose and choose.",
            amount=50_000 * 100,
            currency="GBP",
            dates=days,
            ballot_kind=BallotKind.APPROVAL,
            rule="mes-add1",
        ),
    )
    ideas = [
        (
            sam,
            "Resurface the Holbeck Moor play area",
            18_000,
            "Parks",
            "The safety surface is worn through under the swings and the council has fenced off "
            "the climbing frame. New wet-pour surfacing for the whole play area.",
        ),
        (
            jamal,
            "Street trees on Top Moor Side",
            9_500,
            "Streets",
            "Twelve street trees with guards and three years of watering, on the side of the road "
            "with no shade at the bus stops.",
        ),
        (
            sam,
            "Repair café kit for Holbeck library",
            3_200,
            "Community",
            "Tools, a sewing machine and PAT testing kit for a monthly repair café.",
        ),
        (
            jamal,
            "Youth football coaching for a year",
            12_000,
            "Youth",
            "Two qualified coaches twice a week on the Moor, free for under-16s.",
        ),
        (
            sam,
            "Lighting along the riverside path",
            22_000,
            "Streets",
            "Eight solar lamps on the unlit stretch between the footbridge and the lock.",
        ),
        (
            jamal,
            "Community fridge at St Matthew's",
            4_800,
            "Community",
            "A fridge, hygiene training and a year's running costs to share surplus food.",
        ),
        (
            sam,
            "Reopen the Water Lane lido for a summer",
            45_000,
            "Leisure",
            "Lifeguards, cleaning and a summer season at the old lido.",
        ),
    ]
    # the dates already say "voting"; the stored phase moves on only when a moderator
    # (or `flask civic budgets advance`) moves it, so ideas can still be proposed here
    projects = [
        budgets.propose_project(who, round_, title=t, description=d, cost_units=c, category=cat)
        for who, t, c, cat, d in ideas
    ]
    budgets.advance_phase(rosa, round_, Phase.REVIEW)
    for project in projects[:-1]:
        if project.title.startswith("Lighting"):
            budgets.review_project(
                rosa,
                project,
                feasible=True,
                cost_units=24_500,
                cost_note="Highways' quote includes the ducting",
            )
        else:
            budgets.review_project(rosa, project, feasible=True)
    budgets.review_project(
        rosa,
        projects[-1],
        feasible=False,
        reason="The lido failed its structural survey in 2025, so it cannot open this summer; "
        "its future is part of the leisure centre consultation.",
    )
    budgets.advance_phase(rosa, round_, Phase.VOTING)
    budgets.cast_ballot(
        sam, round_, [(projects[0].id, 1), (projects[2].id, 1), (projects[5].id, 1)]
    )
    # Rosa printed 40 numbered ballot papers for the library drop-in (B<id>-0001 to 0040);
    # Jamal filled in paper 7 there and she entered it for him, so when he signs in the
    # ballot page shows him its number and what was entered, and lets him contest it
    paper.issue_papers(rosa, round_, 40)
    budgets.cast_ballot(
        rosa,
        round_,
        [(projects[1].id, 1), (projects[3].id, 1), (projects[5].id, 1)],
        voter=jamal,
        paper_number="7",
    )

    # 3. a neighbourhood group's own budget, still collecting ideas
    tra = db.session.scalar(db.select(Group).where(Group.slug == "millbrook-tra"))
    group_round = budgets.create_round(
        bridget,
        tra.area,
        budgets.RoundSettings(
            title="Millbrook community chest 2027",
            slug=GROUP_ROUND,
            description="The TRA's £5,000 community chest: share out 10 points each.",
            amount=5_000 * 100,
            currency="GBP",
            dates=[now - timedelta(days=3)] + [now + timedelta(days=d) for d in (14, 28, 42, 70)],
            ballot_kind=BallotKind.CUMULATIVE,
            rule="greedy",
            points=10,
            max_points_per_project=5,
        ),
        group=tra,
    )
    budgets.propose_project(
        eileen,
        group_round,
        title="Summer fun day",
        cost_units=1_800,
        description="Bouncy castle, plant swap and a repair café.",
        category="Events",
    )
    budgets.propose_project(
        tomasz,
        group_round,
        title="Raised beds behind Block C",
        cost_units=2_400,
        description="Six raised beds and a water butt.",
        category="Green spaces",
    )
    return True


def _public_votes() -> bool:
    from datetime import timedelta

    from civic import clock
    from civic.accounts.models import Area, utcnow
    from civic.extensions import db
    from civic.votes import services as votes
    from civic.votes.models import OptionKind, Proposal, ProposalKind, Standard

    if db.session.scalar(db.select(Proposal.id).limit(1)) is not None:
        return False
    rosa = _user(MODERATOR[0])
    riverside = db.session.scalar(db.select(Area).where(Area.slug == "riverside"))
    northgate = db.session.scalar(db.select(Area).where(Area.slug == "northgate"))

    # 1. in consultation: the leisure centre contract
    leisure = votes.create_proposal(
        rosa,
        riverside,
        ProposalKind.OUTSOURCING,
        MAIN_PROPOSAL,
        "Riverside leisure centre (pool, gym, sports hall)",
    )
    votes.update_case(
        rosa,
        leisure,
        current_provision="Run by the council's own leisure team: 38 staff, open 6am to 10pm.",
        current_cost=1_240_000 * 100,
        current_performance="Pool closed on 14 days last year, mostly for lack of lifeguards; "
        "visits 212,000 a year, down 6%. Resident satisfaction 71%.",
        public_interest_case="The building needs £2.1m of repairs over five years that the "
        "council's capital budget cannot cover. Officers say a partner could borrow for them "
        "and run the centre for £150,000 a year less.",
        inhouse_bid=True,
        inhouse_bid_summary="The leisure team bid £1.18m a year, with a lifeguard training "
        "scheme for local young people and a phased repair plan funded by prudential borrowing.",
        # the council's climate emergency declaration: a duty to decarbonise, weighed openly
        weight_cost=35,
        weight_quality=25,
        weight_social=25,
        weight_carbon=15,
    )
    votes.set_options(
        rosa,
        leisure,
        [
            votes.OptionInput(
                OptionKind.IN_HOUSE,
                "Riverside leisure team",
                1_180_000 * 100,
                70,
                72,
                85,
                "Keeps staff on council terms and the concession prices. Carbon: the pool's "
                "gas boilers replaced by air-source heat pumps with the public sector "
                "decarbonisation grant.",
                carbon_score=80,
            ),
            votes.OptionInput(
                OptionKind.COOPERATIVE,
                "Riverside Community Leisure (staff mutual)",
                1_120_000 * 100,
                78,
                70,
                80,
                carbon_score=70,
            ),
            votes.OptionInput(
                OptionKind.SOCIAL_ENTERPRISE,
                "Active North Trust",
                1_110_000 * 100,
                80,
                68,
                70,
                carbon_score=65,
            ),
            votes.OptionInput(
                OptionKind.PRIVATE,
                "FitLeisure Ltd",
                1_090_000 * 100,
                85,
                60,
                35,
                "Would cut opening hours on Sundays. Keeps the gas boilers to 2030.",
                carbon_score=35,
            ),
        ],
    )
    notes = {
        Standard.UNION_RECOGNITION: (
            "yes",
            "Required of every bidder: FitLeisure Ltd, which recognises no union today, "
            "would have to recognise Unison and GMB.",
        ),
        Standard.FREEDOM_OF_INFORMATION: ("yes", "Written into the contract for every bidder."),
        Standard.TIME_LIMITED: ("yes", "Ten years, ending 31 March 2037."),
    }
    votes.answer_standards(rosa, leisure, {s.value: notes.get(s, ("yes", "")) for s in Standard})
    votes.add_document(
        rosa,
        leisure,
        "Contract summary (draft)",
        "",
        "Ten-year concession; the council keeps the building; the partner "
        "takes the repair risk; concession prices fixed at today's level plus CPI.",
    )
    votes.set_vote_rules(rosa, leisure, quorum_percent=20, majority="simple")
    votes.open_consultation(rosa, leisure, 28)

    # 2. decided: selling Northgate's old library building
    library = votes.create_proposal(
        rosa,
        northgate,
        ProposalKind.DISPOSAL,
        "Sell the old Northgate library building",
        "Northgate Carnegie library building",
    )
    votes.update_case(
        rosa,
        library,
        current_provision="Empty since the library moved into the community hub in 2023.",
        current_cost=38_000 * 100,
        current_performance="Security and heating costs only; the building is listed Grade II.",
        public_interest_case="A developer offered £640,000 to convert it into flats.",
        inhouse_bid=False,
        no_bid_reason="No council service needs the building; a community asset transfer was "
        "offered to the Friends of Northgate Park, who asked for more time.",
        asset_value=640_000 * 100,
        asset_new_owner="Northgate Living Ltd (developer)",
        weight_cost=25,
        weight_quality=25,
        weight_social=35,
        weight_carbon=15,
    )
    # what each option costs the council a year (after rent, grants or the sale proceeds)
    votes.set_options(
        rosa,
        library,
        [
            votes.OptionInput(
                OptionKind.IN_HOUSE,
                "Northgate council (reopened as a library and meeting rooms)",
                52_000 * 100,
                45,
                70,
                85,
                "Heating, repairs and a part-time caretaker; the roof needs £180,000 by 2028.",
                carbon_score=55,
            ),
            votes.OptionInput(
                OptionKind.COOPERATIVE,
                "Friends of Northgate Park (community asset transfer)",
                12_000 * 100,
                75,
                65,
                90,
                "A 99-year lease at a peppercorn rent; the Friends would raise the repair money "
                "with a community share offer and heritage grants.",
                carbon_score=70,
            ),
            votes.OptionInput(
                OptionKind.SOCIAL_ENTERPRISE,
                "Northgate Workspace CIC (lease as low-cost studios)",
                8_000 * 100,
                80,
                60,
                70,
                "Pays a market rent after three rent-free years; public room on the ground floor.",
                carbon_score=65,
            ),
            votes.OptionInput(
                OptionKind.PRIVATE,
                "Northgate Living Ltd (sale for conversion to flats)",
                0,
                95,
                50,
                15,
                "£640,000 once; no public access to the building after the sale. The "
                "conversion strips out the listed interior.",
                carbon_score=30,
            ),
        ],
    )
    votes.answer_standards(
        rosa,
        library,
        {s.value: ("not_applicable", "A sale, not a service contract") for s in Standard},
    )
    votes.set_vote_rules(rosa, library, quorum_percent=10, majority="simple")
    # its consultation ran last month: played back through the service, so the dates
    # stored and the dates in the log agree
    with clock.ago(timedelta(days=40)):
        votes.open_consultation(rosa, library, votes.min_consultation_days())
    votes.open_voting(rosa, library, utcnow() + timedelta(days=1))
    voters = [_user(NEIGHBOURS[3][0])] + [_user(_demo_email(n)) for n in NORTHGATE_RESIDENTS]
    for n, voter in enumerate(voters[:10]):
        votes.cast_vote(voter, library, "for" if n % 4 == 3 else "against")
    votes.close_vote(
        rosa,
        library,
        reason="The buyer's offer lapses before the published closing date, so the vote "
        "was counted early.",
    )
    votes.record_decision(
        rosa,
        library,
        "in_house",
        "Residents voted against the sale. The building stays in public hands and the council "
        "will reopen talks on a community asset transfer with the Friends of Northgate Park.",
    )

    # 3. voting now: street cleaning in Riverside (residents can vote as Sam Okafor)
    cleaning = votes.create_proposal(
        rosa,
        riverside,
        ProposalKind.OUTSOURCING,
        CLEANING_VOTE,
        "Street cleaning and litter picking, Riverside Ward",
    )
    votes.update_case(
        rosa,
        cleaning,
        current_provision="The council's street scene team: 9 staff and two sweepers.",
        current_cost=410_000 * 100,
        current_performance="94% of streets graded clean or better in the last survey.",
        public_interest_case="Both sweepers are due for replacement; a contractor would "
        "bring its own fleet.",
        inhouse_bid=True,
        inhouse_bid_summary="The street scene team bid £395,000 a year, leasing new sweepers.",
        weight_cost=35,
        weight_quality=25,
        weight_social=25,
        weight_carbon=15,
    )
    votes.set_options(
        rosa,
        cleaning,
        [
            votes.OptionInput(
                OptionKind.IN_HOUSE,
                "Street scene team",
                395_000 * 100,
                70,
                75,
                80,
                "Leases two electric sweepers.",
                carbon_score=85,
            ),
            votes.OptionInput(
                OptionKind.PRIVATE,
                "CleanWay Ltd",
                360_000 * 100,
                85,
                65,
                40,
                "Brings its own diesel fleet.",
                carbon_score=30,
            ),
        ],
    )
    votes.answer_standards(rosa, cleaning, {s.value: ("yes", "") for s in Standard})
    votes.set_vote_rules(rosa, cleaning, quorum_percent=25, majority="simple")
    with clock.ago(timedelta(days=votes.min_consultation_days() + 2)):  # as above
        votes.open_consultation(rosa, cleaning, votes.min_consultation_days())
    votes.open_voting(rosa, cleaning, utcnow() + timedelta(days=14))
    # eleven of twelve have voted: the page says "at least 10", not a running count
    for n, name in enumerate(["Jamal Hussain", *RIVERSIDE_RESIDENTS]):
        voter = _user(NEIGHBOURS[0][0]) if n == 0 else _user(_demo_email(name))
        votes.cast_vote(voter, cleaning, "against" if n % 3 else "for")
    return True


def _consultations() -> bool:
    from datetime import timedelta

    from civic.accounts.models import Area, utcnow
    from civic.consultations import services as consult
    from civic.consultations.models import Audience, Consultation, QuestionKind
    from civic.extensions import db

    if db.session.scalar(db.select(Consultation.id).limit(1)) is not None:
        return False
    rosa = _user(MODERATOR[0])
    riverside = db.session.scalar(db.select(Area).where(Area.slug == "riverside"))
    northgate = db.session.scalar(db.select(Area).where(Area.slug == "northgate"))
    now = utcnow()

    # 1. open: the leisure centre, while its outsourcing proposal is consulted on
    leisure = consult.create_consultation(
        rosa,
        riverside,
        title=MAIN_CONSULTATION,
        service="Leisure",
        summary="Before anyone votes on who runs the leisure centre, tell us what you use it "
        "for and what must not change. Your answers go to councillors with the proposal.",
        documents="[Leisure centre performance report 2025](https://example.org/leisure-kpis)",
        audience=Audience.RESIDENTS,
        opens_at=now - timedelta(days=3),
        closes_at=now + timedelta(days=25),
    )
    consult.add_question(
        rosa,
        leisure,
        kind=QuestionKind.MULTIPLE,
        text="What do you use?",
        options=["Pool", "Gym", "Sports hall", "Classes", "Café"],
        required=True,
    )
    consult.add_question(
        rosa, leisure, kind=QuestionKind.SCALE, text="How good is the centre today?", required=True
    )
    consult.add_question(
        rosa,
        leisure,
        kind=QuestionKind.RANKING,
        text="Rank what matters most",
        options=["Low prices", "Long opening hours", "Swimming lessons", "Staff on fair pay"],
    )
    consult.add_question(
        rosa, leisure, kind=QuestionKind.FREE_TEXT, text="What must not change, whoever runs it?"
    )
    consult.open_consultation(rosa, leisure)
    consult.save_response(
        _user(RESIDENT[0]),
        leisure,
        {
            leisure.questions[0].id: ["0", "3"],
            leisure.questions[1].id: "3",
            leisure.questions[2].id: ["0", "3", "2"],
            leisure.questions[3].id: "Concession prices for pensioners and the early swim.",
        },
        submit=True,
    )

    # 2. closed, with the council's published response
    bins = consult.create_consultation(
        rosa,
        northgate,
        title="Bin collections: weekly or fortnightly?",
        service="Waste and recycling",
        summary="The waste contract is up for renewal. Should general waste stay weekly?",
        documents="",
        audience=Audience.SIGNED_IN,
        opens_at=now - timedelta(days=40),
        closes_at=now + timedelta(days=1),
    )
    how_often = consult.add_question(
        rosa,
        bins,
        kind=QuestionKind.SINGLE,
        required=True,
        text="How often should general waste be collected?",
        options=["Weekly", "Fortnightly"],
    )
    rating = consult.add_question(
        rosa, bins, kind=QuestionKind.SCALE, text="How reliable are collections now?"
    )
    other = consult.add_question(
        rosa, bins, kind=QuestionKind.FREE_TEXT, text="Anything else about bins?"
    )
    consult.open_consultation(rosa, bins)
    answers = [
        (RESIDENT[0], "0", "2", "Missed twice in October on Holbeck Moor Road."),
        (NEIGHBOURS[0][0], "0", "1", "Foxes get into the bags if they wait two weeks."),
        (NEIGHBOURS[1][0], "1", "4", ""),
        (NEIGHBOURS[2][0], "0", "3", "Food waste must be weekly."),
        (NEIGHBOURS[3][0], "1", "4", "Fortnightly is fine if recycling is weekly."),
        (ORGANISER[0], "0", "2", "Flats need more bins, not fewer collections."),
    ]
    more = [
        ("0", "2", "I live at 22 Cardigan Road and my bin was left out for a week in May."),
        ("0", "3", "Weekly, please: the bags split in summer."),
        ("1", "4", ""),
        ("0", "1", "The driver on our round, Dave, throws the bins about."),
        ("0", "3", "Keep it weekly and collect the food waste too."),
        ("1", "5", "Fortnightly would be fine with a bigger bin."),
    ]
    answers += [
        (_demo_email(name), *rest) for name, rest in zip(NORTHGATE_RESIDENTS, more, strict=False)
    ]
    for email, often, rate, text in answers:
        consult.save_response(
            _user(email), bins, {how_often.id: often, rating.id: rate, other.id: text}, submit=True
        )
    consult.close_consultation(
        rosa,
        bins,
        reason="The collection contract review was brought forward; it needs these answers now.",
    )
    themes = {
        "Missed twice": ["Missed collections"],
        "I live at": ["Missed collections"],
        "Foxes": ["Foxes and split bags"],
        "Weekly, please": ["Foxes and split bags"],
        "Food waste": ["Weekly food waste"],
        "Keep it weekly": ["Weekly food waste"],
        "Fortnightly": ["Weekly recycling"],
        "Flats need": ["Bins for flats"],
        "The driver": ["Crews"],
    }
    # the moderator's redaction review: free text is published only once cleared
    redactions = {
        "I live at": "[Address removed] My bin was left out for a week in May.",
    }
    for item in consult.review_queue(rosa, bins):
        for start, names in themes.items():
            if item.text.startswith(start):
                consult.tag_answer(rosa, item.answer_id, names)
        if item.text.startswith("The driver"):  # names a member of staff
            consult.review_free_text(rosa, bins, item.answer_id, "withhold")
        elif redacted := next((r for k, r in redactions.items() if item.text.startswith(k)), ""):
            consult.review_free_text(rosa, bins, item.answer_id, "redact", redacted)
        else:
            consult.review_free_text(rosa, bins, item.answer_id, "publish")
    consult.publish_reply(
        rosa,
        bins,
        "**What we heard.** Eight in twelve of you want general waste collected weekly; many "
        "reported missed collections and problems with foxes and with bins for flats.\n\n"
        "**What we will do.** General waste stays weekly in the new contract. The contract will "
        "publish missed-collection figures every month, and we will add communal bins for "
        "the flats on Top Moor Side by March.",
    )
    return True


def _counted_round() -> bool:
    """A finished round of Civic's own, results frozen, with enough ballots (11) to be
    published by receipt: Grace Adeyemi changed her ballot once, so her first receipt shows
    as replaced and her second as counted."""
    from datetime import timedelta

    from civic import clock
    from civic.accounts.models import Area, utcnow
    from civic.budgets import services as budgets
    from civic.budgets.models import BallotKind, BudgetRound, Phase
    from civic.extensions import db

    if db.session.scalar(db.select(BudgetRound.id).where(BudgetRound.slug == PARK_ROUND)):
        return False
    rosa, grace = _user(MODERATOR[0]), _user(NEIGHBOURS[3][0])
    northgate = db.session.scalar(db.select(Area).where(Area.slug == "northgate"))
    # voting ended yesterday: the round is played two days back through the services, so
    # the move to results below is on schedule and needs no early reason
    with clock.ago(timedelta(days=2)):
        now = utcnow()
        days = [now - timedelta(days=d) for d in (60, 45, 20)] + [
            now + timedelta(days=d) for d in (1, 30)
        ]
        round_ = budgets.create_round(
            rosa,
            northgate,
            budgets.RoundSettings(
                title="Northgate Park small grants 2026",
                slug=PARK_ROUND,
                description="£20,000 for the park, chosen by Northgate residents.",
                amount=20_000 * 100,
                currency="GBP",
                dates=days,
                ballot_kind=BallotKind.APPROVAL,
                rule="mes-add1",
            ),
        )
        ideas = [
            (
                "New benches by the bowling green",
                6_000,
                "Six benches with arms, for older visitors.",
            ),
            ("Wildflower meadow on the east slope", 4_500, "Seed, a cut-and-collect mower visit."),
            ("Floodlights for the ball court", 12_000, "LED lights on a timer until 9pm."),
            ("Drinking fountain at the gates", 3_500, "A bottle-filling fountain, mains-fed."),
        ]
        projects = [
            budgets.propose_project(grace, round_, title=t, description=d, cost_units=c)
            for t, c, d in ideas
        ]
        budgets.advance_phase(rosa, round_, Phase.REVIEW)
        for project in projects:
            budgets.review_project(rosa, project, feasible=True)
        budgets.advance_phase(rosa, round_, Phase.VOTING)
        bench, meadow, lights, fountain = (p.id for p in projects)
        choices = [[bench, meadow], [lights], [bench, fountain], [meadow, fountain, bench]]
        budgets.cast_ballot(grace, round_, [(lights, 1)])
        budgets.cast_ballot(grace, round_, [(bench, 1), (meadow, 1)])  # a change of mind
        for n, name in enumerate(NORTHGATE_RESIDENTS):
            chosen = choices[n % len(choices)]
            budgets.cast_ballot(_user(_demo_email(name)), round_, [(p, 1) for p in chosen])
    budgets.advance_phase(rosa, round_, Phase.RESULTS)
    return True


PARK_ROUND = "northgate-park-2026"

# --- every journey open at once ---------------------------------------------------------
# After `make run` the resident can vote, cast a ballot and answer a consultation they have
# not answered yet, and the organiser can take the TRA's own round through to voting.

GROUP_ROUND = "millbrook-chest-2027"
CLEANING_VOTE = "Contract out street cleaning in Riverside"
LIBRARY_HOURS = "Holbeck library: when should it open?"
# Millbrook's electorate must reach MIN_ELECTORATE (10) for the TRA's round to open for
# voting; with Bridget and three neighbours these make eleven
MILLBROOK_RESIDENTS = [
    "Bernadette Walsh",
    "Chidi Okonkwo",
    "Darren Holt",
    "Esther Mensah",
    "Frank Booth",
    "Gulnaz Akhtar",
    "Harriet Nolan",
]


def _millbrook_residents() -> bool:
    """Enough eligible Millbrook residents for the organiser's round to reach voting."""
    if services.find_user_by_email(_demo_email(MILLBROOK_RESIDENTS[0])) is not None:
        return False
    rosa = _user(MODERATOR[0])
    millbrook = _area("millbrook")
    for name in MILLBROOK_RESIDENTS:
        person = services.register(_demo_email(name), name, NEIGHBOUR_PASSWORD, confirmed=True)
        services.confirm_eligibility(rosa, person, millbrook, "On the TRA's tenancy list")
    return True


def _library_hours_consultation() -> bool:
    """An open Riverside consultation the demo resident has not answered yet."""
    from datetime import timedelta

    from civic import clock
    from civic.consultations import services as consult
    from civic.consultations.models import Audience, Consultation, QuestionKind
    from civic.extensions import db

    if db.session.scalar(db.select(Consultation.id).where(Consultation.title == LIBRARY_HOURS)):
        return False
    rosa = _user(MODERATOR[0])
    now = clock.utcnow()
    hours = consult.create_consultation(
        rosa,
        _area("riverside"),
        title=LIBRARY_HOURS,
        service="Libraries",
        summary="Holbeck library opens 10am to 5pm on weekdays and Saturday mornings. The "
        "budget allows the same hours spread differently: tell us when you could come.",
        documents="",
        audience=Audience.RESIDENTS,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=27),
    )
    consult.add_question(
        rosa,
        hours,
        kind=QuestionKind.SINGLE,
        text="Which change would suit you best?",
        options=[
            "Open until 8pm on Tuesdays and Thursdays, closed Monday mornings",
            "Open on Sunday afternoons, closed Saturday mornings",
            "Keep the hours as they are",
        ],
        required=True,
    )
    consult.add_question(
        rosa,
        hours,
        kind=QuestionKind.FREE_TEXT,
        text="What would you use the library for if it were open when you could go?",
    )
    consult.open_consultation(rosa, hours)
    return True


def _area(slug: str):
    from civic.accounts.models import Area
    from civic.extensions import db

    area = db.session.scalar(db.select(Area).where(Area.slug == slug))
    assert area is not None, f"demo area {slug} missing"
    return area


def _try_now_text() -> str:
    """The journeys a newcomer can try straight away, with their addresses."""
    from civic.consultations.models import Consultation
    from civic.extensions import db
    from civic.votes.models import Proposal

    vote = db.session.scalar(db.select(Proposal.id).where(Proposal.title == CLEANING_VOTE))
    hours = db.session.scalar(db.select(Consultation.id).where(Consultation.title == LIBRARY_HOURS))
    if vote is None or hours is None:
        return ""
    at = site()
    return (
        f"\nTry at once, as the resident: vote at {at}/votes/{vote}/vote\n"
        f"  change your ballot at {at}/budgets/riverside-2027/ballot\n"
        f"  answer the library consultation at {at}/consultations/{hours}/respond\n"
        "As the organiser: take the Millbrook community chest on to review and voting at\n"
        f"  {at}/budgets/{GROUP_ROUND}"
    )


def _round_moved_early() -> bool:
    """A round moved on by hand before its published date, with the reason, so the demo
    shows honest dates everywhere: the library vote and the bins consultation closed early
    too (above). Its review was due in a week; enough ideas came in, so it began today."""
    from datetime import timedelta

    from civic.accounts.models import Area, utcnow
    from civic.budgets import services as budgets
    from civic.budgets.models import BallotKind, BudgetRound, Phase
    from civic.extensions import db

    if db.session.scalar(db.select(BudgetRound.id).where(BudgetRound.slug == EARLY_ROUND)):
        return False
    rosa = _user(MODERATOR[0])
    northgate = db.session.scalar(db.select(Area).where(Area.slug == "northgate"))
    now = utcnow()
    round_ = budgets.create_round(
        rosa,
        northgate,
        budgets.RoundSettings(
            title="Northgate street trees 2027",
            slug=EARLY_ROUND,
            description="£8,000 for trees on Northgate's streets, chosen by its residents.",
            amount=8_000 * 100,
            currency="GBP",
            dates=[now - timedelta(days=14)] + [now + timedelta(days=d) for d in (7, 21, 35, 60)],
            ballot_kind=BallotKind.APPROVAL,
            rule="greedy",
        ),
    )
    ideas = [
        ("Cherry trees on Station Road", 3_200, "Eight flowering cherries in tree pits."),
        ("Shade trees by the school gates", 2_400, "Four limes, with guards."),
    ]
    for (title, cost, text), name in zip(ideas, NORTHGATE_RESIDENTS, strict=False):
        budgets.propose_project(
            _user(_demo_email(name)), round_, title=title, description=text, cost_units=cost
        )
    budgets.advance_phase(
        rosa,
        round_,
        Phase.REVIEW,
        reason="The tree officer can only survey the sites next week, so review starts now.",
    )
    return True


EARLY_ROUND = "northgate-trees-2027"


def _withdrawn_ballot() -> bool:
    """In Riverside's round (voting): Mei Chen saved a ballot, withdrew it from her ballot
    page, and voted again with other choices; her withdrawn receipt is retired as such (a
    check of it says "withdrawn" once ballots are published) and the log holds her
    cast, withdrawal and second cast."""
    from civic.budgets import services as budgets
    from civic.budgets.models import BudgetRound
    from civic.extensions import db
    from civic.receipts.codes import WITHDRAWN, retired_codes

    round_ = db.session.scalar(db.select(BudgetRound).where(BudgetRound.slug == "riverside-2027"))
    if round_ is None or retired_codes(round_.audit_subject, WITHDRAWN):
        return False
    mei = _user(_demo_email("Mei Chen"))
    projects = budgets.ballot_projects(round_)
    if not budgets.voting_open(round_) or len(projects) < 3:
        return False
    budgets.cast_ballot(mei, round_, [(projects[0].id, 1), (projects[1].id, 1)])
    budgets.withdraw_ballot(mei, round_)
    budgets.cast_ballot(mei, round_, [(projects[2].id, 1)])
    return True


def _group_invitations() -> bool:
    """Millbrook TRA's organiser has invited the demo resident (who sees it under
    Invitations when signed in) and an address nobody has registered yet (shown to whoever
    creates an account with it); two members chose to have their names on the group page,
    Tomasz did not, so visitors see "4 members" and three names."""
    from civic.accounts import invitations
    from civic.accounts.models import GroupInvitation
    from civic.extensions import db

    if db.session.scalar(db.select(GroupInvitation.id).limit(1)) is not None:
        return False
    tra = db.session.scalar(db.select(Group).where(Group.slug == "millbrook-tra"))
    organiser = _user(ORGANISER[0])
    invitations.invite_member(organiser, tra, RESIDENT[0])
    invitations.invite_member(organiser, tra, "new.neighbour@civic.example")
    for email, _ in NEIGHBOURS[:2]:
        member = _user(email)
        membership = next(m for m in tra.memberships if m.user_id == member.id)
        invitations.set_name_shown(member, membership, True)
    return True


# The demo's contract register (issue 13). Other steps find these by reference.
DEMO_CONTRACTS = (
    # reference, title, service, area, provider, provider type, £ a year, years, start,
    # break clause, summary, terms that are not "yes"
    (
        "NG-2020-WASTE",
        "Household waste and recycling collection, Northgate",
        "Household waste and recycling collection",
        "northgate",
        "Greenline Environmental Ltd",
        "private",
        2_350_000,
        None,  # ends about six months from today: its review is due
        None,
        "Either side may end the contract on 12 months' notice after its third year.",
        "Weekly collection of household waste, fortnightly recycling and garden waste, "
        "and the Northgate recycling centre. Crews transferred from the council in 2020 "
        "under TUPE.",
        {"union_recognition": ("no", "Recognition was not a term when the contract was let.")},
    ),
    (
        "RIV-2022-MEALS",
        "School meals, Riverside primary schools",
        "School meals",
        "riverside",
        "Riverside Catering Services Ltd",
        "private",
        1_180_000,
        6,
        "2022-09-01",
        "The council may end the contract on six months' notice if the provider misses "
        "its nutrition targets in two quarters running.",
        "Hot lunches for the nine primary schools in Riverside Ward, about 2,400 meals a "
        "school day, cooked in each school's own kitchen.",
        {},
    ),
    (
        "MB-2023-REPAIRS",
        "Millbrook estate responsive repairs",
        "Housing repairs",
        "millbrook",
        "Millbrook Homes Co-operative",
        "cooperative",
        640_000,
        5,
        "2023-04-01",
        "The tenants' association may call for a review at any annual meeting.",
        "Emergency, urgent and routine repairs to the 412 homes on the Millbrook estate, "
        "run by a co-operative of tenants and repair staff.",
        {"time_limited": ("yes", "Five years, to 31 March 2028.")},
    ),
    (
        "NG-2024-PARKS",
        "Northgate Park grounds maintenance",
        "Parks and green spaces",
        "northgate",
        "Northgate Community Gardens CIC",
        "social_enterprise",
        185_000,
        4,
        "2024-04-01",
        "",
        "Grass cutting, planting, the play area inspections and the community orchard in "
        "Northgate Park, with volunteer days twice a month.",
        {"break_clause": ("not_applicable", "A four-year term with no break.")},
    ),
    (
        "RIV-2019-STREETS",
        "Street cleaning, Riverside",
        "Street cleaning",
        "riverside",
        "Council street scene team",
        "in_house",
        410_000,
        10,
        "2019-04-01",
        "",
        "Street cleaning and litter picking in Riverside Ward by the council's own street "
        "scene team, under a service-level agreement reviewed each year.",
        {"open_book": ("not_applicable", "In-house: the accounts are the council's own.")},
    ),
    (
        "RIV-2021-PARKING",
        "Parking enforcement, Riverside",
        "Parking enforcement",
        "riverside",
        "Riverside Parking Services Ltd",
        "council_company",
        520_000,
        7,
        "2021-07-01",
        "The council, as sole shareholder, may bring the service back in-house at any time.",
        "On-street parking enforcement and the pay-and-display machines, run by a company "
        "wholly owned by the council.",
        {},
    ),
)


def _contract_register() -> bool:
    """Published contracts of every provider type, one ending in six months."""
    from datetime import date, timedelta

    from civic.accounts.models import Area
    from civic.clock import utcnow
    from civic.contracts import services as contracts
    from civic.contracts.models import Contract, ProviderType
    from civic.extensions import db
    from civic.votes.models import Standard

    if db.session.scalar(db.select(Contract.id).limit(1)) is not None:
        return False
    rosa = _user(MODERATOR[0])
    today = utcnow().date()
    for row in DEMO_CONTRACTS:
        reference, title, service, area, provider_name, kind, a_year, years = row[:8]
        start_text, break_clause, summary, exceptions = row[8:]
        if start_text is None:  # the contract whose review is due
            end = today + timedelta(days=182)
            start = date(end.year - 7, end.month, 1)
        else:
            start = date.fromisoformat(start_text)
            end = date(start.year + years, start.month, 1) - timedelta(days=1)
        years_run = round((end - start).days / 365.25)
        provider = contracts.find_provider(provider_name) or contracts.create_provider(
            rosa, provider_name, ProviderType(kind)
        )
        terms = {s.value: ("yes", "") for s in Standard}
        terms.update(exceptions)
        contract = contracts.create_contract(
            rosa,
            contracts.ContractInput(
                reference=reference,
                title=title,
                service=service,
                area=db.session.scalar(db.select(Area).where(Area.slug == area)),
                provider=provider,
                annual_value=a_year * 100,
                total_value=a_year * 100 * years_run,
                start_date=start,
                end_date=end,
                break_clause=break_clause,
                summary=summary,
                terms=terms,
            ),
        )
        contracts.publish_contract(rosa, contract)
    return True


AMENDED_CONTRACT = "RIV-2021-PARKING"
VOTED_CONTRACT = "MB-2025-CAFE"


def _contract_amended() -> bool:
    """Two things the register's pages show: a contract changed after publication (its
    history has two versions, the first still visible) and a contract approved by a Civic
    vote, its proposal consulted on, voted for and decided through the services, linked
    both ways."""
    from datetime import date, timedelta

    from civic import clock
    from civic.contracts import services as contracts
    from civic.contracts.models import Contract, ProviderType
    from civic.extensions import db
    from civic.votes import services as votes
    from civic.votes.models import OptionKind, ProposalKind, Standard

    if db.session.scalar(db.select(Contract.id).where(Contract.reference == VOTED_CONTRACT)):
        return False
    parking = db.session.scalar(db.select(Contract).where(Contract.reference == AMENDED_CONTRACT))
    if parking is None:
        return False  # the register step did not run
    rosa = _user(MODERATOR[0])

    # 1. a published contract amended: the earlier version stays in its history
    change = contracts.as_input(parking)
    change.annual_value = 548_000 * 100
    change.total_value = parking.total_value + (548_000 - 520_000) * 100 * 4
    change.summary += (
        " From April 2025 it also enforces the new Riverside controlled parking zone, with "
        "two more civil enforcement officers."
    )
    contracts.update_contract(
        rosa,
        parking,
        change,
        "Varied at the annual review: the new controlled parking zone adds two officers, "
        "£28,000 a year from April 2025 to the end of the contract.",
    )

    # 2. a contract approved by a public vote of Millbrook's residents
    millbrook = _area("millbrook")
    with clock.ago(timedelta(days=75)):
        cafe = votes.create_proposal(
            rosa,
            millbrook,
            ProposalKind.OUTSOURCING,
            "Let the Millbrook community centre café to a social enterprise",
            "Millbrook community centre café",
        )
        votes.update_case(
            rosa,
            cafe,
            current_provision="Run by the council's catering team four days a week; closed "
            "at weekends and in school holidays.",
            current_cost=96_000 * 100,
            current_performance="About 60 covers a day; losing £31,000 a year.",
            public_interest_case="A local social enterprise would open it six days a week, "
            "train young people from the estate and pay the council a rent.",
            inhouse_bid=True,
            inhouse_bid_summary="The catering team bid £88,000 a year for the same four days.",
            weight_cost=25,
            weight_quality=25,
            weight_social=35,
            weight_carbon=15,
        )
        votes.set_options(
            rosa,
            cafe,
            [
                votes.OptionInput(
                    OptionKind.IN_HOUSE,
                    "Council catering team",
                    88_000 * 100,
                    55,
                    60,
                    60,
                    carbon_score=50,
                ),
                votes.OptionInput(
                    OptionKind.COOPERATIVE,
                    "Millbrook tenants' café co-operative (being formed)",
                    50_000 * 100,
                    75,
                    55,
                    80,
                    "Five days a week, run by volunteers with one paid manager.",
                    carbon_score=70,
                ),
                votes.OptionInput(
                    OptionKind.SOCIAL_ENTERPRISE,
                    "Millbrook Community Kitchen CIC",
                    42_000 * 100,
                    85,
                    70,
                    90,
                    "Six days a week; ten training places a year for local young people.",
                    carbon_score=75,
                ),
                votes.OptionInput(
                    OptionKind.PRIVATE,
                    "Brightside Catering Ltd",
                    39_000 * 100,
                    90,
                    60,
                    30,
                    "Six days a week with a franchise menu; no training places.",
                    carbon_score=35,
                ),
            ],
        )
        votes.answer_standards(rosa, cafe, {s.value: ("yes", "") for s in Standard})
        votes.set_vote_rules(rosa, cafe, quorum_percent=20, majority="simple")
        votes.open_consultation(rosa, cafe, votes.min_consultation_days())
    with clock.ago(timedelta(days=40)):
        votes.open_voting(rosa, cafe, clock.utcnow() + timedelta(days=14))
        for n, name in enumerate(MILLBROOK_RESIDENTS):
            votes.cast_vote(_user(_demo_email(name)), cafe, "against" if n == 2 else "for")
    with clock.ago(timedelta(days=24)):
        votes.close_vote(rosa, cafe, by_date=True)
        votes.record_decision(
            rosa,
            cafe,
            "proceed",
            "Residents voted for it and every minimum standard is met: the café is let to "
            "Millbrook Community Kitchen CIC for three years, with a break after the first.",
        )
    with clock.ago(timedelta(days=10)):
        kitchen = contracts.find_provider(
            "Millbrook Community Kitchen CIC"
        ) or contracts.create_provider(
            rosa, "Millbrook Community Kitchen CIC", ProviderType.SOCIAL_ENTERPRISE
        )
        # from the first day of next month
        start = (clock.utcnow().date().replace(day=1) + timedelta(days=32)).replace(day=1)
        contract = contracts.create_contract(
            rosa,
            contracts.ContractInput(
                reference=VOTED_CONTRACT,
                title="Millbrook community centre café",
                service="Community café",
                area=millbrook,
                provider=kitchen,
                annual_value=42_000 * 100,
                total_value=126_000 * 100,
                start_date=start,
                end_date=date(start.year + 3, start.month, 1) - timedelta(days=1),
                break_clause="Either side may end the contract on three months' notice after "
                "its first year.",
                summary="The café in the Millbrook community centre, open **six days a "
                "week**, with ten paid training places a year for young people from the "
                "estate. The council is paid a rent of £6,000 a year.",
                proposal=cafe,
                terms={s.value: ("yes", "") for s in Standard},
            ),
        )
        contracts.publish_contract(rosa, contract)
    return True


MEALS_KPI_CSV = """Quarter,KPI,Target,Actual,Met
2024-25 Q1,Meals served hot at the point of service (%),98,97.1,No
2024-25 Q1,Menus meeting the School Food Standards (%),100,100,Yes
2024-25 Q1,Special diets provided as ordered (%),100,99.2,No
2024-25 Q2,Meals served hot at the point of service (%),98,96.4,No
2024-25 Q2,Menus meeting the School Food Standards (%),100,100,Yes
2024-25 Q2,Special diets provided as ordered (%),100,100,Yes
2024-25 Q3,Meals served hot at the point of service (%),98,98.3,Yes
2024-25 Q3,Menus meeting the School Food Standards (%),100,96,No
2024-25 Q3,Special diets provided as ordered (%),100,99.6,No
"""


def _contract_documents() -> bool:
    """Documents on the demo register, stored by SHA-256 with the digest in the log: the
    school meals contract's summary (PDF) and KPI figures (CSV), and the waste contract's
    text, replaced by its varied version so the earlier one shows as an earlier version.
    All added now: the register itself was entered today, and no document predates it."""
    from civic.contracts import documents
    from civic.contracts.document_models import ContractDocument
    from civic.contracts.models import Contract
    from civic.extensions import db
    from seeds.simple_pdf import one_page_pdf

    if db.session.scalar(db.select(ContractDocument.id).limit(1)) is not None:
        return False
    by_reference = {
        c.reference: c
        for c in db.session.scalars(
            db.select(Contract).where(Contract.reference.in_(["RIV-2022-MEALS", "NG-2020-WASTE"]))
        )
    }
    meals, waste = by_reference.get("RIV-2022-MEALS"), by_reference.get("NG-2020-WASTE")
    if meals is None or waste is None:
        return False
    rosa = _user(MODERATOR[0])
    summary = one_page_pdf(
        "RIV-2022-MEALS: school meals, Riverside primary schools",
        [
            "Contract summary and performance schedule",
            "",
            "Provider: Riverside Catering Services Ltd",
            "Term: 1 September 2022 to 31 August 2028",
            "",
            "Schedule 4: key performance indicators, reported quarterly",
            "  KPI 1  Meals served hot at the point of service: 98% or more",
            "  KPI 2  Menus meeting the School Food Standards: 100%",
            "  KPI 3  Special diets provided as ordered: 100%",
            "",
            "Schedule 6: standards the provider reports on each year",
            "  - Gender pay gap audit, published by 30 April",
            "  - All staff paid at least the Real Living Wage",
            "  - Recognition of a trade union for collective bargaining",
            "",
            "A missed KPI for two quarters running is a default under clause 21.",
        ],
    )
    documents.add_document(
        rosa,
        meals,
        "Contract summary and performance schedule",
        documents.Upload("RIV-2022-MEALS contract summary.pdf", summary),
    )
    documents.add_document(
        rosa,
        meals,
        "KPI figures 2024-25 (quarters 1 to 3)",
        documents.Upload("RIV-2022-MEALS KPIs 2024-25.csv", MEALS_KPI_CSV.encode()),
    )
    clauses = [
        "Household waste and recycling collection, Northgate",
        "Between the Council and Greenline Environmental Ltd",
        "",
        "1. Weekly collection of residual waste and fortnightly recycling",
        "   from every household in Northgate ward.",
        "2. Missed collections put right within two working days.",
        "3. Collection crews paid at least the Real Living Wage.",
        "4. Open book: the provider's costs and margin reported each year.",
        "5. Break clause: either party, on twelve months' notice after year 3.",
    ]
    original = documents.add_document(
        rosa,
        waste,
        "Contract text",
        documents.Upload("NG-2020-WASTE contract.pdf", one_page_pdf("Contract", clauses)),
    )
    varied = [
        *clauses,
        "",
        "Variation 1 (2023): food waste collected weekly from every household,",
        "and the annual value raised to pay for it.",
    ]
    documents.replace_document(
        rosa,
        original,
        "Contract text, with variation 1 (food waste)",
        documents.Upload(
            "NG-2020-WASTE contract with variation 1.pdf",
            one_page_pdf("Contract (as varied, 2023)", varied),
        ),
    )
    return True


def _information_requests() -> bool:
    """Information requests in every state: an answered one about Riverside's school
    meals (named), an overdue one about Northgate's bin collections (its requester chose
    not to be named; `civic tick` has logged it overdue), a refused one about parking
    enforcement's figures, and one received today about the leisure centre vote."""
    from datetime import timedelta

    from civic import clock
    from civic.contracts.inforequests import services as requests
    from civic.contracts.inforequests.models import InfoRequest
    from civic.contracts.models import Contract
    from civic.extensions import db
    from civic.votes.models import Proposal

    if db.session.scalar(db.select(InfoRequest.id).limit(1)) is not None:
        return False
    contracts = {
        c.reference: c
        for c in db.session.scalars(
            db.select(Contract).where(
                Contract.reference.in_(["RIV-2022-MEALS", "NG-2020-WASTE", "RIV-2021-PARKING"])
            )
        )
    }
    if len(contracts) < 3:
        return False
    rosa = _user(MODERATOR[0])

    def about(reference: str) -> str:
        return f"contract-{contracts[reference].id}"

    with clock.ago(timedelta(days=34)):
        meals = requests.ask(
            _user(_demo_email("Aisha Begum")),
            about("RIV-2022-MEALS"),
            "How many school meals did Riverside Catering Services serve each month in the "
            "last school year, and how many of them met the school food standards when they "
            "were checked?",
            True,
        )
    with clock.ago(timedelta(days=12)):
        requests.answer(
            rosa,
            meals,
            "Riverside Catering Services served **412,880** meals in the 2025/26 school "
            "year, between 31,200 (August, holiday clubs only) and 44,950 (March) a month.\n\n"
            "Our school food officers checked 36 menus across 12 schools. 29 met the school "
            "food standards in full; the 7 that did not were short of fruit and vegetables "
            "or served fried food more than twice a week. The provider's improvement plan "
            "is due in January and will be published on the contract page.",
        )
    with clock.ago(timedelta(days=45)):
        requests.ask(
            _user(_demo_email("Owen Hughes")),
            about("NG-2020-WASTE"),
            "How many missed bin collections were reported in Northgate in each of the last "
            "12 months, how many were put right within 48 hours, and what service credits "
            "did the council claim from Greenline Environmental for them?",
            False,
        )
    requests.record_overdue()
    with clock.ago(timedelta(days=25)):
        parking = requests.ask(
            _user(_demo_email("Femi Adebayo")),
            about("RIV-2021-PARKING"),
            "Please publish Riverside Parking Services' profit and loss account for 2024/25, "
            "with the salaries of its directors.",
            True,
        )
    with clock.ago(timedelta(days=6)):
        requests.refuse(
            rosa,
            parking,
            "Riverside Parking Services Ltd is owned by the council, but its 2024/25 accounts "
            "are still being audited and will be filed at Companies House by 31 December; "
            "information intended for future publication is exempt until then (Freedom of "
            "Information Act, section 22). Directors' pay is already in the council's "
            "statement of accounts, note 31.",
        )
    leisure = db.session.scalar(
        db.select(Proposal).where(Proposal.title.like("Outsource the Riverside leisure%"))
    )
    subject = f"proposal-{leisure.id}" if leisure is not None else about("RIV-2022-MEALS")
    requests.ask(
        _user(RESIDENT[0]),
        subject,
        "What did the council's own in-house bid for the leisure centre cost per year, "
        "and why was it scored lower on quality than the leisure trust's bid?",
        False,
    )
    return True


# Performance (slice performance): KPI values per quarter, oldest first; None: not reported.
DEMO_KPIS = {
    "RIV-2022-MEALS": (
        (
            "Meals meeting the school food standards",
            "Share of meals served that met the School Food Standards at the monthly "
            "kitchen audit.",
            "percent",
            1,
            "95",
            "higher",
            ("96.2", "95.4", "93.1", "94.0", "95.8", "96.5", "92.7", "95.0"),
        ),
        (
            "Complaints resolved within 10 working days",
            "Complaints from parents and schools closed with a reply within 10 working days.",
            "percent",
            1,
            "90",
            "higher",
            ("91.0", "88.5", "92.0", "90.0", "93.5", "94.0", "89.0", "91.5"),
        ),
        (
            "Food waste per pupil",
            "Kilograms of food thrown away per pupil per quarter, weighed at each kitchen.",
            "kg",
            2,
            "1.20",
            "lower",
            ("1.31", "1.25", "1.18", "1.22", "1.15", "1.12", None, "1.19"),
        ),
    ),
    "NG-2024-PARKS": (
        (
            "Grass cut to the published schedule",
            "Share of scheduled cuts done in the week they were due.",
            "percent",
            1,
            "95",
            "higher",
            ("97.0", "98.5", "96.0", "99.0", "97.5", "98.0"),
        ),
        (
            "Play area safety inspections done on time",
            "Weekly inspections of the two play areas, as the contract requires.",
            "percent",
            0,
            "100",
            "higher",
            ("100", "100", "100", "100", "100", "100"),
        ),
    ),
    "MB-2023-REPAIRS": (
        (
            "Emergency repairs attended within 24 hours",
            "Emergency repairs (no heating, water or power; unsafe homes) attended within a "
            "day of the call.",
            "percent",
            1,
            "98",
            "higher",
            ("98.6", "99.1", "98.0", "99.4", "98.8", "99.0", "98.2", "99.3"),
        ),
        (
            "Average days to complete a routine repair",
            "Calendar days from the tenant's report to the repair signed off as done.",
            "days",
            1,
            "20",
            "lower",
            ("18.4", "17.9", "19.6", "16.8", "17.2", "15.9", "16.5", "15.1"),
        ),
    ),
}
DEMO_FINANCE = {
    # reference: (cost to the council, provider's revenue, provider's margin) in pounds, for
    # the last two financial years that have ended, older first
    "RIV-2022-MEALS": ((1_192_400, 1_310_000, 98_250), (1_214_800, 1_342_500, 127_540)),
    "MB-2023-REPAIRS": ((633_900, 640_200, 6_400), (648_100, 655_000, -3_275)),
}


def _contract_performance() -> bool:
    """KPIs, open-book finance and standards reports for the demo register: school meals
    with missed targets, an overdue KPI report and an overdue gender pay audit; parks and
    repairs meeting theirs; every other report the terms require recorded as met."""
    from datetime import date, timedelta

    from civic.clock import utcnow
    from civic.contracts.models import Contract
    from civic.contracts.performance import periods, services
    from civic.contracts.performance.models import Kpi, ReportStatus
    from civic.contracts.performance.periods import Direction, Period
    from civic.extensions import db
    from civic.votes.models import Standard

    if db.session.scalar(db.select(Kpi.id).limit(1)) is not None:
        return False
    contracts = {
        c.reference: c
        for c in db.session.scalars(
            db.select(Contract).where(Contract.reference.in_(list(_DEMO_REFERENCES)))
        )
    }
    if not contracts:
        return False
    rosa = _user(MODERATOR[0])
    today = utcnow().date()
    for reference, kpis in DEMO_KPIS.items():
        contract = contracts[reference]
        quarters = [
            q
            for q in periods.periods_between(Period.QUARTERLY, contract.start_date, today)
            if periods.period_end(Period.QUARTERLY, q) < today and q >= contract.start_date
        ]
        for name, description, unit, decimals, target, direction, values in kpis:
            starts = quarters[-len(values) :]
            kpi = services.add_kpi(
                rosa,
                contract,
                name=name,
                description=description,
                unit=unit,
                decimals=decimals,
                target=target,
                period=Period.QUARTERLY,
                direction=Direction(direction),
                reporting_from=starts[0],
            )
            for index, (start, value) in enumerate(zip(starts, values, strict=False)):
                if value is None:
                    continue
                ended = periods.period_end(Period.QUARTERLY, start)
                # one report in each list arrives a fortnight late; the rest within 3 weeks
                late = index == 2 and reference == "RIV-2022-MEALS"
                sent = ended + timedelta(days=44 if late else 12 + index % 9)
                services.record_kpi_value(
                    rosa,
                    kpi,
                    period_start=start,
                    value=value,
                    reported_on=min(sent, today),
                    source=f"{contract.provider.name} quarterly monitoring return",
                )
    for reference, years in DEMO_FINANCE.items():
        contract = contracts[reference]
        ended_years = [
            y for y in services.financial_years(contract, today) if date(y + 1, 3, 31) < today
        ]
        for year, (cost, revenue, margin) in zip(ended_years[-2:], years, strict=False):
            services.record_finance(
                rosa,
                contract,
                year=year,
                cost_to_council=cost * 100,
                provider_revenue=revenue * 100,
                provider_margin=margin * 100,
                source=f"Open-book statement {services.financial_year_label(year)}, "
                "checked by the council's internal audit",
            )
    evidence = {
        Standard.GENDER_PAY_AUDIT: "Gender pay gap figures published on the provider's "
        "website and sent to the council",
        Standard.FAIR_WAGE: "Payroll sample checked: every worker on the contract paid at "
        "least the real Living Wage",
        Standard.UNION_RECOGNITION: "Recognition agreement in force; the union confirmed it "
        "in writing",
    }
    for reference, contract in sorted(contracts.items()):
        for standard in services.required_standards(contract):
            due_dates = [d for d in services.report_due_dates(contract) if d < today]
            for due in due_dates:
                if (
                    reference == "RIV-2022-MEALS"
                    and standard is Standard.GENDER_PAY_AUDIT
                    and due == due_dates[-1]
                ):
                    continue  # overdue: the provider has not sent this year's audit
                services.record_standards_report(
                    rosa,
                    contract,
                    standard=standard,
                    due_on=due,
                    status=ReportStatus.MET,
                    reported_on=due - timedelta(days=10),
                    evidence=evidence[standard],
                    document_reference=f"{reference}-{standard.value}-{due.year}",
                )
    services.mark_overdue_reports()  # as `civic tick` would, with its audit entry
    return True


_DEMO_REFERENCES = {row[0] for row in DEMO_CONTRACTS}


REPAIRS_VOTE = "Hand Millbrook estate repairs to a tenants' co-operative"


def _consultation_before_outsourcing() -> bool:
    """Consultation before outsourcing, for real: the leisure centre proposal is linked to
    the consultation residents are answering about it, and Millbrook's repairs proposal
    went through the whole path last winter: a consultation created from the proposal,
    its published "you said, we did", then the vote and the decision."""
    from datetime import timedelta

    from sqlalchemy import select

    from civic import clock
    from civic.accounts.models import utcnow
    from civic.consultations import services as consult
    from civic.consultations.models import Consultation
    from civic.extensions import db
    from civic.votes import consulting
    from civic.votes import services as votes
    from civic.votes.models import OptionKind, Proposal, ProposalKind, Standard

    if db.session.scalar(select(Proposal.id).where(Proposal.title == REPAIRS_VOTE)):
        return False
    rosa = _user(MODERATOR[0])
    leisure = db.session.scalar(
        select(Proposal).where(Proposal.service.startswith("Riverside leisure centre"))
    )
    asked = db.session.scalar(
        select(Consultation).where(Consultation.title.startswith("Riverside leisure centre"))
    )
    if leisure is not None and asked is not None and leisure.consultation_id is None:
        consulting.link_consultation(rosa, leisure, asked.id)

    millbrook = _area("millbrook")
    tenants = [_user(_demo_email(name)) for name in MILLBROOK_RESIDENTS]
    with clock.ago(timedelta(days=130)):
        repairs = votes.create_proposal(
            rosa,
            millbrook,
            ProposalKind.OUTSOURCING,
            REPAIRS_VOTE,
            "Responsive repairs, Millbrook estate (412 homes)",
        )
        votes.update_case(
            rosa,
            repairs,
            current_provision="The council's housing repairs team, shared with two other "
            "estates: 6 operatives on Millbrook.",
            current_cost=610_000 * 100,
            current_performance="Urgent repairs done within 24 hours 71% of the time (target "
            "95%); 38% of tenants satisfied.",
            public_interest_case="Tenants set up Millbrook Homes Co-operative to run their own "
            "repairs, as tenant management organisations do elsewhere; the council would keep "
            "the homes and the capital programme.",
            inhouse_bid=True,
            inhouse_bid_summary="The repairs team bid £598,000 a year with two more operatives "
            "based on the estate.",
            weight_cost=30,
            weight_quality=35,
            weight_social=20,
            weight_carbon=15,
        )
        votes.set_options(
            rosa,
            repairs,
            [
                votes.OptionInput(
                    OptionKind.IN_HOUSE,
                    "Council repairs team",
                    598_000 * 100,
                    70,
                    60,
                    70,
                    carbon_score=50,
                ),
                votes.OptionInput(
                    OptionKind.COOPERATIVE,
                    "Millbrook Homes Co-operative",
                    585_000 * 100,
                    75,
                    80,
                    85,
                    "Repairs base on the estate; electric vans; apprentices from the estate.",
                    carbon_score=75,
                ),
                votes.OptionInput(
                    OptionKind.SOCIAL_ENTERPRISE,
                    "Northern Homes Repair CIC",
                    600_000 * 100,
                    68,
                    65,
                    70,
                    carbon_score=60,
                ),
                votes.OptionInput(
                    OptionKind.PRIVATE,
                    "FixRight Property Services Ltd",
                    540_000 * 100,
                    85,
                    60,
                    30,
                    carbon_score=35,
                ),
            ],
        )
        votes.answer_standards(rosa, repairs, {s.value: ("yes", "") for s in Standard})
        votes.set_vote_rules(rosa, repairs, quorum_percent=20, majority="simple")
        asked = consulting.create_for_proposal(rosa, repairs)
        consult.open_consultation(rosa, asked)
        votes.open_consultation(rosa, repairs, votes.min_consultation_days())
    runs, matters = asked.questions[1], asked.questions[2]
    cooperative = runs.options.index(OptionKind.COOPERATIVE.label)
    with clock.ago(timedelta(days=120)):
        for n, tenant in enumerate(tenants):
            consult.save_response(
                tenant,
                asked,
                {
                    asked.questions[0].id: str(1 + n % 3),
                    runs.id: str(cooperative if n % 4 else 0),
                    matters.id: [str(1), str(2 if n % 2 else 4)],
                },
                submit=True,
            )
    with clock.ago(timedelta(days=100)):
        consult.close_due(utcnow())
    with clock.ago(timedelta(days=98)):
        consult.publish_reply(
            rosa,
            asked,
            "**What we heard.** Most tenants who answered want the co-operative to run "
            "repairs, and put the quality of repairs and fair pay first. Several asked that "
            "the council's operatives keep their jobs.\n\n"
            "**What we will do.** The vote goes ahead with the co-operative as an option. Any "
            "contract will transfer the council's Millbrook operatives on their current terms, "
            "publish repair times every month and recognise their union.",
        )
    with clock.ago(timedelta(days=97)):
        votes.open_voting(rosa, repairs, utcnow() + timedelta(days=14))
    with clock.ago(timedelta(days=95)):
        for n, tenant in enumerate(tenants):
            votes.cast_vote(tenant, repairs, "against" if n == 3 else "for")
    with clock.ago(timedelta(days=82)):
        votes.close_due_votes(utcnow())
    with clock.ago(timedelta(days=80)):
        votes.record_decision(
            rosa,
            repairs,
            "proceed",
            "Tenants voted for the co-operative, every minimum standard is met, and the "
            "consultation's conditions (staff transfer, monthly repair times) are in the "
            "contract.",
        )
    return True


# parents at Riverside's primary schools, whose signatures open the school meals petition
RIVERSIDE_PARENTS = [
    "Imogen Clarke",
    "Jamal Haddad",
    "Kirsty McBride",
    "Leon Barker",
    "Marta Kowalski",
    "Niamh Doherty",
    "Owen Pritchard",
    "Precious Nwosu",
    "Qasim Rafiq",
    "Ruth Ellison",
]
MEALS_CONTRACT = "RIV-2022-MEALS"


def _contract_recall() -> bool:
    """Expiry review and recall: `civic tick` marks NG-2020-WASTE (ending in six months) as
    due for review, and Riverside parents open a recall petition against the school meals
    provider, below its threshold, so the demo resident can sign it and see what follows."""
    from civic.contracts import review as reviews
    from civic.contracts.models import Contract
    from civic.contracts.recall import services as recall
    from civic.extensions import db

    meals = db.session.scalar(db.select(Contract).where(Contract.reference == MEALS_CONTRACT))
    if meals is None or recall.petition_for(meals) is not None:
        return False
    rosa = _user(MODERATOR[0])
    riverside = _area("riverside")
    parents = []
    for name in RIVERSIDE_PARENTS:
        person = services.find_user_by_email(_demo_email(name)) or services.register(
            _demo_email(name), name, NEIGHBOUR_PASSWORD, confirmed=True
        )
        if not person.is_eligible_in(riverside):
            services.confirm_eligibility(rosa, person, riverside, "On the school's parent list")
        parents.append(person)
    reviews.mark_due_reviews()
    petition = None
    for parent in parents[:3]:
        signed = recall.sign(parent, meals)
        petition = signed.petition
        if petition.signature_count + 1 >= petition.threshold:
            break  # leave the last signature to whoever runs the demo
    return petition is not None


def _recall_text() -> str:
    """How many more signatures the demo's recall petition needs, and where to sign."""
    from civic.contracts.models import Contract
    from civic.contracts.recall import services as recall
    from civic.contracts.recall.models import PetitionState
    from civic.extensions import db

    meals = db.session.scalar(db.select(Contract).where(Contract.reference == MEALS_CONTRACT))
    petition = recall.petition_for(meals) if meals is not None else None
    if petition is None or petition.state is not PetitionState.OPEN:
        return ""
    needed = petition.threshold - petition.signature_count
    return (
        f"\nRecall petition on school meals ({MEALS_CONTRACT}): {needed} more "
        f"{'signature' if needed == 1 else 'signatures'} needed to start a recall review; "
        f"sign it as the demo resident at {site()}/contracts/{meals.id}/recall"
    )


PENDING_RESIDENT = "Priya Pending"


def _pending_email_confirmation() -> bool:
    """A resident who signed up and has not yet followed the link confirming her address
    (accounts slice): her "Your areas" page asks her to confirm before she can use a letter
    code, and the confirmation email is in instance/mail/ once sent (the seed command
    sends queued mail at the end). Every other demo person was created confirmed."""
    email = _demo_email(PENDING_RESIDENT)
    if services.find_user_by_email(email) is not None:
        return False
    # the emailed link starts with CIVIC_SITE_URL, which `make run` sets to the demo's address
    services.register(email, PENDING_RESIDENT, NEIGHBOUR_PASSWORD)
    return True


WELSH_RESIDENT = "Nia Pritchard"


def _welsh_speaking_resident() -> bool:
    """A resident who reads Civic in Welsh (issue 17): her saved language choice gives her
    Welsh pages and mail on any device, whatever her browser asks for. She has not shown
    where she lives yet, so one of the unused Riverside letter codes the seed prints tries
    the letter-code journey in Welsh (left unused here: counts elsewhere stay as they are)."""
    from civic.accounts.language import set_language

    email = _demo_email(WELSH_RESIDENT)
    if services.find_user_by_email(email) is not None:
        return False
    nia = services.register(email, WELSH_RESIDENT, NEIGHBOUR_PASSWORD, confirmed=True)
    set_language(nia, "cy")
    return True


def _imported_contracts() -> bool:
    """Two Riverside contracts imported from an OCDS file of contract notices, by the
    moderator, as the command `flask civic contracts import-ocds` would."""
    from datetime import timedelta
    from pathlib import Path

    from civic import clock
    from civic.contracts.models import Contract
    from civic.contracts.ocds_import import import_package
    from civic.extensions import db

    first = "ocds-b5fd17-3e9d41a2-58c7-4b0f-a2d6-7f1c9e0b4d35"
    if db.session.scalar(db.select(Contract.id).where(Contract.reference == first)):
        return False
    notices = Path(__file__).parent / "data" / "riverside-contract-notices.json"
    with clock.ago(timedelta(days=300)):
        import_package(_user(MODERATOR[0]), notices.read_bytes(), area_slug="riverside")
    return True


def _notifications() -> bool:
    """Sam (the demo resident) hears of results at once (one kind changed from its
    default), follows Riverside and the Northgate park round, and has read one of the
    notifications the earlier steps' real events made (a reply, project reviews, openings,
    results, "you said, we did"). His pending items go out as today's digest; `flask civic
    seed` then sends the outbox, so instance/mail/ holds the reply mailed at once and the
    digest as .eml files."""
    from civic.budgets.models import BudgetRound
    from civic.clock import utcnow
    from civic.extensions import db
    from civic.notifications import feed, inbox, mailing
    from civic.notifications.kinds import Delivery, Kind
    from civic.notifications.models import Notification, NotificationPreference

    sam = _user(RESIDENT[0])
    if db.session.scalar(
        db.select(NotificationPreference.id).where(NotificationPreference.user_id == sam.id)
    ):
        return False
    choices = {kind.value: delivery.value for kind, delivery in feed.preferences(sam).items()}
    inbox.save_preferences(sam, choices | {Kind.RESULT.value: Delivery.IMMEDIATE.value})
    park = db.session.scalar(db.select(BudgetRound).where(BudgetRound.slug == PARK_ROUND))
    inbox.set_following(sam, feed.target_of(_area("riverside")), True)
    inbox.set_following(sam, feed.target_of(park), True)
    first = db.session.scalar(
        db.select(Notification)
        .where(Notification.user_id == sam.id)
        .order_by(Notification.created_at, Notification.id)
    )
    if first is not None:
        inbox.open_notification(sam, first.id)  # one already read
    now = utcnow()
    mailing.send_digest(sam.id, mailing.council_day(now), now)
    return True


FORMER_RESIDENTS = [
    # (email, name, what they said, how they chose to leave their comments)
    (
        "dev.marsh@civic.example",
        "Dev Marsh",
        "I walk the towpath to the leisure centre every morning: the lights by the lock "
        "have been out since September.",
        "remove",
    ),
    (
        "olu.bakare@civic.example",
        "Olu Bakare",
        "The Saturday market brings people to the riverside: please keep the car park "
        "free on market days.",
        "anonymise",
    ),
]


def _former_residents() -> bool:
    """Two residents who deleted their accounts (data rights): one had their comment
    removed ("Removed at the author's request"), the other kept it as from "A former
    resident". Sam's reply to the first stays in its place in the Riverside thread."""
    from civic.accounts import data_rights
    from civic.audit.models import AuditEntry
    from civic.discussions import services as talk
    from civic.extensions import db

    if db.session.scalar(db.select(AuditEntry.seq).where(AuditEntry.action == "user:erase")):
        return False
    rosa, sam = _user(MODERATOR[0]), _user(RESIDENT[0])
    riverside = _area("riverside")
    for email, name, text, choice in FORMER_RESIDENTS:
        person = services.register(email, name, NEIGHBOUR_PASSWORD, confirmed=True)
        services.confirm_eligibility(rosa, person, riverside, "Council tax bill seen")
        comment = talk.post_comment(person, "area", "riverside", text)
        if choice == "remove":
            talk.post_comment(sam, "area", "riverside", "Reported the lights too.", comment.id)
        data_rights.erase_account(person, person, comments=choice, password=NEIGHBOUR_PASSWORD)
    return True


# --- stakeholders (slice "stakeholders", issue 15) ----------------------------------------

LEISURE_CONSULTATION = "Riverside Leisure Centre: opening hours and keeping it in-house"
LEISURE_STAFF = [
    "Aysha Karim", "Tom Walsh", "Marta Nowak", "Dev Sharma", "Chloe Evans", "Kwame Boateng",
    "Sian Griffiths", "Luca Romano", "Beth Carter", "Omar Farouk", "Jess Hughes", "Ryan Doyle",
]  # fmt: skip
LEISURE_USERS = [
    "Pat Quinn", "Hannah Levy", "Joe Marsh", "Nadia Rahman", "Ellis Brook", "Fiona Kerr",
    "Gareth Price", "Ines Costa", "Mo Ali", "Ruth Okafor", "Sam Bell", "Tariq Aziz",
]  # fmt: skip
# staff who also swim there: in both classes, counted once in the total
LEISURE_BOTH = ["Aysha Karim", "Tom Walsh", "Marta Nowak"]


def _staff_codes_file():
    from pathlib import Path

    return Path(current_app.instance_path) / "demo-staff-codes.txt"


def _leisure_centre_stakeholders() -> bool:
    """A staff-and-users consultation about the leisure centre: two constituencies (staff,
    who showed it with letter codes; members, checked at the front desk), answers from both,
    closed, with separate counts per class on its results page."""
    from datetime import timedelta

    from civic import clock
    from civic.accounts.constituencies import ConstituencyKind, confirm_member, create_constituency
    from civic.constituencies import services as open_to
    from civic.consultations import services as consult
    from civic.consultations.models import Audience, Consultation, QuestionKind
    from civic.extensions import db

    if db.session.scalar(
        db.select(Consultation.id).where(Consultation.title == LEISURE_CONSULTATION)
    ):
        return False
    rosa = _user(MODERATOR[0])
    riverside = _area("riverside")
    staff = create_constituency(
        rosa,
        name="Leisure centre staff",
        slug="leisure-centre-staff",
        kind=ConstituencyKind.STAFF,
        area=riverside,
        description="Everyone employed at Riverside Leisure Centre, full or part time. Staff "
        "were given a letter code with their payslip.",
    )
    members = create_constituency(
        rosa,
        name="Leisure centre members and users",
        slug="leisure-centre-users",
        kind=ConstituencyKind.USERS,
        area=riverside,
        description="Anyone with a Riverside Leisure Centre membership card or a swim or gym "
        "pass; the front desk checks the card.",
    )
    _, codes = services.generate_codes(
        rosa,
        riverside,
        count=len(LEISURE_STAFF) + 3,
        valid_days=90,
        note="With April payslips",
        constituency=staff,
    )
    people = {}
    for name, code in zip(LEISURE_STAFF, codes, strict=False):
        people[name] = services.register(
            _demo_email(name), name, NEIGHBOUR_PASSWORD, confirmed=True
        )
        services.redeem_code(people[name], code)
    _staff_codes_file().write_text("\n".join(codes[len(LEISURE_STAFF) :]) + "\n")
    for name in LEISURE_USERS + LEISURE_BOTH:
        if name not in people:
            people[name] = services.register(
                _demo_email(name), name, NEIGHBOUR_PASSWORD, confirmed=True
            )
        confirm_member(rosa, people[name], members, "Membership card seen at the front desk")
    now = clock.utcnow()
    consultation = consult.create_consultation(
        rosa,
        riverside,
        title=LEISURE_CONSULTATION,
        service="Leisure",
        summary="The centre's hours and whether it stays run by the council are being "
        "reviewed. The people who work there and the people who use it are asked, and "
        "each group's answers are counted separately as well as together.",
        documents="",
        audience=Audience.RESIDENTS,
        opens_at=now - timedelta(days=20),
        closes_at=now + timedelta(days=2),
    )
    hours = consult.add_question(
        rosa,
        consultation,
        kind=QuestionKind.SINGLE,
        text="Which opening hours would you choose?",
        options=["6am to 10pm every day", "7am to 9pm, later on Fridays", "Keep today's hours"],
        required=True,
    )
    in_house = consult.add_question(
        rosa,
        consultation,
        kind=QuestionKind.SINGLE,
        text="Should the council keep running the centre itself?",
        options=["Yes, keep it in-house", "No, hand it to a leisure trust", "Not sure"],
        required=True,
    )
    open_to.set_constituencies(rosa, consultation, [staff, members], editable=True)
    consult.open_consultation(rosa, consultation)
    for n, (name, person) in enumerate(people.items()):
        is_staff = name in LEISURE_STAFF
        answers = {
            hours.id: str(1 if is_staff else n % 2),
            in_house.id: "0" if is_staff or n % 4 else "2",
        }
        consult.save_response(person, consultation, answers, submit=True)
    consult.close_consultation(
        rosa,
        consultation,
        reason="Every member of staff and every card holder asked has answered; the "
        "council's leisure review meets this week",
    )
    return True


def _stakeholders_text() -> str:
    from civic.accounts.codes import display

    path = _staff_codes_file()
    if not path.exists():
        return ""
    return (
        f"\nLeisure centre staff letter codes to try at {site()}/constituencies/"
        "leisure-centre-staff (or Your areas):\n  "
        + "  ".join(display(code) for code in path.read_text().split())
    )


def _group_motions() -> bool:
    """Millbrook TRA runs itself (issue 15): it publishes its rules (open to Millbrook
    residents, a quorum of half the members, a simple majority), three neighbours join,
    and the members pass a motion about the lift, opened and closed at their general
    meeting (both early, with the reasons published) and minuted by the organiser; one
    member's vote is a paper entered at the meeting. A second motion is still under
    discussion."""
    from civic.extensions import db
    from civic.groups import membership, motions
    from civic.groups import paper as group_paper
    from civic.groups import rules as group_rules
    from civic.groups.models import Motion

    if db.session.scalar(db.select(Motion.id).limit(1)) is not None:
        return False
    tra = db.session.scalar(db.select(Group).where(Group.slug == "millbrook-tra"))
    bridget = _user(ORGANISER[0])
    group_rules.set_rules(
        bridget,
        tra,
        join_policy="open",
        proposers="members",
        quorum_rule="share",
        quorum_value=50,
        majority_rule="simple",
        discussion_days=7,
        voting_days=7,
    )
    for name in MILLBROOK_RESIDENTS[:3]:
        membership.join(_user(_demo_email(name)), tra)
    jamal = _user(NEIGHBOURS[0][0])
    lift = motions.propose(
        jamal,
        tra,
        "Ask the council to replace the Millbrook House lift this year",
        "The lift in Millbrook House has broken down eleven times since January, leaving "
        "older tenants on the upper floors stuck at home.\n\nThe association asks the "
        "council to bring forward the lift's replacement to this financial year, and to "
        "publish the repair record every month until it is done.",
    )
    motions.open_voting(bridget, lift, "Discussed in full at the general meeting on Tuesday")
    choices = ["for", "for", "for", "against", "for", "abstain"]
    voters = [bridget, *(_user(email) for email, _ in NEIGHBOURS[:3])]
    voters += [_user(_demo_email(name)) for name in MILLBROOK_RESIDENTS[:2]]
    # one member, who does not use the website, marks a numbered paper at the meeting and
    # Bridget enters it (civic.groups.paper); the others vote online
    group_paper.issue(bridget, lift, 20)
    *online, on_paper = list(zip(voters, choices, strict=True))
    for voter, choice in online:
        motions.cast(voter, lift, choice)
    group_paper.enter(
        bridget,
        lift,
        choices=[on_paper[1]],
        paper_number=f"M{lift.id}-0001",
        email=on_paper[0].email,
        check="Known to me; marked the paper at the general meeting",
    )
    motions.close(bridget, lift, reason="Every member at the general meeting had voted")
    motions.record_minutes(
        bridget,
        lift,
        "Passed at the general meeting.\n\n- Bridget to send the motion to the housing "
        "team and the ward councillors this week.\n- Jamal to keep the log of breakdowns "
        "and share it at the next meeting.",
    )
    motions.propose(
        _user(NEIGHBOURS[1][0]),
        tra,
        "Hold the summer fun day on the green, not the car park",
        "The green is safer for children and needs no road closure.",
    )
    return True


POOL_PETITION = "Keep Riverside Leisure Centre pool run by the council"
TOILETS_PETITION = "Reopen the public toilets in Riverside Park"


def _riverside_signers(count: int) -> list:
    """Riverside residents other than the demo resident (Sam, who is left to sign)."""
    from civic.accounts.models import Eligibility, User
    from civic.extensions import db

    riverside = _area("riverside")
    sam = _user(RESIDENT[0])
    people = db.session.scalars(
        db.select(User)
        .join(Eligibility, Eligibility.user_id == User.id)
        .where(Eligibility.area_id == riverside.id, User.id != sam.id, User.active.is_(True))
        .order_by(User.id)
    ).all()
    return list(people[:count])


def _petitions() -> bool:
    """Two Riverside petitions (issue 15): one to keep the leisure centre pool in-house,
    open and a few signatures short of its first threshold (sign it as the demo resident
    and it crosses: the council then owes a response), and one to reopen the park's
    toilets that reached its threshold in the spring and was answered by the council."""
    from datetime import timedelta

    from civic import clock
    from civic.extensions import db
    from civic.petitions import services as petitions
    from civic.petitions import thresholds
    from civic.petitions.models import FollowUp, Petition, PetitionKind

    if db.session.scalar(db.select(Petition.id).where(Petition.title == POOL_PETITION)):
        return False
    alex, rosa = _user(ADMIN[0]), _user(MODERATOR[0])
    riverside = _area("riverside")
    signers = _riverside_signers(14)
    first = len(signers) - 1  # the demo resident's signature would be the one that crosses
    thresholds.set_thresholds(
        alex, riverside, PetitionKind.GENERAL, str(first), str(first + 8), FollowUp.CONSULTATION
    )
    # answered: started in March, accepted, signed past the threshold, council responded
    with clock.ago(timedelta(days=70)):
        toilets = petitions.start(
            signers[0],
            riverside,
            TOILETS_PETITION,
            "We ask the council to reopen the public toilets in Riverside Park, closed since "
            "2023, at least from 8am to 6pm between April and October.",
            "Families, older residents and people with medical conditions cannot spend more "
            "than an hour in the park without a toilet. The splash pad and the Saturday "
            "parkrun bring hundreds of people each week, and the café's toilet is for "
            "customers only.",
        )
    with clock.ago(timedelta(days=66)):
        petitions.accept(rosa, toilets)
    with clock.ago(timedelta(days=40)):
        for person in signers[:first]:
            petitions.sign(person, toilets)
    with clock.ago(timedelta(days=22)):
        petitions.respond(
            rosa,
            toilets,
            "Thank you to the residents who signed. The Cabinet Member for Environment "
            "agreed on 14 May to reopen the Riverside Park toilets from 1 June, 8am to "
            "6pm daily until 31 October, funded from the parks maintenance budget. The "
            "building has been repaired and will be cleaned twice a day. We will report "
            "on use and cost to the Environment Scrutiny Committee in November before "
            "deciding on winter opening.",
        )
    # open, near its threshold: the demo resident can sign it
    with clock.ago(timedelta(days=20)):
        pool = petitions.start(
            signers[1],
            riverside,
            POOL_PETITION,
            "We ask the council not to outsource the management of Riverside Leisure "
            "Centre's swimming pool, and to keep it run by council staff with the current "
            "lesson programme and concession prices.",
            "The pool's school swimming lessons, over-60s sessions and the disability swim "
            "club depend on prices the council sets. Other boroughs that outsourced their "
            "pools saw concession prices rise and lesson places cut. The pool covers most "
            "of its running costs already.",
        )
    with clock.ago(timedelta(days=18)):
        petitions.accept(rosa, pool)
    for person in signers[: first - 1]:
        petitions.sign(person, pool)
    return True


GARDEN = "millbrook-community-garden"


def _group_elections() -> bool:
    """Millbrook Community Garden elected its organiser a fortnight ago: eleven members,
    Jamal and Eileen stood, eleven voted (enough for the counts to be published) and Jamal
    won, taking over from Bridget, who had set the group up. The Millbrook TRA has called
    its own election: nominations are open and Tomasz has stood.

    Played through the services with the clock turned back (civic.clock.ago), so every
    stored date agrees with its audit entry."""
    from datetime import timedelta

    from civic.clock import ago, utcnow
    from civic.extensions import db
    from civic.groups import elections
    from civic.groups.election_models import GroupElection

    if db.session.scalar(db.select(GroupElection.id).limit(1)) is not None:
        return False
    rosa = _user(MODERATOR[0])
    bridget = _user(ORGANISER[0])
    jamal, eileen, tomasz = (_user(email) for email, _ in NEIGHBOURS[:3])
    with ago(timedelta(days=30)):
        garden = services.create_group(
            rosa,
            area=_area("millbrook"),
            name="Millbrook Community Garden",
            slug=GARDEN,
            description="Grows food on the old bowling green; its organiser is elected "
            "by the members every year.",
            organiser=bridget,
        )
        voters = [jamal, eileen, tomasz] + [
            _user(_demo_email(name)) for name in MILLBROOK_RESIDENTS
        ]
        for person in voters:
            services.add_member(rosa, garden, person, GroupRole.MEMBER)
        now = utcnow()
        election = elections.call_election(
            bridget,
            garden,
            seats=1,
            term_months=12,
            opens_at=now + timedelta(days=7),
            closes_at=now + timedelta(days=14),
        )
        first = elections.stand(
            jamal,
            election,
            "I have run the seed swap for three years. I will keep the "
            "shed open on Saturdays and publish the accounts every quarter.",
        )
        second = elections.stand(
            eileen,
            election,
            "I would set up a rota so that everyone gets a fair share "
            "of the watering, and ask the council for a water butt grant.",
        )
    with ago(timedelta(days=20)):  # voting is open
        choices = [first] * 7 + [second] * 4
        for person, choice in zip([bridget, *voters], choices, strict=False):
            elections.cast(person, election, [str(choice.id)])
    with ago(timedelta(days=15)):  # voting closed yesterday: the organiser counts
        elections.close(bridget, election)
    tra = db.session.scalar(db.select(Group).where(Group.slug == "millbrook-tra"))
    now = utcnow()
    upcoming = elections.call_election(
        bridget,
        tra,
        seats=2,
        term_months=12,
        opens_at=now + timedelta(days=10),
        closes_at=now + timedelta(days=17),
    )
    elections.stand(
        tomasz, upcoming, "I can run the plant swap and the fun day's raffle next year."
    )
    return True


WELSH_FOLLOWER = ("gwen.morgan@civic.example", "Gwen Morgan")


def _welsh_notifications() -> bool:
    """Gwen Morgan reads Civic in Welsh (her saved language) and follows Riverside and the
    Northgate park round. The news already announced there is announced again: each
    announcement tells only people not yet told, so she alone hears, and her notifications,
    the result mailed at once and her digest (instance/mail/) are in Welsh, while Sam's
    for the same events are in English."""
    from civic.accounts.language import set_language
    from civic.budgets.models import BudgetRound
    from civic.clock import utcnow
    from civic.consultations.models import Consultation, ConsultationState
    from civic.extensions import db
    from civic.notifications import events, feed, inbox, mailing
    from civic.notifications.kinds import Delivery, Kind
    from civic.votes.models import Proposal, ProposalState

    email, name = WELSH_FOLLOWER
    if services.find_user_by_email(email) is not None:
        return False
    gwen = services.register(email, name, NEIGHBOUR_PASSWORD, confirmed=True)
    set_language(gwen, "cy")
    choices = {kind.value: delivery.value for kind, delivery in feed.preferences(gwen).items()}
    inbox.save_preferences(gwen, choices | {Kind.RESULT.value: Delivery.IMMEDIATE.value})
    riverside = _area("riverside")
    park = db.session.scalar(db.select(BudgetRound).where(BudgetRound.slug == PARK_ROUND))
    inbox.set_following(gwen, feed.target_of(riverside), True)
    if park is not None:
        inbox.set_following(gwen, feed.target_of(park), True)
        if park.phase.value in events.ROUND_NEWS:
            events.round_news(park, park.phase.value)
    for proposal in db.session.scalars(
        db.select(Proposal).where(
            Proposal.area_id == riverside.id,
            Proposal.state.in_((ProposalState.VOTING, ProposalState.CONSULTATION)),
        )
    ):
        state = "voting" if proposal.state is ProposalState.VOTING else "consultation"
        events.proposal_news(proposal, state)
    for consultation in db.session.scalars(
        db.select(Consultation).where(
            Consultation.area_id == riverside.id,
            Consultation.state == ConsultationState.OPEN,
        )
    ):
        events.consultation_news(consultation, "open")
    now = utcnow()
    mailing.send_digest(gwen.id, mailing.council_day(now), now)
    return True


def _paper_participation() -> bool:
    """Paper and assisted participation (civic.paper). Two Riverside residents without a
    computer at home registered at Holbeck library (one with the letter posted to her, one
    checked by Rosa) and handed in numbered ballot papers on the street cleaning vote; two
    other residents answered the library hours consultation on paper forms. Rosa printed
    the papers and entered them; the demo resident (Sam Okafor) still votes online."""
    from sqlalchemy import func

    from civic.accounts.models import Area
    from civic.consultations.models import Consultation, Response
    from civic.consultations.services import can_respond
    from civic.extensions import db
    from civic.paper import services as paper
    from civic.votes.models import Proposal, ProposalState, VoteCast

    if db.session.scalar(db.select(func.count()).where(VoteCast.paper.is_(True))):
        return False
    rosa = _user(MODERATOR[0])
    riverside = db.session.scalar(db.select(Area).where(Area.slug == "riverside"))
    cleaning = db.session.scalar(
        db.select(Proposal).where(
            Proposal.state == ProposalState.VOTING, Proposal.area_id == riverside.id
        )
    )
    hours = db.session.scalar(db.select(Consultation).where(Consultation.title == LIBRARY_HOURS))
    if cleaning is None or hours is None:
        return False
    # Brenda registered with the letter posted to her home; Derek was checked at the desk
    brenda = services.register(
        _demo_email("Brenda Wilkes"), "Brenda Wilkes", NEIGHBOUR_PASSWORD, confirmed=True
    )
    _batch, (code,) = services.generate_codes(rosa, riverside, count=1, valid_days=30)
    services.redeem_code(brenda, code)
    derek = services.register(
        _demo_email("Derek Mills"), "Derek Mills", NEIGHBOUR_PASSWORD, confirmed=True
    )
    bill = "Seen council tax bill at Holbeck library"
    services.confirm_eligibility(rosa, derek, riverside, bill)
    paper.issue_papers(rosa, cleaning, 20)
    paper.enter_vote(rosa, cleaning, choice="against", paper_number="1", code=code)
    paper.enter_vote(rosa, cleaning, choice="for", paper_number="2", email=derek.email, check=bill)
    paper.issue_papers(rosa, hours, 20)
    answered = set(
        db.session.scalars(
            db.select(Response.respondent_id).where(Response.consultation_id == hours.id)
        )
    )
    skip = {RESIDENT[0], ORGANISER[0]}
    people = [_user(_demo_email(name)) for name in RIVERSIDE_RESIDENTS]
    respondents = [
        p for p in people if p.email not in skip and p.id not in answered and can_respond(p, hours)
    ][:2]
    single, free = hours.questions[0], hours.questions[1]
    answers = [("0", "Homework club after school"), ("1", "")]
    for number, (person, (choice, text)) in enumerate(
        zip(respondents, answers, strict=False), start=1
    ):
        paper.enter_response(
            rosa,
            hours,
            {single.id: choice, free.id: text},
            paper_number=str(number),
            email=person.email,
            check="Known to the library staff; read the form out over the phone",
        )
    return True


def _paper_code_file():
    from pathlib import Path

    return Path(current_app.instance_path) / "demo-paper-code.txt"


def _paper_only_resident() -> bool:
    """A Riverside resident with no computer and no account (issue 17): she brought the
    letter posted to her home to Holbeck library, and Rosa entered her street cleaning
    vote and her library hours form with its code alone, which made her a paper-only
    account. The code is printed, so a newcomer can register with it and take over what
    was entered for her."""
    from civic.accounts.models import Area, User
    from civic.consultations.models import Consultation
    from civic.extensions import db
    from civic.paper import services as paper
    from civic.votes.models import Proposal

    if db.session.scalar(db.select(User.id).where(User.paper_only.is_(True)).limit(1)):
        return False
    rosa = _user(MODERATOR[0])
    riverside = db.session.scalar(db.select(Area).where(Area.slug == "riverside"))
    cleaning = db.session.scalar(db.select(Proposal).where(Proposal.title == CLEANING_VOTE))
    hours = db.session.scalar(db.select(Consultation).where(Consultation.title == LIBRARY_HOURS))
    if cleaning is None or hours is None or not cleaning.papers_issued or not hours.papers_issued:
        return False
    _batch, (code,) = services.generate_codes(
        rosa, riverside, count=1, valid_days=60, note="Letter reissued at Holbeck library"
    )
    paper.enter_vote(
        rosa, cleaning, choice="for", paper_number=str(cleaning.papers_issued), code=code
    )
    single, free = hours.questions[0], hours.questions[1]
    paper.enter_response(
        rosa,
        hours,
        {single.id: "2", free.id: "Large-print books and somewhere warm on Saturdays"},
        paper_number=str(hours.papers_issued),
        code=code,
    )
    _paper_code_file().write_text(code + "\n")
    return True


def _paper_code_text() -> str:
    from civic.accounts.codes import display

    path = _paper_code_file()
    if not path.exists():
        return ""
    return (
        "\nA letter code used at Holbeck library for a resident without an account (a paper "
        "vote and\n  a paper consultation form were entered with it): register with it at "
        f"{site()}/accounts/register\n  (the last box) to take over what was entered: "
        + display(path.read_text().strip())
    )


def _contested_papers() -> bool:
    """Two residents contest what was entered for them on paper, so the moderators' one
    queue (/contests) shows both kinds side by side: Derek says his paper vote on street
    cleaning said "against", not "for"; Brenda says the paper ballot Rosa entered for her
    in Riverside 2027 is not what she chose. Rosa entered both, so another
    moderator (the admin) decides."""
    from sqlalchemy import func

    from civic.budgets import contests as ballot_contests
    from civic.budgets import services as budgets
    from civic.budgets.models import BudgetRound
    from civic.extensions import db
    from civic.paper import contests as paper_contests
    from civic.paper.models import PaperContest
    from civic.votes.models import Proposal, VoteCast

    if db.session.scalar(db.select(func.count()).select_from(PaperContest)):
        return False
    rosa = _user(MODERATOR[0])
    derek = services.find_user_by_email(_demo_email("Derek Mills"))
    brenda = services.find_user_by_email(_demo_email("Brenda Wilkes"))
    riverside = db.session.scalar(
        db.select(BudgetRound).where(BudgetRound.slug == "riverside-2027")
    )
    cleaning = db.session.scalar(
        db.select(Proposal).join(VoteCast).where(VoteCast.paper.is_(True)).limit(1)
    )
    if None in (derek, brenda, riverside, cleaning):
        return False
    paper_contests.contest(
        derek,
        cleaning,
        "I ticked against on the paper at the library, not for. Please check the form.",
    )
    cafe = next(p for p in riverside.projects if p.title.startswith("Repair café"))
    from civic.paper import services as paper

    first, _last = paper.issue_papers(rosa, riverside, 1)
    budgets.cast_ballot(rosa, riverside, [(cafe.id, 1)], voter=brenda, paper_number=first)
    ballot_contests.contest_paper_ballot(
        brenda,
        riverside,
        "On my paper I chose the play area and the street trees, not the repair café.",
    )
    return True


def _contested_group_paper() -> bool:
    """A third kind in the same queue: the Millbrook TRA votes on keeping the community
    room open on Sunday afternoons, opened early at its meeting; Bridget enters Darren's
    paper vote there, and Darren says he marked "against", not "for". Bridget is an
    organiser, not a moderator: Rosa or the admin decides (civic.groups.paper_contests)."""
    from sqlalchemy import func

    from civic.extensions import db
    from civic.groups import motions
    from civic.groups import paper as group_paper
    from civic.groups import paper_contests as group_contests
    from civic.groups.paper_models import GroupPaperContest

    if db.session.scalar(db.select(func.count()).select_from(GroupPaperContest)):
        return False
    tra = db.session.scalar(db.select(Group).where(Group.slug == "millbrook-tra"))
    bridget = _user(ORGANISER[0])
    darren = _user(_demo_email(MILLBROOK_RESIDENTS[2]))
    if tra is None:
        return False
    room = motions.propose(
        _user(NEIGHBOURS[2][0]),
        tra,
        "Open the community room on Sunday afternoons",
        "Volunteers from the association hold the key and open the room from 2pm to 5pm "
        "on Sundays, for homework help and a warm place to meet.",
    )
    motions.open_voting(bridget, room, "Agreed at the general meeting; everyone had spoken")
    group_paper.issue(bridget, room, 10)
    group_paper.enter(
        bridget,
        room,
        choices=["for"],
        paper_number=f"M{room.id}-0001",
        email=darren.email,
        check="Known to me; handed in his paper at the community room",
    )
    group_contests.contest(
        darren,
        room,
        "I marked against on my paper: Sundays are when the room is quiet for the carers.",
    )
    return True


def _welsh_and_easy_read() -> bool:
    """Easy-read summaries for the leisure centre proposal and consultation and the
    Riverside round, and the Welsh version of the proposal and the consultation (issue 17).
    The round has no Welsh yet, so a Welsh page shows its English marked as such."""
    from civic.budgets.models import BudgetRound
    from civic.consultations.models import Consultation
    from civic.content import services as content
    from civic.content.models import ContentTranslation
    from civic.extensions import db
    from civic.votes.models import Proposal

    if db.session.scalar(db.select(ContentTranslation.id).limit(1)) is not None:
        return False
    proposal = db.session.scalar(db.select(Proposal).where(Proposal.title == MAIN_PROPOSAL))
    consultation = db.session.scalar(
        db.select(Consultation).where(Consultation.title == MAIN_CONSULTATION)
    )
    round_ = db.session.scalar(db.select(BudgetRound).where(BudgetRound.slug == "riverside-2027"))
    if proposal is None or consultation is None:
        return False
    rosa = _user(MODERATOR[0])
    content.set_easy_read(
        rosa,
        proposal,
        "The council wants to know if someone else should run Riverside leisure centre. It "
        "could be a trust, a co-operative or a company. The building needs big repairs. The "
        "council says a partner could pay for them and save money. The council's own team "
        "has also made an offer to keep running it. You can tell us what you think now. "
        "Later, people who live in Riverside can vote yes or no.",
    )
    content.set_easy_read(
        rosa,
        consultation,
        "Tell us how you use Riverside leisure centre and what you like about it. It takes "
        "about 5 minutes. There are 4 questions. You must answer the first 2. Your answers "
        "help councillors decide who should run the centre.",
    )
    if round_ is not None:
        content.set_easy_read(
            rosa,
            round_,
            "Riverside has £50,000 to spend on local projects. Anyone who lives here can "
            "suggest a project. Then people vote for the ones they like best. The projects "
            "with the most votes that fit in the money go ahead.",
        )
    welsh = {
        "title": "Allanoli canolfan hamdden Riverside i ymddiriedolaeth hamdden neu gwmni",
        "easy_read": "Mae’r cyngor eisiau gwybod a ddylai rhywun arall redeg canolfan hamdden "
        "Riverside. Gallai fod yn ymddiriedolaeth, yn gwmni cydweithredol neu’n gwmni preifat. "
        "Mae angen gwaith atgyweirio mawr ar yr adeilad. Mae’r cyngor yn dweud y gallai "
        "partner dalu am y gwaith ac arbed arian. Mae tîm y cyngor ei hun hefyd wedi gwneud "
        "cynnig i ddal ati i’w rhedeg. Gallwch ddweud wrthym beth yw eich barn nawr. Yn nes "
        "ymlaen, bydd pobl sy’n byw yn Riverside yn gallu pleidleisio ie neu na.",
        "current_provision": "Mae tîm hamdden y cyngor ei hun yn ei rhedeg: 38 o staff, ar "
        "agor o 6am tan 10pm.",
        "current_performance": "Bu’r pwll ar gau am 14 diwrnod y llynedd, yn bennaf oherwydd "
        "prinder achubwyr bywyd; 212,000 o ymweliadau y flwyddyn, i lawr 6%. Bodlonrwydd "
        "trigolion: 71%.",
        "public_interest_case": "Mae angen gwerth £2.1m o waith atgyweirio ar yr adeilad dros "
        "bum mlynedd, ac ni all cyllideb gyfalaf y cyngor dalu amdano. Mae swyddogion yn "
        "dweud y gallai partner fenthyca ar ei gyfer a rhedeg y ganolfan am £150,000 y "
        "flwyddyn yn llai.",
        "inhouse_bid_summary": "Cynigiodd y tîm hamdden £1.18m y flwyddyn, gyda chynllun "
        "hyfforddi achubwyr bywyd i bobl ifanc leol a chynllun atgyweirio fesul cam wedi’i "
        "ariannu drwy fenthyca darbodus.",
    }
    content.set_translations(
        rosa, proposal, "cy", {f"proposal-{proposal.id}-{k}": v for k, v in welsh.items()}
    )
    welsh = {
        f"consultation-{consultation.id}-title": "Canolfan hamdden Riverside: beth sy’n "
        "bwysig i chi?",
        f"consultation-{consultation.id}-easy_read": "Dywedwch wrthym sut rydych chi’n "
        "defnyddio canolfan hamdden Riverside a beth rydych chi’n ei hoffi amdani. Mae’n "
        "cymryd tua 5 munud. Mae 4 cwestiwn. Rhaid i chi ateb y ddau gyntaf. Bydd eich "
        "atebion yn helpu cynghorwyr i benderfynu pwy ddylai redeg y ganolfan.",
        f"consultation-{consultation.id}-summary": "Cyn i neb bleidleisio ar bwy sy’n rhedeg "
        "y ganolfan hamdden, dywedwch wrthym ar gyfer beth rydych chi’n ei defnyddio a beth "
        "na ddylai newid. Bydd eich atebion yn mynd at y cynghorwyr gyda’r cynnig.",
    }
    questions = [
        (
            "Beth ydych chi’n ei ddefnyddio?",
            ["Pwll nofio", "Campfa", "Neuadd chwaraeon", "Dosbarthiadau", "Caffi"],
        ),
        ("Pa mor dda yw’r ganolfan heddiw?", []),
        (
            "Rhowch y pethau pwysicaf mewn trefn",
            ["Prisiau isel", "Oriau agor hir", "Gwersi nofio", "Staff ar gyflog teg"],
        ),
        ("Beth na ddylai newid, pwy bynnag sy’n ei rhedeg?", []),
    ]
    for question, (text, options) in zip(consultation.questions, questions, strict=False):
        key = f"consultation_question-{question.id}"
        welsh[f"{key}-text"] = text
        for index, option in enumerate(options[: len(question.options or [])]):
            welsh[f"{key}-option.{index}"] = option
    content.set_translations(rosa, consultation, "cy", welsh)
    return True


STEPS = [
    ("accounts and areas", _accounts_and_areas),
    ("discussions", _discussions),
    ("community budgets", _budgets),
    ("public votes", _public_votes),
    ("consultations", _consultations),
    ("a counted round", _counted_round),
    ("more Millbrook residents", _millbrook_residents),
    ("an unanswered consultation", _library_hours_consultation),
    ("a round moved on early", _round_moved_early),
    ("a withdrawn ballot", _withdrawn_ballot),
    ("group invitations", _group_invitations),
    ("the contract register", _contract_register),
    ("an amended contract and one a vote approved", _contract_amended),
    ("contract documents", _contract_documents),
    ("information requests", _information_requests),
    ("contract performance", _contract_performance),
    ("consultation before outsourcing", _consultation_before_outsourcing),
    ("contract review and a recall petition", _contract_recall),
    ("contracts imported from OCDS", _imported_contracts),
    ("notifications", _notifications),
    ("two former residents", _former_residents),
    ("an email address waiting to be confirmed", _pending_email_confirmation),
    ("a resident who reads Civic in Welsh", _welsh_speaking_resident),
    ("a staff-and-users consultation about the leisure centre", _leisure_centre_stakeholders),
    ("a group that runs itself: rules, members joining and a passed motion", _group_motions),
    ("two Riverside petitions, one answered by the council", _petitions),
    ("a group with an elected organiser", _group_elections),
    ("a Welsh-speaking resident's notifications", _welsh_notifications),
    ("paper votes and consultation forms entered at the library", _paper_participation),
    ("a resident who took part on paper with her letter code alone", _paper_only_resident),
    ("two paper entries contested by their residents", _contested_papers),
    ("a paper vote in a group contested by its member", _contested_group_paper),
    ("Welsh versions and easy-read summaries", _welsh_and_easy_read),
]


def _receipts_text() -> str:
    """A demo voter's receipts, to try at /receipts right after `make run`."""
    from civic.budgets import services as budgets
    from civic.budgets.models import BudgetRound
    from civic.extensions import db
    from civic.receipts.codes import retired_codes

    round_ = db.session.scalar(db.select(BudgetRound).where(BudgetRound.slug == PARK_ROUND))
    if round_ is None:
        return ""
    counted = budgets.my_receipt(round_, _user(NEIGHBOURS[3][0]))
    replaced = retired_codes(round_.audit_subject)
    return (
        f"\nBallot receipts to try at {site()}/receipts (Grace Adeyemi's, in "
        f"Northgate Park small grants 2026):\n  counted: {counted}"
        + (f"   replaced: {replaced[0]}" if replaced else "")
    )


def _unused_codes_text() -> str:
    path = _codes_file()
    if not path.exists():
        return ""
    codes = path.read_text().split()
    return (
        f"\nUnused letter codes to try at {site()}/accounts/eligibility (Riverside: first three; "
        "Northgate: last three):\n  " + "  ".join(codes)
    )
