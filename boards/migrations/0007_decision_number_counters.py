"""Decision numbers are handed out by the society's "decision" counter (societies.numbering):
each society's counter starts at the highest number in its register of decisions today."""

from django.db import migrations

from societies.migrations._counters import seed_from_highest


class Migration(migrations.Migration):

    dependencies = [
        ('boards', '0006_meeting_vote_corrections'),
        ('societies', '0007_number_counters'),
    ]

    operations = [
        migrations.RunPython(*seed_from_highest("decision", "boards.Decision", "number")),
    ]
