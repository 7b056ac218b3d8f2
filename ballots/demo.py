"""A demo board election being prepared, for `seed_demo`: nominations are open, one
candidate nominated online by the demo member, two nominated on paper (one has returned a
signed consent, one is still to consent and gets post). The returning officer can correct
it, reorder the names, record paper nominations and consents, or cancel it.

Written through the services, so it carries the audit entries and the nominees' messages (the
letter to print is on the contest's page). Its windows are set from the day the demo is
loaded. Idempotent: nothing is written when the election is there.
"""

from datetime import timedelta

from django.utils import timezone

from ballots import services
from ballots.models import Election
from societies.models import RoleGrant
from societies.permissions import Role

TITLE = "Board election (being prepared)"


def seed_demo_election(society) -> None:
    """Inside the society's scope."""
    if Election.objects.filter(society=society, title=TITLE).exists():
        return
    grant = (RoleGrant.objects.filter(society=society, role=Role.RETURNING_OFFICER)
             .select_related("user").first())
    if grant is None:
        return
    officer, now = grant.user, timezone.now()
    election = services.create_election(actor=officer, society=society, title=TITLE)
    contest = services.create_contest(actor=officer, election=election, values={
        "title": "Elected seats", "method": "ers97", "seats": 2,
        "record_date": timezone.localdate(),
        "nominations_open": now - timedelta(days=7),
        "nominations_close": now + timedelta(days=14),
        "voting_opens": now + timedelta(days=21),
        "voting_closes": now + timedelta(days=35),
    })
    voters = list(services.eligible_members(contest).order_by("member_number"))
    with_account = [m for m in voters if m.user_id is not None]
    by_post = [m for m in voters if m.user_id is None and m.contact_channel == "post"]
    if len(with_account) < 3 or len(by_post) < 4:
        return
    nominator, candidate, seconder = with_account[-1], with_account[-2], with_account[0]
    services.nominate(actor=nominator.user, contest=contest, nominated_by=nominator,
                      candidate=candidate, proposer=nominator, seconder=seconder)
    today = timezone.localdate()
    signed = services.record_paper_nomination(
        actor=officer, contest=contest, candidate=by_post[0], proposer=by_post[2],
        seconder=by_post[3], received_on=today)
    services.record_paper_consent(actor=officer, candidate=signed, signed_on=today,
                                  witness="Pat Reynolds", statement="I have volunteered at "
                                  "the society for six years and would like to serve.")
    services.record_paper_nomination(
        actor=officer, contest=contest, candidate=by_post[1], proposer=by_post[2],
        seconder=by_post[3], received_on=today)
