"""Every page a resident can open renders in Welsh with no string left untranslated.

The walk covers each GET route the authorisation matrix lets an eligible resident (or
anyone) use, in the matrix's world, signed in as that resident and as a visitor.
"""

from __future__ import annotations

import pytest

from tests.conftest import login
from tests.i18n.welsh_walk import recording, walk_in_welsh
from tests.test_authorisation_matrix import (  # noqa: F401 (a fixture)
    ANONYMOUS,
    ELIGIBLE,
    TABLE,
    _no_rate_limits,
    _url,
)
from tests.world import build_world

# Pages residents can open whose Welsh is not complete yet, with why. Printed by the test,
# so the gap stays visible; remove a line once its page is done.
NOT_YET_WELSH: dict[str, str] = {}


def _resident_pages(app, world) -> dict[str, str]:
    urls = {}
    for endpoint, row in sorted(TABLE.items()):
        if row.get is None or not ({ELIGIBLE, ANONYMOUS} & row.get):
            continue
        urls[endpoint] = _url(app, world, endpoint, row)
    return urls


@pytest.mark.usefixtures("_no_rate_limits")
def test_every_resident_page_has_all_its_welsh(app, client):
    world = build_world()
    pages = _resident_pages(app, world)
    visitor = app.test_client()
    missing = walk_in_welsh(app, visitor, pages)
    login(client, world.users[ELIGIBLE])
    for endpoint, ids in walk_in_welsh(app, client, pages).items():
        missing[endpoint] = sorted(set(missing.get(endpoint, [])) | set(ids))
    known = {e: ids for e, ids in missing.items() if e in NOT_YET_WELSH}
    if known:
        print(f"{len(known)} resident pages not yet complete in Welsh (NOT_YET_WELSH):")
        for endpoint, ids in known.items():
            print(f"  {endpoint}: {len(ids)} strings, e.g. {ids[:3]}")
    new = {e: ids for e, ids in missing.items() if e not in NOT_YET_WELSH}
    assert not new, "resident pages with strings that have no Welsh:\n" + "\n".join(
        f"{pages[e]} ({e}): {ids[:8]}" for e, ids in new.items()
    )
    assert len(pages) > 50  # the walk really covers the site


def test_the_recorder_notices_a_string_with_no_welsh(app):
    from civic.i18n import _, in_language

    with app.test_request_context("/"), recording() as misses:
        with in_language("cy"):
            assert _("Home") == "Hafan"
            assert _("A sentence nobody translated") == "A sentence nobody translated"
        with in_language("en"):
            _("English pages are not checked")
    assert misses == {"A sentence nobody translated"}
