"""Pages under /s/<slug>/boards/: the decision log (members), the board page, officers and
interests (board), and the secretary's forms. Views validate a form, call one service, show a
message and redirect; a BoardError becomes a form error (status 400)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from boards import forms, services
from boards.composition import compose
from boards.models import (
    POST_DEEMED_WORKING_DAYS,
    Decision,
    InterestDeclaration,
    Meeting,
    MeetingKind,
    OfficerAppointment,
)
from boards.services import BoardError
from societies.access import get_or_404, requires


def _back(request, name):
    return redirect(reverse(f"boards:{name}", kwargs={"society_slug": request.society.slug}))


def _form_page(request, form, title, intro="", status=200):
    if form.is_bound and form.errors:
        status = 400
    return render(request, "boards/form.html",
                  {"form": form, "title": title, "intro": intro}, status=status)


def _run(request, form, action, success, back_to, title, intro=""):
    """Validate `form`, call `action(data)`; on success show `success` and redirect."""
    if request.method == "POST" and form.is_valid():
        try:
            action(form.cleaned_data)
        except BoardError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, success)
            return _back(request, back_to)
    return _form_page(request, form, title, intro)


@requires("boards:view")
def decisions(request):
    rows = (Decision.objects.filter(society=request.society)
            .select_related("body", "corrects").order_by("-number")[:200])
    return render(request, "boards/decisions.html", {
        "decisions": rows,
        "can_record": request.visitor.can("boards:record_decisions"),
    })


@requires("boards:view_board")
def board(request):
    today = timezone.localdate()
    next_agm = (Meeting.objects.filter(society=request.society, kind=MeetingKind.AGM,
                                       held_on__gte=today).order_by("held_on").first())
    return render(request, "boards/board.html", {
        "today": today,
        "next_agm": next_agm,
        "bodies": compose(request.society, today,
                          rotation_at=next_agm.held_on if next_agm else None),
        "can_manage": request.visitor.can("boards:manage"),
        "results_awaiting_terms": _results_awaiting_terms(request),
    })


def _results_awaiting_terms(request):
    from boards.terms import contests_awaiting_terms

    if not request.visitor.can("boards:manage"):
        return []
    return list(contests_awaiting_terms(request.society)[:50])


@requires("boards:view_board")
def officers(request):
    rows = OfficerAppointment.objects.filter(society=request.society).order_by(
        "left_on", "-taken_up_on")
    return render(request, "boards/officers.html", {
        "appointments": rows, "can_manage": request.visitor.can("boards:manage"),
    })


@requires("boards:view_board")
def interests(request):
    rows = InterestDeclaration.objects.filter(society=request.society).select_related(
        "term__seat_category__body")
    return render(request, "boards/interests.html", {
        "declarations": rows, "can_manage": request.visitor.can("boards:manage"),
    })


@requires("boards:manage")
def body_new(request):
    form = forms.BodyForm(request.POST or None)
    return _run(request, form, lambda d: services.define_body(
        actor=request.user, society=request.society, **d),
        "Body defined.", "board", "Define a body")


@requires("boards:manage")
def seat_category_new(request):
    form = forms.SeatCategoryForm(request.POST or None, society=request.society)
    return _run(request, form, lambda d: services.define_seat_category(
        actor=request.user, **d), "Seats defined.", "board", "Define a category of seats")


@requires("boards:manage")
def term_new(request):
    form = forms.TermForm(request.POST or None, society=request.society)

    def act(d):
        services.start_term(actor=request.user, seat_category=d["seat_category"],
                            member=d["member"], holder_name=d["holder_name"],
                            how_filled=d["how_filled"], started_on=d["started_on"],
                            reference=d["reference"])
    return _run(request, form, act, "Term recorded.", "board",
                "Record an appointment, co-option or election to a seat")


@requires("boards:manage")
def term_end(request, public_id):
    term = get_or_404(request.society.terms.filter(ended_on__isnull=True), public_id=public_id)
    form = forms.EndTermForm(request.POST or None)
    return _run(request, form, lambda d: services.end_term(actor=request.user, term=term, **d),
                "Term ended.", "board", f"End {term.holder_name}'s term",
                f"{term.seat_category}, since {term.started_on:%d %B %Y}.")


@requires("boards:manage")
def term_ratify(request, public_id):
    term = get_or_404(request.society.terms.filter(ended_on__isnull=True, how_filled="co_opted",
                                                   ratified_on__isnull=True),
                      public_id=public_id)
    form = forms.RatifyForm(request.POST or None)
    return _run(request, form, lambda d: services.ratify_co_option(
        actor=request.user, term=term, **d), "Co-option ratified.", "board",
        f"Ratify {term.holder_name}'s co-option")


@requires("boards:manage")
def officer_new(request):
    form = forms.OfficerForm(request.POST or None, society=request.society)

    def act(d):
        services.appoint_officer(actor=request.user, society=request.society,
                                 office=d["office"], office_title=d["office_title"],
                                 member=d["member"], name=d["name"], address=d["address"],
                                 taken_up_on=d["taken_up_on"])
    return _run(request, form, act, "Officer entered in the register.", "officers",
                "Record an officer taking up office")


@requires("boards:manage")
def officer_leave(request, public_id):
    appointment = get_or_404(request.society.officer_appointments.filter(left_on__isnull=True),
                             public_id=public_id)
    form = forms.LeaveOfficeForm(request.POST or None)
    return _run(request, form, lambda d: services.leave_office(
        actor=request.user, appointment=appointment, **d), "Date of leaving recorded.",
        "officers", f"{appointment.name} leaves the office of {appointment.office_display}")


@requires("boards:manage")
def interest_new(request):
    form = forms.InterestForm(request.POST or None, society=request.society)
    return _run(request, form, lambda d: services.declare_interest(actor=request.user, **d),
                "Interest entered in the register.", "interests", "Record a declared interest")


@requires("boards:record_decisions")
def decision_new(request):
    form = forms.DecisionForm(request.POST or None, society=request.society)

    def act(d):
        services.record_decision(
            actor=request.user, society=request.society, body=d["body"],
            meeting_label=d["meeting_label"], decided_on=d["decided_on"], text=d["text"],
            proposer=d["proposer"], seconder=d["seconder"], votes_for=d["votes_for"],
            votes_against=d["votes_against"], abstentions=d["abstentions"],
            casting_vote=d["casting_vote"] or None, outcome=d["outcome"] or None,
            corrects=d["corrects"])
    return _run(request, form, act, "Decision entered in the register.", "decisions",
                "Record a decision",
                "The register is append-only: to correct an entry, record a new decision "
                "that names the one it corrects.")


@requires("boards:view")
def meetings(request):
    rows = Meeting.objects.filter(society=request.society).select_related("body", "society")
    if not request.visitor.can("boards:view_board"):
        rows = rows.exclude(kind=MeetingKind.BOARD)
    return render(request, "boards/meetings.html", {
        "meetings": rows[:200],
        "can_manage": request.visitor.can("boards:manage"),
        "clear_days": request.society.notice_clear_days,
        "post_days": POST_DEEMED_WORKING_DAYS,
    })


@requires("boards:manage")
def meeting_new(request):
    form = forms.MeetingForm(request.POST or None, society=request.society)
    return _run(request, form, lambda d: services.schedule_meeting(
        actor=request.user, society=request.society, **d), "Meeting scheduled.", "meetings",
        "Schedule a meeting",
        f"General meetings need {request.society.notice_clear_days} clear days' notice.")


def _co_options_page(request, failed=None, status=200):
    from boards.terms import awaiting_ratification

    rows = []
    for term in awaiting_ratification(request.society):
        form = (failed[1] if failed and failed[0] == term.pk
                else forms.CoOptionDecisionForm(prefix=str(term.public_id)))
        rows.append((term, form))
    return render(request, "boards/co_options.html", {"rows": rows}, status=status)


@requires("boards:manage")
def co_options(request):
    return _co_options_page(request)


@requires("boards:manage")
def co_option_decide(request, public_id):
    from boards.terms import awaiting_ratification, record_co_option_not_ratified

    term = get_or_404(awaiting_ratification(request.society), public_id=public_id)
    if request.method != "POST":
        return _back(request, "co_options")
    form = forms.CoOptionDecisionForm(request.POST, prefix=str(term.public_id))
    if form.is_valid():
        day = form.cleaned_data["decided_on"]
        try:
            if form.cleaned_data["decision"] == "ratified":
                services.ratify_co_option(actor=request.user, term=term, ratified_on=day)
                done = f"{term.holder_name}'s co-option is ratified."
            else:
                record_co_option_not_ratified(actor=request.user, term=term, decided_on=day)
                done = f"{term.holder_name}'s co-option was not ratified: the term ended."
        except BoardError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, done)
            return _back(request, "co_options")
    return _co_options_page(request, failed=(term.pk, form), status=400)
