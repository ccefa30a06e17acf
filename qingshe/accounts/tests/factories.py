from __future__ import annotations

from typing import Any

import factory

from qingshe.accounts import services
from qingshe.accounts.models import User

PASSWORD = "Qingshe-test-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    name = factory.Sequence(lambda n: f"测试用户{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    password = PASSWORD

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        return services.user_create(**kwargs)
