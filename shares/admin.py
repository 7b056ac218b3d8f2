"""Admin for platform operators (unscoped, see societies.admin_site). Share records are
read-only here: every change goes through shares.services, so it is audited."""

from django.contrib import admin

from shares.models import (
    InterestRun,
    Nomination,
    ShareCertificate,
    ShareClass,
    SharePayment,
    ShareTransaction,
    WithdrawalRequest,
)
from societies.admin_site import ReadOnlyAdmin, ReadOnlyHistoryAdmin


@admin.register(ShareClass)
class ShareClassAdmin(ReadOnlyHistoryAdmin):
    list_display = ["name", "society", "nominal_value_pence", "is_withdrawable",
                    "is_qualifying", "interest_rate_percent"]
    list_filter = ["society"]


@admin.register(ShareTransaction)
class ShareTransactionAdmin(ReadOnlyAdmin):
    list_display = ["on_date", "society", "member", "kind", "share_class", "shares",
                    "amount_pence", "recorded_at"]
    list_filter = ["society", "kind"]
    list_select_related = ["society", "member", "share_class"]


@admin.register(SharePayment)
class SharePaymentAdmin(ReadOnlyAdmin):
    list_display = ["paid_on", "society", "member", "direction", "amount_pence", "method"]
    list_filter = ["society", "direction"]


@admin.register(ShareCertificate)
class ShareCertificateAdmin(ReadOnlyHistoryAdmin):
    list_display = ["number", "society", "member", "share_class", "shares", "issued_on",
                    "cancelled_on"]
    list_filter = ["society"]


@admin.register(WithdrawalRequest)
class WithdrawalRequestAdmin(ReadOnlyHistoryAdmin):
    list_display = ["requested_on", "society", "member", "shares", "status"]
    list_filter = ["society", "status"]


@admin.register(Nomination)
class NominationAdmin(ReadOnlyHistoryAdmin):
    list_display = ["member", "nominee_name", "percentage", "made_on", "revoked_on"]
    list_filter = ["society"]


@admin.register(InterestRun)
class InterestRunAdmin(ReadOnlyAdmin):
    list_display = ["year_end", "society", "status", "member_count", "gross_pence"]
    list_filter = ["society", "status"]
