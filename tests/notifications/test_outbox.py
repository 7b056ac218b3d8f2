"""notify(): one outbox row in the caller's transaction, sent only after it commits."""

import pytest
from django.core import mail
from django.db import transaction
from django_scopes import scope

from notifications.models import Channel, Message, Status
from notifications.services import NotificationError, notify


def _notify(world, member, key="k1", **extra):
    return notify(society=world.society, member=member, kind="notifications.notice",
                  context={"subject": "AGM on 1 May", "body": "Come to the AGM."},
                  dedup_key=key, **extra)


def test_an_emailable_member_gets_an_email_after_commit(world, emailed,
                                                        django_capture_on_commit_callbacks):
    with scope(society=world.society):
        with django_capture_on_commit_callbacks(execute=True) as callbacks, \
                transaction.atomic():
            message = _notify(world, emailed)
            assert mail.outbox == []  # nothing leaves before the commit
        assert len(callbacks) == 1
        message.refresh_from_db()
    assert message.channel == Channel.EMAIL and message.status == Status.SENT
    assert message.sent_at is not None and message.attempts == 1
    assert [m.to for m in mail.outbox] == [["Ada Emailed <ada@example.test>"]]
    assert mail.outbox[0].subject == "AGM on 1 May"
    assert "Dear Ada Emailed" in mail.outbox[0].body


def test_nothing_is_written_or_sent_when_the_caller_rolls_back(world, emailed,
                                                               django_capture_on_commit_callbacks):
    class Abandon(Exception):
        pass

    with scope(society=world.society):
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(Abandon), \
                transaction.atomic():
            _notify(world, emailed)
            raise Abandon
        assert not Message.objects.exists()
    assert mail.outbox == []


def test_the_same_dedup_key_returns_the_first_message_and_sends_once(
        world, emailed, django_capture_on_commit_callbacks):
    with scope(society=world.society), django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            first = _notify(world, emailed)
        with transaction.atomic():
            second = _notify(world, emailed)
        assert second.pk == first.pk
        assert Message.objects.count() == 1
    assert len(mail.outbox) == 1


def test_the_dedup_key_is_per_society(world, emailed):
    from tests.notifications.conftest import add_member

    other_member = add_member(world.other, 7, "Other Person", email="o@example.test")
    with transaction.atomic():
        with scope(society=world.society):
            mine = _notify(world, emailed)
        with scope(society=world.other.society):
            theirs = _notify(world.other, other_member)
    assert mine.pk != theirs.pk and mine.dedup_key == theirs.dedup_key


def test_a_member_without_email_consent_is_written_to_by_post(world, posted):
    with scope(society=world.society), transaction.atomic():
        message = _notify(world, posted)
    assert message.channel == Channel.POST and message.status == Status.PENDING
    assert message.to_address == "Bert Posted\nFlat 3\n14 Canal Street\nMillmead\nME2 3BB"
    assert message.body_html == ""
    assert message.body_text.startswith("Dear Bert Posted")
    assert mail.outbox == []


def test_email_without_consent_goes_by_post(world):
    from tests.notifications.conftest import add_member

    member = add_member(world, 103, "No Consent", email="nc@example.test")
    with scope(society=world.society):
        member.electronic_consent = False
        member.save()
        with transaction.atomic():
            assert _notify(world, member).channel == Channel.POST


def test_a_member_with_no_address_and_no_email_is_recorded_as_failed(world):
    from tests.notifications.conftest import add_member

    member = add_member(world, 104, "Nowhere Person", address="", postcode="")
    with scope(society=world.society), transaction.atomic():
        message = _notify(world, member)
    assert message.status == Status.FAILED
    assert "No postal address" in message.last_error


@pytest.mark.django_db(transaction=True)
def test_notify_refuses_to_run_outside_a_transaction(world, emailed):
    with scope(society=world.society), pytest.raises(RuntimeError, match="transaction"):
        _notify(world, emailed)


def test_notify_refuses_a_member_of_another_society(world):
    from tests.notifications.conftest import add_member

    stranger = add_member(world.other, 8, "Stranger", email="s@example.test")
    with transaction.atomic(), pytest.raises(NotificationError, match="not a member"):
        _notify(world, stranger)


def test_an_unknown_kind_is_a_clear_error(world, emailed):
    with scope(society=world.society), transaction.atomic(), \
            pytest.raises(NotificationError, match="members.nonesuch/subject.txt"):
        notify(society=world.society, member=emailed, kind="members.nonesuch", context={},
               dedup_key="x")


def test_notify_writes_no_audit_entry_of_its_own(world, emailed, audit_entries):
    with scope(society=world.society), transaction.atomic():
        _notify(world, emailed)
    assert audit_entries(world.society) == []


def test_templates_get_the_society_and_plain_text_is_not_escaped(world):
    from tests.notifications.conftest import add_member

    member = add_member(world, 105, "O'Brien & Sons", email="ob@example.test")
    with scope(society=world.society), transaction.atomic():
        message = notify(society=world.society, member=member, kind="notifications.notice",
                         context={"subject": "Fish & chips", "body": "Bring <cake> & £1"},
                         dedup_key="esc")
    assert message.subject == "Fish & chips"
    assert "Dear O'Brien & Sons" in message.body_text and "Bring <cake> & £1" in message.body_text
    assert "Bring &lt;cake&gt; &amp; £1" in message.body_html
    assert "Millmead Children's Centre" in message.body_text
    assert "1 High Street" in message.body_text and "1 High Street" in message.body_html
