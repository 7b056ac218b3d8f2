"""Pages under /s/<slug>/shares/: a member's own shares, and the secretary's share register,
ledger, withdrawals, nominations, interest runs and year-end figures.

Views validate a form, call one service, show a message and redirect; a ShareError becomes
a form error (status 400) or a message.
"""

import csv
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from config import spreadsheet
from members.models import Member
from shares import forms, ledger, queries, services
from shares.models import (
    OPEN_WITHDRAWAL,
    Holding,
    InterestLine,
    InterestRun,
    Nomination,
    ShareAccount,
    ShareCertificate,
    ShareClass,
    ShareTransaction,
    WithdrawalRequest,
)
from shares.pdf import certificate_pdf
from shares.services import ShareError
from societies.access import get_or_404, requires

PAGE = 50


def _url(request, name, **kwargs):
    return reverse(f"shares:{name}", kwargs={"society_slug": request.society.slug, **kwargs})


def _back(request, name, **kwargs):
    return redirect(_url(request, name, **kwargs))


def _render(request, template, context, form=None):
    status = 400 if form is not None and form.is_bound and form.errors else 200
    return render(request, template, context, status=status)


def _member(request, public_id) -> Member:
    return get_or_404(request.society.members, public_id=public_id)


def _by_number(request, number) -> Member | None:
    return request.society.members.filter(member_number=number).first()


def _day(on: date) -> str:
    return f"{on.day} {on:%B %Y}"


def _attempt(request, call, success: str) -> bool:
    """Call a service; show its ShareError, or `success`, as a message."""
    try:
        call()
    except ShareError as error:
        messages.error(request, str(error))
        return False
    messages.success(request, success)
    return True


