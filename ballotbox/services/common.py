"""What the ballot box's steps share: the error, the questions, the box's lock, and
how a step leaves its progress, a failure or a refusal on the box."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ballotbox import belenios
from ballotbox.models import Box, TallyStep, Trustee
from societies import audit

ROUNDS = (1, 3, 5)
MIN_SHUFFLES = 2


class BoxError(Exception):
    """A ballot-box step that cannot be done, with a sentence a person can act on."""


def questions_json(questions: Sequence[belenios.Question]) -> list[dict]:
    """Our description of the questions, as stored in `Box.questions`."""
    described = []
    for q in questions:
        if isinstance(q, belenios.RankedQuestion):
            described.append({"type": "ranked", "question": q.question,
                              "candidates": list(q.candidates)})
        else:
            described.append({"type": "choice", "question": q.question,
                              "answers": list(q.answers), "min": q.min, "max": q.max,
                              "blank": q.blank})
    return described


def questions_of(box: Box) -> list[belenios.Question]:
    """The box's questions, as the engine takes them."""
    return [belenios.RankedQuestion(q["question"], tuple(q["candidates"]))
            if q["type"] == "ranked" else
            belenios.ChoiceQuestion(q["question"], tuple(q["answers"]), q["min"], q["max"],
                                    q["blank"])
            for q in box.questions]


def is_ranked(box: Box) -> bool:
    return any(q["type"] == "ranked" for q in box.questions)


def locked_box(box: Box) -> Box:
    return Box.objects.select_for_update(of=("self",)).get(pk=box.pk)


def record_failure(box: Box, error: Exception) -> None:
    """Leave a failed step's reason on the box (its own write: the step's was undone)."""
    Box.objects.filter(pk=box.pk).update(error=str(error)[:4000],
                                         progress_updated_at=timezone.now())


def record_progress(box: Box, step: str, done: int, total: int) -> None:
    """Progress of a long step, written at once so that others see it while it runs."""
    now = timezone.now()
    Box.objects.filter(pk=box.pk).update(progress_step=step, progress_done=done,
                                         progress_total=total, progress_updated_at=now)
    box.progress_step, box.progress_done, box.progress_total = step, done, total
    box.progress_updated_at = now


def numbered_trustee(box: Box, number: int) -> Trustee:
    try:
        return box.trustee_rows.get(number=number)
    except Trustee.DoesNotExist:
        raise BoxError(f"This ballot box has no trustee {number}.") from None


def record_refusal(box: Box, actor, action: str, trustee: Trustee, reason: str) -> BoxError:
    """Record a trustee's refused message (kept even though the step is not) and return the
    error to raise."""
    with transaction.atomic():
        audit.record(box.society, actor, action, box,
                     {"trustee": trustee.number, "name": trustee.name, "reason": reason})
    return BoxError(reason)


@dataclass(frozen=True)
class Instructions:
    """What a trustee on their own computer does next: put `files` (name → content) in a
    folder next to their key, run `command` there, send what it writes (`sends`)."""

    step: str
    command: belenios.Command
    files: Mapping[str, str | bytes]
    sends: str


def resume_after_commit(box: Box) -> None:
    """The worker runs `resume` once the current transaction commits (ballotbox/tasks.py)."""
    from ballotbox.tasks import queue_resume

    queue_resume(box)


def steps_of(box: Box, kind: str) -> list[TallyStep]:
    return list(box.steps.filter(kind=kind).order_by("position"))


def store_step(box: Box, kind: str, message: str, trustee_number: int | None = None) -> None:
    position = box.steps.count()
    TallyStep.objects.create(society=box.society, box=box, position=position, kind=kind,
                             trustee_number=trustee_number, message=message)


def ballot_texts(box: Box) -> Iterable[str]:
    return box.ballots.order_by("tracker").values_list("ballot", flat=True).iterator(2000)
