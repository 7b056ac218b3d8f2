"""Pages under /s/<slug>/boards/: the decision log (members), the board page, officers and
interests (board), and the secretary's forms. Views validate a form, call one service, show a
message and redirect; a BoardError becomes a form error (status 400)."""

from datetime import timedelta

from django.contrib import messages
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from boards import changes, forms, ics, rules, services
from boards.composition import compose
from boards.models import (
    POST_DEEMED_WORKING_DAYS,
    AttendanceMode,
    Decision,
    InterestDeclaration,
    Meeting,
    MeetingKind,
    Minutes,
    OfficerAppointment,
)
from boards.services import BoardError
from societies.access import get_or_404, requires


def _back(request, name):
    return redirect(reverse(f"boards:{name}", kwargs={"society_slug": request.society.slug}))


def _form_page(request, form, title, intro="", status=200, template="boards/form.html",
               **context):
    if form.is_bound and form.errors:
        status = 400
    return render(request, template,
                  {"form": form, "title": title, "intro": intro, **context}, status=status)


def _submitted(request, form, action, success) -> bool:
    """Validate `form` and call `action(data)`; True (with `success` shown) when it worked,
    otherwise the BoardError becomes the form's error."""
    if request.method == "POST" and form.is_valid():
        try:
            action(form.cleaned_data)
        except BoardError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, success)
            return True
    return False


def _run(request, form, action, success, back_to, title, intro=""):
    """Validate `form`, call `action(data)`; on success show `success` and redirect."""
    if _submitted(request, form, action, success):
        return _back(request, back_to)
    return _form_page(request, form, title, intro)


