"""The register of members as at a date: filtering, searching, keyset pagination, and the
details each member had on that date. Used by the register pages and the exports.

As at date D a membership counts when admitted_on <= D and (ceased_on is null or > D): the
dates are the legal record. Names, addresses, emails and classes as they were at the end of D
come from the row history (simple-history) for the rows shown; filters and sorting use the
current values (docs/members.md).
"""

import base64
import json
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import CharField, DateField, F, Func, IntegerField, Max, Q, Value
from django.db.models.functions import Concat, Lower
from django.utils import timezone

from members import providers
from members.models import Member
from societies.models import StakeholderClass

PAGE_SIZE = 50
# A name search that matches fewer rows than sparse_limit() is served from the trigram
# index, then sorted; a denser one by walking the sort's index. Reading m matches costs about
# m rows; walking to a page of 50 costs about 50 * N / m rows: they cross at sqrt(50 * N).
SPARSE_SEARCH = None  # tests set a fixed limit
SORTS = {
    # name: (fields in order, each (field, annotation expression or None))
    "number": ("member_number",),
    "name": ("name_key", "member_number"),
    "admitted": ("admitted_on", "member_number"),
}
SORT_LABELS = {"number": "Member number", "name": "Name", "admitted": "Date admitted"}
STATUS_CHOICES = [("current", "Current members"), ("ceased", "Ceased"), ("all", "All")]
POSTCODE = re.compile(r"^[A-Za-z]{1,2}[0-9][A-Za-z0-9]?(\s*[0-9][A-Za-z]{0,2})?$")
HISTORY_FIELDS = ("full_name", "address", "postcode", "email", "email_purpose",
                  "stakeholder_class_id")


@dataclass
class RegisterQuery:
    """What the visitor asked for: as-at date, filters, search, sort and position."""

    as_at: date
    status: str = "current"
    class_id: int | None = None
    admitted_from: date | None = None
    admitted_to: date | None = None
    search: str = ""
    sort: str = "number"
    descending: bool = False
    after: list | None = None
    before: list | None = None
    allow_postcode_search: bool = True
    # Set by register_queryset: a name search with few matches (see SPARSE_SEARCH).
    sparse: bool = False

    def describe(self) -> dict:
        """For the audit entry of a register view or export."""
        what = {"as_at": self.as_at.isoformat(), "status": self.status,
                "sort": ("-" if self.descending else "") + self.sort}
        if self.class_id:
            what["class_id"] = self.class_id
        if self.admitted_from:
            what["admitted_from"] = self.admitted_from.isoformat()
        if self.admitted_to:
            what["admitted_to"] = self.admitted_to.isoformat()
        if self.search:
            what["search"] = self.search
        return what


def search_kind(text: str, allow_postcode: bool = True) -> str:
    text = text.strip()
    if text.isdigit():
        return "number"
    if allow_postcode and POSTCODE.match(text):
        return "postcode"
    return "name"


def _members_of(society, unindexed_society: bool = False):
    if not unindexed_society:
        return Member.objects.filter(society=society)
    # The society written as `society_id + 0`, which no index serves: PostgreSQL then reads a
    # rare name's matches from the trigram index alone, instead of AND-ing them with a bitmap
    # of every row of the society (hundreds of milliseconds at a million members). Still
    # filtered to the one society, explicitly, hence the scope is not needed here.
    return Member.objects.with_scopes_disabled().alias(
        society_key=Func(F("society_id"), template="(%(expressions)s + 0)",
                         output_field=IntegerField())
    ).filter(society_key=society.pk)


def _filtered(members, query: RegisterQuery):
    if query.status in ("current", "ceased"):
        on = query.as_at
        if query.status == "current":
            members = members.active_on(on)
        else:
            members = members.filter(admitted_on__lte=on, ceased_on__lte=on)
    else:
        members = members.filter(admitted_on__lte=query.as_at)
    if query.class_id:
        members = members.filter(stakeholder_class_id=query.class_id)
    if query.admitted_from:
        members = members.filter(admitted_on__gte=query.admitted_from)
    if query.admitted_to:
        members = members.filter(admitted_on__lte=query.admitted_to)
    return members.annotate(name_key=Lower("full_name"))


def highest_member_number(society) -> int | None:
    """The highest number in the register (one probe of the unique index); None if empty."""
    return Member.objects.filter(society=society).aggregate(n=Max("member_number"))["n"]


def sparse_limit(society) -> int:
    return max(500, int(math.sqrt(PAGE_SIZE * (highest_member_number(society) or 0))))


def register_queryset(society, query: RegisterQuery):
    """Members of `society` matching `query`, not yet ordered or paginated."""
    text = query.search.strip()
    kind = search_kind(text, query.allow_postcode_search) if text else None
    if kind == "name":
        needle = text.lower()
        if connection.vendor == "postgresql" and len(needle) >= 3:
            # Served by the trigram index on lower(full_name). Few matches: read them all
            # from it and sort; many: walk the sort's index, which meets matches quickly.
            sparse = _filtered(_members_of(society, unindexed_society=True), query).filter(
                name_key__contains=needle)
            limit = SPARSE_SEARCH or sparse_limit(society)
            if sparse.order_by().values("pk")[:limit].count() < limit:
                query.sparse = True
                return sparse
        return _filtered(_members_of(society), query).filter(name_key__contains=needle)
    members = _filtered(_members_of(society), query)
    if kind == "number":
        members = members.filter(member_number=int(text))
    elif kind == "postcode":
        members = members.filter(postcode__startswith=" ".join(text.upper().split()))
    return members


