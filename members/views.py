"""Pages under /s/<slug>/members/: applying, admission, member records, the registers, import
and export. Each view checks a form, calls one service, shows a message and redirects."""

import logging
from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from config import ratelimit, spreadsheet
from jobs import queue as jobs_queue
from members import exporters, importer, providers, services
from members import leavers as leaver_list
from members.forms import (
    ApplicationForm,
    AppointRepresentativeForm,
    CeaseForm,
    DecisionForm,
    DeclineForm,
    ImportForm,
    InspectionAnswerForm,
    InspectionGrantForm,
    InspectionRequestForm,
    LeaversForm,
    MemberForm,
    MemberSocietyForm,
    OnlineInspectionForm,
    OwnDetailsForm,
    ReadmitForm,
    RegisterFilterForm,
    RepresentativeForm,
    ReturnedMailForm,
    StaffListForm,
)
from members.joining import payment_instructions
from members.models import (
    ApplicationStatus,
    CessationReason,
    ImportStatus,
    InspectionStatus,
    Member,
    MemberKind,
)
from members.register import (
    SORTS,
    RegisterQuery,
    apply_details_as_at,
    decode_cursor,
    holding_display,
    holdings_as_at,
    page_of,
    register_queryset,
)
from members.services import MemberError
from societies.access import get_or_404, public, requires
from societies.services import INSPECTION_FIELDS, SocietyError, update_society_settings

log = logging.getLogger(__name__)

APPLICATION_SESSION_KEY = "members_application_reference"
EXAMPLE_ID = "00000000-0000-0000-0000-000000000000"
HISTORY_FIELDS = ["full_name", "address", "postcode", "email", "email_purpose",
                  "contact_channel", "electronic_consent", "stakeholder_class",
                  "date_of_birth", "admitted_on", "ceased_on", "cessation_reason"]


def _url(name, society, **kwargs):
    return reverse(f"members:{name}", kwargs={"society_slug": society.slug, **kwargs})


# Applying and admission


LIMITED = ("Too many applications have been sent {where} in a short time. To protect the "
           "people whose email addresses are typed here, no more can be sent {where} until "
           "{until:%H:%M} (in {minutes} minutes or less). Please try again then, or contact "
           "the society.")


def _application_counters(request, email: str) -> tuple[list[ratelimit.Counter], int]:
    """What an application sent from the public form counts against (docs/operations.md):
    the sender's address and the typed email address across every society, and the
    society."""
    limits = ratelimit.limits("APPLICATION_LIMITS")
    if limits is None:
        return [], 0
    counters = [
        ratelimit.Counter(f"application:address:{ratelimit.client_address(request)}",
                          "from this address", limits["address"]),
        ratelimit.Counter(f"application:society:{request.society.pk}", "to this society",
                          limits["society"])]
    if email:
        counters.append(ratelimit.Counter(f"application:email:{ratelimit.hashed(email)}",
                                          "for this email address", limits["email"]))
    return counters, limits["minutes"]


@public
def apply(request):
    society = request.society
    on_behalf = request.visitor.can("members:manage")
    form = ApplicationForm(request.POST or None, society=society)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        # A secretary entering paper applications is not limited; the public form is.
        counters, minutes = ([], 0) if on_behalf else _application_counters(
            request, values.get("email") or "")
        refused = ratelimit.refusal(counters, minutes)
        if refused:
            log.info("application refused for society %s from %s: too many %s", society.slug,
                     ratelimit.client_address(request), refused.where)
            form.add_error(None, LIMITED.format(where=refused.where, minutes=refused.minutes,
                                                until=timezone.localtime(refused.until)))
            response = render(request, "members/apply.html",
                              {"form": form, "on_behalf": on_behalf}, status=429)
            response["Retry-After"] = str(refused.retry_after)
            return response
        try:
            application = services.submit_application(
                actor=request.user, society=society, values=values, on_behalf=on_behalf)
        except MemberError as error:
            form.add_error(None, str(error))
        else:
            ratelimit.count(counters, minutes)
            if on_behalf:
                messages.success(request, f"Application {application.reference} from "
                                          f"{application.full_name} entered.")
                return redirect(_url("application", society, public_id=application.public_id))
            request.session[APPLICATION_SESSION_KEY] = application.reference
            return redirect(_url("apply_thanks", society))
    return render(request, "members/apply.html", {"form": form, "on_behalf": on_behalf},
                  status=400 if form.errors else 200)


