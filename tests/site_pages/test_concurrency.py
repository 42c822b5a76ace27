"""Administrators saving the same page at the same moment, on PostgreSQL with real threads:
one version wins, the others are told to reload; never a duplicate version or a 500."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.audit.models import AuditEntry
from civic.errors import ValidationFailed
from civic.extensions import db
from civic.site_pages import services
from civic.site_pages.models import SitePageVersion
from tests.conftest import on_postgres
from tests.factories import AdminFactory

RACERS = 8


def _race(
    app, admin_id: int, based_on: int | None, languages: tuple[str, ...] = ("en",)
) -> tuple[list[tuple[str, int]], list[str], list]:
    barrier = threading.Barrier(RACERS)
    saved: list[tuple[str, int]] = []
    refused: list[str] = []
    errors: list[BaseException] = []
    guard = threading.Lock()

    def work(n: int) -> None:
        with app.app_context():
            try:
                admin = db.session.get(User, admin_id)
                barrier.wait(timeout=60)
                row = services.save_page(
                    admin,
                    "privacy",
                    f"Text {n}",
                    based_on=based_on,
                    language=languages[n % len(languages)],
                )
                db.session.commit()
                with guard:
                    saved.append((row.language, row.version))
            except ValidationFailed as failure:
                db.session.rollback()
                with guard:
                    refused.append(failure.errors["body"])
            except BaseException as exc:  # asserted below
                db.session.rollback()
                with guard:
                    errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return saved, refused, errors


@pytest.mark.parametrize("based_on", [0, None])
@pytest.mark.commits
def test_simultaneous_saves_make_one_version_and_refuse_the_rest(app, based_on):
    if not on_postgres():
        pytest.skip("needs PostgreSQL: real concurrent connections; set CIVIC_TEST_DATABASE_URL")
    admin = AdminFactory()
    db.session.commit()
    saved, refused, errors = _race(app, admin.id, based_on)
    assert errors == []
    assert saved == [("en", 1)]  # every racer started from the default: one may save
    assert len(refused) == RACERS - 1 and all("Someone else saved" in r for r in refused)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(SitePageVersion)) == 1
    logged = db.session.scalar(select(func.count()).where(AuditEntry.action == "site_page:update"))
    assert logged == 1


@pytest.mark.commits
def test_a_welsh_and_an_english_save_at_once_each_get_their_first_version(app):
    """The languages number apart: a Welsh save never makes an English one stale."""
    if not on_postgres():
        pytest.skip("needs PostgreSQL: real concurrent connections; set CIVIC_TEST_DATABASE_URL")
    admin = AdminFactory()
    db.session.commit()
    saved, refused, errors = _race(app, admin.id, 0, ("en", "cy"))
    assert errors == []
    assert sorted(saved) == [("cy", 1), ("en", 1)]
    assert len(refused) == RACERS - 2
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(SitePageVersion)) == 2
