"""Demo data for `make run`: a small borough with areas, groups, people and letters.

Everything is created through the service functions, so the demo's audit log is a real
one. Loading is idempotent: if the demo administrator exists, nothing is added again.
"""

from __future__ import annotations

from flask import current_app

from civic.accounts import services
from civic.accounts.codes import display
from civic.accounts.models import GroupRole, Role

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

ACCOUNTS_TEXT = """Demo accounts (sign in at http://127.0.0.1:5000/accounts/sign-in):
  admin       admin@civic.example       Riverside-Admin-Demo-26
  moderator   moderator@civic.example   Mod-Rosa-Riverside-26
  resident    resident@civic.example    resident-demo-password   (can vote in Riverside Ward)
  organiser   organiser@civic.example   organiser-demo-password  (organises Millbrook TRA)"""


def _codes_file():
    from pathlib import Path

    return Path(current_app.instance_path) / "demo-codes.txt"


def load() -> str:
    """Create each part of the demo once; return what to tell the person running `make run`."""
    loaded = [name for name, step in STEPS if step()]
    status = f"Demo data loaded: {', '.join(loaded)}." if loaded else "Demo data already loaded."
    return status + "\n" + ACCOUNTS_TEXT + _unused_codes_text()


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
        people[email] = services.register(email, name, NEIGHBOUR_PASSWORD)
    moderator = people[MODERATOR[0]]

    areas = {spec["slug"]: services.create_area(moderator, **spec) for spec in AREAS}

    tra = services.create_group(
        moderator,
        area=areas["millbrook"],
        name="Millbrook Tenants and Residents Association",
        slug="millbrook-tra",
        description="Runs the estate's community chest and the summer fun day.",
        organiser=people[ORGANISER[0]],
    )
    for email, _ in NEIGHBOURS[:3]:
        services.add_member(people[ORGANISER[0]], tra, people[email], GroupRole.MEMBER)
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


STEPS = [("accounts and areas", _accounts_and_areas), ("discussions", _discussions)]


def _unused_codes_text() -> str:
    path = _codes_file()
    if not path.exists():
        return ""
    codes = path.read_text().split()
    return (
        "\nUnused letter codes to try at /accounts/eligibility (Riverside: first three; "
        "Northgate: last three):\n  " + "  ".join(codes)
    )