@public
def apply_thanks(request):
    reference = request.session.get(APPLICATION_SESSION_KEY)
    if not reference:
        return redirect(_url("apply", request.society))
    return render(request, "members/apply_thanks.html", {
        "reference": reference,
        "payment": payment_instructions(request.society, reference),
    })


@requires("members:manage")
def applications(request):
    society = request.society
    open_ones = society.applications.filter(
        status__in=[ApplicationStatus.PENDING, ApplicationStatus.AWAITING_VOTE]
    ).select_related("stakeholder_class").order_by("submitted_at", "id")
    decided = society.applications.filter(
        status__in=[ApplicationStatus.ADMITTED, ApplicationStatus.DECLINED]
    ).select_related("stakeholder_class", "member").order_by("-decided_on", "-id")[:20]
    return render(request, "members/applications.html",
                  {"open_applications": open_ones, "decided": decided})


def _admission_payment_form(request, data=None):
    """The payment for the qualifying shares, where the shares app asks for one (it provides
    the form through members.providers); None otherwise."""
    return providers.admission_payment_form(request.society, data)


def _application_page(request, application, admit_form=None, decline_form=None, status=200,
                      payment_form=None):
    return render(request, "members/application.html", {
        "application": application,
        "admit_form": admit_form or DecisionForm(prefix="admit"),
        "payment_form": payment_form or _admission_payment_form(request),
        "decline_form": decline_form or DeclineForm(prefix="decline"),
        "members_vote": request.society.admission_method == "members_vote",
        "today": timezone.localdate(),
    }, status=status)


@requires("members:manage")
def application_detail(request, public_id):
    application = get_or_404(
        request.society.applications.select_related(
            "stakeholder_class", "rules_version", "privacy_notice_version"
        ).defer("rules_version__content", "privacy_notice_version__content"),
        public_id=public_id)
    return _application_page(request, application)


@require_POST
@requires("members:manage")
def application_admit(request, public_id):
    society = request.society
    application = get_or_404(society.applications, public_id=public_id)
    form = DecisionForm(request.POST, prefix="admit")
    payment_form = _admission_payment_form(request, request.POST)
    paid = payment_form is None or payment_form.is_valid()
    if form.is_valid() and paid:
        try:
            result = services.admit_application(
                actor=request.user, application=application,
                decided_on=form.cleaned_data["decided_on"],
                decision_reference=form.cleaned_data["decision_reference"],
                payment=payment_form.service_kwargs() if payment_form else None)
        except MemberError as error:
            form.add_error(None, str(error))
        else:
            if result.status == ApplicationStatus.AWAITING_VOTE:
                messages.success(request, f"{result.full_name}'s application now awaits the "
                                          "members' vote.")
                return redirect(_url("applications", society))
            member = result.member
            messages.success(request, f"{member.full_name} is admitted as member number "
                                      f"{member.member_number}.")
            return redirect(_url("member", society, public_id=member.public_id))
    return _application_page(request, application, admit_form=form, status=400,
                             payment_form=payment_form)


@require_POST
@requires("members:manage")
def application_decline(request, public_id):
    society = request.society
    application = get_or_404(society.applications, public_id=public_id)
    form = DeclineForm(request.POST, prefix="decline")
    if form.is_valid():
        try:
            services.decline_application(
                actor=request.user, application=application,
                decided_on=form.cleaned_data["decided_on"],
                decision_reference=form.cleaned_data["decision_reference"],
                reason=form.cleaned_data["reason"])
        except MemberError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Application {application.reference} declined.")
            return redirect(_url("applications", society))
    return _application_page(request, application, decline_form=form, status=400)


