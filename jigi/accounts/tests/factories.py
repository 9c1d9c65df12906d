from __future__ import annotations

from typing import Any

import factory

from jigi.accounts.models import User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Awa"
    last_name = "Traoré"
    role = "enumerator"
    is_staff = factory.LazyAttribute(
        lambda user: user.role == "administrator"
    )  # as create_user sets it
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def scope_areas(self, create: bool, extracted: list[str] | None, **kwargs: Any) -> None:
        if create and extracted:
            self.scope_areas.set(extracted)

    @factory.post_generation
    def scope_sites(self, create: bool, extracted: list[Any] | None, **kwargs: Any) -> None:
        if create and extracted:
            self.scope_sites.set(extracted)
