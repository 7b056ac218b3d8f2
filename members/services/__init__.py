"""Every change to applications and members. Each runs in one transaction and writes exactly
one audit entry; rules are re-checked here and backed by database constraints.

Who is "one person" for the rule of one active membership per society: the linked account
when there is one, otherwise the email address (case-insensitive). People with neither are
matched by the secretary; docs/members.md says why.

The services live in one module per concern, and this package names them all, so callers
write `services.admit_application(...)`:

- `applications`: applying (with its acknowledgement), admitting, declining;
- `membership`: changing an entry, ceasing, readmitting, returned mail, linking an account;
- `inspections`: who read or exported the register, and members' requests to inspect it;
- `imports`: starting an import of a register (`members.importer` writes it);
- `common`: the fields each person may change, the error, the checks on a person's details,
  member numbers, and creating a member with their qualifying shares and welcome.
"""

from members.services.applications import (
    ACKNOWLEDGEMENT_KIND,
    acknowledgement_message,
    admit_application,
    decline_application,
    submit_application,
)
from members.services.common import (
    AGREED_DOCUMENTS,
    APPLICATION_FIELDS,
    INSPECTION_MAX_DAYS,
    OWN_FIELDS,
    PRIVATE_FIELDS,
    REFERENCE_ALPHABET,
    SECRETARY_FIELDS,
    MemberError,
    check_guardian,
    check_minimum_age,
    check_probation,
    hold_member_numbers,
    take_member_numbers,
)
from members.services.federations import (
    appoint_federation_representative,
    confirm_federation_membership,
    link_member_society,
    membership_of,
    memberships_of,
    notice_to,
    notices_to,
)
from members.services.imports import (
    start_import,
)
from members.services.inspections import (
    answer_register_inspection,
    current_inspection_grant,
    grant_register_inspection,
    record_register_access,
    request_register_inspection,
)
from members.services.membership import (
    cease_member,
    ensure_history_baseline,
    link_accounts_for,
    link_member_to_user,
    readmit_member,
    record_employment_end,
    record_leavers,
    record_returned_mail,
    replace_representative,
    update_member,
)

__all__ = [
    "ACKNOWLEDGEMENT_KIND",
    "AGREED_DOCUMENTS",
    "APPLICATION_FIELDS",
    "INSPECTION_MAX_DAYS",
    "MemberError",
    "OWN_FIELDS",
    "PRIVATE_FIELDS",
    "REFERENCE_ALPHABET",
    "SECRETARY_FIELDS",
    "acknowledgement_message",
    "admit_application",
    "answer_register_inspection",
    "cease_member",
    "record_employment_end",
    "record_leavers",
    "replace_representative",
    "check_minimum_age",
    "check_guardian",
    "check_probation",
    "current_inspection_grant",
    "decline_application",
    "ensure_history_baseline",
    "grant_register_inspection",
    "hold_member_numbers",
    "link_accounts_for",
    "link_member_to_user",
    "readmit_member",
    "record_register_access",
    "record_returned_mail",
    "request_register_inspection",
    "start_import",
    "submit_application",
    "take_member_numbers",
    "update_member",
    "appoint_federation_representative",
    "confirm_federation_membership",
    "link_member_society",
    "membership_of",
    "memberships_of",
    "notice_to",
    "notices_to",
]