# Member records


def _history(member) -> list[dict]:
    """Each recorded change to the member's row, newest first: when, who, what changed."""
    records = list(member.history.select_related("history_user").order_by(
        "history_date", "history_id"))
    changes = []
    previous = None
    class_names = dict(member.society.stakeholder_classes.values_list("pk", "name"))
    for record in records:
        if previous is not None:
            delta = record.diff_against(previous, included_fields=HISTORY_FIELDS)
            fields = []
            for change in delta.changes:
                label = Member._meta.get_field(change.field).verbose_name
                old, new = change.old, change.new
                if change.field == "stakeholder_class":
                    old, new = class_names.get(old, old), class_names.get(new, new)
                fields.append({"label": label.capitalize(), "old": old, "new": new,
                               "field": change.field})
            if fields:
                changes.append({"when": record.history_date, "who": record.history_user,
                                "fields": fields})
        previous = record
    changes.reverse()
    return changes


@requires("register:view_full")
def member_detail(request, public_id):
    member = get_or_404(request.society.members.select_related(
        "stakeholder_class", "readmission_of", "user"), public_id=public_id)
    today = timezone.localdate()
    return render(request, "members/member.html", {
        "member": member,
        "history": _history(member),
        "returned_mail": member.returned_mail.all(),
        "readmitted_as": Member.objects.filter(readmission_of=member).first(),
        "under_16": member.is_under_16_on(today),
        "can_manage": request.visitor.can("members:manage"),
        "returned_form": ReturnedMailForm(initial={"returned_on": today}),
        "holding": holding_display(
            holdings_as_at(request.society, [member.pk], today).get(member.pk)
        ),
    })


@requires("members:manage")
def member_edit(request, public_id):
    society = request.society
    member = get_or_404(society.members, public_id=public_id)
    form = MemberForm(request.POST or None, instance=Member.objects.get(pk=member.pk),
                      society=society)
    if request.method == "POST" and form.is_valid():
        try:
            changes = services.update_member(actor=request.user, member=member,
                                             values=form.cleaned_data)
        except MemberError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Record saved." if changes else "Nothing was changed.")
            return redirect(_url("member", society, public_id=member.public_id))
    return render(request, "members/member_form.html", {"form": form, "member": member},
                  status=400 if form.errors else 200)


@requires("members:manage")
def member_cease(request, public_id):
    society = request.society
    member = get_or_404(society.members, public_id=public_id)
    tied = member.stakeholder_class.tied_to_employment
    form = CeaseForm(request.POST or None, initial={
        "ceased_on": timezone.localdate(),
        "reason": CessationReason.INELIGIBLE if tied else None})
    if request.method == "POST" and form.is_valid():
        try:
            services.cease_member(actor=request.user, member=member,
                                  ceased_on=form.cleaned_data["ceased_on"],
                                  reason=form.cleaned_data["reason"],
                                  reference=form.cleaned_data["reference"])
        except MemberError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{member.full_name}'s membership has ceased.")
            return redirect(_url("member", society, public_id=member.public_id))
    return render(request, "members/member_cease.html",
                  {"form": form, "member": member, "tied": tied},
                  status=400 if form.errors else 200)


