"""Fixtures shared by the whole suite: societies, personas, clients and service checks.

Personas in every society fixture: secretary, returning officer, board member, auditor,
plain member, an outsider from another society, and anonymous.
"""

import os
import socket
from dataclasses import dataclass, field

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import connection
from django.test import Client
from django_scopes import scope, scopes_disabled

from accounts.models import User
from config.celery import app as celery_app
from members.models import Member
from societies.models import AuditEntry, RoleGrant, Society, StakeholderClass
from societies.permissions import Role

# In CI a test that needs a service must fail when the service is missing, never skip.
REQUIRE_SERVICES = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def need_service(reason: str):
    """Skip (or, in CI, fail) because a service or tool this test needs is missing."""
    if REQUIRE_SERVICES:
        pytest.fail(f"CI requires this service: {reason}")
    pytest.skip(reason)


def port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """Tasks run in-process unless the test drives a real worker."""
    if request.node.get_closest_marker("worker"):
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def make_user(email: str, full_name: str = "", password: str = "correct-horse-battery-9",
              mfa: bool = False) -> User:
    with scopes_disabled():
        user = User.objects.create_user(email=email, password=password,
                                        full_name=full_name or email.split("@")[0].title())
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        if mfa:
            TOTP.activate(user, generate_totp_secret())
    return user


@dataclass
class SocietyWorld:
    society: Society
    classes: dict
    users: dict = field(default_factory=dict)
    members: dict = field(default_factory=dict)

    def client(self, persona: str) -> Client:
        client = Client()
        if persona != "anonymous":
            client.force_login(self.users[persona])
        return client


def build_society(slug: str, name: str) -> SocietyWorld:
    with scopes_disabled():
        society = Society.objects.create(slug=slug, name=name,
                                         registered_office="1 High Street\nTown\nAB1 2CD")
    with scope(society=society):
        classes = {
            cls: StakeholderClass.objects.create(society=society, name=cls)
            for cls in ("Parent", "Staff")
        }
        world = SocietyWorld(society=society, classes=classes)
        people = [
            ("secretary", Role.SECRETARY, True, True),
            ("returning_officer", Role.RETURNING_OFFICER, False, True),
            ("board_member", Role.BOARD_MEMBER, True, False),
            ("auditor", Role.AUDITOR, False, False),
            ("member", None, True, False),
        ]
        for number, (persona, role, is_member, mfa) in enumerate(people, start=1):
            user = make_user(f"{persona.replace('_', '-')}@{slug}.test", mfa=mfa)
            world.users[persona] = user
            if role:
                RoleGrant.objects.create(society=society, user=user, role=role)
            if is_member:
                world.members[persona] = Member.objects.create(
                    society=society, member_number=number, user=user,
                    full_name=user.full_name, email=user.email,
                    stakeholder_class=classes["Parent"],
                )
    return world


@pytest.fixture
def world(db) -> SocietyWorld:
    """A society with every persona, plus an outsider who holds every role in another one."""
    home = build_society("millmead", "Millmead Children's Centre")
    other = build_society("elsewhere", "Elsewhere Co-operative")
    outsider = other.users["secretary"]
    with scope(society=other.society):
        for role in (Role.RETURNING_OFFICER, Role.BOARD_MEMBER, Role.AUDITOR):
            RoleGrant.objects.create(society=other.society, user=outsider, role=role)
    home.users["outsider"] = outsider
    home.other = other
    return home


@pytest.fixture
def in_scope(world):
    with scope(society=world.society):
        yield world


@pytest.fixture
def audit_entries():
    """Read a society's audit entries: `audit_entries(society)` -> list, oldest first."""

    def read(society):
        with scope(society=society):
            return list(AuditEntry.objects.filter(society=society).order_by("id"))

    return read
