"""A round's published downloads (results and ballots as JSON, CSV and Pabulib), built once.

Once the results are frozen nothing these files show can change: the ballots are counted,
no ballot can be written, voided or withdrawn. So they are built when the results freeze
(`freeze`, in the same transaction) or, for rounds frozen before this existed, by the first
request after, and stored (`civic.frozen`): a city round's ballots.json took seconds of CPU
per request. Links to project pages start with CIVIC_SITE_URL, never the request's Host
header, since the first visitor's request would otherwise fix them for everyone.
"""

from __future__ import annotations

import io
import json

from civic import csv_safe, frozen
from civic.budgets import services
from civic.budgets.models import BudgetRound, RoundResult
from civic.budgets.pabulib import dump
from civic.budgets.pabulib_io import published_file
from civic.extensions import db
from civic.receipts import codes as receipt_codes
from civic.web import site_url

JSON = "application/json"
CSV = "text/csv; charset=utf-8"
PB = "text/plain; charset=utf-8"


def subject(round_: BudgetRound) -> str:
    return f"budget_round:{round_.id}"


def _result(round_: BudgetRound) -> RoundResult:
    result = db.session.get(RoundResult, round_.id)
    assert result is not None, "build downloads only of a round with results"
    return result


def project_urls(round_: BudgetRound) -> dict[str, str]:
    """The site's page for each project, by the id the results use (the imported id)."""
    return {
        p.external_id: site_url("budgets.project_detail", slug=round_.slug, project_id=p.id)
        for p in round_.projects
    }


def results_json(round_: BudgetRound) -> str:
    result = _result(round_)
    urls = project_urls(round_)
    body = {
        "round": round_.slug,
        "title": round_.title,
        "budget": round_.amount,
        "currency": round_.currency,
        "rule": result.rule,
        "tie_breaking": result.tie_breaking,
        "input_digest": result.input_digest,
        # with ballots.json and the projects' costs, all a recount needs (see rule_input)
        "recount": services.recount_settings(round_),
        # MES: each voter's final share ("n/d" whole units) and Add1's added units per voter
        "equal_shares": result.detail or None,
        "audit_entry": result.audit_seq,
        "ballots": result.ballots,
        "paper_ballots": result.paper_ballots,
        "selected": result.selected,
        "cost": result.cost,
        "projects": [{**p, "url": urls.get(p["id"])} for p in result.projects],
    }
    return json.dumps(body, indent=2, ensure_ascii=False)


def results_csv(round_: BudgetRound) -> str:
    result = _result(round_)
    buffer = io.StringIO()
    writer = csv_safe.writer(buffer)
    writer.writerow(
        [
            "project_id",
            "title",
            "cost_minor_units",
            "votes",
            "score",
            "selected",
            "explanation",
            "url",
        ]
    )
    urls = project_urls(round_)
    for p in result.projects:
        writer.writerow(
            [
                p["id"],
                p["title"],
                p["cost"],
                p["votes"],
                p["score"],
                int(p["selected"]),
                p["explanation"],
                urls.get(p["id"], ""),
            ]
        )
    return buffer.getvalue()


def ballots_json(round_: BudgetRound) -> str:
    return json.dumps(services.anonymised_ballots(round_), indent=1)


def ballots_csv(round_: BudgetRound) -> str:
    buffer = io.StringIO()
    writer = csv_safe.writer(buffer)
    writer.writerow(["ballot", "projects", "points", "paper"])
    for n, b in enumerate(services.anonymised_ballots(round_), start=1):
        writer.writerow(
            [
                n,
                ",".join(b["projects"]),
                ",".join(map(str, b["points"])),
                "" if b["paper"] is None else int(b["paper"]),
            ]
        )
    return buffer.getvalue()


def ballots_pb(round_: BudgetRound) -> str:
    """The published ballots as a Pabulib file, for any Pabulib tool and for recounts."""
    return dump(published_file(round_))


def replaced_json(round_: BudgetRound) -> str:
    """Receipt codes no longer counted. Final with the results too: replacing and
    withdrawing end with voting, and a paper ballot cannot be voided under frozen results."""
    subject = round_.audit_subject
    body = {
        "round": round_.slug,
        "replaced": receipt_codes.retired_codes(subject),
        "voided": receipt_codes.retired_codes(subject, receipt_codes.VOIDED),
        "withdrawn": receipt_codes.retired_codes(subject, receipt_codes.WITHDRAWN),
    }
    return json.dumps(body, indent=1)


RESULTS = {"results.json": (JSON, results_json), "results.csv": (CSV, results_csv)}
BALLOTS = {
    "ballots.json": (JSON, ballots_json),
    "ballots.csv": (CSV, ballots_csv),
    "ballots.pb": (PB, ballots_pb),
    "replaced.json": (JSON, replaced_json),
}


def download(round_: BudgetRound, name: str) -> frozen.Frozen:
    """What `frozen.serve` needs to serve (or first build) the round's download `name`."""
    content_type, build = {**RESULTS, **BALLOTS}[name]
    return name, content_type, lambda: build(round_)


def freeze(round_: BudgetRound) -> None:
    """Build and store every download of the round's just-frozen results (the ballots only
    when they may be published), in the caller's transaction."""
    names = list(RESULTS) + ([] if services.ballots_withheld(round_) else list(BALLOTS))
    for name in names:
        frozen.build_once(subject(round_), download(round_, name))