@requires("members:manage")
def leavers(request):
    """The staff list shows who has left a class tied to employment: upload it, then confirm
    the leavers with the day their employment ended (members/leavers.py)."""
    society = request.society
    upload = StaffListForm()
    if request.method == "POST" and "confirm" in request.POST:
        form = LeaversForm(request.POST, society=society)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ceased = services.record_leavers(
                    actor=request.user, society=society, members=list(data["leavers"]),
                    ended_on=data["ended_on"], reference=data["reference"])
            except MemberError as error:
                form.add_error(None, str(error))
            else:
                ended = len(ceased)
                messages.success(request, f"{ended} membership{'s' if ended != 1 else ''} "
                                          "ended: employment ended.")
                return redirect(_url("leavers", society))
        return render(request, "members/leavers.html", {"upload": upload, "form": form},
                      status=400)
    if request.method == "POST":
        upload = StaffListForm(request.POST, request.FILES)
        if upload.is_valid():
            try:
                numbers, emails = leaver_list.read_staff_list(upload.cleaned_data["file"].read())
            except leaver_list.StaffListRejected as error:
                upload.add_error("file", str(error))
            else:
                found = leaver_list.leavers(society, numbers, emails)
                form = LeaversForm(society=society, only=found, initial={
                    "leavers": found, "ended_on": timezone.localdate()})
                return render(request, "members/leavers.html", {
                    "upload": StaffListForm(), "form": form, "found": found, "read": True})
        return render(request, "members/leavers.html", {"upload": upload}, status=400)
    return render(request, "members/leavers.html", {
        "upload": upload,
        "tied": society.stakeholder_classes.filter(tied_to_employment=True)})


@requires("members:manage")
def member_representative(request, public_id):
    """An organisation member's letter naming a new representative."""
    society = request.society
    member = get_or_404(society.members.filter(kind=MemberKind.ORGANISATION),
                        public_id=public_id)
    today = timezone.localdate()
    form = RepresentativeForm(request.POST or None,
                              initial={"effective_on": today, "letter_dated": today})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.replace_representative(
                actor=request.user, member=member, new_name=data["new_name"],
                effective_on=data["effective_on"], letter_dated=data["letter_dated"],
                letter_from=data["letter_from"], email=data["email"] or None)
        except MemberError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{data['new_name']} now represents {member.full_name}.")
            return redirect(_url("member", society, public_id=member.public_id))
    return render(request, "members/member_representative.html", {
        "form": form, "member": member,
        "changes": member.representative_changes.all()}, status=400 if form.errors else 200)


@requires("members:manage")
def member_link_society(request, public_id):
    """A federation's secretary: which society on the platform this organisation member is."""
    society = request.society
    member = get_or_404(society.members.filter(kind=MemberKind.ORGANISATION),
                        public_id=public_id)
    form = MemberSocietyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.link_member_society(actor=request.user, member=member,
                                         society_slug=form.cleaned_data["society_slug"])
        except MemberError as error:
            form.add_error("society_slug", str(error))
        else:
            messages.success(request, f"{member.full_name} is linked; its secretary is asked "
                                      "to confirm.")
            return redirect(_url("member", society, public_id=member.public_id))
    return render(request, "members/member_link_society.html", {"form": form, "member": member},
                  status=400 if form.errors else 200)


@requires("members:manage")
def federations(request):
    """A member society's memberships of federations: confirm each, appoint the representative,
    read what the federation sent."""
    return _federations_page(request)


def _federations_page(request, posted=None, status=200):
    """Each membership with what the federation sent and a form to appoint the representative
    (`posted`: the form sent with errors, for its membership)."""
    rows = []
    for membership in services.memberships_of(request.society):
        form = AppointRepresentativeForm(prefix=str(membership.public_id))
        if posted is not None and posted.prefix == str(membership.public_id):
            form = posted
        notices = services.notices_to(membership) if membership.member_society_confirmed_at \
            else []
        rows.append((membership, notices, form))
    return render(request, "members/federations.html", {"memberships": rows}, status=status)


def _membership_or_404(request, public_id):
    """This society's membership `public_id` of a federation; 404 for any other."""
    membership = services.membership_of(request.society, public_id)
    if membership is None:
        raise Http404
    return membership


