"""Factories that build through the services, so test data obeys the same rules as real data."""

from __future__ import annotations

from typing import Any

import factory

from qingshe.orgs import services
from qingshe.orgs.models import Membership, Organisation, OrgKind


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = OrgKind.CITY_COMMITTEE
    name = factory.Sequence(lambda n: f"组织{n}")
    parent = None

    @classmethod
    def _create(cls, model_class: type[Organisation], *args: Any, **kwargs: Any) -> Organisation:
        return services.org_create(actor=None, **kwargs)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    @classmethod
    def _create(cls, model_class: type[Membership], *args: Any, **kwargs: Any) -> Membership:
        return services.membership_grant(actor=None, **kwargs)
