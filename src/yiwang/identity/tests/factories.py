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
    """A staff user holding one role (with `permissions` and `scope`) in `organization`.

    With `role_code` of a seeded standard role (e.g. "window_clerk"), that role is used as seeded;
    passing `permissions` that differ from the seeded ones is an error rather than silently ignored."""
    organization = organization or OrganizationFactory()
    user = UserFactory(kind=User.Kind.STAFF, **user_fields)
    role = RoleFactory(
        code=role_code or f"r-{user.username}", permissions=list(permissions), data_scope=scope
    )
    if permissions and set(role.permissions) != set(permissions):
        raise ValueError(f"角色 {role.code} 已存在且权限不同：{role.permissions}")
    membership = Membership.objects.create(user=user, organization=organization)
    membership.roles.add(role)
    return user