@require_POST
@requires("members:manage")
def federation_confirm(request, public_id):
    membership = _membership_or_404(request, public_id)
    services.confirm_federation_membership(actor=request.user, member_society=request.society,
                                           membership=membership)
    messages.success(request, f"Membership of {membership.society.name} confirmed.")
    return redirect(_url("federations", request.society))


@require_POST
@requires("members:manage")
def federation_representative(request, public_id):
    membership = _membership_or_404(request, public_id)
    form = AppointRepresentativeForm(request.POST, prefix=str(membership.public_id))
    if form.is_valid():
        try:
            services.appoint_federation_representative(
                actor=request.user, member_society=request.society, membership=membership,
                name=form.cleaned_data["name"], email=form.cleaned_data["email"] or None)
        except MemberError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{form.cleaned_data['name']} now represents us at "
                                      f"{membership.society.name}.")
            return redirect(_url("federations", request.society))
    return _federations_page(request, posted=form, status=400)


@requires("members:manage")
def federation_message(request, public_id, message_id):
    membership = _membership_or_404(request, public_id)
    if membership.member_society_confirmed_at is None:
        raise Http404
    message = services.notice_to(membership, message_id)
    if message is None:
        raise Http404
    return render(request, "members/federation_message.html",
                  {"membership": membership, "message": message})


@requires("members:manage")
def member_readmit(request, public_id):
    society = request.society
    member = get_or_404(society.members, public_id=public_id)
    today = timezone.localdate()
    form = ReadmitForm(request.POST or None, initial={"admitted_on": today})
    if request.method == "POST" and form.is_valid():
        try:
            new = services.readmit_member(
                actor=request.user, member=member, admitted_on=form.cleaned_data["admitted_on"],
                decided_on=form.cleaned_data["decided_on"],
                decision_reference=form.cleaned_data["decision_reference"])
        except MemberError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{new.full_name} is readmitted as member number "
                                      f"{new.member_number}.")
            return redirect(_url("member", society, public_id=new.public_id))
    return render(request, "members/member_readmit.html", {"form": form, "member": member},
                  status=400 if form.errors else 200)


@require_POST
@requires("members:manage")
def member_returned_mail(request, public_id):
    society = request.society
    member = get_or_404(society.members, public_id=public_id)
    form = ReturnedMailForm(request.POST)
    if form.is_valid():
        try:
            services.record_returned_mail(actor=request.user, member=member, **form.cleaned_data)
        except MemberError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Returned mail recorded.")
    else:
        messages.error(request, "Give the date it came back and what was sent.")
    return redirect(_url("member", society, public_id=member.public_id))


@requires("members:view_own")
def my_record(request):
    member = request.visitor.member
    if member is None:
        raise Http404
    today = timezone.localdate()
    return render(request, "members/my_record.html", {
        "member": member,
        "history": _history(member),
        "under_16": member.is_under_16_on(today),
        "holding": holding_display(
            holdings_as_at(request.society, [member.pk], today).get(member.pk)
        ),
    })


@requires("members:view_own")
def my_record_edit(request):
    member = request.visitor.member
    if member is None:
        raise Http404
    form = OwnDetailsForm(request.POST or None, instance=Member.objects.get(pk=member.pk))
    if request.method == "POST" and form.is_valid():
        try:
            changes = services.update_member(actor=request.user, member=member,
                                             values=form.cleaned_data, own=True)
        except MemberError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Your details are saved." if changes
                             else "Nothing was changed.")
            return redirect(_url("my_record", request.society))
    return render(request, "members/my_record_form.html", {"form": form, "member": member},
                  status=400 if form.errors else 200)


# The registers


SEARCH_HELP = {
    "full": "A name (or part of one), a member number, or a postcode.",
    "duplicate": "A name (or part of one), a member number, or a postcode.",
    "trustee": "A name (or part of one) or a member number.",
}


