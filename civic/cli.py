"""`flask civic ...`: the same service functions the web pages call, from a terminal."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import TypeVar

import click

from civic import ROOT
from civic.errors import ServiceError
from civic.extensions import db
from civic.wording import counted

T = TypeVar("T")

civic_cli = click.Group("civic", help="Civic administration commands.")


def run_service(action: Callable[[], T]) -> T:
    """Commit once if the service succeeds; otherwise one readable line and a non-zero exit."""
    try:
        result = action()
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    return result


@civic_cli.command("create-user")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True, help="Name shown to other residents.")
@click.option("--role", type=click.Choice(["resident", "moderator", "admin"]), default="resident")
@click.password_option(help="Prompted for when not given (hidden, asked twice).")
def create_user_command(email: str, display_name: str, role: str, password: str) -> None:
    """Create an account (e.g. the first administrator)."""
    from civic.accounts.models import Role
    from civic.accounts.services import create_user

    user = run_service(lambda: create_user(None, email, display_name, password, Role(role)))
    click.echo(f"Created {role} {user.email} (id {user.id}).")


@civic_cli.command("seed")
def seed_command() -> None:
    """Load the demo data in seeds/ (safe to run again: nothing is duplicated)."""
    spec = importlib.util.spec_from_file_location("civic_seeds", ROOT / "seeds" / "demo.py")
    if spec is None or spec.loader is None:
        raise click.ClickException("seeds/demo.py is missing")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    report = run_service(module.load)
    # the mail the demo queued (a confirmation link) goes out now, as `civic tick` would
    from civic.notifications.outbox import send_due

    click.echo(f"Demo mail: {send_due().summary()}")
    click.echo(report)
    # the demo's mail goes out as any other would after its commit (instance/mail/ by default)
    from civic.notifications.outbox import send_due

    while (sent := send_due()).sent:
        click.echo(sent.summary())


audit_cli = click.Group("audit", help="Check the tamper-evident audit log.")
civic_cli.add_command(audit_cli)


@audit_cli.command("verify")
@click.option("--size", type=click.IntRange(min=0), help="Size of a tree head seen before.")
@click.option("--root", "root_hex", help="Root (hex) of that tree head: the log must extend it.")
@click.option(
    "--workers",
    type=click.IntRange(min=1, max=64),
    default=None,
    help="Processes checking ranges of the log at once (PostgreSQL; default: one per core).",
)
def audit_verify_command(size: int | None, root_hex: str | None, workers: int | None) -> None:
    """Recompute the Merkle tree from the stored entries; exit 1 naming the first bad one.

    On its own the log can only show it is consistent with itself; give a tree head saved
    earlier (--size and --root, e.g. from a published checkpoint) to catch a log cut short.
    """
    import os

    from civic.audit import verify

    if (size is None) != (root_hex is None):
        raise click.UsageError("give --size and --root together")
    trusted = None
    if size is not None:
        try:
            root = bytes.fromhex(root_hex or "")
        except ValueError:
            raise click.UsageError("--root must be hexadecimal") from None
        if len(root) != 32:
            raise click.UsageError("--root must be 64 hexadecimal digits (SHA-256)")
        trusted = (size, root)
    result = verify(trusted, workers=workers or min(os.cpu_count() or 1, 8))
    if result.ok:
        click.echo(f"OK: {result.size} entries, root {result.root.hex()}")
        return
    where = f"entry {result.bad_seq}" if result.bad_seq is not None else "the log"
    click.echo(f"FAILED: {where}: {result.reason}", err=True)
    raise SystemExit(1)


@audit_cli.command("release")
@click.option("--force", is_flag=True, help="Release every queued act now, however few.")
def audit_release_command(force: bool) -> None:
    """Append queued private acts (votes, ballots, responses, grants) in a shuffled batch.

    Without --force, only when AUDIT_BATCH_MIN acts wait or the oldest has waited
    AUDIT_BATCH_MAX_HOURS; `civic tick` does the same on every run.
    """
    from civic.audit import pending_count, release_due, release_pending

    released = run_service(release_pending if force else release_due)
    waiting = pending_count()
    click.echo(f"Released {released} private acts into the log; {waiting} still wait.")


def _latest_checkpoint_id() -> int | None:
    from civic.audit.checkpoints import latest

    newest = latest()
    return newest.id if newest else None


@audit_cli.command("checkpoint")
def audit_checkpoint_command() -> None:
    """Sign the log's current size and root now, and print the signed checkpoint.

    If the newest checkpoint already signs this tree, it is printed and nothing is added.
    """
    from civic.audit import make_checkpoint

    made = run_service(lambda: make_checkpoint("cli"))
    click.echo(made.with_cosignatures(), nl=False)


@audit_cli.command("key")
def audit_key_command() -> None:
    """Print the log's verifier key (pin it in a verifier or witness), making it if needed."""
    from civic.audit.signing import log_verifier

    click.echo(log_verifier().vkey)


