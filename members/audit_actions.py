"""The audit actions the members app writes (registry: societies.audit)."""

from societies.audit import register

register("members", prefixes=["member", "members", "application", "register"], actions={
    "application.submitted": "A person applied for membership",
    "application.declined": "An application for membership was declined",
    "application.referred_to_members": "An application was referred to a vote of the members",
    "member.admitted": "An applicant was admitted and entered in the register",
    "member.changed": "A member's record was changed by an officer (fields old and new)",
    "member.own_details_changed": "A member changed their own details",
    "member.ceased": "A member ceased to be a member",
    "member.readmitted": "A former member was admitted again under a new number",
    "member.returned_mail": "Mail to a member was recorded as returned undelivered",
    "member.account_linked": "A person signed in and was linked to their member record",
    "member.representative_replaced": "An organisation member named a new representative by "
                                      "letter",
    "member.society_linked": "A federation's organisation member was linked to its society "
                             "on the platform",
    "member.society_confirmed": "A member society confirmed its membership of a federation",
    "members.import_started": "An import of a register of members was started",
    "members.imported": "An import of a register of members finished",
    "register.viewed": "The full register of members was viewed (as at which date, filters)",
    "register.exported": "The register of members was exported (format, as at which date)",
    "register.inspection_requested": "A member asked to inspect the register",
    "register.inspection_granted": "A request to inspect the register was granted",
    "register.inspection_answered": "A request to inspect the register was answered",
})
