"""The demo societies' share records (shares/demo.py, loaded by seed_demo): consistent with
the ledger, and loaded once however often seed_demo runs."""

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from members.models import Member
from shares import queries
from shares.models import (
    Holding,
    InterestRun,
    ShareCertificate,
    ShareClass,
    ShareTransaction,
    WithdrawalRequest,
)
from societies.models import Society


def society(slug):
    with scopes_disabled():
        return Society.objects.get(slug=slug)


def totals(found):
    with scope(society=found):
        return (ShareTransaction.objects.filter(society=found).count(),
                ShareCertificate.objects.filter(society=found).count())


def test_demo_shares_are_loaded_once_and_add_up(demo_data, db):
    before = {slug: totals(society(slug)) for slug in ("millmead", "pembroke-street", "baywind")}
    call_command("seed_demo")
    assert {slug: totals(society(slug)) for slug in before} == before

    for slug in ("millmead", "pembroke-street"):
        found = society(slug)
        with scope(society=found):
            (share_class,) = ShareClass.objects.filter(society=found)
            assert share_class.nominal_value_pence == 100 and not share_class.is_withdrawable
            members = Member.objects.filter(society=found)
            assert set(Holding.objects.filter(society=found).values_list(
                "shares", flat=True)) == {1}
            assert Holding.objects.filter(society=found).count() == members.count()

    baywind = society("baywind")
    with scope(society=baywind):
        share_class = ShareClass.objects.get(society=baywind)
        assert share_class.is_withdrawable and share_class.allows_reinvestment
        run = InterestRun.objects.get(society=baywind)
        assert run.status == "posted" and run.reinvested_pence > 0 and run.paid_pence > 0
        statuses = set(WithdrawalRequest.objects.filter(society=baywind).values_list(
            "status", flat=True))
        assert statuses == {"paid", "requested", "approved"}
        leaver = Member.objects.get(society=baywind, cessation_reason="shares_withdrawn")
        assert not Holding.objects.filter(member=leaver, shares__gt=0).exists()
        # The balances agree with the ledger, and every current member holds at least 250.
        ledger = ShareTransaction.objects.filter(society=baywind).aggregate(
            shares=Sum("shares"))["shares"]
        assert Holding.objects.filter(society=baywind).aggregate(
            shares=Sum("shares"))["shares"] == ledger
        current = list(Member.objects.filter(society=baywind, ceased_on__isnull=True)
                       .values_list("pk", flat=True))
        held = queries.holdings_as_at(baywind, current, run.year_end.replace(year=2026))
        assert min(shares for shares, _paid in held.values()) >= 250
        live = ShareCertificate.objects.filter(society=baywind, cancelled_on__isnull=True)
        assert live.aggregate(shares=Sum("shares"))["shares"] == ledger


def test_the_demo_share_pages_open(demo_data, db):
    baywind = society("baywind")
    with scopes_disabled():
        secretary = baywind.role_grants.get(role="secretary").user
        TOTP.activate(secretary, generate_totp_secret())
        member = Member.objects.get(society=baywind, user__email="member@baywind.example.org")
        run = InterestRun.objects.get(society=baywind)
    officer, own = Client(), Client()
    officer.force_login(secretary)
    own.force_login(member.user)
    for name, kwargs in [("register", {}), ("withdrawals", {}), ("nominations", {}),
                         ("interest_run", {"public_id": run.public_id}), ("year_end", {}),
                         ("member", {"public_id": member.public_id})]:
        url = reverse(f"shares:{name}", kwargs={"society_slug": "baywind", **kwargs})
        assert officer.get(url).status_code == 200, name
    page = own.get(reverse("shares:mine", kwargs={"society_slug": "baywind"})).content.decode()
    assert "Withdrawable share" in page and "Requested" in page
    apply = Client().get(reverse("members:apply", kwargs={"society_slug": "baywind"}))
    assert "Joining costs <strong>£250.00</strong>" in apply.content.decode()
