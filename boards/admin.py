"""Admin for platform operators (unscoped, see societies.admin_site). Board records are
read-only here: every change goes through boards.services, so it is audited."""

from django.contrib import admin

from boards.models import (
    AgendaItem,
    Attendance,
    Body,
    Decision,
    InterestDeclaration,
    Meeting,
    MeetingVote,
    Minutes,
    OfficerAppointment,
    ProxyAppointment,
    SeatCategory,
    Term,
)
from societies.admin_site import ReadOnlyHistoryAdmin as ReadOnlyAdmin


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


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "society", "kind", "held_on", "notice_served_at"]
    list_filter = ["society", "kind"]


@admin.register(AgendaItem)
class AgendaItemAdmin(ReadOnlyAdmin):
    list_display = ["title", "meeting", "position", "kind"]
    list_filter = ["society"]


@admin.register(ProxyAppointment)
class ProxyAppointmentAdmin(ReadOnlyAdmin):
    list_display = ["appointer", "holder_display", "meeting", "created_at", "revoked_at"]
    list_filter = ["society"]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ["member", "meeting", "mode"]
    list_filter = ["society"]


@admin.register(MeetingVote)
class MeetingVoteAdmin(ReadOnlyAdmin):
    list_display = ["agenda_item", "decision", "corrects", "recorded_at"]
    list_filter = ["society"]


@admin.register(Minutes)
class MinutesAdmin(ReadOnlyAdmin):
    """Minutes are never edited here; approved ones are locked everywhere."""

    list_display = ["meeting", "drafted_at", "approved_on"]
    list_filter = ["society"]