def _register_query(request, kind: str) -> tuple[RegisterQuery, RegisterFilterForm]:
    form = RegisterFilterForm(request.GET or None, society=request.society,
                              search_help=SEARCH_HELP[kind])
    if form.is_bound:
        form.is_valid()
    sort = form.value("sort", "number")
    query = RegisterQuery(
        as_at=form.value("as_at", timezone.localdate()),
        status=form.value("status", "current"),
        class_id=form.value("stakeholder_class"),
        admitted_from=form.value("admitted_from"),
        admitted_to=form.value("admitted_to"),
        search=form.value("q", ""),
        sort=sort if sort in SORTS else "number",
        descending=form.value("order") == "desc",
        allow_postcode_search=kind != "trustee",
    )
    if request.GET.get("after"):
        query.after = decode_cursor(request.GET["after"], query.sort)
    elif request.GET.get("before"):
        query.before = decode_cursor(request.GET["before"], query.sort)
    return query, form


def _link_with(request, **changes) -> str:
    params = request.GET.copy()
    for key in ("after", "before"):
        params.pop(key, None)
    for key, value in changes.items():
        params[key] = value
    return "?" + params.urlencode()


def _register_page(request, kind: str, basis: dict | None = None):
    """`basis`: for the duplicate register, on what footing the visitor inspects it (kept in
    the register access log with the view)."""
    society = request.society
    query, form = _register_query(request, kind)
    page = page_of(register_queryset(society, query), query)
    if kind != "trustee":
        apply_details_as_at(page.rows, query.as_at)
    if kind in ("full", "duplicate"):
        services.record_register_access(actor=request.user, society=society,
                                        action="register.viewed",
                                        what={"view": kind, **(basis or {}),
                                              **query.describe()})
    if kind == "full":
        holdings = holdings_as_at(society, [m.pk for m in page.rows], query.as_at)
        for member in page.rows:
            member.holding = holding_display(holdings.get(member.pk))
    export_query = _link_with(request)
    if kind == "full":
        # One reverse() for the page rather than one {% url %} per row.
        base = _url("member", society, public_id=EXAMPLE_ID).removesuffix(f"{EXAMPLE_ID}/")
        for member in page.rows:
            member.record_url = f"{base}{member.public_id}/"
    return render(request, f"members/register_{kind}.html", {
        "form": form,
        "query": query,
        "page": page,
        "next_link": _link_with(request, after=page.next_cursor) if page.next_cursor else None,
        "previous_link": (_link_with(request, before=page.previous_cursor)
                          if page.previous_cursor else None),
        "export_query": export_query,
        "can_export": request.visitor.can("register:export"),
        "today": timezone.localdate(),
        "basis": basis,
        "granted_until": (date.fromisoformat(basis["until"])
                          if basis and "until" in basis else None),
        "can_manage": request.visitor.can("members:manage"),
        "staff_classes": kind == "full" and request.visitor.can("members:manage")
        and society.stakeholder_classes.filter(tied_to_employment=True).exists(),
    })


@requires("register:view_trustee")
def register(request):
    """The register: every s.30 field for the secretary and auditor; names, numbers, classes
    and dates only for board members."""
    if request.visitor.can("register:view_full"):
        return _register_page(request, "full")
    return _register_page(request, "trustee")


def _inspection_basis(request) -> dict | None:
    """Why this visitor may inspect the duplicate register online now, or None: officers
    who keep the register, everyone when the society allows it, or a member's grant."""
    if request.visitor.can("register:view_full"):
        return {"basis": "officer"}
    if request.society.register_online_inspection:
        return {"basis": "society setting"}
    member = request.visitor.member
    grant = member and services.current_inspection_grant(member, timezone.localdate())
    if grant:
        return {"basis": "grant", "grant": str(grant.public_id),
                "until": grant.granted_until.isoformat()}
    return None


