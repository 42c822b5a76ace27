"""factory_boy factories for test set-up (they bypass services, so they write no audit)."""

from __future__ import annotations

from datetime import date

import factory
from factory.alchemy import SQLAlchemyModelFactory

from civic.accounts.models import Area, Group, GroupMembership, GroupRole, Role, User
from civic.accounts.passwords import hash_password
from civic.clock import utcnow
from civic.contracts.models import Contract, ContractState, Provider, ProviderType
from civic.extensions import db

PASSWORD = "a-Strong-test-passw0rd"


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class UserFactory(_Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Faker("name")
    password_hash = factory.LazyFunction(lambda: hash_password(PASSWORD))
    role = Role.RESIDENT
    active = True
    # confirmed, as an administrator-made account is: most tests are about something else
    # (tests/accounts/test_email_links.py starts from unconfirmed people)
    email_confirmed_at = factory.LazyFunction(utcnow)


class ModeratorFactory(UserFactory):
    role = Role.MODERATOR


class AdminFactory(UserFactory):
    role = Role.ADMIN


class AreaFactory(_Base):
    class Meta:
        model = Area

    slug = factory.Sequence(lambda n: f"ward-{n}")
    name = factory.Sequence(lambda n: f"Ward {n}")
    kind = "ward"
    postcode_districts = "LS6"
    description = ""


class GroupFactory(_Base):
    class Meta:
        model = Group

    slug = factory.Sequence(lambda n: f"group-{n}")
    name = factory.Sequence(lambda n: f"Group {n}")
    area = factory.SubFactory(AreaFactory)
    description = ""


class MembershipFactory(_Base):
    class Meta:
        model = GroupMembership

    group = factory.SubFactory(GroupFactory)
    user = factory.SubFactory(UserFactory)
    role = GroupRole.MEMBER


class ProviderFactory(_Base):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"Provider {n} Ltd")
    kind = ProviderType.PRIVATE
    identifier = ""


class ContractFactory(_Base):
    """A published contract that runs for five years from 2025-04-01."""

    class Meta:
        model = Contract

    reference = factory.Sequence(lambda n: f"CIVIC-C-{n:04d}")
    title = factory.Sequence(lambda n: f"Street cleaning contract {n}")
    service = "Street cleaning"
    area = factory.SubFactory(AreaFactory)
    provider = factory.SubFactory(ProviderFactory)
    state = ContractState.PUBLISHED
    annual_value = 1_000_000_00
    total_value = 5_000_000_00
    start_date = date(2025, 4, 1)
    end_date = date(2030, 3, 31)
    published_at = factory.LazyFunction(utcnow)
