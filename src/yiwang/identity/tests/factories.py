from __future__ import annotations

import factory

from yiwang.core.tests.factories import OrganizationFactory, PersonFactory
from yiwang.identity.models import DataScope, Membership, Role, User

PASSWORD = "Yiwang2026!"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    kind = User.Kind.CITIZEN
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CitizenFactory(UserFactory):
    kind = User.Kind.CITIZEN
    person = factory.SubFactory(PersonFactory)


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"role-{n}")
    name = factory.Sequence(lambda n: f"角色{n}")
    permissions: list[str] = []
    data_scope = DataScope.DEPARTMENT


def make_staff(
    organization=None, *, permissions=(), scope=DataScope.DEPARTMENT, role_code=None, **user_fields
) -> User:
    """A staff user holding one role (with `permissions` and `scope`) in `organization`."""
    organization = organization or OrganizationFactory()
    user = UserFactory(kind=User.Kind.STAFF, **user_fields)
    role = RoleFactory(
        code=role_code or f"r-{user.username}", permissions=list(permissions), data_scope=scope
    )
    membership = Membership.objects.create(user=user, organization=organization)
    membership.roles.add(role)
    return user
