"""Every change to societies, their classes and roles. Each runs in one transaction and writes
exactly one audit entry."""

import hashlib
import re
from datetime import date

from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from accounts.acting import user_or_none
from societies import audit, signals
from societies.documents import pdf_problem
from societies.models import (
    INVITATION_LIFETIME,
    DocumentKind,
    Invitation,
    RoleGrant,
    Society,
    SocietyDocument,
    StakeholderClass,
    district_list,
)
from societies.permissions import GRANTABLE_ROLES, Role

INVITATION_SALT = "omov.invitation"

SETTINGS_FIELDS = [
    "name",
    "legal_form",
    "registration_number",
    "registered_office",
    "financial_year_end_month",
    "financial_year_end_day",
    "share_nominal_value_pence",
    "minimum_shares",
    "max_withdrawable_pence",
    "minimum_member_age",
    "guardian_for_under_16",
    "moved_out_of_area",
    "notice_clear_days",
    "posting_days",
    "admission_method",
    "probation_days",
]
# The public page and how applicants pay (the "Public page and joining" settings page).
JOINING_FIELDS = [
    "description",
    "public_page_shown",
    "payment_method",
    "payment_account_name",
    "payment_sort_code",
    "payment_account_number",
    "payment_reference",
    "payment_office_address",
    "payment_office_hours",
]
INSPECTION_FIELDS = ["register_online_inspection"]
CLASS_FIELDS = ["name", "description", "minimum_age", "is_constituency", "postcode_districts",
                "tied_to_employment"]


