"""Site pages: defaults until an administrator saves, every save a new version, only
administrators may save, the audit entry carries the text's hash and not the text."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select

from civic.audit.models import AuditEntry
from civic.errors import NotFound, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.site_pages import services
from civic.site_pages.models import SitePageVersion
from tests.factories import AdminFactory, ModeratorFactory, UserFactory


def test_a_page_shows_its_default_until_saved_with_the_councils_name(app):
    app.config["DATA_CONTROLLER"] = "Northgate Borough Council"
    try:
        page = services.get_page("privacy")
    finally:
        app.config["DATA_CONTROLLER"] = "The council that runs this site"
    assert page.is_default and page.version == 0 and page.updated_at is None
    assert "Northgate Borough Council is the data controller" in page.body
    assert "$controller" not in page.body and "$contact" not in page.body
    for slug in services.PAGES:
        text = services.get_page(slug).body
        assert "$" not in text, f"{slug} has an unfilled placeholder"


def test_each_save_is_a_new_version_and_the_newest_is_shown():
    admin = AdminFactory()
    first = services.save_page(admin, "cookies", "First text.", based_on=0)
    second = services.save_page(admin, "cookies", "Second text.", based_on=1)
    assert (first.version, second.version) == (1, 2)
    page = services.get_page("cookies")
    assert page.body == "Second text." and page.version == 2 and page.updated_at is not None
    assert [v.body for v in services.versions("cookies")] == ["Second text.", "First text."]
    # other pages are untouched
    assert services.get_page("privacy").is_default


def test_the_audit_entry_carries_the_hash_not_the_text():
    admin = AdminFactory()
    text = "Our privacy notice: a secret-looking phrase."
    services.save_page(admin, "privacy", text)
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry.action == "site_page:update"
    assert (entry.subject_type, entry.subject_id) == ("site_page", "privacy")
    assert hashlib.sha256(text.encode()).hexdigest().encode() in entry.body
    assert b"secret-looking" not in entry.body
    assert entry.actor is not None  # an official act, signed by the admin's public pseudonym
    assert json.loads(entry.body)  # the body is JSON


@pytest.mark.parametrize("factory", [None, UserFactory, ModeratorFactory])
def test_only_administrators_may_save(factory):
    actor = factory() if factory else None
    with pytest.raises(PermissionDenied):
        services.save_page(actor, "privacy", "Text")
    assert db.session.scalar(select(SitePageVersion)) is None


@pytest.mark.parametrize(
    ("body", "message"),
    [("", "Enter the text"), ("   \r\n ", "Enter the text"), ("x" * 60_001, "60,000 characters")],
)
def test_empty_or_too_long_text_is_refused(body, message):
    with pytest.raises(ValidationFailed) as refused:
        services.save_page(AdminFactory(), "privacy", body)
    assert message in refused.value.errors["body"]
    assert db.session.scalar(select(SitePageVersion)) is None


def test_a_stale_edit_does_not_overwrite_a_newer_version():
    admin = AdminFactory()
    services.save_page(admin, "privacy", "Saved by someone else.", based_on=0)
    with pytest.raises(ValidationFailed) as refused:
        services.save_page(admin, "privacy", "My edit of the default.", based_on=0)
    assert "Someone else saved" in refused.value.errors["body"]
    assert services.get_page("privacy").body == "Saved by someone else."


def test_an_unknown_page_is_not_found():
    with pytest.raises(NotFound):
        services.get_page("terms")
    with pytest.raises(NotFound):
        services.save_page(AdminFactory(), "terms", "Text")