def _keyset(members, keys, values, descending, inclusive=False):
    """Rows after `values` in the order of `keys` (a row comparison, written so that the
    leading key is a plain range condition the index can use)."""
    op = "lt" if descending else "gt"
    lead, lead_value = keys[0], values[0]
    if len(keys) == 1:
        return members.filter(**{f"{lead}__{op}": lead_value})
    rest = Q(**{f"{lead}__{op}": lead_value}) | Q(**{lead: lead_value,
                                                    f"{keys[1]}__{op}": values[1]})
    return members.filter(**{f"{lead}__{op}e": lead_value}).filter(rest)


def _order(keys, descending):
    return [("-" if descending else "") + key for key in keys]


def encode_cursor(values) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, date) else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(text: str, sort: str) -> list | None:
    """The cursor's values, or None when it is not one of ours (then page one is shown)."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        values = json.loads(raw)
    except (ValueError, TypeError):
        return None
    keys = SORTS[sort]
    if not isinstance(values, list) or len(values) != len(keys):
        return None
    try:
        for i, key in enumerate(keys):
            if key == "member_number":
                values[i] = int(values[i])
            elif key == "admitted_on":
                values[i] = date.fromisoformat(values[i])
            elif not isinstance(values[i], str):
                return None
    except (ValueError, TypeError):
        return None
    return values


@dataclass
class Page:
    rows: list
    next_cursor: str | None
    previous_cursor: str | None


def _unindexed(key):
    """The sort key as an expression no btree serves, so PostgreSQL reads the matches through
    the trigram index and sorts them, instead of walking the sort index past non-matches."""
    if key == "name_key":
        return Concat(F("name_key"), Value(""), output_field=CharField())
    template = "(%(expressions)s + 0)"
    field = DateField() if key == "admitted_on" else IntegerField()
    return Func(F(key), template=template, output_field=field)


def page_of(members, query: RegisterQuery, size: int = PAGE_SIZE) -> Page:
    """One page by keyset pagination: no OFFSET, so page 20,000 costs what page 1 does."""
    keys = SORTS[query.sort]
    if query.sparse:
        aliases = [f"sparse_{key}" for key in keys]
        members = members.annotate(**{a: _unindexed(k) for a, k in zip(aliases, keys,
                                                                         strict=True)})
        keys = aliases
    backwards = query.before is not None
    if backwards:
        members = _keyset(members, keys, query.before, not query.descending)
        members = members.order_by(*_order(keys, not query.descending))
    else:
        if query.after is not None:
            members = _keyset(members, keys, query.after, query.descending)
        members = members.order_by(*_order(keys, query.descending))
    rows = list(members.select_related("stakeholder_class")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()

    def cursor(member):
        return encode_cursor([getattr(member, key) for key in keys])

    next_cursor = previous_cursor = None
    if rows:
        if more or backwards:
            next_cursor = cursor(rows[-1])
        if (backwards and more) or (not backwards and query.after is not None):
            previous_cursor = cursor(rows[0])
    return Page(rows=rows, next_cursor=next_cursor, previous_cursor=previous_cursor)


def end_of_day(on: date) -> datetime:
    return timezone.make_aware(datetime.combine(on + timedelta(days=1), time.min))


def apply_details_as_at(members: list, on: date) -> list:
    """Replace each member's name, address, email and class by those they had at the end of
    `on` (from the row history). Nothing to do for today or later."""
    if not members or on >= timezone.localdate():
        return members
    history = Member.history.model.objects.filter(id__in=[m.pk for m in members])
    cutoff = end_of_day(on)
    chosen: dict[int, object] = {}
    earliest: dict[int, object] = {}
    for record in history.order_by("history_date", "history_id").only(
        "id", "history_date", *HISTORY_FIELDS
    ):
        earliest.setdefault(record.id, record)
        if record.history_date < cutoff:
            chosen[record.id] = record
    class_ids = {getattr(r, "stakeholder_class_id", None) for r in earliest.values()}
    classes = {c.pk: c for c in StakeholderClass.objects.filter(pk__in=class_ids)}
    for member in members:
        # The first history row holds the state before any later change (see
        # services.ensure_history_baseline); no history at all means never changed.
        record = chosen.get(member.pk) or earliest.get(member.pk)
        if record is None:
            continue
        for name in HISTORY_FIELDS:
            setattr(member, name, getattr(record, name))
        if member.stakeholder_class_id in classes:
            member.stakeholder_class = classes[member.stakeholder_class_id]
    return members


def holdings_as_at(society, member_ids, on: date) -> dict:
    """Shares held and amount paid per member id as at `on`: {member_id: (shares, pence)},
    from the share ledger (provided by the shares app, see members.providers). Empty for a
    society without share classes, so its register's share columns stay blank.
    """
    return providers.holdings_as_at(society, member_ids, on)


def holding_display(held) -> tuple[str, str] | None:
    """(shares, amount paid as £) for a page, or None to show a blank."""
    if held is None:
        return None
    shares, pence = held
    return str(shares), f"£{pence // 100:,}.{pence % 100:02d}"
