"""The audit actions the societies app writes (registry: societies.audit)."""

from societies.audit import register

register("societies", prefixes=["society", "stakeholder_class", "role", "invitation"], actions={
    "society.created": "A society was set up on the platform, inviting its first secretary",
    "society.settings_changed": "The society's settings were changed (each field old and new)",
    "society.document_uploaded": "A new version of the rules or privacy notice was uploaded",
    "stakeholder_class.created": "A stakeholder class was added",
    "stakeholder_class.changed": "A stakeholder class was changed (each field old and new)",
    "stakeholder_class.removed": "A stakeholder class without members was removed",
    "role.granted": "A person was given a role in the society",
    "role.revoked": "A person's role in the society was removed",
    "invitation.sent": "A person was invited by email to take a role",
    "invitation.accepted": "An invited person accepted their role",
    "invitation.cancelled": "An invitation not yet accepted was cancelled",
})
