"""After the count: the returning officer's sign-off and the scrutineer's co-signature, and
publishing the result (which decides an applicant put to the members' vote)."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.acting import user_or_none
from ballots import boxed
from ballots.models import Contest, ContestState
from ballots.services.common import BallotError, locked
from ballots.services.meeting_votes import refresh_resolution_result
from ballots.services.reads import agenda_meeting, signed_off_by
from ballots.services.results import decided_at_meeting
from societies import audit


@transaction.atomic
def sign_off(*, actor, contest: Contest, name: str, on: date) -> Contest:
    contest = locked(contest)
    if contest.state != ContestState.COUNTED:
        raise BallotError("Only a counted result can be signed off.")
    name = " ".join(name.split())
    if not name:
        raise BallotError("Sign with your name.")
    contest.signed_off_name, contest.signed_off_on = name, on
    contest.signed_off_by = user_or_none(actor)
    contest.state = ContestState.SIGNED
    contest.save(update_fields=["signed_off_name", "signed_off_on", "signed_off_by", "state"])
    audit.record(contest.society, actor, "contest.signed_off", contest,
                 {"name": name, "on": on.isoformat()})
    return contest


@transaction.atomic
def cosign_result(*, actor, contest: Contest, name: str, on: date) -> Contest:
    """A scrutineer's co-signature of the result the returning officer signed off. The result
    may be published before or after it; the result certificate waits for both signatures."""
    contest = locked(contest)
    if contest.state not in (ContestState.SIGNED, ContestState.PUBLISHED) \
            or contest.signed_off_on is None:
        raise BallotError("The returning officer must sign off the result before a scrutineer "
                          "co-signs it.")
    if contest.cosigned_on is not None:
        raise BallotError(f"The result is already co-signed, by {contest.cosigned_name} on "
                          f"{contest.cosigned_on:%d %B %Y}.")
    if actor is not None and actor.pk == signed_off_by(contest):
        raise BallotError("You signed the result off as returning officer: another person, a "
                          "scrutineer, must co-sign it.")
    name = " ".join(name.split())
    if not name:
        raise BallotError("Sign with your name.", field="name")
    if on < contest.signed_off_on:
        raise BallotError("The co-signature cannot be dated before the returning officer "
                          f"signed off, on {contest.signed_off_on:%d %B %Y}.", field="on")
    if on > timezone.localdate():
        raise BallotError("The co-signature cannot be dated in the future.", field="on")
    contest.cosigned_name, contest.cosigned_on, contest.cosigned_by = name, on, actor
    contest.save(update_fields=["cosigned_name", "cosigned_on", "cosigned_by"])
    audit.record(contest.society, actor, "contest.cosigned", contest,
                 {"name": name, "on": on.isoformat()})
    return contest


@transaction.atomic
def publish_result(*, actor, contest: Contest) -> Contest:
    """Publish the signed-off result, once. A resolution on a general meeting's agenda is
    decided by the meeting: its result is published only after the meeting has voted, and
    is then the meeting's decision, advance votes, proxies and the room together."""
    contest = locked(contest)
    if contest.state == ContestState.PUBLISHED:
        raise BallotError(f"The result was already published, on "
                          f"{timezone.localtime(contest.published_at):%d %B %Y}.")
    if contest.state != ContestState.SIGNED:
        raise BallotError("The result must be signed off before it is published.")
    meeting = agenda_meeting(contest)
    if meeting and not decided_at_meeting(contest):
        raise BallotError(f"This resolution is decided at the {meeting}: the advance votes "
                          "alone are not its result. Publish it once the meeting has voted, "
                          "when the result counts the advance votes, the proxies and the "
                          "room together.")
    if meeting:
        refresh_resolution_result(contest)
    contest.state = ContestState.PUBLISHED
    contest.published_at = timezone.now()
    contest.save(update_fields=["state", "published_at"])
    if contest.box_id is not None:
        boxed.publish_record(actor=actor, contest=contest)
    decided = None
    if contest.application_id and contest.is_resolution:
        decided = _decide_application(actor, contest)
    audit.record(contest.society, actor, "contest.published", contest,
                 {"ballots": contest.ballots_counted, "application": decided})
    return contest


def _decide_application(actor, contest: Contest) -> str:
    """Members' vote on an applicant: the published result admits or declines them."""
    from members.models import ApplicationStatus
    from members.services import admit_application, decline_application

    application = contest.application
    if application.status != ApplicationStatus.AWAITING_VOTE:
        return application.status
    today = timezone.localdate()
    reference = f"Members' vote {contest.public_id}"
    if contest.result and contest.result.get("passed"):
        admit_application(actor=actor, application=application, decided_on=today,
                          decision_reference=reference, by_members_vote=True)
        return "admitted"
    decline_application(actor=actor, application=application, decided_on=today,
                        decision_reference=reference, reason="Not carried by the members' vote.")
    return "declined"
