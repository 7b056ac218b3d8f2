"""Joining pays for the qualifying shares: the apply page says what joining costs, and the
secretary records the payment (amount, date, method, reference) on admission, so the
qualifying share issue carries it."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from members import services as member_services
from members.models import Application, ApplicationStatus, Member
from members.services import MemberError
from shares import services
from shares.models import (
    PaymentDirection,
    ShareCertificate,
    SharePayment,
    ShareTransaction,
)
from societies.models import AdmissionMethod
from tests.members.conftest import application_values
from tests.shares.conftest import make_classes


def url(world, name, **kwargs):
    return reverse(f"members:{name}", kwargs={"society_slug": world.society.slug, **kwargs})


@pytest.fixture
def applied(world):
    """The world society with share classes (one £1 qualifying share) and an application."""
    with scope(society=world.society):
        make_classes(world.society)
        application = member_services.submit_application(
            actor=None, society=world.society, values=application_values(world))
    return world, application


def admit_form(today, **overrides):
    data = {
        "admit-decided_on": today.isoformat(), "admit-decision_reference": "Board 26/3",
        "payment-amount": "1.00", "payment-paid_on": (today - timedelta(days=2)).isoformat(),
        "payment-method": "bank_transfer", "payment-reference": "FPS A-GRACE",
    }
    data.update(overrides)
    return data


def test_the_apply_page_says_what_joining_costs(applied):
    world, _application = applied
    page = world.client("anonymous").get(url(world, "apply")).content.decode()
    assert "Joining costs <strong>£1.00</strong>" in page
    assert "1 Ordinary share of £1" in page


def test_no_share_paragraph_where_joining_needs_no_shares(world):
    page = world.client("anonymous").get(url(world, "apply")).content.decode()
    assert "Joining costs" not in page


def test_the_secretary_records_the_payment_when_admitting(applied, audit_entries):
    world, application = applied
    today = timezone.localdate()
    client = world.client("secretary")
    page = client.get(url(world, "application", public_id=application.public_id))
    assert "Payment for the qualifying shares" in page.content.decode()
    response = client.post(url(world, "application_admit", public_id=application.public_id),
                           admit_form(today))
    assert response.status_code == 302
    with scope(society=world.society):
        member = Member.objects.get(full_name="Grace Hopper")
        entry = ShareTransaction.objects.get(member=member)
        payment = entry.payment
        assert (entry.shares, entry.amount_pence, entry.on_date) == (1, 100, today)
        assert (payment.amount_pence, payment.paid_on, payment.method, payment.reference,
                payment.direction) == (100, today - timedelta(days=2), "bank_transfer",
                                       "FPS A-GRACE", PaymentDirection.RECEIVED)
        certificate = ShareCertificate.objects.get(member=member)
        assert certificate.shares == 1 and certificate.number == 1
        actions = [e.action for e in audit_entries(world.society)]
        assert actions.count("member.admitted") == 1 and "shares.issued" not in actions


@pytest.mark.parametrize("field,value,message", [
    ("payment-amount", "2.00", "Joining costs £1.00; record the payment for exactly that"),
    ("payment-amount", "", "Amount paid for the qualifying shares (£): This field is required"),
    ("payment-amount", "one pound",
     "Amount paid for the qualifying shares (£): Enter an amount in pounds and pence, like 1.00"),
    ("payment-paid_on", "2999-01-01", "The payment cannot be dated in the future"),
    ("payment-method", "barter", "How it was paid: Select a valid choice"),
    ("payment-reference", "", "Payment reference: This field is required"),
])
def test_a_wrong_payment_is_named_and_nothing_is_admitted(applied, field, value, message):
    world, application = applied
    response = world.client("secretary").post(
        url(world, "application_admit", public_id=application.public_id),
        admit_form(timezone.localdate(), **{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    with scope(society=world.society):
        assert not Member.objects.filter(full_name="Grace Hopper").exists()
        assert not SharePayment.objects.exists() and not ShareTransaction.objects.exists()
        assert Application.objects.get(pk=application.pk).status == ApplicationStatus.PENDING


@pytest.mark.parametrize("amount,paid_on,message", [
    (250, date(2026, 11, 1), "Joining costs £1.00"),
    (100, date(2026, 11, 3), "must be received by the day of admission"),
])
def test_the_service_refuses_a_wrong_payment_and_rolls_the_admission_back(
        applied, amount, paid_on, message):
    world, application = applied
    with scope(society=world.society), pytest.raises(MemberError, match=message):
        member_services.admit_application(
            actor=world.users["secretary"], application=application,
            decided_on=date(2026, 11, 2), decision_reference="B", admitted_on=date(2026, 11, 2),
            payment={"amount_pence": amount, "paid_on": paid_on, "method": "cash",
                     "reference": "till 4"})
    with scope(society=world.society):
        assert not Member.objects.filter(full_name="Grace Hopper").exists()
        assert not SharePayment.objects.exists() and not ShareTransaction.objects.exists()


def test_admission_without_a_recorded_payment_still_issues_the_share(applied):
    """A members' vote (elections) admits without the form: the payment is 'with the
    application', method other."""
    world, application = applied
    with scope(society=world.society):
        member_services.admit_application(
            actor=world.users["secretary"], application=application,
            decided_on=date(2026, 11, 2), decision_reference="B", admitted_on=date(2026, 11, 2))
        payment = SharePayment.objects.get()
        assert (payment.method, payment.reference, payment.paid_on) == (
            "other", "paid with the application", date(2026, 11, 2))


def test_a_society_admitting_by_members_vote_shows_no_payment_form(applied):
    world, application = applied
    world.society.admission_method = AdmissionMethod.MEMBERS_VOTE
    world.society.save(update_fields=["admission_method"])
    page = world.client("secretary").get(
        url(world, "application", public_id=application.public_id)).content.decode()
    assert "Payment for the qualifying shares" not in page


def test_admission_terms_follow_the_society_minimum(applied):
    world, _application = applied
    world.society.minimum_shares = 250
    world.society.save(update_fields=["minimum_shares"])
    terms = services.admission_terms(world.society)
    assert (terms.share_class.name, terms.shares, terms.cost_pence) == ("Ordinary", 250, 25000)
