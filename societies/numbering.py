"""Every number series of a society (member numbers, decisions, share certificates) is handed
out here, one `Counter` row per society and kind.

Taking numbers locks that counter row until the transaction ends, and nothing else: a long
import of the register holds the member numbers, while decisions and certificates go on. The
row is created on first use by an insert that does nothing when a concurrent transaction got
there first. The database has the last word: each numbered table keeps its own unique
constraint on (society, number).
"""

from collections.abc import Callable

from django_scopes import scopes_disabled

from societies.models import Counter

# The series in use, each taken by the one app that numbers those rows.
MEMBER = "member"  # members: admissions, readmissions, imports
DECISION = "decision"  # boards: the register of decisions
CERTIFICATE = "certificate"  # shares: share certificates


def hold(society, kind: str) -> Counter:
    """The counter of `kind` in `society`, locked until the transaction ends (created if
    absent). Take it first where a whole operation must not meet another taking numbers."""
    with scopes_disabled():
        lock = Counter.objects.select_for_update(of=("self",)).filter(society=society,
                                                                      kind=kind)
        counter = lock.first()
        if counter is None:
            Counter.objects.bulk_create([Counter(society=society, kind=kind)],
                                        ignore_conflicts=True)
            counter = lock.get()
    return counter


def take(society, kind: str, count: int = 1, *,
         in_use: Callable[[], int | None] | None = None) -> range:
    """Hand out the next `count` consecutive numbers of `kind` (a block, for an import).

    `in_use`, read under the lock, gives the highest number the numbered rows already carry:
    rows written with a number of their own (an imported file's) are then never numbered
    over, and the next number stays the one after the highest in use. A number taken by a
    transaction that committed is never handed out again, even when its row is gone.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    counter = hold(society, kind)
    first = max(counter.last, (in_use() if in_use else None) or 0) + 1
    if count or first - 1 != counter.last:
        counter.last = first + count - 1
        counter.save(update_fields=["last"])
    return range(first, first + count)