@requires("register:view_duplicate")
def register_duplicate(request):
    """The duplicate register (CCBS Act 2014 s.31) for members entitled to inspect it online;
    anyone else is told how to ask for an inspection."""
    basis = _inspection_basis(request)
    if basis is not None:
        return _register_page(request, "duplicate", basis)
    member = request.visitor.member
    if member is None:
        raise PermissionDenied
    return _inspection_page(request, member)


def _inspection_page(request, member, form=None, status=200):
    requests = list(member.register_inspections.order_by(
        "-requested_at", "-id")[:5])
    return render(request, "members/register_inspection.html", {
        "form": form or InspectionRequestForm(),
        "requests": requests,
        "waiting": any(r.status == InspectionStatus.REQUESTED for r in requests),
        "today": timezone.localdate(),
    }, status=status)


@require_POST
@requires("register:view_duplicate")
def register_inspection_request(request):
    """Only members ask: officers who keep the register already see it."""
    member = request.visitor.member
    if member is None:
        raise PermissionDenied
    form = InspectionRequestForm(request.POST)
    if form.is_valid():
        try:
            services.request_register_inspection(actor=request.user, member=member,
                                                 note=form.cleaned_data["note"])
        except MemberError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Your request is with the secretary, who will tell you "
                                      "when and how you may inspect the register.")
            return redirect(_url("register_duplicate", request.society))
    return _inspection_page(request, member, form=form, status=400)


# Register access log: views and exports of the registers (services.record_register_access).
ACCESS_ACTIONS = ("register.viewed", "register.exported")


def _inspections_page(request, forms_for=None, status=200):
    society = request.society
    open_requests = list(society.register_inspections.filter(
        status=InspectionStatus.REQUESTED).select_related("member").order_by("requested_at"))
    forms_for = forms_for or {}
    for inspection in open_requests:
        inspection.grant_form, inspection.answer_form = forms_for.get(
            inspection.pk, (InspectionGrantForm(prefix=f"grant-{inspection.public_id}"),
                            InspectionAnswerForm(prefix=f"answer-{inspection.public_id}")))
    answered = society.register_inspections.exclude(
        status=InspectionStatus.REQUESTED).select_related("member", "decided_by").order_by(
        "-decided_at", "-id")[:50]
    access_log = society.audit_entries.filter(action__in=ACCESS_ACTIONS).select_related(
        "actor").order_by("-id")[:50]
    return render(request, "members/register_inspections.html", {
        "open_requests": open_requests,
        "answered": answered,
        "access_log": access_log,
        "today": timezone.localdate(),
        "setting_form": OnlineInspectionForm(
            initial={"register_online_inspection": society.register_online_inspection}),
        "can_change_setting": request.visitor.can("society:edit_settings"),
    }, status=status)


@requires("members:manage")
def register_inspections(request):
    """Members' requests to inspect the register, the answers, and the register access log."""
    return _inspections_page(request)


def _decide_inspection(request, public_id, decision: str):
    """Grant a waiting request ("grant") or answer it another way ("answer")."""
    society = request.society
    inspection = get_or_404(society.register_inspections.filter(
        status=InspectionStatus.REQUESTED).select_related("member"), public_id=public_id)
    forms = {name: form_class(request.POST if name == decision else None,
                              prefix=f"{name}-{inspection.public_id}")
             for name, form_class in (("grant", InspectionGrantForm),
                                      ("answer", InspectionAnswerForm))}
    form = forms[decision]
    if form.is_valid():
        name = inspection.member.full_name
        try:
            if decision == "grant":
                services.grant_register_inspection(actor=request.user, inspection=inspection,
                                                   **form.cleaned_data)
                done = (f"{name} may inspect the register online for the period given, "
                        "and has been told.")
            else:
                services.answer_register_inspection(actor=request.user, inspection=inspection,
                                                    answer=form.cleaned_data["answer"])
                done = f"Your answer is on its way to {name}."
        except MemberError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, done)
            return redirect(_url("register_inspections", society))
    return _inspections_page(request, {inspection.pk: (forms["grant"], forms["answer"])},
                             status=400)


