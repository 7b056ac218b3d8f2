"""Certificate numbers are handed out by the society's "certificate" counter
(societies.numbering), like every other number series: each society's last certificate number
moves there, and the certificate app's own counter table goes."""

from django.db import migrations
from django_scopes import scopes_disabled


def move_to_counters(apps, schema_editor):
    CertificateCounter = apps.get_model("shares", "CertificateCounter")
    Counter = apps.get_model("societies", "Counter")
    with scopes_disabled():
        Counter.objects.bulk_create(
            [Counter(society_id=old.society_id, kind="certificate", last=old.last_number)
             for old in CertificateCounter.objects.all()], ignore_conflicts=True)


def move_back(apps, schema_editor):
    CertificateCounter = apps.get_model("shares", "CertificateCounter")
    Counter = apps.get_model("societies", "Counter")
    with scopes_disabled():
        counters = Counter.objects.filter(kind="certificate")
        CertificateCounter.objects.bulk_create(
            [CertificateCounter(society_id=c.society_id, last_number=c.last) for c in counters])
        counters.delete()


class Migration(migrations.Migration):

    dependencies = [
        ('shares', '0004_interest_posting_in_background'),
        ('societies', '0007_number_counters'),
    ]

    operations = [
        migrations.RunPython(move_to_counters, move_back),
        migrations.DeleteModel(name='CertificateCounter'),
    ]
