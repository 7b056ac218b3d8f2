"""The ballot box's pages: a trustee's own page for a box (the key ceremony, then their shuffle
and partial decryption), the returning officer's overview of a box, and the public record
once the result is in. Each step is one service of ballotbox/services/."""

from pathlib import PurePosixPath

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ballotbox import belenios, services
from ballotbox.models import BoxState, Keeping, StepKind
from ballotbox.services import BoxError
from ballotbox.work import owed_now
from societies.access import get_or_404, requires

# A shuffle of many ranked ballots is large; anything bigger than this is not one.
MAX_UPLOAD_BYTES = 512 * 1024 * 1024


class MessageForm(forms.Form):
    """What a trustee's command wrote: pasted, or the file itself."""

    message = forms.CharField(label="What the command wrote", required=False, strip=False,
                              widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
                              help_text="Paste the whole content of the file, or choose the "
                                        "file below.")
    upload = forms.FileField(label="Or the file it wrote", required=False)

    def clean(self):
        data = super().clean()
        upload, text = data.get("upload"), data.get("message") or ""
        if upload is not None:
            if upload.size > MAX_UPLOAD_BYTES:
                self.add_error("upload", "This file is far larger than what the command "
                                         "writes.")
                return data
            try:
                text = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                self.add_error("upload", "This is not the text file the command writes.")
                return data
        if "\x00" in text:
            self.add_error("upload" if upload is not None else "message",
                           "This is not the text the command writes.")
        elif not text.strip() and not self.errors:
            self.add_error("message", "Paste what the command wrote, or choose the file it "
                                      "wrote.")
        data["text"] = text
        return data


def _box(request, public_id):
    return get_or_404(request.society.ballot_boxes.all(), public_id=public_id)


def _trustee(request, public_id):
    """The visitor's own trustee row of the box: 404 for anyone else, as for a missing box."""
    box = _box(request, public_id)
    trustee = box.trustee_rows.filter(user=request.user).first()
    if trustee is None:
        raise Http404
    return box, trustee


def _file_rows(instructions):
    """The files to download: (name in the folder, file name to save, in a subfolder?)."""
    return [(name, PurePosixPath(name).name, str(PurePosixPath(name).parent))
            for name in instructions.files] if instructions else []


def _run_step(request, box, trustee, owed, text):
    """Send the trustee's message (or, with `text` None, make it on the server). A round of
    the key is taken at once; a shuffle or a partial decryption goes to the worker, which
    checks it (minutes for a large election): where tasks run at once it is already in, or
    refused (BoxError, with the reason) when this returns."""
    if owed.kind == "key":
        services.submit_key_message(actor=request.user, box=box, trustee_number=trustee.number,
                                    message=text)
        return f"Your message for {owed.label} is in."
    services.queue_trustee_step(actor=request.user, box=box, trustee_number=trustee.number,
                                kind=owed.kind, message=text)
    queued = services.queued_step(box, trustee.number)
    if queued is not None and queued.refused:
        raise BoxError(queued.refused)
    label = "shuffle" if owed.kind == StepKind.SHUFFLE else "partial decryption"
    if queued is not None:
        return (f"Your {label} is queued: the server checks its proof, which can take many "
                "minutes for a large election. This page says when it is in.")
    return f"Your {label} is in and its proof checks."


@requires("society:view")  # a trustee may hold any role; the page is theirs alone
def trustee_page(request, public_id):
    box, trustee = _trustee(request, public_id)
    owed = owed_now(box, trustee)
    form = MessageForm()
    status = 200
    if request.method == "POST" and owed is not None:
        on_server = request.POST.get("action") == "server"
        if on_server != (trustee.keeping == Keeping.SERVER) or (on_server
                                                               and owed.kind == "key"):
            raise Http404  # no such form on this trustee's page
        form = MessageForm(request.POST, request.FILES) if not on_server else form
        if on_server or form.is_valid():
            try:
                done = _run_step(request, box, trustee, owed,
                                 None if on_server else form.cleaned_data["text"])
            except BoxError as error:
                if on_server:
                    messages.error(request, str(error))
                    return redirect("ballotbox:trustee", society_slug=request.society.slug,
                                    public_id=box.public_id)
                form.add_error("message", str(error))
            else:
                messages.success(request, done)
                return redirect("ballotbox:trustee", society_slug=request.society.slug,
                                public_id=box.public_id)
        status = 400
    box.refresh_from_db()
    queued = services.queued_step(box, trustee.number)
    return render(request, "ballotbox/trustee.html", {
        "box": box, "trustee": trustee, "owed": owed, "form": form, "queued": queued,
        "files": _file_rows(owed.instructions if owed else None),
        "ceremony": services.trustee_progress(box),
        "on_server": trustee.keeping == Keeping.SERVER,
        "verify_command": belenios.verify_command().shell(),
        "ranked": services.is_ranked(box),
    }, status=status)


