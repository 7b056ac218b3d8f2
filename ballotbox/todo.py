"""What waits for a trustee (societies.todo): their round of a box's key, their shuffle or
their partial decryption."""

from ballotbox.models import BoxState, Trustee
from ballotbox.work import owed_now
from societies.todo import Todo, link


def my_trustee_work(society, visitor, now) -> list[Todo]:
    """One item a box whose key ceremony or count waits for the visitor. The visitor is
    known here by their membership: a trustee who is not a member finds their page from the
    returning officer's link."""
    member = visitor.member
    if member is None or member.user_id is None:
        return []
    rows = (Trustee.objects.filter(society=society, user_id=member.user_id,
                                   box__state__in=[BoxState.KEYS, BoxState.TALLYING])
            .select_related("box").order_by("box__created_at", "number"))
    items = []
    for trustee in rows:
        owed = owed_now(trustee.box, trustee, with_instructions=False)
        if owed is None or not owed.ready:
            continue
        if trustee.box.queued.filter(trustee_number=trustee.number, refused="").exists():
            continue  # sent, and waiting for the worker to check it
        label = (f"Your key for {trustee.box.name}: round {trustee.round} is waiting for you"
                 if owed.kind == "key" else
                 f"{trustee.box.name}: {owed.label} is waiting for you")
        items.append(Todo(label, link(society, "ballotbox:trustee",
                                      public_id=trustee.box.public_id)))
    return items
