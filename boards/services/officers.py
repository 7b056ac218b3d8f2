"""The register of officers: an officer appointed, and leaving the office."""

from datetime import date

from django.db import IntegrityError, transaction

from boards.models import Office, OfficerAppointment
from boards.services.common import BoardError, check_can_hold_office, iso
from societies import audit
from societies.models import Society


@transaction.atomic
def appoint_officer(*, actor, society: Society, office: str, taken_up_on: date, member=None,
                    name: str = "", address: str = "", office_title: str = ""
                    ) -> OfficerAppointment:
    if office not in Office.values:
        raise BoardError(f"Unknown office {office!r}.")
    if office == Office.OTHER and not office_title.strip():
        raise BoardError("Name the office.")
    check_can_hold_office(member, taken_up_on, requires_membership=False, what="an officer")
    if member is not None:
        name = name or member.full_name
        address = address or "\n".join(member.postal_address_lines)
    if not name.strip() or not address.strip():
        raise BoardError("The register of officers needs the officer's name and address.")
    if office != Office.OTHER and OfficerAppointment.objects.filter(
            society=society, office=office, left_on__isnull=True).exists():
        raise BoardError(f"Someone already holds the office of {Office(office).label}; "
                         "record that they left first.")
    try:
        with transaction.atomic():
            appointment = OfficerAppointment.objects.create(
                society=society, office=office, office_title=office_title.strip(),
                member=member, name=name.strip(), address=address.strip(),
                taken_up_on=taken_up_on,
            )
    except IntegrityError as exc:
        raise BoardError("Someone already holds that office.") from exc
    audit.record(society, actor, "board.officer_appointed", appointment,
                 {"office": appointment.office_display, "taken_up_on": iso(taken_up_on)})
    return appointment


@transaction.atomic
def leave_office(*, actor, appointment: OfficerAppointment, left_on: date) -> OfficerAppointment:
    locked = OfficerAppointment.objects.select_for_update(of=("self",)).get(pk=appointment.pk)
    if locked.left_on is not None:
        raise BoardError(f"{locked.name} already left this office on {locked.left_on}.")
    if left_on < locked.taken_up_on:
        raise BoardError("An officer cannot leave before taking up the office.")
    locked.left_on = left_on
    locked.save(update_fields=["left_on"])
    audit.record(locked.society, actor, "board.officer_left", locked,
                 {"office": locked.office_display, "left_on": iso(left_on)})
    appointment.left_on = left_on
    return locked