class SocietyError(Exception):
    """A change to a society that cannot be made; the message says why, for a person, and
    `field` names the form field it is about, where there is one."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


def _changes(instance, fields, values) -> dict:
    return {
        field: [getattr(instance, field), values[field]]
        for field in fields
        if field in values and getattr(instance, field) != values[field]
    }


@transaction.atomic
def create_society(
    *, actor, name: str, slug: str, legal_form: str, secretary_email: str, **settings
) -> Society:
    """A new society, and an emailed invitation to its first secretary."""
    with scopes_disabled():
        if Society.objects.filter(slug=slug).exists():
            raise SocietyError(f"The address /s/{slug}/ is already taken.")
    society = Society(name=name, slug=slug, legal_form=legal_form, **settings)
    society.full_clean()
    society.save()
    with scope(society=society):
        invitation = _create_invitation(actor, society, secretary_email, Role.SECRETARY)
        audit.record(
            society, actor, "society.created", society,
            {"name": name, "slug": slug, "first_secretary": invitation.email},
        )
    return society


@transaction.atomic
def update_society_settings(*, actor, society: Society, values: dict,
                            fields=SETTINGS_FIELDS) -> dict:
    """Change the settings named in `fields` (one settings page's) to `values`."""
    locked = Society.objects.select_for_update(of=("self",)).get(pk=society.pk)
    changes = _changes(locked, fields, values)
    if not changes:
        return {}
    for field, (_old, new) in changes.items():
        setattr(locked, field, new)
    locked.full_clean()
    locked.save(update_fields=list(changes))
    audit.record(locked, actor, "society.settings_changed", locked, {"changes": changes})
    for field, (_old, new) in changes.items():
        setattr(society, field, new)
    return changes


@transaction.atomic
def upload_society_document(*, actor, society: Society, kind: str, version_label: str,
                            version_date: date, content: bytes | None,
                            original_name: str = "") -> SocietyDocument:
    """A new version of the society's rules or privacy notice; it becomes the current one.
    `content` is the file's bytes (None: larger than a document may be)."""
    if kind not in DocumentKind.values:
        raise SocietyError("Choose the rules or the privacy notice.")
    problem = pdf_problem(content)
    if problem:
        raise SocietyError(problem)
    version_label = " ".join(version_label.split())
    if not version_label:
        raise SocietyError("Give the version a label, such as '2024 rules' or 'version 3'.")
    taken = SocietyDocument.objects.filter(society=society, kind=kind).annotate(
        label=Lower("version_label")).filter(label=version_label.lower())
    if taken.exists():
        raise SocietyError(f"There is already a version called {version_label!r} of the "
                           f"{DocumentKind(kind).label.lower()}: give this one its own label.")
    document = SocietyDocument(
        society=society, kind=kind, version_label=version_label, version_date=version_date,
        content=content, size_bytes=len(content), sha256=hashlib.sha256(content).hexdigest(),
        original_name=(original_name or "")[:200], uploaded_by=user_or_none(actor),
    )
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:
        raise SocietyError(f"There is already a version called {version_label!r}.") from None
    audit.record(society, actor, "society.document_uploaded", document,
                 {"kind": kind, "version": version_label,
                  "version_date": version_date.isoformat(), "bytes": document.size_bytes,
                  "sha256": document.sha256})
    return document


def _check_class_name_free(society, name, exclude_pk=None):
    taken = StakeholderClass.objects.filter(society=society).annotate(lname=Lower("name"))
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.filter(lname=name.lower()).exists():
        raise SocietyError(f"There is already a stakeholder class called {name!r}.")


DISTRICT = re.compile(r"[A-Z]{1,2}[0-9][0-9A-Z]?")


def _clean_districts(society, values: dict, exclude_pk=None) -> None:
    """A constituency's postcode districts, written out as "SS1, SS2": each a district (the
    part of a postcode before the space), and none another class's, so that a postcode places
    an applicant in one class at most."""
    if "postcode_districts" not in values:
        return
    districts = district_list(values["postcode_districts"] or "")
    wrong = [d for d in districts if not DISTRICT.fullmatch(d)]
    if wrong:
        raise SocietyError(f"{wrong[0][:12]!r} is not a postcode district: give the part of a "
                           "postcode before the space, such as SS1 or CM11.",
                           field="postcode_districts")
    others = StakeholderClass.objects.filter(society=society).exclude(postcode_districts="")
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    for other in others:
        shared = sorted(set(districts) & other.districts)
        if shared:
            verb = "belongs" if len(shared) == 1 else "belong"
            raise SocietyError(f"{', '.join(shared)} already {verb} to the {other.name} class: "
                               "a district is in one area only.", field="postcode_districts")
    values["postcode_districts"] = ", ".join(dict.fromkeys(districts))


@transaction.atomic
def add_stakeholder_class(*, actor, society: Society, values: dict) -> StakeholderClass:
    _check_class_name_free(society, values["name"])
    values = dict(values)
    _clean_districts(society, values)
    stakeholder_class = StakeholderClass(
        society=society, **{f: values[f] for f in CLASS_FIELDS if f in values})
    stakeholder_class.full_clean(exclude=["society"])
    stakeholder_class.save()
    audit.record(
        society, actor, "stakeholder_class.created", stakeholder_class,
        {f: getattr(stakeholder_class, f) for f in CLASS_FIELDS if f != "description"},
    )
    return stakeholder_class


@transaction.atomic
def update_stakeholder_class(*, actor, stakeholder_class: StakeholderClass, values: dict) -> dict:
    locked = StakeholderClass.objects.select_for_update(of=("self",)).get(pk=stakeholder_class.pk)
    values = dict(values)
    _clean_districts(locked.society, values, exclude_pk=locked.pk)
    changes = _changes(locked, CLASS_FIELDS, values)
    if not changes:
        return {}
    if "name" in changes:
        _check_class_name_free(locked.society, values["name"], exclude_pk=locked.pk)
    for field, (_old, new) in changes.items():
        setattr(locked, field, new)
    locked.full_clean(exclude=["society"])
    locked.save(update_fields=list(changes))
    audit.record(locked.society, actor, "stakeholder_class.changed", locked, {"changes": changes})
    return changes


@transaction.atomic
def remove_stakeholder_class(*, actor, stakeholder_class: StakeholderClass) -> None:
    if stakeholder_class.members.exists():
        raise SocietyError(
            f"{stakeholder_class.name} has members, so it cannot be removed; "
            "move them to another class first."
        )
    society = stakeholder_class.society
    audit.record(society, actor, "stakeholder_class.removed", stakeholder_class,
                 {"name": stakeholder_class.name})
    stakeholder_class.delete()


@transaction.atomic
def grant_role(*, actor, society: Society, user, role: str) -> RoleGrant:
    if role not in {r.value for r in GRANTABLE_ROLES}:
        raise SocietyError(f"{role!r} is not a role that can be granted.")
    if society.role_grants.filter(user=user, role=role).exists():
        raise SocietyError(f"{user.email} is already {Role(role).label.lower()}.")
    try:
        with transaction.atomic():
            grant = RoleGrant.objects.create(
                society=society, user=user, role=role, granted_by=user_or_none(actor)
            )
    except IntegrityError:
        raise SocietyError(f"{user.email} is already {Role(role).label.lower()}.") from None
    audit.record(society, actor, "role.granted", grant, {"email": user.email, "role": role})
    return grant


@transaction.atomic
def revoke_role(*, actor, grant: RoleGrant) -> None:
    society = grant.society
    if grant.role == Role.SECRETARY:
        # Lock the society's secretary grants so two removals cannot both pass the check.
        secretaries = list(
            RoleGrant.objects.select_for_update(of=("self",))
            .filter(society=society, role=Role.SECRETARY)
        )
        if len(secretaries) <= 1:
            raise SocietyError(
                "A society must keep at least one secretary: grant the role to someone else "
                "before removing it here."
            )
    audit.record(
        society, actor, "role.revoked", grant, {"email": grant.user.email, "role": grant.role}
    )
    grant.delete()


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps(str(invitation.public_id), salt=INVITATION_SALT)


def invitation_from_token(token: str) -> Invitation | None:
    """The open invitation a token stands for, or None if it is forged, used or expired."""
    try:
        public_id = signing.loads(
            token, salt=INVITATION_SALT, max_age=INVITATION_LIFETIME.total_seconds()
        )
    except signing.BadSignature:
        return None
    with scopes_disabled():
        invitation = (
            Invitation.objects.select_related("society").filter(public_id=public_id).first()
        )
    if invitation is None or not invitation.is_open:
        return None
    return invitation


# The outbox's kind of an invitation's email; its dedup key is "<kind>:<invitation public id>".
INVITATION_KIND = "societies.invitation"


def _create_invitation(actor, society, email, role) -> Invitation:
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise SocietyError(f"{email!r} is not an email address.") from None
    if role not in {r.value for r in GRANTABLE_ROLES}:
        raise SocietyError(f"{role!r} is not a role that can be granted.")
    if society.role_grants.filter(user__email__iexact=email, role=role).exists():
        raise SocietyError(f"{email} is already {Role(role).label.lower()}.")
    now = timezone.now()
    invitation = Invitation.objects.create(
        society=society,
        email=email,
        role=role,
        invited_by=user_or_none(actor),
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    signals.invitation_made.send(sender=Invitation, invitation=invitation)
    return invitation


@transaction.atomic
def invite_to_role(*, actor, society: Society, email: str, role: str) -> Invitation:
    invitation = _create_invitation(actor, society, email, role)
    audit.record(
        society, actor, "invitation.sent", invitation,
        {"email": invitation.email, "role": role},
    )
    return invitation


@transaction.atomic
def cancel_invitation(*, actor, invitation: Invitation) -> None:
    locked = Invitation.objects.select_for_update(of=("self",)).get(pk=invitation.pk)
    if locked.accepted_at is not None or locked.cancelled_at is not None:
        raise SocietyError("That invitation has already been used or cancelled.")
    locked.cancelled_at = timezone.now()
    locked.save(update_fields=["cancelled_at"])
    signals.invitation_cancelled.send(sender=Invitation, invitation=locked)
    audit.record(locked.society, actor, "invitation.cancelled", locked, {"email": locked.email})


@transaction.atomic
def accept_invitation(*, actor, invitation: Invitation) -> RoleGrant | None:
    """Grant the invited role to `actor`, whose verified email must be the invited one."""
    society = invitation.society
    if actor.email.lower() != invitation.email.lower():
        raise SocietyError(
            f"This invitation was sent to {invitation.email}; sign in with that address to "
            "accept it."
        )
    with scope(society=society):
        locked = Invitation.objects.select_for_update(of=("self",)).get(pk=invitation.pk)
        if not locked.is_open:
            raise SocietyError("This invitation has already been used, cancelled or expired.")
        locked.accepted_at = timezone.now()
        locked.accepted_by = actor
        locked.save(update_fields=["accepted_at", "accepted_by"])
        grant = society.role_grants.filter(user=actor, role=locked.role).first()
        if grant is None:
            grant = RoleGrant.objects.create(
                society=society, user=actor, role=locked.role, granted_by=locked.invited_by
            )
        audit.record(
            society, actor, "invitation.accepted", locked,
            {"email": actor.email, "role": locked.role},
        )
    return grant


@transaction.atomic
def create_account_for_invitation(*, invitation: Invitation, full_name: str, password: str):
    """A new account for an invited person; following the emailed link verified the address."""
    from allauth.account.models import EmailAddress

    User = get_user_model()
    with scopes_disabled():
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise SocietyError("An account with this email address already exists: sign in.")
    user = User.objects.create_user(
        email=invitation.email, password=password, full_name=full_name
    )
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    accept_invitation(actor=user, invitation=invitation)
    return user
