"""What waits for the secretary in the shares app (societies.todo)."""

from django.db.models import Count, Min, Q
from django.utils import timezone

from shares.models import InterestRun, InterestRunStatus, WithdrawalRequest, WithdrawalStatus
from societies.audit_text import plural
from societies.todo import Todo, day, link


def withdrawals(society, visitor, now) -> list[Todo]:
    today = timezone.localdate(now)
    not_deferred = Q(deferred_until__isnull=True) | Q(deferred_until__lte=today)
    approved = Q(status=WithdrawalStatus.APPROVED)
    counts = WithdrawalRequest.objects.filter(
        society=society, status__in=[WithdrawalStatus.REQUESTED, WithdrawalStatus.APPROVED,
                                     WithdrawalStatus.DEFERRED],
    ).aggregate(
        requested=Count("id", filter=Q(status=WithdrawalStatus.REQUESTED)),
        payable=Count("id", filter=approved & Q(earliest_payable_on__lte=today) & not_deferred),
        later=Count("id", filter=approved & (Q(earliest_payable_on__gt=today) | ~not_deferred)),
        next_payable=Min("earliest_payable_on", filter=approved & Q(earliest_payable_on__gt=today)),
        deferred=Count("id", filter=Q(status=WithdrawalStatus.DEFERRED) & not_deferred),
    )
    url = link(society, "shares:withdrawals")
    items = [
        Todo(f"{plural(counts['requested'], 'withdrawal request')} waiting for the board's "
             "decision", url, count=counts["requested"]),
        Todo(f"{plural(counts['payable'], 'withdrawal')} approved and due to be paid", url,
             count=counts["payable"]),
        Todo(f"{plural(counts['deferred'], 'deferred withdrawal')} to decide again", url,
             count=counts["deferred"],
             detail="The board's deferral has ended: approve them or defer them again."),
    ]
    if counts["later"] and counts["next_payable"]:
        items.append(Todo(
            f"{plural(counts['later'], 'approved withdrawal')} to pay when the notice ends", url,
            count=counts["later"], due=counts["next_payable"],
            detail=f"The first can be paid from {day(counts['next_payable'])}."))
    return items


def interest(society, visitor, now) -> list[Todo]:
    draft = InterestRun.objects.filter(society=society, status=InterestRunStatus.DRAFT).count()
    return [Todo(f"{plural(draft, 'share interest run')} worked out and waiting to be posted",
                 link(society, "shares:interest"), count=draft)]
