"""Rounds to and from Pabulib files: import a real round (projects, every ballot, the META)
and export one so it can be checked with any Pabulib tool. The parsing itself is pure
(civic.budgets.pabulib); this module is the database side."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from civic import audit, bulk, privacy
from civic.accounts.models import Area, User, utcnow
from civic.budgets import services
from civic.budgets.ballots import MINOR_PER_UNIT
from civic.budgets.models import (
    Ballot,
    BallotEntry,
    BallotKind,
    BudgetRound,
    Phase,
    Project,
    ProjectStatus,
)
from civic.budgets.pabulib import PbFile, PbProject, PbVote, dump
from civic.errors import ValidationFailed
from civic.extensions import db
from civic.receipts import codes as receipts
from civic.slugs import is_slug, make_slug

KIND_FOR_VOTE_TYPE = {
    "approval": BallotKind.APPROVAL,
    "choose-1": BallotKind.K_OF_N,
    "cumulative": BallotKind.CUMULATIVE,
    "scoring": BallotKind.CUMULATIVE,
    "ordinal": BallotKind.RANKED,
}
RULE_FOR_META = {
    "greedy": "greedy",
    "greedy-no-skip": "greedy-no-skip",
    "greedy-threshold": "greedy-threshold",
    "equalshares": "mes",
    "equalshares/add1": "mes-add1",
}
TITLE_LENGTH = 200  # Project.title
CATEGORY_LENGTH = 80  # Project.category
# Ballot.extra keys holding a ballot as the file wrote it, when that differs from what is
# stored as entries (a project named twice); export gives back the file's own text.
FILE_VOTE = "pabulib:vote"
FILE_POINTS = "pabulib:points"
PROJECT_KNOWN = ("project_id", "cost", "name", "description", "category")


def _date(text: str | None) -> datetime | None:
    for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime((text or "").strip(), fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _int_meta(meta: dict[str, str], key: str) -> int | None:
    value = meta.get(key, "").strip()
    try:
        return int(float(value)) if value else None
    except ValueError:
        return None


def _slug_for(pb: PbFile) -> str:
    # The year before the district, so a name cut to fit still tells the years apart.
    parts = [pb.meta.get(k, "") for k in ("country", "unit", "instance", "subunit")]
    return make_slug(" ".join(p for p in parts if p), "imported-round")


def import_round(
    pb: PbFile, area: Area, *, slug: str | None = None, actor: User | None = None
) -> BudgetRound:
    """Create a round holding everything in `pb`, with its results computed by its own rule."""
    slug = slug or _slug_for(pb)
    if not is_slug(slug):
        raise ValidationFailed(
            {"slug": f"{slug!r} is not a slug: use lower-case letters, numbers and hyphens"}
        )
    if db.session.scalar(select(BudgetRound.id).where(BudgetRound.slug == slug)) is not None:
        raise ValidationFailed({"slug": f"A round called {slug!r} already exists"})
    kind = KIND_FOR_VOTE_TYPE.get(pb.vote_type)
    if kind is None:
        raise ValidationFailed({"file": f"vote type {pb.vote_type!r} is not supported"})
    meta = pb.meta
    start = _date(meta.get("date_begin")) or utcnow() - timedelta(days=60)
    end = _date(meta.get("date_end")) or start + timedelta(days=14)
    if end <= start:
        end = start + timedelta(days=1)
    round_ = BudgetRound(
        slug=slug,
        title=meta.get("description") or slug.replace("-", " ").title(),
        description=meta.get("comment", ""),
        area_id=area.id,
        amount=pb.budget * MINOR_PER_UNIT,
        currency=(meta.get("currency") or "PLN").upper()[:3],
        phase=Phase.RESULTS,
        ideas_from=start - timedelta(days=2),
        review_from=start - timedelta(days=1),
        voting_from=start,
        results_from=end,
        delivery_from=end + timedelta(days=1),
        ballot_kind=kind,
        rule=RULE_FOR_META.get(meta.get("rule", ""), "greedy"),
        min_projects=_int_meta(meta, "min_length"),
        max_projects=1 if pb.vote_type == "choose-1" else _int_meta(meta, "max_length"),
        points=_int_meta(meta, "max_sum_points"),
        max_points_per_project=_int_meta(meta, "max_points"),
        threshold=_int_meta(meta, "min_project_score_threshold"),
        extra={
            "meta": dict(meta),
            "project_columns": list(pb.project_columns),
            "vote_columns": list(pb.vote_columns),
        },
    )
    if round_.rule == "greedy-threshold" and round_.threshold is None:
        round_.rule = "greedy"
    db.session.add(round_)
    db.session.flush()
    ids = _import_projects(round_, pb.projects)
    votes = _import_votes(round_, pb.votes, ids)
    digest = hashlib.sha256(dump(pb).encode()).hexdigest()
    audit.record(
        actor,
        "budget_round:import",
        round_,
        {"content_sha256": digest, "projects": len(pb.projects), "ballots": len(pb.votes)},
    )
    db.session.expire(round_, ["projects"])
    # the results (and the stored downloads) come from the parsed file, not a read-back
    round_.imported_ballots = _published(round_, votes)
    try:
        services.compute_results(round_, actor)
    finally:
        round_.imported_ballots = None
    return round_


def _import_projects(round_: BudgetRound, projects: list[PbProject]) -> dict[str, int]:
    rows = []
    for position, project in enumerate(projects, start=1):
        fields = project.fields
        name = fields.get("name") or f"Project {project.project_id}"
        category = fields.get("category", "")
        extra = {k: v for k, v in fields.items() if k not in PROJECT_KNOWN}
        # Keep the file's full text where a column is shorter, so export gives it back.
        if len(name) > TITLE_LENGTH:
            extra["name"] = name
        if len(category) > CATEGORY_LENGTH:
            extra["category"] = category
        unbuildable = project.cost >= 999_999_999
        rows.append(
            {
                "round_id": round_.id,
                "position": position,
                "external_id": project.project_id,
                "title": name[:TITLE_LENGTH],
                "description": fields.get("description", ""),
                "cost": project.cost * MINOR_PER_UNIT,
                "proposed_cost": project.cost * MINOR_PER_UNIT,
                "cost_note": "",
                "location": "",
                "category": category[:CATEGORY_LENGTH],
                "status": ProjectStatus.REJECTED if unbuildable else ProjectStatus.FEASIBLE,
                "rejection_reason": "Marked as impossible to build in the file"
                if unbuildable
                else "",
                "delivery": "not_started",
                "extra": extra,
                "created_at": utcnow(),
            }
        )
    db.session.execute(insert(Project), rows)
    return dict(
        db.session.execute(
            select(Project.external_id, Project.id).where(Project.round_id == round_.id)
        ).all()
    )


def _merged(vote: PbVote) -> list[tuple[str, int]]:
    """(project id, points) in ballot order, each project once: a project the file names
    twice keeps its first place (and, with points, the sum), as the rules read it."""
    points = vote.points or (1,) * len(vote.vote)
    merged: dict[str, int] = {}
    for project_id, value in zip(vote.vote, points, strict=True):
        if project_id not in merged:
            merged[project_id] = value
        elif vote.points:
            merged[project_id] += value
    return list(merged.items())


def _ballot_extra(vote: PbVote, merged: list[tuple[str, int]]) -> dict:
    extra: dict = {"voter_id": vote.voter_id, **vote.fields}
    if len(merged) != len(vote.vote):
        extra[FILE_VOTE] = list(vote.vote)
        if vote.points is not None:
            extra[FILE_POINTS] = list(vote.points)
    return extra


def _published(round_: BudgetRound, ballots: list[dict]) -> list[dict]:
    """The imported ballots as `services.anonymised_ballots` reads them back: sorted by
    receipt code, projects in ballot order, "paper" False (or None when so few were cast
    that even that is withheld)."""
    paper = False if privacy.publishable(len(ballots)) else None
    published = [
        {"receipt": b["receipt"], "projects": projects, "points": points, "paper": paper}
        for b, (projects, points) in ballots
    ]
    published.sort(key=lambda b: b["receipt"])
    return published


def _import_votes(
    round_: BudgetRound, votes: list[PbVote], ids: dict[str, int]
) -> list[tuple[dict, tuple[list[str], list[int]]]]:
    """Every ballot of the file, each with a receipt code like a ballot cast here, so the
    round is published by receipt too; the round's one `budget_round:import` entry states
    how many ballots it brought (civic.receipts.codes.participation_count)."""
    now = utcnow()
    merged_votes = [_merged(v) for v in votes]
    ballots = [
        {
            "round_id": round_.id,
            "voter_key": hashlib.sha256(f"pabulib:{round_.slug}:{v.voter_id}".encode()).hexdigest(),
            "paper": False,
            "extra": _ballot_extra(v, merged),
            "receipt": receipts.new_code(
                round_.audit_subject,
                {"projects": [p for p, _ in merged], "points": [n for _, n in merged]},
            ),
            "updated_at": now,
        }
        for v, merged in zip(votes, merged_votes, strict=True)
    ]
    columns = ("round_id", "voter_key", "paper", "extra", "receipt", "updated_at")
    bulk.insert_rows(Ballot.__table__, columns, [[b[c] for c in columns] for b in ballots])
    services.count_ballots(round_.id, len(ballots))
    by_key = dict(
        db.session.execute(
            select(Ballot.voter_key, Ballot.id).where(Ballot.round_id == round_.id)
        ).all()
    )
    bulk.insert_rows(
        BallotEntry.__table__,
        ("ballot_id", "project_id", "rank", "points"),
        (
            (by_key[ballot["voter_key"]], ids[project_id], rank, value)
            for merged, ballot in zip(merged_votes, ballots, strict=True)
            for rank, (project_id, value) in enumerate(merged, start=1)
        ),
    )
    return [
        (ballot, ([p for p, _ in merged], [n for _, n in merged]))
        for ballot, merged in zip(ballots, merged_votes, strict=True)
    ]


def _meta_and_projects(
    round_: BudgetRound, projects: list[Project]
) -> tuple[dict[str, str], list[PbProject], tuple[str, ...]]:
    """META (kept from an import, else made), the projects as file rows, and their header."""
    extra = round_.extra or {}
    meta = dict(extra.get("meta") or {})
    meta.setdefault("description", round_.title)
    meta.setdefault("currency", round_.currency)
    meta.setdefault("vote_type", round_.ballot_kind.vote_type)
    meta.setdefault("budget", str(round_.amount // MINOR_PER_UNIT))
    meta.setdefault("num_projects", str(len(projects)))
    project_columns = tuple(
        extra.get("project_columns") or ("project_id", "cost", "name", "category")
    )
    pb_projects = []
    for p in projects:
        fields = {"name": p.title, "description": p.description, "category": p.category, **p.extra}
        pb_projects.append(PbProject(p.external_id, p.cost // MINOR_PER_UNIT, fields))
    return meta, pb_projects, project_columns


def export_round(round_: BudgetRound) -> PbFile:
    """The round as a Pabulib file: its META (kept from an import, else made), projects in
    input order and every ballot in its own order."""
    extra = round_.extra or {}
    projects = [p for p in round_.projects if p.status is not ProjectStatus.SUBMITTED]
    meta, pb_projects, project_columns = _meta_and_projects(round_, projects)
    external = {p.id: p.external_id for p in round_.projects}
    with_points = round_.ballot_kind is BallotKind.CUMULATIVE
    vote_columns = tuple(
        extra.get("vote_columns")
        or (("voter_id", "vote", "points") if with_points else ("voter_id", "vote"))
    )
    votes = []
    ballots = db.session.scalars(
        select(Ballot)
        .where(Ballot.round_id == round_.id)
        .order_by(Ballot.id)
        .options(selectinload(Ballot.entries))
    ).all()

    def published_order(ballot: Ballot) -> tuple:
        """An imported ballot keeps its file's place; one cast here goes by its contents,
        since the order of casting, set against the log's times, could name its voter."""
        if "voter_id" in (ballot.extra or {}):
            return (0, ballot.id, (), ())
        entries = sorted(ballot.entries, key=lambda e: e.rank)
        chosen = tuple(external[e.project_id] for e in entries)
        return (1, 0, chosen, tuple(e.points for e in entries))

    for n, ballot in enumerate(sorted(ballots, key=published_order), start=1):
        fields = dict(ballot.extra or {})
        voter_id = fields.pop("voter_id", str(n))
        as_written = fields.pop(FILE_VOTE, None)
        points_as_written = fields.pop(FILE_POINTS, None)
        entries = sorted(ballot.entries, key=lambda e: e.rank)
        chosen = tuple(external[e.project_id] for e in entries)
        points = tuple(e.points for e in entries) if "points" in vote_columns else None
        if as_written is not None:
            chosen = tuple(as_written)
            points = tuple(points_as_written) if points_as_written is not None else None
        votes.append(PbVote(voter_id, chosen, points, fields))
    meta.setdefault("num_votes", str(len(votes)))
    return PbFile(meta, pb_projects, votes, project_columns, vote_columns)


