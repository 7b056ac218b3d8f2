"""The ballot box's services: the key ceremony, opening, casting, the close and the count.

Every step that changes a box locks it (`select_for_update`), re-checks its state and stores
what the step produced in the same transaction, so a step is stored once or not at all and
`resume` carries on from the last stored one. belenios-tool does the cryptography
(ballotbox/belenios.py); nothing here reads a ballot's content. Audit entries name boxes,
trustees and counts, never a ballot, a credential or a key.

The steps live in one module per stage of the box, and this package names them all, so
callers write `services.open_box(...)`:

- `keys`: a new box and the key ceremony; `casting`: opening (credentials) and ballots;
- `count`: the close and the server's steps of the count (`resume`);
- `trustee_steps`: the trustees' shuffles and partial decryptions;
- `record`: publishing and verifying the public record;
- `reads`: what pages, tasks and steps read (progress, what is due, instructions, result);
- `common`: the error, the questions, the box's lock, progress, failures and refusals.
"""

from ballotbox.services.casting import (
    encrypt_and_store,
    open_box,
    prepare_ballot,
    store_ballot,
    store_checked,
)
from ballotbox.services.common import (
    MIN_SHUFFLES,
    ROUNDS,
    BoxError,
    Instructions,
    is_ranked,
    questions_json,
    questions_of,
)
from ballotbox.services.count import close_box, resume
from ballotbox.services.keys import TrusteeSpec, create_box, set_questions, submit_key_message
from ballotbox.services.reads import (
    count_progress,
    decryptions_in,
    has_tracker,
    key_instructions,
    public_record,
    queued_step,
    rebuild_record,
    result_of,
    server_step_due,
    tally_instructions,
    trackers,
    trustee_progress,
    verification_due,
    verify,
    work_due,
)
from ballotbox.services.record import publish_record, request_verification
from ballotbox.services.trustee_steps import decrypt, end_shuffles, queue_trustee_step, shuffle

__all__ = [
    "MIN_SHUFFLES", "ROUNDS", "BoxError", "Instructions", "TrusteeSpec", "close_box",
    "count_progress", "create_box", "decrypt", "decryptions_in", "encrypt_and_store",
    "end_shuffles", "has_tracker", "is_ranked", "key_instructions", "open_box", "prepare_ballot",
    "public_record", "publish_record", "questions_json", "questions_of", "queue_trustee_step",
    "queued_step", "rebuild_record", "request_verification", "result_of", "resume",
    "server_step_due", "set_questions", "shuffle", "store_ballot", "store_checked",
    "submit_key_message", "tally_instructions", "trackers", "trustee_progress",
    "verification_due", "verify", "work_due",
]
