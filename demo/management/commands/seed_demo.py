"""python manage.py seed_demo: the demo societies, their people and members. Idempotent.

Demo data is loaded directly rather than through the services: it describes a state that
already exists, so it writes no audit entries and sends no email.
"""

import random
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from ballots.demo import seed_demo_election
from boards.demo import seed_boards
from members.models import Member
from shares.demo import seed_demo_shares
from societies.demo import seed_public_page
from societies.models import AdmissionMethod, LegalForm, RoleGrant, Society, StakeholderClass
from societies.permissions import Role

DEMO_PASSWORD = "omov-demo-2026"  # noqa: S105 - published in the README on purpose

SOCIETIES = [
    {
        "slug": "millmead",
        "name": "Millmead Children's Centre",
        "legal_form": LegalForm.COMMUNITY_BENEFIT,
        "registration_number": "30012R",
        "registered_office": "Millmead Children's Centre\nMillmead Road\nMargate\nCT9 3QQ",
        "share_nominal_value_pence": 100,
        "minimum_member_age": 16,
        "admission_method": AdmissionMethod.BOARD,
        "classes": [
            ("Parent", "Parents and carers of children using the centre", None, True),
            ("Staff", "People employed by the centre", None, True),
            ("Volunteer", "Volunteers at the centre", None, True),
            ("Community", "Residents of the neighbourhood", None, True),
        ],
        "members": 48,
    },
    {
        "slug": "pembroke-street",
        "name": "Pembroke Street Estate TMO",
        "legal_form": LegalForm.TMO,
        "registration_number": "IP29841R",
        "registered_office": "Estate Office\nPembroke Street\nPlymouth\nPL1 4LN",
        "share_nominal_value_pence": 100,
        "minimum_member_age": 18,
        "admission_method": AdmissionMethod.BOARD,
        "classes": [("Resident", "A tenant or leaseholder living on the estate", 18, False)],
        "members": 60,
    },
    {
        "slug": "baywind",
        "name": "Baywind Energy Co-operative",
        "legal_form": LegalForm.COOPERATIVE,
        "registration_number": "28207R",
        "registered_office": "The Old Windmill\nUlverston\nCumbria\nLA12 7HD",
        "share_nominal_value_pence": 100,
        "minimum_shares": 250,
        "minimum_member_age": 16,
        "admission_method": AdmissionMethod.BOARD,
        "classes": [("Investor", "Members who hold shares in the wind farm", None, False)],
        "members": 80,
    },
]

# (local part, role, is also a member)
PEOPLE = [
    ("secretary", Role.SECRETARY, True),
    ("returning-officer", Role.RETURNING_OFFICER, False),
    ("board", Role.BOARD_MEMBER, True),
    ("auditor", Role.AUDITOR, False),
    ("member", Role.MEMBER, True),
]
FIRST = ["Amara", "Ben", "Chloe", "Dev", "Ella", "Femi", "Grace", "Harry", "Isla", "Jamal",
         "Kate", "Liam", "Maya", "Nia", "Owen", "Priya", "Rhys", "Sofia", "Tom", "Zara"]
STREETS = ["High Street", "Station Road", "Church Lane", "Mill Road", "Park Avenue",
           "Victoria Street", "Harbour Row", "Orchard Close"]
LAST = ["Adeyemi", "Baker", "Clarke", "Davies", "Evans", "Foster", "Green", "Hughes", "Iqbal",
        "Jones", "Khan", "Lewis", "Morgan", "Nowak", "Owens", "Patel", "Roberts", "Smith",
        "Taylor", "Walsh"]


def demo_email(local: str, slug: str) -> str:
    return f"{local}@{slug}.example.org"


class Command(BaseCommand):
    help = "Load the demo societies (safe to run again)."

    @transaction.atomic
    def handle(self, *args, **options):
        User = get_user_model()
        with scopes_disabled():
            admin_user = self._user(User, "admin@omov.example.org", "Platform Operator")
            if not admin_user.is_superuser:
                admin_user.is_superuser = admin_user.is_staff = True
                admin_user.save(update_fields=["is_superuser", "is_staff"])
        for spec in SOCIETIES:
            self._society(User, dict(spec))
        seed_demo_shares()
        self.stdout.write("Demo data ready. Logins are listed in README.md "
                          f"(password for all: {DEMO_PASSWORD}).")

    def _user(self, User, email, full_name):
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=DEMO_PASSWORD,
                                            full_name=full_name)
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"primary": True, "verified": True}
        )
        return user

    def _society(self, User, spec):
        classes = spec.pop("classes")
        member_count = spec.pop("members")
        slug = spec.pop("slug")
        with scopes_disabled():
            society, _ = Society.objects.get_or_create(slug=slug, defaults=spec)
        seed_public_page(society)
        rng = random.Random(slug)
        with scope(society=society):
            class_objs = []
            for name, description, min_age, constituency in classes:
                obj, _ = StakeholderClass.objects.get_or_create(
                    society=society, name=name,
                    defaults={"description": description, "minimum_age": min_age,
                              "is_constituency": constituency},
                )
                class_objs.append(obj)
            number = 0
            start = date(2019, 4, 1)
            for local, role, is_member in PEOPLE:
                full_name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                user = self._user(User, demo_email(local, slug), full_name)
                full_name = user.full_name
                if role != Role.MEMBER:
                    RoleGrant.objects.get_or_create(society=society, user=user, role=role)
                if is_member:
                    number += 1
                    self._member(society, number, full_name, user, class_objs[0],
                                 start + timedelta(days=number * 3), rng)
            while number < member_count:
                number += 1
                full_name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                admitted = start + timedelta(days=number * 17 % 2200)
                self._member(society, number, full_name, None, rng.choice(class_objs),
                             admitted, rng)
            seed_boards(society)
            seed_demo_election(society)

    def _member(self, society, number, full_name, user, stakeholder_class, admitted, rng):
        year = rng.randint(1950, 2004)
        contact = self._contact(society, number, user, rng)
        member, created = Member.objects.get_or_create(
            society=society,
            member_number=number,
            defaults={
                "full_name": full_name,
                "user": user,
                "stakeholder_class": stakeholder_class,
                "date_of_birth": date(year, rng.randint(1, 12), rng.randint(1, 28)),
                "admitted_on": admitted,
                **contact,
            },
        )
        if not created and not member.address:
            # Demo data loaded before members had addresses gets them now.
            for field, value in contact.items():
                setattr(member, field, value)
            member.save(update_fields=list(contact))

    def _contact(self, society, number, user, rng):
        """A postal address in the society's town, and how the member wants notices."""
        office = society.registered_office.splitlines()
        town, postcode = (office[-2], office[-1]) if len(office) >= 2 else ("", "")
        outward = postcode.split(" ")[0] if postcode else ""
        by_email = user is not None or number % 3 == 0
        email = user.email if user else (f"member{number}@{society.slug}.example.org"
                                         if by_email else "")
        return {
            "address": f"{rng.randint(1, 120)} {rng.choice(STREETS)}\n{town}".strip(),
            "postcode": f"{outward} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
                        f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}" if outward else "",
            "email": email,
            "contact_channel": "email" if by_email else "post",
            "electronic_consent": by_email,
            "electronic_consent_at": timezone.now() if by_email else None,
        }
