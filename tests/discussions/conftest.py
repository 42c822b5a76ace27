from __future__ import annotations

import pytest

from civic.accounts.models import Eligibility, EligibilityMethod
from civic.extensions import db
from tests.factories import AreaFactory, ModeratorFactory, UserFactory


@pytest.fixture
def area():
    return AreaFactory(slug="riverside", name="Riverside")


def make_resident(area, **kwargs):
    user = UserFactory(**kwargs)
    db.session.add(
        Eligibility(user_id=user.id, area_id=area.id, method=EligibilityMethod.MODERATOR)
    )
    db.session.flush()
    db.session.expire(user, ["eligibilities"])
    return user


@pytest.fixture
def resident(area):
    return make_resident(area, display_name="Rita Resident")


@pytest.fixture
def neighbour(area):
    return make_resident(area, display_name="Ned Neighbour")


@pytest.fixture
def moderator():
    return ModeratorFactory(display_name="Mo Moderator")
