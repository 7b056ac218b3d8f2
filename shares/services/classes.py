"""Share classes: creating them and changing their terms."""


from django.db import transaction

from shares import ledger
from shares.models import ShareClass, ShareTransaction
from shares.queries import cap_pence
from shares.services.common import ShareError
from societies import audit

CLASS_FIELDS = [
    "name", "nominal_value_pence", "is_withdrawable", "is_transferable", "is_qualifying",
    "minimum_holding", "maximum_holding", "withdrawal_notice_days", "interest_rate_percent",
    "allows_reinvestment",
]
# Fixed once shares of the class exist: the ledger's amounts and the cap depend on them.
FIXED_ONCE_ISSUED = ["nominal_value_pence", "is_withdrawable"]


def _check_class_name_free(society, name, exclude_pk=None):
    taken = ShareClass.objects.filter(society=society, name__iexact=name)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ShareError(f"There is already a share class called {name!r}.")


def _check_qualifying_free(society, exclude_pk=None):
    others = ShareClass.objects.filter(society=society, is_qualifying=True)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    other = others.first()
    if other is not None:
        raise ShareError(f"{other.name} is already the class issued on admission; "
                         "change that class first.")


def _check_class_values(society, values):
    maximum = values.get("maximum_holding")
    if (values["is_withdrawable"] and maximum is not None
            and maximum * values["nominal_value_pence"] > cap_pence(society)):
        raise ShareError(
            "A member may hold at most "
            f"{ledger.format_pence(cap_pence(society))} of withdrawable shares, so the "
            "maximum holding must be lower."
        )
    if maximum is not None and maximum < values["minimum_holding"]:
        raise ShareError("The maximum holding cannot be below the minimum holding.")


def _audit_values(values) -> dict:
    return {f: str(values[f]) if f == "interest_rate_percent" else values[f]
            for f in CLASS_FIELDS if f in values}


@transaction.atomic
def create_share_class(*, actor, society, values: dict) -> ShareClass:
    _check_class_name_free(society, values["name"])
    if values.get("is_qualifying"):
        _check_qualifying_free(society)
    _check_class_values(society, values)
    share_class = ShareClass(society=society, **{f: values[f] for f in CLASS_FIELDS})
    share_class.full_clean(exclude=["society"])
    share_class.save()
    audit.record(society, actor, "shares.class_created", share_class, _audit_values(values))
    return share_class


@transaction.atomic
def update_share_class(*, actor, share_class: ShareClass, values: dict) -> dict:
    locked = ShareClass.objects.select_for_update(of=("self",)).get(pk=share_class.pk)
    changes = {f: [getattr(locked, f), values[f]] for f in CLASS_FIELDS
               if f in values and getattr(locked, f) != values[f]}
    if not changes:
        return {}
    fixed = [f for f in FIXED_ONCE_ISSUED if f in changes]
    if fixed and ShareTransaction.objects.filter(share_class=locked).exists():
        labels = ", ".join(str(ShareClass._meta.get_field(f).verbose_name) for f in fixed)
        raise ShareError(f"Shares of {locked.name} have been issued, so its {labels} can no "
                         "longer change; create a new class and convert the shares instead.")
    if "name" in changes:
        _check_class_name_free(locked.society, values["name"], exclude_pk=locked.pk)
    if changes.get("is_qualifying", [False, False])[1]:
        _check_qualifying_free(locked.society, exclude_pk=locked.pk)
    merged = {f: getattr(locked, f) for f in CLASS_FIELDS} | {f: v for f, (_o, v) in
                                                             changes.items()}
    _check_class_values(locked.society, merged)
    for field, (_old, new) in changes.items():
        setattr(locked, field, new)
    locked.full_clean(exclude=["society"])
    locked.save(update_fields=list(changes))
    audit.record(locked.society, actor, "shares.class_changed", locked,
                 {"changes": {f: [str(o), str(n)] for f, (o, n) in changes.items()}})
    for field, (_old, new) in changes.items():
        setattr(share_class, field, new)
    return changes
