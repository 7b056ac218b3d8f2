"""With a real Redis broker and Celery worker: tasks run after commit, and only then."""

import pytest
from django.db import transaction
from django_scopes import scope

from societies import services
from societies.models import Invitation
from societies.permissions import Role
from tests.conftest import build_society, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.postgres]


def test_a_real_worker_sends_the_invitation_after_commit(celery_worker, smtp_server):
    world = build_society("millmead", "Millmead Children's Centre")
    with scope(society=world.society), transaction.atomic():
        invitation = services.invite_to_role(actor=world.users["secretary"],
                                             society=world.society, email="ro@firm.test",
                                             role=Role.RETURNING_OFFICER)
    assert wait_for(lambda: smtp_server.messages, timeout=30), celery_worker.log()
    _sender, recipients, message = smtp_server.messages[0]
    assert recipients == ["ro@firm.test"]
    assert "returning officer" in message["Subject"]
    with scope(society=world.society):
        assert Invitation.objects.get(pk=invitation.pk).sent_at is not None


def test_nothing_is_sent_when_the_change_rolls_back(celery_worker, smtp_server):
    world = build_society("millmead", "Millmead Children's Centre")

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), scope(society=world.society), transaction.atomic():
        services.invite_to_role(actor=None, society=world.society, email="x@firm.test",
                                role=Role.AUDITOR)
        raise Abandon
    # Prove the worker is alive by sending a second, committed invitation.
    with scope(society=world.society), transaction.atomic():
        services.invite_to_role(actor=None, society=world.society, email="y@firm.test",
                                role=Role.AUDITOR)
    assert wait_for(lambda: smtp_server.messages, timeout=30), celery_worker.log()
    assert [m[1] for m in smtp_server.messages] == [["y@firm.test"]]
