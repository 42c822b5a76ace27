"""`flask civic contracts ...`: import and export the register as Open Contracting Data."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy.exc import IntegrityError

from civic.extensions import db
from civic.wording import counted

contracts_cli = click.Group("contracts", help="The contract register.")


@contracts_cli.command("import-ocds")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option(
    "--area",
    "area_slug",
    help="Slug of the area the contracts serve (a contract's civicArea, if given, wins).",
)
@click.option(
    "--currency",
    "currencies",
    multiple=True,
    help="Accept values in this currency as well as GBP (repeat for more).",
)
@click.option("--dry-run", is_flag=True, help="Validate only: report errors, import nothing.")
def import_ocds_command(
    path: str, area_slug: str | None, currencies: tuple[str, ...], dry_run: bool
) -> None:
    """Register and publish every contract in an OCDS 1.1 release package (JSON).

    The whole file is checked first: if any release has an error, nothing is imported and
    every error is printed, one line each, naming the release and field (exit 1).
    """
    from civic.contracts.ocds_import import ImportRefused, import_package

    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise click.ClickException(f"{path}: cannot read the file ({exc.strerror})") from None
    allowed = tuple(dict.fromkeys(("GBP", *(c.strip().upper() for c in currencies))))
    try:
        result = import_package(None, raw, area_slug=area_slug, currencies=allowed, dry_run=dry_run)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    except ImportRefused as exc:
        db.session.rollback()
        for line in exc.lines:
            click.echo(f"{path}: {line}", err=True)
        click.echo(f"{path}: nothing imported ({counted(len(exc.lines), 'error')}).", err=True)
        sys.exit(1)
    except IntegrityError:
        db.session.rollback()
        raise click.ClickException(
            f"{path}: nothing imported: another change to the register collided with this "
            "import (a reference or provider registered meanwhile); run it again"
        ) from None
    found = counted(len(result.records), "contract")
    if dry_run:
        click.echo(f"{path}: valid: {found} would be imported (dry run: nothing written).")
        return
    click.echo(
        f"Imported {found} ({counted(result.providers_created, 'new provider')}); "
        f"package SHA-256 {result.sha256}."
    )
    for contract in result.contracts:
        click.echo(f"  {contract.reference}: {contract.title} ({contract.provider.name})")


@contracts_cli.command("export-ocds")
@click.argument("path", required=False, type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--uri",
    default="",
    help="The package's own address (default: this site's /contracts/ocds.json, from "
    "SERVER_NAME when set).",
)
def export_ocds_command(path: str | None, uri: str) -> None:
    """Write the public register as an OCDS 1.1 release package (to PATH, or standard out)."""
    from flask import current_app, url_for

    from civic.contracts import ocds
    from civic.contracts.ocds_import import export_package

    with current_app.test_request_context():
        package = export_package(uri or url_for("contracts.ocds_json", _external=True))
    text = ocds.dumps(package) + "\n"
    if path is None or path == "-":
        click.echo(text, nl=False)
        return
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"{path}: cannot write the file ({exc.strerror})") from None
    click.echo(f"Wrote {counted(len(package['releases']), 'release')} to {path}.", err=True)