@requires("society:view")
def trustee_file(request, public_id, name):
    """A public file the trustee's current step needs, to put in their folder."""
    box, trustee = _trustee(request, public_id)
    owed = owed_now(box, trustee)
    files = owed.instructions.files if owed and owed.instructions else {}
    if name not in files:
        raise Http404
    content = files[name]
    response = HttpResponse(content if isinstance(content, bytes) else content.encode(),
                            content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{PurePosixPath(name).name}"'
    return response


# --- The returning officer -------------------------------------------------------------------

@requires("ballots:administer")
def boxes(request):
    found = request.society.ballot_boxes.order_by("-created_at")
    return render(request, "ballotbox/boxes.html", {"boxes": found})


def _overview(request, box, status=200):
    return render(request, "ballotbox/box.html", {
        "box": box, "ceremony": services.trustee_progress(box), "ballots": box.ballots.count(),
        "steps": list(box.steps.order_by("position")), "ranked": services.is_ranked(box),
        "can_end_shuffles": (box.state == BoxState.TALLYING and services.is_ranked(box)
                             and not box.steps.filter(kind=StepKind.END_SHUFFLES).exists()
                             and box.steps.filter(kind=StepKind.SHUFFLE).count()
                             >= services.MIN_SHUFFLES),
        "can_resume": bool(box.error) or services.work_due(box),
        "queued": list(box.queued.order_by("queued_at", "pk")),
        "verifying": services.verification_due(box),
        "count_progress": (services.count_progress(box) if box.state in (
            BoxState.CLOSED, BoxState.TALLYING, BoxState.RESULT) else None),
    }, status=status)


@requires("ballots:administer")
def box_overview(request, public_id):
    return _overview(request, _box(request, public_id))


def _back(request, box):
    return redirect("ballotbox:box", society_slug=request.society.slug, public_id=box.public_id)


def _officer_step(request, public_id, step, done: str):
    box = _box(request, public_id)
    try:
        step(box)
    except BoxError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return _back(request, box)


@requires("ballots:administer")
@require_POST
def resume_box(request, public_id):
    """Carry on the server's steps from the last stored one ("Try again")."""
    return _officer_step(request, public_id, services.resume,
                         "The server's steps that were due are done.")


@requires("ballots:administer")
@require_POST
def end_box_shuffles(request, public_id):
    return _officer_step(request, public_id,
                         lambda box: services.end_shuffles(actor=request.user, box=box),
                         "The shuffles are over: the trustees can now decrypt.")


@requires("ballots:administer")
@require_POST
def publish_box_record(request, public_id):
    return _officer_step(request, public_id,
                         lambda box: services.publish_record(actor=request.user, box=box),
                         "The public record is published: everyone with a vote can download "
                         "and verify it.")


@requires("ballots:administer")
@require_POST
def verify_box(request, public_id):
    """Run every check Belenios knows on the public record and show its verdict."""
    box = _box(request, public_id)
    try:
        services.request_verification(actor=request.user, box=box)
    except BoxError as error:
        messages.error(request, str(error))
        return _back(request, box)
    box.refresh_from_db()
    if services.verification_due(box):
        messages.success(request, "The worker is verifying the record: this takes minutes for "
                                  "a large election. This page shows the verdict when it is "
                                  "done.")
    return _back(request, box)


def _record_response(box):
    try:
        record, _digest = services.public_record(box)
    except BoxError:
        raise Http404 from None
    response = HttpResponse(record, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{box.election_id}.bel"'
    return response


@requires("ballots:administer")
def officer_record(request, public_id):
    return _record_response(_box(request, public_id))


# --- Anyone with a vote ----------------------------------------------------------------------

def _published(request, public_id):
    box = _box(request, public_id)
    if box.state != BoxState.RESULT or box.published_at is None:
        raise Http404
    return box


@requires("ballots:view")
def record_page(request, public_id):
    box = _published(request, public_id)
    return render(request, "ballotbox/record.html", {
        "box": box, "file_name": f"{box.election_id}.bel", "ranked": services.is_ranked(box),
        "verify_command": belenios.verify_command().shell(),
        "summary_command": "belenios-tool election compute-ballot-summary --dir election",
    })


@requires("ballots:view")
def record_download(request, public_id):
    return _record_response(_published(request, public_id))