META_FOR_RULE = {rule: name for name, rule in RULE_FOR_META.items()}


def published_file(round_: BudgetRound) -> PbFile:
    """The round's published ballots as a Pabulib file (`/budgets/<slug>/ballots.pb`).

    The same ballots as `ballots.json`, in the same order (sorted by receipt code, which is
    random, so the order says nothing about who voted or when); voter ids are just 1, 2,
    3... in that order, and no other column of an imported ballot is kept. PROJECTS
    holds exactly the projects the rule counted, with the ids the pages use; META states what
    the count used: the rule, the budget in whole units, the vote type and, where the rule
    needs them, the Borda length (`max_length`) and the threshold. Call it only when
    `services.ballots_withheld` is None."""
    projects = services.ballot_projects(round_)
    meta, pb_projects, project_columns = _meta_and_projects(round_, projects)
    settings = services.recount_settings(round_)
    ballots = services.anonymised_ballots(round_)
    meta.update(
        vote_type=settings["vote_type"],
        budget=str(round_.amount // MINOR_PER_UNIT),
        rule=META_FOR_RULE[round_.rule],
        num_projects=str(len(projects)),
        num_votes=str(len(ballots)),
    )
    limits = {
        "min_length": round_.min_projects,
        "max_length": round_.max_projects,
        "max_sum_points": round_.points,
        "max_points": round_.max_points_per_project,
        "min_project_score_threshold": round_.threshold,
    }
    for key, value in limits.items():
        if value is not None:
            meta[key] = str(value)
    vote_columns: tuple[str, ...] = ("voter_id", "vote")
    if settings["points"]:
        vote_columns += ("points",)
    marked = bool(ballots) and ballots[0]["paper"] is not None
    if marked:
        vote_columns += ("paper",)
    votes = [
        PbVote(
            str(n),
            tuple(b["projects"]),
            tuple(b["points"]) if settings["points"] else None,
            {"paper": str(int(b["paper"]))} if marked else {},
        )
        for n, b in enumerate(ballots, start=1)
    ]
    return PbFile(meta, pb_projects, votes, project_columns, vote_columns)