def _pdf_response(certificate) -> HttpResponse:
    response = HttpResponse(certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="share-certificate-{certificate.number}.pdf"')
    return response


# A member's own shares


def _holdings(member):
    return list(Holding.objects.filter(member=member, shares__gt=0)
                .select_related("share_class").order_by("share_class__name"))


@requires("shares:view_own")
def mine(request):
    member = request.visitor.member
    society = request.society
    account = ShareAccount.objects.filter(member=member).first()
    can_reinvest = ShareClass.objects.filter(society=society, allows_reinvestment=True).exists()
    runs = InterestRun.objects.filter(
        society=society, pk__in=InterestLine.objects.filter(member=member).values("run_id"))
    return render(request, "shares/mine.html", {
        "member": member,
        "holdings": _holdings(member),
        "certificates": member.share_certificates.select_related("share_class")
                              .order_by("-number"),
        "withdrawals": member.withdrawal_requests.select_related("share_class")
                             .order_by("-requested_on", "-id")[:20],
        "nominations": member.share_nominations.filter(revoked_on__isnull=True),
        "reinvest_form": forms.ReinvestForm(initial={
            "reinvest": bool(account and account.reinvest_interest)}) if can_reinvest else None,
        "runs": runs,
        "can_withdraw": Holding.objects.filter(member=member, shares__gt=0,
                                               share_class__is_withdrawable=True).exists(),
    })


@requires("shares:view_own")
def my_certificate(request, public_id):
    certificate = get_or_404(
        ShareCertificate.objects.filter(member=request.visitor.member)
        .select_related("society", "member", "share_class"), public_id=public_id)
    return _pdf_response(certificate)


def _withdrawable_classes(member):
    return ShareClass.objects.filter(
        society=member.society, is_withdrawable=True,
        pk__in=Holding.objects.filter(member=member, shares__gt=0).values("share_class_id"))


@requires("shares:view_own")
def withdraw(request):
    member = request.visitor.member
    classes = _withdrawable_classes(member)
    form = forms.WithdrawalRequestForm(request.POST or None, classes=classes)
    if request.method == "POST" and form.is_valid():
        try:
            withdrawal = services.request_withdrawal(actor=request.user, member=member,
                                                     **form.cleaned_data)
        except ShareError as error:
            form.add_error("shares", str(error))
        else:
            message = (f"Your request to withdraw {withdrawal.shares} "
                       f"{withdrawal.share_class.name} shares is with the board. It can be paid "
                       f"from {_day(withdrawal.earliest_payable_on)}.")
            if withdrawal.ends_membership:
                message += " When it is paid, your membership ends."
            messages.success(request, message)
            return _back(request, "mine")
    today = timezone.localdate()
    notices = [(c, ledger.earliest_payable_on(today, c.withdrawal_notice_days),
                services.membership_minimum(request.society, c) if c.is_qualifying else None)
               for c in classes]
    return _render(request, "shares/withdraw.html", {
        "form": form, "notices": notices, "holdings": _holdings(member)}, form)


@require_POST
@requires("shares:view_own")
def my_withdrawal_cancel(request, public_id):
    withdrawal = get_or_404(request.visitor.member.withdrawal_requests, public_id=public_id)
    _attempt(request, lambda: services.cancel_withdrawal(actor=request.user,
                                                         withdrawal=withdrawal),
             "Your withdrawal request is cancelled.")
    return _back(request, "mine")


def _nomination_form(request, member, done_url):
    form = forms.NominationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_nomination(actor=request.user, member=member, **form.cleaned_data)
        except ShareError as error:
            form.add_error("percentage", str(error))
        else:
            messages.success(request, f"Nomination of {form.cleaned_data['nominee_name']} "
                                      "recorded in the nominations book.")
            return redirect(done_url)
    return _render(request, "shares/nomination_form.html", {
        "form": form, "member": member,
        "own": member == request.visitor.member, "limit": ledger.NOMINATION_LIMIT_PENCE,
    }, form)


@requires("shares:view_own")
def nominate(request):
    return _nomination_form(request, request.visitor.member, _url(request, "mine"))


@require_POST
@requires("shares:view_own")
def my_nomination_revoke(request, public_id):
    nomination = get_or_404(request.visitor.member.share_nominations, public_id=public_id)
    _attempt(request, lambda: services.revoke_nomination(actor=request.user,
                                                         nomination=nomination),
             f"Your nomination of {nomination.nominee_name} is revoked.")
    return _back(request, "mine")


@require_POST
@requires("shares:view_own")
def reinvest(request):
    form = forms.ReinvestForm(request.POST)
    form.is_valid()
    choice = form.cleaned_data.get("reinvest", False)
    _attempt(request, lambda: services.set_reinvestment(
        actor=request.user, member=request.visitor.member, reinvest=choice),
        "Your share interest will be reinvested as new shares where the class allows."
        if choice else "Your share interest will be paid to you.")
    return _back(request, "mine")


def _statement(request, run, member, *, own):
    return render(request, "shares/statement.html", {
        "run": run, "member": member, "own": own,
        "statement": queries.interest_statement(run, member),
        "total": sum(line.interest_pence for line in run.lines.filter(member=member)),
    })


@requires("shares:view_own")
def my_statement(request, public_id):
    member = request.visitor.member
    run = get_or_404(InterestRun.objects.filter(
        society=request.society, lines__member=member).distinct(), public_id=public_id)
    return _statement(request, run, member, own=True)


# The secretary's pages: the share register


def _as_at(request):
    form = forms.AsAtForm(request.GET or None)
    on = timezone.localdate()
    if form.is_valid():
        on = form.cleaned_data["on"] or on
    after = request.GET.get("after", "")
    return form, on, int(after) if after.isdigit() else 0


@requires("shares:view_ledger")
def register(request):
    """Members on the register at a date, 50 a page by member number, with their holdings."""
    society = request.society
    form, on, after = _as_at(request)
    find = forms.FindMemberForm(request.GET if "number" in request.GET else None)
    if find.is_bound and find.is_valid():
        member = _by_number(request, find.cleaned_data["number"])
        if member is not None:
            return _back(request, "member", public_id=member.public_id)
        find.add_error("number", "No member has that number.")
    members = list(
        Member.objects.filter(society=society, member_number__gt=after).active_on(on)
        .order_by("member_number")
        .only("public_id", "member_number", "full_name", "society_id")[:PAGE]
    )
    classes = list(ShareClass.objects.filter(society=society).order_by("name"))
    held = queries.holdings_by_class_as_at(society, [m.pk for m in members], on)
    rows = []
    for member in members:
        by_class = held[member.pk]
        rows.append({
            "member": member,
            "shares": [by_class.get(c.pk, queries.NOTHING).shares for c in classes],
            "paid": sum(h.amount_paid_pence for h in by_class.values()),
        })
    return render(request, "shares/register.html", {
        "form": form, "find": find, "on": on, "classes": classes, "rows": rows,
        "next_after": members[-1].member_number if len(members) == PAGE else None,
        "after": after,
    })


@requires("shares:view_ledger")
def member_account(request, public_id):
    member = _member(request, public_id)
    return render(request, "shares/member.html", {
        "member": member,
        "holdings": _holdings(member),
        "entries": member.share_transactions.select_related(
            "share_class", "counterparty", "reverses", "payment").order_by("-on_date", "-id"),
        "certificates": member.share_certificates.select_related("share_class")
                              .order_by("-number"),
        "withdrawals": member.withdrawal_requests.select_related("share_class"),
        "nominations": member.share_nominations.all(),
        "account": ShareAccount.objects.filter(member=member).first(),
        "can_manage": request.visitor.can("shares:manage"),
    })


@requires("shares:view_ledger")
def certificate(request, public_id):
    found = get_or_404(ShareCertificate.objects.filter(society=request.society)
                       .select_related("society", "member", "share_class"), public_id=public_id)
    return _pdf_response(found)


def _member_action(request, public_id, form_class, template, act, done):
    """A secretary's form about one member: validate, call the service, back to the member."""
    member = _member(request, public_id)
    kwargs = {"society": request.society}
    if form_class is forms.DeathSettlementForm:
        kwargs["member"] = member
    form = form_class(request.POST or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            message = act(member, form.cleaned_data)
        except ShareError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, message)
            return _back(request, "member", public_id=member.public_id)
    return _render(request, template, {"form": form, "member": member, "done": done,
                                       "holdings": _holdings(member)}, form)


def _recipient(request, number) -> Member:
    recipient = _by_number(request, number)
    if recipient is None:
        raise ShareError(f"No member has the number {number}.")
    return recipient


@requires("shares:manage")
def issue(request, public_id):
    def act(member, data):
        entry = services.issue_shares(actor=request.user, member=member,
                                      share_class=data["share_class"], shares=data["shares"],
                                      amount_pence=data["amount"], paid_on=data["paid_on"],
                                      method=data["method"], reference=data["reference"])
        number = entry.certificates.get().number
        return (f"{entry.shares} {entry.share_class.name} shares issued to "
                f"{member.full_name}: certificate no. {number}.")
    return _member_action(request, public_id, forms.IssueForm, "shares/action.html", act,
                          "Issue shares")


@requires("shares:manage")
def transfer(request, public_id):
    def act(member, data):
        recipient = _recipient(request, data["to_member"])
        services.transfer_shares(actor=request.user, from_member=member, to_member=recipient,
                                 share_class=data["share_class"], shares=data["shares"],
                                 on_date=data["on_date"], consent_on=data["consent_on"],
                                 consent_reference=data["consent_reference"])
        return f"{data['shares']} shares transferred to {recipient.full_name}."
    return _member_action(request, public_id, forms.TransferForm, "shares/action.html", act,
                          "Transfer shares")


@requires("shares:manage")
def convert(request, public_id):
    def act(member, data):
        _out, into = services.convert_shares(actor=request.user, member=member,
                                             from_class=data["from_class"],
                                             to_class=data["to_class"], shares=data["shares"],
                                             on_date=data["on_date"],
                                             reference=data["reference"])
        return f"Converted into {into.shares} {into.share_class.name} shares."
    return _member_action(request, public_id, forms.ConvertForm, "shares/action.html", act,
                          "Convert shares")


@requires("shares:manage")
def forfeit(request, public_id):
    def act(member, data):
        services.forfeit_shares(actor=request.user, member=member, **data)
        return f"{data['shares']} {data['share_class'].name} shares forfeit."
    return _member_action(request, public_id, forms.ForfeitForm, "shares/action.html", act,
                          "Forfeit shares")


@requires("shares:manage")
def death(request, public_id):
    def act(member, data):
        common = {"actor": request.user, "member": member, "share_class": data["share_class"],
                  "shares": data["shares"], "on_date": data["on_date"],
                  "nomination": data["nomination"], "reference": data["reference"]}
        if data["how"] == forms.DeathSettlementForm.TRANSFER:
            recipient = _recipient(request, data["to_member"])
            services.transmit_on_death(to_member=recipient, **common)
            return f"{data['shares']} shares transferred to {recipient.full_name}."
        entry = services.pay_out_on_death(payee=data["payee"], method=data["method"], **common)
        return (f"{ledger.format_pence(-entry.amount_pence)} paid to "
                f"{entry.payment.payee}.")
    return _member_action(request, public_id, forms.DeathSettlementForm, "shares/action.html",
                          act, "Settle shares on death")


@requires("shares:manage")
def nominate_for(request, public_id):
    member = _member(request, public_id)
    return _nomination_form(request, member, _url(request, "member",
                                                  public_id=member.public_id))


@requires("shares:view_ledger")
def ledger_view(request):
    entries = ShareTransaction.objects.filter(society=request.society).select_related(
        "member", "share_class", "reverses", "counterparty")
    before = request.GET.get("before", "")
    if before.isdigit():
        entries = entries.filter(id__lt=int(before))
    page = list(entries.order_by("-id")[:PAGE])
    return render(request, "shares/ledger.html", {
        "entries": page, "next_before": page[-1].id if len(page) == PAGE else None,
        "can_manage": request.visitor.can("shares:manage"),
    })


@requires("shares:manage")
def reverse_entry(request, public_id):
    entry = get_or_404(ShareTransaction.objects.filter(society=request.society)
                       .select_related("member", "share_class"), public_id=public_id)
    form = forms.ReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reverse_transaction(actor=request.user, entry=entry,
                                         reason=form.cleaned_data["reason"],
                                         on_date=form.cleaned_data["on_date"])
        except ShareError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The entry is reversed.")
            return _back(request, "member", public_id=entry.member.public_id)
    return _render(request, "shares/reverse.html", {"form": form, "entry": entry}, form)


# Share classes


@requires("shares:view_ledger")
def classes(request):
    return render(request, "shares/classes.html", {
        "classes": ShareClass.objects.filter(society=request.society).order_by("name"),
        "can_manage": request.visitor.can("shares:manage"),
        "legal_cap": ledger.LEGAL_MAX_WITHDRAWABLE_PENCE,
        "society_cap": services.cap_pence(request.society),
    })


def _class_form(request, instance=None):
    society = request.society
    initial = None
    if instance is None:
        first = not ShareClass.objects.filter(society=society).exists()
        initial = {"nominal_value_pence": society.share_nominal_value_pence,
                   "minimum_holding": society.minimum_shares, "is_qualifying": first}
    form = forms.ShareClassForm(request.POST or None, instance=instance, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if instance is None:
                services.create_share_class(actor=request.user, society=society,
                                            values=form.cleaned_data)
            else:
                services.update_share_class(actor=request.user, share_class=instance,
                                            values=form.cleaned_data)
        except ShareError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Share class {form.cleaned_data['name']} saved.")
            return _back(request, "classes")
    return _render(request, "shares/class_form.html", {"form": form, "instance": instance},
                   form)


@requires("shares:manage")
def class_add(request):
    return _class_form(request)


@requires("shares:manage")
def class_edit(request, public_id):
    return _class_form(request, get_or_404(ShareClass.objects.filter(society=request.society),
                                           public_id=public_id))


# Withdrawals


@requires("shares:view_ledger")
def withdrawals(request):
    society = request.society
    requests = WithdrawalRequest.objects.filter(society=society).select_related(
        "member", "share_class")
    can_manage = request.visitor.can("shares:manage")
    return render(request, "shares/withdrawals.html", {
        "open": requests.filter(status__in=OPEN_WITHDRAWAL).order_by("earliest_payable_on",
                                                                      "id"),
        "closed": requests.exclude(status__in=OPEN_WITHDRAWAL).order_by("-closed_at")[:PAGE],
        "suspension": services.open_suspension(society),
        "suspension_form": forms.SuspensionForm() if can_manage else None,
        "can_manage": can_manage,
    })


def _withdrawal(request, public_id) -> WithdrawalRequest:
    return get_or_404(WithdrawalRequest.objects.filter(society=request.society)
                      .select_related("member", "share_class", "transaction"),
                      public_id=public_id)


def _withdrawal_page(request, withdrawal, bound=None):
    can_manage = request.visitor.can("shares:manage")
    forms_by_name = {"approve": forms.DecisionForm(prefix="approve"),
                     "defer": forms.DeferForm(prefix="defer"),
                     "pay": forms.PaymentForm(prefix="pay")}
    if bound is not None:
        forms_by_name[bound[0]] = bound[1]
    return render(request, "shares/withdrawal.html", {
        "withdrawal": withdrawal, "can_manage": can_manage,
        "held": Holding.objects.filter(member=withdrawal.member,
                                       share_class=withdrawal.share_class).first(),
        "suspension": services.open_suspension(request.society),
        **(forms_by_name if can_manage else {}),
    }, status=400 if bound is not None else 200)


@requires("shares:view_ledger")
def withdrawal(request, public_id):
    return _withdrawal_page(request, _withdrawal(request, public_id))


def _withdrawal_action(request, public_id, name, form_class, act, done):
    found = _withdrawal(request, public_id)
    form = form_class(request.POST, prefix=name)
    if form.is_valid():
        try:
            act(found, form.cleaned_data)
        except ShareError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, done)
            return _back(request, "withdrawal", public_id=found.public_id)
    return _withdrawal_page(request, found, bound=(name, form))


@require_POST
@requires("shares:manage")
def withdrawal_approve(request, public_id):
    return _withdrawal_action(
        request, public_id, "approve", forms.DecisionForm,
        lambda w, data: services.approve_withdrawal(actor=request.user, withdrawal=w, **data),
        "The board's approval is recorded.")


@require_POST
@requires("shares:manage")
def withdrawal_defer(request, public_id):
    return _withdrawal_action(
        request, public_id, "defer", forms.DeferForm,
        lambda w, data: services.defer_withdrawal(actor=request.user, withdrawal=w, **data),
        "The board's deferral is recorded.")


@require_POST
@requires("shares:manage")
def withdrawal_pay(request, public_id):
    return _withdrawal_action(
        request, public_id, "pay", forms.PaymentForm,
        lambda w, data: services.pay_withdrawal(actor=request.user, withdrawal=w, **data),
        "The payment is recorded and the certificates are replaced.")


@require_POST
@requires("shares:manage")
def withdrawal_cancel(request, public_id):
    found = _withdrawal(request, public_id)
    _attempt(request, lambda: services.cancel_withdrawal(actor=request.user, withdrawal=found),
             "The withdrawal request is cancelled.")
    return _back(request, "withdrawal", public_id=found.public_id)


def _suspension(request, act, done):
    form = forms.SuspensionForm(request.POST)
    if form.is_valid():
        _attempt(request, lambda: act(form.cleaned_data), done)
    else:
        messages.error(request, "Give the date and the reference of the board's decision.")
    return _back(request, "withdrawals")


@require_POST
@requires("shares:manage")
def withdrawals_suspend(request):
    return _suspension(request, lambda data: services.suspend_withdrawals(
        actor=request.user, society=request.society, suspended_on=data["on_date"],
        decision_reference=data["decision_reference"]), "Withdrawals are suspended.")


@require_POST
@requires("shares:manage")
def withdrawals_resume(request):
    return _suspension(request, lambda data: services.resume_withdrawals(
        actor=request.user, society=request.society, resumed_on=data["on_date"],
        decision_reference=data["decision_reference"]), "Withdrawals are resumed.")


# Nominations book


@requires("shares:view_ledger")
def nominations(request):
    return render(request, "shares/nominations.html", {
        "nominations": Nomination.objects.filter(society=request.society).select_related(
            "member").order_by("member__member_number", "made_on", "id"),
        "limit": ledger.NOMINATION_LIMIT_PENCE,
    })


# Share interest


@requires("shares:view_ledger")
def interest(request):
    society = request.society
    can_manage = request.visitor.can("shares:manage")
    return render(request, "shares/interest.html", {
        "runs": InterestRun.objects.filter(society=society),
        "form": forms.YearForm(society=society) if can_manage else None,
        "classes": ShareClass.objects.filter(society=society, interest_rate_percent__gt=0),
        "can_manage": can_manage,
    })


@require_POST
@requires("shares:manage")
def interest_start(request):
    form = forms.YearForm(request.POST, society=request.society)
    if not form.is_valid():
        messages.error(request, "Choose a financial year.")
        return _back(request, "interest")
    try:
        run = services.start_interest_run(actor=request.user, society=request.society,
                                          year_end=form.cleaned_data["year_end"])
    except ShareError as error:
        messages.error(request, str(error))
        return _back(request, "interest")
    messages.success(request, f"Share interest for the year to {_day(run.year_end)} is being "
                              "computed.")
    return _back(request, "interest_run", public_id=run.public_id)


def _run(request, public_id) -> InterestRun:
    return get_or_404(InterestRun.objects.filter(society=request.society), public_id=public_id)


@requires("shares:view_ledger")
def interest_run(request, public_id):
    run = _run(request, public_id)
    lines = InterestLine.objects.filter(run=run).select_related("member", "share_class")
    after = request.GET.get("after", "")
    if after.isdigit():
        lines = lines.filter(member__member_number__gt=int(after))
    page = list(lines.order_by("member__member_number", "share_class__name")[:PAGE])
    class_names = {str(c.pk): c.name for c in ShareClass.objects.filter(society=run.society)}
    return render(request, "shares/interest_run.html", {
        "run": run, "lines": page,
        "rates": [(class_names.get(k, k), v) for k, v in run.rates.items()],
        "next_after": page[-1].member.member_number if len(page) == PAGE else None,
        "can_manage": request.visitor.can("shares:manage"),
    })


class _Echo:
    def write(self, value):
        return value


@requires("shares:view_ledger")
def interest_csv(request, public_id):
    """The payment file: one row per member and class, streamed."""
    run = _run(request, public_id)
    writer = csv.writer(_Echo())
    lines = (InterestLine.objects.filter(run=run).order_by("member__member_number",
                                                           "share_class__name")
             .values_list("member__member_number", "member__full_name", "share_class__name",
                          "interest_pence", "reinvested_shares", "reinvested_pence",
                          "paid_pence").iterator(chunk_size=2000))

    def pence(value):  # a number, so a spreadsheet adds it up
        return (Decimal(value) / 100).quantize(Decimal("0.01"))

    def rows():
        yield writer.writerow(["member_number", "name", "share_class", "interest_gross",
                               "reinvested_shares", "reinvested", "to_pay", "status"])
        for number, name, class_name, gross, shares, reinvested, paid in lines:
            yield writer.writerow(spreadsheet.row([
                number, name, class_name, pence(gross), shares, pence(reinvested), pence(paid),
                run.status]))

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="share-interest-{run.year_end.isoformat()}.csv"')
    return response


@require_POST
@requires("shares:manage")
def interest_post(request, public_id):
    run = _run(request, public_id)
    _attempt(request, lambda: services.start_posting_interest_run(actor=request.user, run=run),
             "Share interest is being posted: reinvested interest is issued as shares, then "
             "pay the rest from the CSV. Reload this page to see when it is done.")
    return _back(request, "interest_run", public_id=run.public_id)


@require_POST
@requires("shares:manage")
def interest_discard(request, public_id):
    run = _run(request, public_id)
    if _attempt(request, lambda: services.discard_interest_run(actor=request.user, run=run),
                "The draft run is discarded."):
        return _back(request, "interest")
    return _back(request, "interest_run", public_id=run.public_id)


@requires("shares:view_ledger")
def interest_statement(request, public_id, member_id):
    run = _run(request, public_id)
    return _statement(request, run, _member(request, member_id), own=False)


# Year-end figures


@requires("shares:year_end")
def year_end(request):
    society = request.society
    form = forms.YearForm(request.GET or None, society=society, include_current=True)
    end = form.cleaned_data["year_end"] if form.is_valid() else forms.recent_year_ends(
        society, 1)[0]
    start, end = services.financial_year_ending(society, end)
    return render(request, "shares/year_end.html", {
        "form": form, "figures": queries.year_end_figures(society, start, end),
        "to_date": end >= timezone.localdate(),
    })

