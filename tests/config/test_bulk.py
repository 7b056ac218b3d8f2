"""config.bulk writes rows as the ORM would, on SQLite and on PostgreSQL."""

import uuid
from datetime import date

from django.utils import timezone
from django_scopes import scope, scopes_disabled

from config import bulk
from members.models import Member
from societies.models import Counter


def test_inserted_rows_read_back_as_written(world):
    now = timezone.now()
    fields = ["society_id", "public_id", "member_number", "full_name", "address",
              "stakeholder_class_id", "date_of_birth", "admitted_on", "electronic_consent",
              "electronic_consent_at", "postcode", "email", "email_purpose", "contact_channel",
              "cessation_reason", "cessation_reference", "admission_reference"]
    blank = ("", "", "notices", "post", "", "", "")
    public_id = uuid.uuid4()
    written = bulk.insert_rows(Member, fields, iter([
        (world.society.pk, public_id, 700, "Ada Lovelace", "1 Street", world.classes["Parent"].pk,
         date(1990, 12, 10), date(2020, 4, 1), True, now, *blank),
        (world.society.pk, uuid.uuid4(), 701, "Charles Babbage", "2 Street",
         world.classes["Parent"].pk, None, date(2020, 4, 2), False, None, *blank),
    ]))
    assert written == 2
    with scope(society=world.society):
        ada = Member.objects.get(member_number=700)
        charles = Member.objects.get(member_number=701)
    assert (ada.public_id, ada.full_name, ada.date_of_birth, ada.admitted_on) == (
        public_id, "Ada Lovelace", date(1990, 12, 10), date(2020, 4, 1))
    assert ada.electronic_consent and ada.electronic_consent_at == now
    assert charles.date_of_birth is None and not charles.electronic_consent
    assert bulk.insert_rows(Member, fields, []) == 0


def test_updates_add_to_and_set_integer_columns(world):
    with scopes_disabled():
        bulk.insert_rows(Counter, ["society_id", "kind", "last"],
                         [(world.society.pk, "a", 5), (world.society.pk, "b", 10)])
        ids = dict(Counter.objects.filter(society=world.society).values_list("kind", "pk"))
        bulk.add_to_rows(Counter, {ids["a"]: (2,), ids["b"]: (-3,)}, ["last"])
        assert dict(Counter.objects.values_list("kind", "last")) == {"a": 7, "b": 7}
        bulk.set_rows(Counter, {ids["a"]: (1,)}, ["last"])
        assert dict(Counter.objects.values_list("kind", "last")) == {"a": 1, "b": 7}
