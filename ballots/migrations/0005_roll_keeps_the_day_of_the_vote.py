"""The roll keeps the day a member voted, not the moment: `voted_at` (a time to the
microsecond) becomes `voted_on` (the day in the society's time zone, settings.TIME_ZONE).
Existing rows keep their day; the time is dropped."""

from collections import defaultdict
from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models
from django_scopes import scopes_disabled

CHUNK = 5000


def keep_the_day_only(apps, schema_editor):
    entries = apps.get_model("ballots", "VoterRollEntry")
    zone = ZoneInfo(settings.TIME_ZONE)
    with scopes_disabled():
        by_day = defaultdict(list)
        rows = (entries.objects.filter(voted_at__isnull=False).order_by("pk")
                .values_list("pk", "voted_at"))
        for pk, voted_at in rows.iterator(chunk_size=CHUNK):
            by_day[voted_at.astimezone(zone).date()].append(pk)
        for day, pks in by_day.items():
            for start in range(0, len(pks), CHUNK):
                entries.objects.filter(pk__in=pks[start:start + CHUNK]).update(voted_on=day)


def noon_of_the_day(apps, schema_editor):
    """Going back, a vote's time is unknown: noon of its day stands for it."""
    entries = apps.get_model("ballots", "VoterRollEntry")
    zone = ZoneInfo(settings.TIME_ZONE)
    with scopes_disabled():
        days = (entries.objects.filter(voted_on__isnull=False).order_by()
                .values_list("voted_on", flat=True).distinct())
        for day in list(days):
            entries.objects.filter(voted_on=day).update(
                voted_at=datetime.combine(day, time(12), tzinfo=zone))


class Migration(migrations.Migration):

    dependencies = [
        ('ballots', '0004_contest_corrections_paper_nominations'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='voterrollentry',
            name='roll_entry_voted_has_channel',
        ),
        migrations.AddField(
            model_name='voterrollentry',
            name='voted_on',
            field=models.DateField(blank=True, null=True),
        ),
        migrations.RunPython(keep_the_day_only, noon_of_the_day),
        migrations.RemoveField(
            model_name='voterrollentry',
            name='voted_at',
        ),
        migrations.AddConstraint(
            model_name='voterrollentry',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('voted_on__isnull', True), ('channel', '')), models.Q(('voted_on__isnull', False), models.Q(('channel', ''), _negated=True)), _connector='OR'), name='roll_entry_voted_has_channel'),
        ),
    ]
