"""Admin for platform operators (unscoped, see societies.admin_site). Board records are
read-only here: every change goes through boards.services, so it is audited."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from boards.models import (
    Body,
    Decision,
    InterestDeclaration,
    OfficerAppointment,
    SeatCategory,
    Term,
)
from societies.admin_site import ReadOnlyAdmin as BaseReadOnlyAdmin


class ReadOnlyAdmin(SimpleHistoryAdmin, BaseReadOnlyAdmin):
    """Read-only, with the row history."""


@admin.register(Body)
class BodyAdmin(ReadOnlyAdmin):
    list_display = ["name", "society", "kind"]
    list_filter = ["society"]


@admin.register(SeatCategory)
class SeatCategoryAdmin(ReadOnlyAdmin):
    list_display = ["name", "body", "seats", "filled_by", "term_years"]
    list_filter = ["society"]


@admin.register(Term)
class TermAdmin(ReadOnlyAdmin):
    list_display = ["holder_name", "seat_category", "started_on", "ended_on", "end_reason"]
    list_filter = ["society"]


@admin.register(OfficerAppointment)
class OfficerAppointmentAdmin(ReadOnlyAdmin):
    list_display = ["name", "office", "society", "taken_up_on", "left_on"]
    list_filter = ["society"]


@admin.register(InterestDeclaration)
class InterestDeclarationAdmin(ReadOnlyAdmin):
    list_display = ["term", "declared_on"]
    list_filter = ["society"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["number", "society", "decided_on", "outcome"]
    list_filter = ["society"]