@audit_cli.command("witness")
@click.argument("url")
@click.option("--key", "vkey", required=True, help="The log's verifier key (from /audit/key).")
@click.option(
    "--state",
    "state_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Directory keeping this witness's key and the checkpoint it last saw.",
)
@click.option("--name", help="The witness's name, used when its key is made (default: host).")
def audit_witness_command(url: str, vkey: str, state_dir: str, name: str | None) -> None:
    """Check another Civic site's log, then cosign its checkpoint as a witness.

    The first run makes this witness's key in --state and prints its verifier key, for
    the site to list in CIVIC_AUDIT_WITNESS_KEYS. Every run checks the log is consistent
    with the checkpoint seen last time and sends a cosignature only if it is; a rollback,
    a split view or a bad entry exits 1 without cosigning.
    """
    from civic.audit import verifier

    try:
        log_key = verifier.parse_vkey(vkey)
        site = verifier.Site.at(url)
    except (verifier.NoteError, verifier.FetchError) as exc:
        raise click.UsageError(str(exc)) from None
    code = verifier.witness(site, log_key, state_dir, name)
    if code:
        raise SystemExit(code)


pabulib_cli = click.Group("pabulib", help="Import and export Pabulib (.pb) budget files.")
civic_cli.add_command(pabulib_cli)


def _parse_or_exit(path: str):
    from civic.budgets.pabulib import PabulibError, parse_file

    try:
        return parse_file(path)
    except PabulibError as exc:
        click.echo(f"{path}: {exc}", err=True)
        raise SystemExit(2) from None
    except (OSError, UnicodeDecodeError) as exc:
        click.echo(f"{path}: cannot read the file ({exc})", err=True)
        raise SystemExit(2) from None


@pabulib_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--area", "area_slug", help="Area to hold the round (made from META if absent).")
@click.option("--slug", help="Short name for the round's web address.")
def pabulib_import_command(path: str, area_slug: str | None, slug: str | None) -> None:
    """Create a round with the file's projects, ballots and results."""
    from sqlalchemy import func, or_, select

    from civic.accounts.models import Area
    from civic.accounts.services import create_area
    from civic.budgets.pabulib_io import import_round
    from civic.slugs import make_slug

    pb = _parse_or_exit(path)

    def run():
        area = None
        if area_slug:
            area = db.session.scalar(select(Area).where(Area.slug == area_slug))
            if area is None:
                raise click.ClickException(f"no area {area_slug!r}")
        else:
            unit = pb.meta.get("unit") or "Imported"
            auto = make_slug(unit, "imported")
            same = or_(Area.slug == auto, func.lower(Area.name) == unit.strip().lower())
            area = db.session.scalar(select(Area).where(same)) or create_area(
                None,
                name=unit,
                slug=auto,
                kind="neighbourhood",
                postcode_districts="",
                description=f"Area for rounds imported from Pabulib ({unit}).",
            )
        return import_round(pb, area, slug=slug)

    round_ = run_service(run)
    click.echo(
        f"Imported {round_.slug}: {counted(len(pb.projects), 'project')}, "
        f"{counted(len(pb.votes), 'ballot')}."
    )


