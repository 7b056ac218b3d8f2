"""Member numbers are handed out by the society's "member" counter (societies.numbering):
each society's counter starts at the highest member number in its register today."""

from django.db import migrations

from societies.migrations._counters import seed_from_highest


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0008_member_large_print'),
        ('societies', '0007_number_counters'),
    ]

    operations = [
        migrations.RunPython(*seed_from_highest("member", "members.Member", "member_number")),
    ]
