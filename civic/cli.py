"""`flask civic ...`: the same service functions the web pages call, from a terminal."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import TypeVar

import click

from civic import ROOT
from civic.errors import ServiceError
from civic.extensions import db

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
    click.echo(report)


audit_cli = click.Group("audit", help="Check the tamper-evident audit log.")
civic_cli.add_command(audit_cli)


@audit_cli.command("verify")
def audit_verify_command() -> None:
    """Recompute the Merkle tree from the stored entries; exit 1 naming the first bad one."""
    from civic.audit import verify

    result = verify()
    if result.ok:
        click.echo(f"OK: {result.size} entries, root {result.root.hex()}")
        return
    where = f"entry {result.bad_seq}" if result.bad_seq is not None else "the log"
    click.echo(f"FAILED: {where}: {result.reason}", err=True)
    raise SystemExit(1)