@require_POST
@requires("members:manage")
def register_inspection_grant(request, public_id):
    return _decide_inspection(request, public_id, "grant")


@require_POST
@requires("members:manage")
def register_inspection_answer(request, public_id):
    return _decide_inspection(request, public_id, "answer")


@require_POST
@requires("society:edit_settings")
def register_online_inspection(request):
    society = request.society
    form = OnlineInspectionForm(request.POST)
    form.is_valid()
    try:
        changes = update_society_settings(
            actor=request.user, society=society, fields=INSPECTION_FIELDS,
            values={"register_online_inspection": form.cleaned_data.get(
                "register_online_inspection", False)})
    except SocietyError as error:
        messages.error(request, str(error))
    else:
        if not changes:
            messages.info(request, "Nothing was changed.")
        elif society.register_online_inspection:
            messages.success(request, "Every member may now inspect the duplicate register "
                                      "online; each view is recorded.")
        else:
            messages.success(request, "Members now ask to inspect the register, and you grant "
                                      "each request for a period.")
    return redirect(_url("register_inspections", society))


@requires("register:export")
def register_export(request, kind, fmt):
    if kind not in ("full", "duplicate") or fmt not in ("csv", "xlsx", "pdf"):
        raise Http404
    society = request.society
    query, _form = _register_query(request, kind)
    if fmt == "pdf" and register_queryset(society, query).count() > exporters.PDF_MAX_ROWS:
        messages.error(request, f"A printable register is limited to "
                                f"{exporters.PDF_MAX_ROWS:,} members: narrow it with the "
                                "filters, or export CSV or XLSX.")
        return redirect(_url("register", society) + _link_with(request))
    services.record_register_access(actor=request.user, society=society,
                                    action="register.exported",
                                    what={"register": kind, "format": fmt, **query.describe()})
    name = f"{society.slug}-{'register' if kind == 'full' else 'duplicate-register'}-" \
           f"{query.as_at.isoformat()}"
    if fmt == "csv":
        response = StreamingHttpResponse(exporters.csv_chunks(society, query, kind),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    if fmt == "xlsx":
        return FileResponse(
            exporters.xlsx_file(society, query, kind), as_attachment=True,
            filename=f"{name}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response = HttpResponse(exporters.pdf_bytes(society, query, kind),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


# Import


@requires("members:import")
def import_upload(request):
    society = request.society
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = services.start_import(actor=request.user, society=society,
                                    uploaded=form.cleaned_data["file"])
        if job.size_bytes <= importer.INLINE_MAX_BYTES:
            # A small file is imported now, through its job: were this process to die
            # mid-import, the jobs sweep would find no heartbeat and a worker would redo it.
            jobs_queue.run(job.queued_as.pk)
        return redirect(_url("import_job", society, public_id=job.public_id))
    jobs = society.member_imports.select_related("created_by")[:10]
    return render(request, "members/import.html", {
        "form": form, "columns": importer.COLUMNS, "jobs": jobs,
    }, status=400 if form.errors else 200)


@requires("members:import")
def import_template(request):
    response = HttpResponse("\ufeff" + importer.template_csv(),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="register-template.csv"'
    return response


@requires("members:import")
def import_job(request, public_id):
    job = get_or_404(request.society.member_imports.select_related("created_by"),
                     public_id=public_id)
    if job.is_running:
        job.bytes_read, job.rows_checked = importer.read_progress(job)
    return render(request, "members/import_job.html", {
        "job": job, "running": job.is_running, "failed": job.status == ImportStatus.FAILED,
        "more_errors": max(0, job.error_count - len(job.errors)),
    })


@requires("members:import")
def import_errors(request, public_id):
    import csv
    import io

    job = get_or_404(request.society.member_imports, public_id=public_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["line", "column", "reason"])
    writer.writerows(spreadsheet.row(error) for error in job.errors)
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="import-errors.csv"'
    return response