@pabulib_cli.command("export")
@click.argument("round_slug")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False), help="File to write (stdout if absent)."
)
def pabulib_export_command(round_slug: str, output: str | None) -> None:
    """Write a round as a valid .pb file."""
    from civic.budgets.pabulib import dump
    from civic.budgets.pabulib_io import export_round
    from civic.budgets.services import ballots_withheld, get_round

    try:
        round_ = get_round(round_slug)
        # the file lists every ballot: the same rule as the site's ballots.json
        if reason := ballots_withheld(round_):
            raise click.ClickException(reason)
        text = dump(export_round(round_))
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    if output:
        with open(output, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        click.echo(f"Wrote {output}")
    else:
        click.echo(text, nl=False)


@civic_cli.command("tally")
@click.argument("source")
@click.option(
    "--rule",
    type=click.Choice(["greedy", "greedy-no-skip", "greedy-threshold", "mes", "mes-add1"]),
    help="The rule for a file (a round's address brings its own).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def tally_command(source: str, rule: str | None, as_json: bool) -> None:
    """Compute a file's winners with RULE without touching the database; or, given a round's
    address (http/https), count its published ballots.pb by the published rule and compare
    with its published winners (exit 1 on a difference). `python -m civic.budgets.tally`
    is the same command without Flask, and starts faster."""
    from civic.budgets import tally

    try:
        code = tally.run(
            source,
            rule,
            as_json=as_json,
            out=click.echo,
            err=lambda line: click.echo(line, err=True),
        )
    except tally.UsageError as exc:
        raise click.UsageError(str(exc)) from None
    if code:
        raise SystemExit(code)


budgets_cli = click.Group("budgets", help="Community budget rounds.")
civic_cli.add_command(budgets_cli)


@budgets_cli.command("advance")
def budgets_advance_command() -> None:
    """Move rounds whose phase dates have passed on (run from cron, e.g. hourly)."""
    from civic.budgets.services import advance_due_rounds

    moved = run_service(advance_due_rounds)
    click.echo("\n".join(moved) if moved else "No round was due to move.")


@civic_cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
def backup_command(path: str) -> None:
    """Write a consistent snapshot of the whole database to PATH (PostgreSQL: pg_dump's
    custom format; SQLite: a database file), audit log and checkpoints included; keys and
    instance/ files are not (README, "Operations: backup and restore")."""
    from civic.backup import BackupError, backup

    try:
        held = backup(db.engine, path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Wrote {path}: {held.describe()}.")
    click.echo(f"After a restore, check: flask civic audit verify {_trusted_head(held)}")


@civic_cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
def restore_command(path: str) -> None:
    """Restore a backup written by `civic backup` into this site's database, which must be
    empty (a new database); anything else is refused and nothing is changed."""
    from civic.backup import BackupError, restore

    try:
        held = restore(db.engine, path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Restored {path}: {held.describe()}.")
    click.echo(
        "Next: flask db upgrade (if this code is newer), then "
        f"flask civic audit verify {_trusted_head(held)}"
    )


def _trusted_head(held) -> str:
    return f"--size {held.entries} --root {held.root.hex()}"


@civic_cli.command("mail-test")
@click.option("--to", "address", required=True, help="The address to send the test message to.")
def mail_test_command(address: str) -> None:
    """Send a test message through the outbox now, to check the mail settings
    (CIVIC_MAIL_URL); a refusal is kept in the outbox and retried like any message."""
    from secrets import token_hex

    from civic.notifications import outbox

    run_service(
        lambda: outbox.queue_template(
            "test_message", to=address, subject="Civic test message", key=f"test:{token_hex(8)}"
        )
    )
    report = outbox.send_due()
    if not report.sent:
        reason = report.errors[0] if report.errors else "it is queued for the next tick"
        raise click.ClickException(f"The test message was not sent: {reason}")
    click.echo(f"Sent a test message to {address}.")


@civic_cli.command("tick")
def tick_command() -> None:
    """Every date-driven change at once (run from cron at least hourly, e.g. every 10
    minutes): budget phases move on, votes and consultations past their closing time
    close, lapsed group invitations are marked expired, group motions and elections open
    and are counted, petitions past their closing date close, eligibility evidence past
    CIVIC_ELIGIBILITY_EVIDENCE_DAYS is removed, followers hear what closes within 48 hours
    and moderators what is overdue, queued private acts reach the audit log in a shuffled
    batch, the day's notification digests are queued, and the mail outbox sends what is
    due (retries too)."""
    from civic.accounts.data_rights import purge_evidence
    from civic.accounts.invitations import expire_due
    from civic.audit import make_checkpoint, release_due
    from civic.budgets.services import advance_due_rounds
    from civic.consultations.services import close_due
    from civic.contracts.inforequests.services import record_overdue
    from civic.contracts.performance.services import mark_overdue_reports
    from civic.contracts.review import mark_due_reviews
    from civic.groups.elections import advance_due as advance_group_elections
    from civic.notifications.mailing import send_digests
    from civic.notifications.outbox import send_due as send_due_mail
    from civic.notifications.reminders import tell_closing, tell_opened, tell_overdue
    from civic.petitions.services import expire_due as close_due_petitions
    from civic.votes.services import close_due_votes

    # each part in its own transaction: a part that has appended to the audit log must not
    # then wait for another subject's row lock, held by a voter waiting for the log
    done: list[str] = []
    for part in (
        advance_due_rounds,
        close_due_votes,
        close_due,
        expire_due,
        mark_overdue_reports,
        mark_due_reviews,
        purge_evidence,
        close_due_petitions,
        advance_group_elections,
    ):
        done += run_service(part)
    # information requests past their due date unanswered: each logged overdue once
    done += run_service(record_overdue)
    # group motions (issue 15): voting opens when the discussion ends, closes on its date
    from civic.groups.motions import close_due as close_due_motions
    from civic.groups.motions import open_due as open_due_motions

    done += run_service(open_due_motions)
    done += run_service(close_due_motions)
    # notices: consultations reaching their opening date, closing in 48 hours (to who has
    # not taken part), moderators' overdue work;
    # after the parts above, so what they closed or marked is seen as it now stands
    done += run_service(tell_opened)
    done += run_service(tell_closing)
    done += run_service(tell_overdue)
    released = run_service(release_due)
    if released:
        done.append(f"Released {released} private acts into the audit log.")
    # today's notification digests (at most one a person a day, from CIVIC_DIGEST_HOUR)
    digests = run_service(send_digests)
    if digests:
        done.append(f"Queued {counted(digests, 'notification digest')}.")
    # mail the parts above queued, and whatever earlier sends could not (retries, backoff)
    sent = send_due_mail()
    if sent.sent or sent.retrying or sent.failed:
        done.append(sent.summary())
    # last, in its own transaction: the checkpoint signs everything this run appended
    before = run_service(_latest_checkpoint_id)
    made = run_service(lambda: make_checkpoint("tick"))
    if made.id != before:
        done.append(f"Signed checkpoint {made.id}: {made.size} audit entries.")
    click.echo("\n".join(done) if done else "Nothing was due.")