@requires("boards:view")
def decisions(request):
    rows = (Decision.objects.filter(society=request.society)
            .select_related("body", "corrects", "meeting__body", "member", "application",
                            "approved_minutes__meeting", "recorded_by")
            .prefetch_related(Prefetch("corrections",
                                       queryset=Decision.objects.order_by("number")))
            .order_by("-number")[:200])
    return render(request, "boards/decisions.html", {
        "decisions": rows,
        "can_record": request.visitor.can("boards:record_decisions"),
        "can_view_board": request.visitor.can("boards:view_board"),
        "can_view_register": request.visitor.can("register:view_full"),
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
            corrects=d["corrects"], meeting=d["meeting"], member=d["member"],
            application=d["application"])
    return _run(request, form, act, "Decision entered in the register.", "decisions",
                "Record a decision",
                "The register is append-only: to correct an entry, record a new decision "
                "that names the one it corrects.")


@requires("boards:view")
def meetings(request):
    rows = Meeting.objects.filter(society=request.society).select_related(
        "body", "society", "minutes")
    if not request.visitor.can("boards:view_board"):
        rows = rows.exclude(kind=MeetingKind.BOARD)
    return render(request, "boards/meetings.html", {
        "meetings": rows[:200],
        "can_manage": request.visitor.can("boards:manage"),
        "can_view_board": request.visitor.can("boards:view_board"),
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


# --- A meeting and its business -------------------------------------------------------------


def _meeting(request, public_id):
    """A meeting the visitor may see: general meetings for members, board meetings for the
    board; the same 404 for anything else."""
    rows = Meeting.objects.filter(society=request.society).select_related("body", "society")
    if not request.visitor.can("boards:view_board"):
        rows = rows.exclude(kind=MeetingKind.BOARD)
    return get_or_404(rows, public_id=public_id)


def _to_meeting(request, meeting, anchor=""):
    return redirect(reverse("boards:meeting", kwargs={
        "society_slug": request.society.slug, "public_id": meeting.public_id}) + anchor)


def _run_on_meeting(request, meeting, form, action, success, title, intro="",
                    template="boards/form.html"):
    """As `_run`, going back to the meeting's page."""
    if _submitted(request, form, action, success):
        return _to_meeting(request, meeting)
    return _form_page(request, form, title, intro, template=template, meeting=meeting)


@requires("boards:view")
def meeting(request, public_id):
    meeting = _meeting(request, public_id)
    can_manage = request.visitor.can("boards:manage")
    items = list(services.with_current_votes(
        meeting.agenda_items.select_related("resolution", "election")))
    member = request.visitor.member
    own_proxy = None
    if member is not None and meeting.is_general:
        own_proxy = meeting.proxy_appointments.filter(
            appointer=member, revoked_at__isnull=True).select_related("holder").first()
    minutes = Minutes.objects.filter(meeting=meeting).first()
    can_see_draft = request.visitor.can("boards:view_board")
    attendance = list(meeting.attendance.select_related("member"))
    return render(request, "boards/meeting.html", {
        "meeting": meeting,
        "items": items,
        "vote_not_yet": services.why_no_vote_yet(meeting) if can_manage else None,
        "can_correct": can_manage and (minutes is None or minutes.approved_on is None),
        "can_manage": can_manage,
        "can_proxy": request.visitor.can("boards:proxy") and meeting.is_general
        and member is not None and not meeting.is_cancelled,
        "can_view_proxies": request.visitor.can("boards:view_proxies") and meeting.is_general,
        "own_proxy": own_proxy,
        "proxy_deadline": services.proxy_deadline(meeting) if meeting.is_general else None,
        "quorum": services.meeting_quorum(meeting),
        "present": [a for a in attendance if a.is_present],
        "apologies": [a for a in attendance if not a.is_present],
        "proxies_live": services.live_proxies(meeting).count() if meeting.is_general else 0,
        "minutes": minutes if minutes and (minutes.approved_on or can_see_draft) else None,
        "decisions": meeting.decisions.select_related("corrects").order_by("number"),
        "notice_messages": meeting.notice.messages.count() if meeting.notice_id else 0,
        "can_view_service": request.visitor.can("notices:view_service"),
        "today": timezone.localdate(),
        "changes": meeting.changes.select_related("notice"),
        "can_change": can_manage and not meeting.is_cancelled
        and not changes.has_begun(meeting),
        "can_adjourn": can_manage and not meeting.is_cancelled
        and meeting.held_on <= timezone.localdate()
        and not meeting.decisions.filter(vote__isnull=False).exists(),
    })


@requires("boards:view")
def meeting_ics(request, public_id):
    meeting = _meeting(request, public_id)
    starts = services.meeting_starts_at(meeting)
    if meeting.start_time:
        start, end = starts, starts + timedelta(minutes=meeting.duration_minutes or 120)
    else:
        start, end = meeting.held_on, ics.all_day_end(meeting.held_on)
    page = request.build_absolute_uri(reverse("boards:meeting", kwargs={
        "society_slug": request.society.slug, "public_id": meeting.public_id}))
    location = " ".join(meeting.place.split())
    if meeting.online_link:
        location = f"{location} ({meeting.online_link})" if location else meeting.online_link
    text = ics.event(
        uid=f"meeting-{meeting.public_id}@omov", stamp=timezone.now(), start=start, end=end,
        summary=f"{request.society.name}: {meeting}", location=location,
        description="\n".join(f"{i.position}. {i.title}" for i in
                              meeting.agenda_items.order_by("position")), url=page,
        sequence=meeting.changes.count(), cancelled=meeting.is_cancelled)
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="meeting-{meeting.held_on:%Y-%m-%d}.ics"')
    return response


@requires("boards:view")
def agenda_paper(request, public_id, item_id):
    meeting = _meeting(request, public_id)
    item = get_or_404(meeting.agenda_items.exclude(paper=""), public_id=item_id)
    name = item.paper.name.rsplit("/", 1)[-1]
    return FileResponse(item.paper.open("rb"), as_attachment=True, filename=name)


@requires("boards:manage")
def agenda_item_new(request, public_id):
    meeting = _meeting(request, public_id)
    form = forms.AgendaItemForm(request.POST or None, request.FILES or None,
                                society=request.society)
    return _run_on_meeting(request, meeting, form, lambda d: services.add_agenda_item(
        actor=request.user, meeting=meeting, **d), "Item added to the agenda.",
        f"Add an item to the agenda of the {meeting}", template="boards/upload_form.html")


@requires("boards:manage")
def resolution_new(request, public_id):
    meeting = _meeting(request, public_id)
    starts = services.meeting_starts_at(meeting)
    form = forms.ResolutionItemForm(request.POST or None, initial={
        "voting_opens": timezone.localtime().replace(second=0, microsecond=0),
        "voting_closes": timezone.localtime(starts)})
    return _run_on_meeting(request, meeting, form, lambda d: services.put_resolution_on_agenda(
        actor=request.user, meeting=meeting, **d), "Resolution put on the agenda.",
        f"Put a resolution on the agenda of the {meeting}",
        "Members vote on it in advance online (its ballots are counted with the proxy and "
        "in-room votes at the meeting).")


@requires("boards:manage")
def notice_serve(request, public_id):
    meeting = _meeting(request, public_id)
    if request.method != "POST":
        return _to_meeting(request, meeting)
    try:
        written = services.serve_notice(actor=request.user, meeting=meeting)
    except BoardError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Notice served: {written} new messages to members.")
    return _to_meeting(request, meeting)


@requires("boards:proxy")
def proxy(request, public_id):
    meeting = _meeting(request, public_id)
    member = request.visitor.member
    if not meeting.is_general or member is None:
        raise Http404
    items = services.resolution_items(meeting)
    current = meeting.proxy_appointments.filter(
        appointer=member, revoked_at__isnull=True).select_related("holder").first()
    form = forms.ProxyForm(request.POST or None, society=request.society, items=items)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.appoint_proxy(actor=request.user, meeting=meeting, appointer=member,
                                   holder=d["holder_member"], instructions=d["instructions"])
        except BoardError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Your proxy is appointed.")
            return _to_meeting(request, meeting)
    instructions = (current.instructions.select_related("agenda_item")
                    if current else [])
    return render(request, "boards/proxy.html", {
        "meeting": meeting, "form": form, "current": current, "instructions": instructions,
        "deadline": services.proxy_deadline(meeting),
    }, status=400 if form.is_bound and form.errors else 200)


@requires("boards:proxy")
def proxy_revoke(request, public_id):
    meeting = _meeting(request, public_id)
    member = request.visitor.member
    if member is None or request.method != "POST":
        raise Http404
    appointment = get_or_404(meeting.proxy_appointments.filter(
        appointer=member, revoked_at__isnull=True), public_id=request.POST.get("appointment"))
    try:
        services.revoke_proxy(actor=request.user, appointment=appointment)
    except BoardError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Your proxy appointment is revoked.")
    return _to_meeting(request, meeting)


@requires("boards:view_proxies")
def proxies(request, public_id):
    meeting = _meeting(request, public_id)
    if not meeting.is_general:
        raise Http404
    rows = meeting.proxy_appointments.select_related("appointer", "holder").prefetch_related(
        "instructions__agenda_item").order_by("revoked_at", "appointer__full_name")
    return render(request, "boards/proxies.html", {
        "meeting": meeting, "appointments": rows.select_related("created_by"),
        "can_manage": request.visitor.can("boards:manage")})


@requires("boards:manage")
def meeting_cancel(request, public_id):
    meeting = _meeting(request, public_id)
    form = forms.CancelMeetingForm(request.POST or None)
    return _run_on_meeting(
        request, meeting, form, lambda d: changes.cancel_meeting(
            actor=request.user, meeting=meeting, reason=d["reason"]),
        "The meeting is cancelled.", f"Cancel the {meeting}", _change_intro(meeting))


@requires("boards:manage")
def meeting_postpone(request, public_id):
    return _move_meeting(request, public_id, forms.PostponeMeetingForm, changes.postpone_meeting,
                         "postponed", "Postpone")


@requires("boards:manage")
def meeting_adjourn(request, public_id):
    return _move_meeting(request, public_id, forms.AdjournMeetingForm, changes.adjourn_meeting,
                         "adjourned", "Adjourn", "The same meeting resumes on the new day: its "
                         "agenda and proxies stand, and attendance is taken afresh. ")


def _move_meeting(request, public_id, form_class, service, done, verb, intro=""):
    """Postpone or adjourn: the form's fields go to the service as they are."""
    meeting = _meeting(request, public_id)
    form = form_class(request.POST or None)
    return _run_on_meeting(
        request, meeting, form, lambda d: service(actor=request.user, meeting=meeting, **d),
        f"The meeting is {done}.", f"{verb} the {meeting}", intro + _change_intro(meeting))


@requires("boards:manage")
def meeting_edit(request, public_id):
    meeting = _meeting(request, public_id)
    form = forms.MeetingDetailsForm(request.POST or None, initial={
        field: getattr(meeting, field) for field in changes.DETAILS})
    return _run_on_meeting(
        request, meeting, form, lambda d: changes.edit_meeting_details(
            actor=request.user, meeting=meeting, values=d, reason=d["reason"]),
        "The meeting's details are saved.", f"Change the details of the {meeting}",
        _change_intro(meeting))


def _change_intro(meeting) -> str:
    if meeting.is_general and meeting.notice_id:
        return ("Notice of this meeting has been served: every member is sent a short notice "
                "of the change.")
    return "Notice of this meeting has not been served: no notice of the change is sent."


@requires("boards:manage")
def proxy_paper(request, public_id):
    """Enter a proxy form received on paper (the same rules as appointing online)."""
    meeting = _meeting(request, public_id)
    if not meeting.is_general:
        raise Http404
    form = forms.PaperProxyForm(request.POST or None, society=request.society,
                                items=services.resolution_items(meeting))

    def record(d):
        services.record_paper_proxy(
            actor=request.user, meeting=meeting, appointer=d["appointer"],
            holder=d["holder_member"], instructions=d["instructions"],
            received_at=d.get("received_at"))

    if _submitted(request, form, record, "The paper proxy form is recorded."):
        return redirect(reverse("boards:proxies", kwargs={
            "society_slug": request.society.slug, "public_id": meeting.public_id}))
    return _form_page(request, form, f"Record a paper proxy form: {meeting}",
                      "Enter the form as the member filled it in. A resolution with no box "
                      "ticked is at the proxy's discretion.", meeting=meeting)


# The search on the attendance page shows at most this many members at a time.
SEARCH_LIMIT = 50


def _attendance_summary(done: dict, mode: str, count: int) -> str:
    recorded = done["added"] + done["changed"]
    text = (f"{recorded} member{'' if recorded == 1 else 's'} recorded: "
            f"{AttendanceMode(mode).label.lower()}.")
    if count > recorded:
        text += f" {count - recorded} already were."
    ended = len(done["proxy_revoked"])
    if ended:
        text += (f" {ended} prox{'y' if ended == 1 else 'ies'} ended: "
                 f"{'its member attends' if ended == 1 else 'their members attend'}.")
    return text


def _attendance_search(meeting, query):
    """Members on the meeting day whose name contains `query`, or numbered `query`."""
    if not query:
        return []
    rows = meeting.society.members.active_on(meeting.held_on)
    match = Q(full_name__icontains=query)
    if query.isdigit() and int(query) <= forms.MAX_MEMBER_NUMBER:
        match |= Q(member_number=int(query))
    results = list(rows.filter(match).order_by("full_name", "member_number")[:SEARCH_LIMIT + 1])
    modes = dict(meeting.attendance.filter(member__in=[m.pk for m in results])
                 .values_list("member_id", "mode"))
    for member in results:
        member.attendance_mode = AttendanceMode(modes[member.pk]).label if member.pk in modes \
            else ""
    return results


@requires("boards:manage")
def attendance(request, public_id):
    """Record many members at once: tick them in a search, or paste their numbers."""
    meeting = _meeting(request, public_id)
    query = " ".join((request.GET.get("q") or "").split())[:100]
    posted = request.POST if request.method == "POST" else None
    pasted = posted is not None and "paste-numbers" in posted
    paste = forms.AttendancePasteForm(posted if pasted else None, meeting=meeting)
    tick = forms.AttendanceTickForm(posted if posted is not None and not pasted else None,
                                    meeting=meeting)
    for form in (paste, tick):
        if not form.is_bound or not form.is_valid():
            continue
        d = form.cleaned_data
        try:
            done = services.record_attendance_many(actor=request.user, meeting=meeting,
                                                   members=d["members"], mode=d["mode"])
        except BoardError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _attendance_summary(done, d["mode"], len(d["members"])))
            return redirect(request.get_full_path())
    failed = paste.is_bound and paste.errors or tick.is_bound and tick.errors
    results = _attendance_search(meeting, query)
    return render(request, "boards/attendance.html", {
        "meeting": meeting, "paste": paste, "tick": tick, "query": query,
        "results": results[:SEARCH_LIMIT], "more_results": len(results) > SEARCH_LIMIT,
        "search_limit": SEARCH_LIMIT, "modes": AttendanceMode.choices,
        "not_started": meeting.held_on > timezone.localdate(),
        "rows": meeting.attendance.select_related("member"),
        "quorum": services.meeting_quorum(meeting),
    }, status=400 if failed else 200)


# --- Votes: check the figures, confirm, record; correct by a reversing entry -----------------


def _vote_page(request, meeting, item, correcting=None):
    """Two steps, both plain POSTs: "Check the figures" shows the numbers and the result the
    rules give; "Confirm and record" sends the same figures again, checked again on the
    server (never trusted), and records them. Nothing is written before the confirmation."""
    form = forms.MeetingVoteForm(request.POST or None, correcting=correcting is not None)
    context = {"meeting": meeting, "item": item, "form": form, "correcting": correcting,
               "blocked": services.why_no_vote_yet(meeting)}
    if correcting is not None:
        context["blocked"] = context["blocked"] or services.correction_refused(correcting)
    if request.method != "POST" or "change" in request.POST or context["blocked"]:
        return _vote_form(request, context, status=400 if form.is_bound and context["blocked"]
                          else 200)
    if not form.is_valid():
        return _vote_form(request, context, status=400)
    figures = form.figures()
    try:
        if "confirm" not in request.POST:
            plan = services.plan_vote(
                item, room=rules.Count(figures["room_for"], figures["room_against"],
                                       figures["room_abstain"]),
                discretion=rules.Count(figures["discretion_for"], figures["discretion_against"],
                                       figures["discretion_abstain"]),
                method=figures["method"], casting_vote=figures["casting_vote"])
            if correcting is not None:
                services.check_correction(correcting, plan)
            return _vote_confirm(request, context, plan)
        expected = form.cleaned_data["expected"] or ""
        if correcting is None:
            vote = services.vote_on_resolution(actor=request.user, item=item,
                                               expected=expected, **figures)
            done = (f"Decision {vote.decision.number} is entered in the decision register: "
                    f"{vote.decision.get_outcome_display().lower()}.")
        else:
            vote = services.correct_meeting_vote(
                actor=request.user, vote=correcting, reason=form.cleaned_data["reason"],
                expected=expected, **figures)
            done = (f"Decision {vote.reversal.number} reverses decision "
                    f"{correcting.decision.number}; the corrected result is decision "
                    f"{vote.decision.number}: {vote.decision.get_outcome_display().lower()}.")
    except services.VoteFiguresChanged as changed:
        messages.error(request, str(changed))
        return _vote_confirm(request, context, changed.plan)
    except services.VoteCountError as exc:
        for problem in exc.problems:
            form.add_error(f"{problem.source}_{problem.answer}", problem.message)
        return _vote_form(request, context, status=400)
    except BoardError as exc:
        form.add_error(None, str(exc))
        return _vote_form(request, context, status=400)
    messages.success(request, done)
    return _to_meeting(request, meeting, f"#item-{item.public_id}")


def _vote_figures_so_far(item):
    figures = {}
    try:
        figures["online"] = services.advance_votes(item.resolution)
    except BoardError as exc:
        figures["online_error"] = str(exc)
    figures["proxy"] = services.instructed_proxy_votes(item)
    figures["voters"] = services.voters_at_meeting(item, figures["proxy"])
    return figures


def _vote_form(request, context, status=200):
    item = context["item"]
    return render(request, "boards/vote.html", context | {
        "step": "enter", "figures": _vote_figures_so_far(item),
        "quorum": services.meeting_quorum(context["meeting"]),
    }, status=status)


def _vote_confirm(request, context, plan):
    form = context["form"]
    data = form.cleaned_data | {"expected": plan.fingerprint}
    carry = forms.MeetingVoteForm(data={key: "" if value is None else value
                                        for key, value in data.items()},
                                  correcting=context["correcting"] is not None)
    return render(request, "boards/vote.html", context | {
        "step": "confirm", "plan": plan, "carry": carry,
    })


@requires("boards:manage")
def vote(request, public_id, item_id):
    meeting = _meeting(request, public_id)
    item = get_or_404(meeting.agenda_items.filter(kind="resolution", votes__isnull=True)
                      .select_related("resolution", "meeting__society"), public_id=item_id)
    return _vote_page(request, meeting, item)


@requires("boards:manage")
def vote_correct(request, public_id, item_id):
    meeting = _meeting(request, public_id)
    item = get_or_404(services.with_current_votes(
        meeting.agenda_items.filter(kind="resolution", votes__isnull=False).distinct()
        .select_related("resolution", "meeting__society")), public_id=item_id)
    return _vote_page(request, meeting, item, correcting=item.current_vote)


def _minutes_of(request, meeting):
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes is None:
        raise Http404
    if minutes.approved_on is None and not request.visitor.can("boards:view_board"):
        raise Http404
    return minutes


@requires("boards:view")
def minutes(request, public_id):
    meeting = _meeting(request, public_id)
    minutes = _minutes_of(request, meeting)
    return render(request, "boards/minutes.html", {
        "meeting": meeting, "minutes": minutes,
        "can_manage": request.visitor.can("boards:manage"),
    })


@requires("boards:view")
def minutes_pdf(request, public_id):
    """The minutes to print or keep: approved ones say so; a draft is marked DRAFT."""
    from boards.pdf import minutes_pdf as render_pdf

    meeting = _meeting(request, public_id)
    minutes = _minutes_of(request, meeting)
    response = HttpResponse(render_pdf(minutes), content_type="application/pdf")
    state = "draft-" if minutes.approved_on is None else ""
    response["Content-Disposition"] = (
        f'attachment; filename="minutes-{state}{meeting.held_on:%Y-%m-%d}.pdf"')
    return response


@requires("boards:manage")
def minutes_draft(request, public_id):
    meeting = _meeting(request, public_id)
    if request.method == "POST":
        try:
            services.draft_minutes(actor=request.user, meeting=meeting)
        except BoardError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Minutes drafted from the meeting's record.")
            return redirect(reverse("boards:minutes", kwargs={
                "society_slug": request.society.slug, "public_id": meeting.public_id}))
    return _to_meeting(request, meeting)


@requires("boards:manage")
def minutes_edit(request, public_id):
    meeting = _meeting(request, public_id)
    minutes = _minutes_of(request, meeting)
    if minutes.approved_on is not None:
        messages.error(request, "These minutes were approved and are locked.")
        return _to_meeting(request, meeting)
    form = forms.MinutesForm(request.POST or None, initial={"text": minutes.text})
    return _run_on_meeting(request, meeting, form, lambda d: services.edit_minutes(
        actor=request.user, minutes=minutes, text=d["text"]), "Minutes saved.",
        f"Edit the minutes of the {meeting}")


@requires("boards:manage")
def minutes_approve(request, public_id):
    meeting = _meeting(request, public_id)
    minutes = _minutes_of(request, meeting)
    if minutes.approved_on is not None:
        messages.error(request, "These minutes were approved and are locked.")
        return _to_meeting(request, meeting)
    form = forms.ApproveMinutesForm(request.POST or None, minutes=minutes)
    return _run_on_meeting(request, meeting, form, lambda d: services.approve_minutes(
        actor=request.user, minutes=minutes, **d), "Minutes approved and locked.",
        f"Approve the minutes of the {meeting}",
        "Once approved, the minutes are locked: a correction is then a new decision.")


@requires("boards:manage")
def meeting_rules(request):
    society = request.society
    form = forms.MeetingRulesForm(request.POST or None, initial={
        field: getattr(society, field) for field in forms.MeetingRulesForm.base_fields})
    return _run(request, form, lambda d: services.set_meeting_rules(
        actor=request.user, society=society, **d), "Meeting rules saved.", "meetings",
        "General meeting rules", "Quorum, proxies and the chair's casting vote, as the "
        "society's rules set them.")
