"""factory-boy factories that create WorkOS objects in the running emulator.

They return the objects as WorkOS returns them (dicts with ``id``), ready to
sign in as with the ``authkit_sign_in`` fixture::

    org = OrganizationFactory(name="Acme")
    ada = UserFactory(first_name="Ada")
    MembershipFactory(user=ada, organization=org, role="admin")
    authkit_sign_in(client, user_id=ada["id"], organization_id=org["id"])

The emulator is the one the ``authkit_emulator`` fixture started (or any set
with :func:`use_emulator`). Requires the ``factory-boy`` package.
"""

from __future__ import annotations

from typing import Any

import factory

_current: list[Any] = []


def use_emulator(emulator: Any) -> None:
    """Make ``emulator`` the one the factories write to (the fixtures do this)."""
    _current[:] = [emulator]


def _seed(section: str, data: dict[str, Any]) -> dict[str, Any]:
    if not _current:
        raise RuntimeError("No emulator: use the authkit_emulator fixture or use_emulator().")
    created: dict[str, Any] = _current[0].control.seed({section: [data]})[section][0]
    return created


class OrganizationFactory(factory.DictFactory):
    name = factory.Sequence(lambda n: f"Organization {n}")
    domains = factory.LazyAttribute(lambda o: [o.name.lower().replace(" ", "-") + ".test"])

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return _seed("organizations", dict(kwargs))


class UserFactory(factory.DictFactory):
    first_name = factory.Sequence(lambda n: f"User{n}")
    last_name = "Example"
    email = factory.LazyAttribute(lambda o: f"{o.first_name.lower()}@example.test")
    email_verified = True

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return _seed("users", dict(kwargs))


class MembershipFactory(factory.DictFactory):
    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = "member"

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        data = dict(kwargs)
        data["user"] = data["user"]["id"] if isinstance(data["user"], dict) else data["user"]
        org = data["organization"]
        data["organization"] = org["id"] if isinstance(org, dict) else org
        return _seed("memberships", data)
