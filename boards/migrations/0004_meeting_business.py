"""General meetings: agenda, notice, proxies, attendance, votes in the meeting, minutes, and
the decision register's links to meetings, members and applications.

On PostgreSQL the database itself refuses to change or remove approved minutes (like
0002_append_only_decisions for decisions); on SQLite the model and queryset guards protect
them.
"""

import django.db.models.deletion
import django.utils.timezone
import simple_history.models
import uuid
from django.conf import settings
from django.db import migrations, models

LOCK_MINUTES = [
    """
    CREATE OR REPLACE FUNCTION boards_refuse_approved_minutes_change() RETURNS trigger AS $$
    BEGIN
        IF OLD.approved_on IS NOT NULL THEN
            RAISE EXCEPTION 'approved minutes are locked: % refused; record a correction',
                TG_OP
                USING ERRCODE = 'restrict_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    "CREATE TRIGGER boards_minutes_locked_once_approved BEFORE UPDATE OR DELETE ON "
    "boards_minutes FOR EACH ROW EXECUTE FUNCTION boards_refuse_approved_minutes_change()",
]
UNLOCK_MINUTES = [
    "DROP TRIGGER IF EXISTS boards_minutes_locked_once_approved ON boards_minutes",
    "DROP FUNCTION IF EXISTS boards_refuse_approved_minutes_change()",
]


def _on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('ballots', '0001_initial'),
        ('boards', '0003_meetings'),
        ('members', '0006_shares_withdrawn_reason'),
        ('notifications', '0002_fewer_indexes'),
        ('societies', '0002_general_meeting_rules'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='decision',
            name='application',
            field=models.ForeignKey(blank=True, help_text='The application this decision decided.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='decisions', to='members.application'),
        ),
        migrations.AddField(
            model_name='decision',
            name='meeting',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='decisions', to='boards.meeting'),
        ),
        migrations.AddField(
            model_name='decision',
            name='member',
            field=models.ForeignKey(blank=True, help_text='The member this decision admitted or expelled.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='decisions', to='members.member'),
        ),
        migrations.AddField(
            model_name='historicaldecision',
            name='application',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='The application this decision decided.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='members.application'),
        ),
        migrations.AddField(
            model_name='historicaldecision',
            name='meeting',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='boards.meeting'),
        ),
        migrations.AddField(
            model_name='historicaldecision',
            name='member',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='The member this decision admitted or expelled.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='members.member'),
        ),
        migrations.AddField(
            model_name='historicalmeeting',
            name='chair_name',
            field=models.CharField(blank=True, max_length=200, verbose_name='chair of the meeting'),
        ),
        migrations.AddField(
            model_name='historicalmeeting',
            name='duration_minutes',
            field=models.PositiveSmallIntegerField(default=120),
        ),
        migrations.AddField(
            model_name='historicalmeeting',
            name='notice',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='notifications.notice'),
        ),
        migrations.AddField(
            model_name='historicalmeeting',
            name='notice_served_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='historicalmeeting',
            name='online_link',
            field=models.URLField(blank=True, verbose_name='online link'),
        ),
        migrations.AddField(
            model_name='meeting',
            name='chair_name',
            field=models.CharField(blank=True, max_length=200, verbose_name='chair of the meeting'),
        ),
        migrations.AddField(
            model_name='meeting',
            name='duration_minutes',
            field=models.PositiveSmallIntegerField(default=120),
        ),
        migrations.AddField(
            model_name='meeting',
            name='notice',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='meeting', to='notifications.notice'),
        ),
        migrations.AddField(
            model_name='meeting',
            name='notice_served_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='meeting',
            name='online_link',
            field=models.URLField(blank=True, verbose_name='online link'),
        ),
        migrations.CreateModel(
            name='AgendaItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('position', models.PositiveSmallIntegerField()),
                ('kind', models.CharField(choices=[('report', 'Report'), ('resolution', 'Resolution'), ('election', 'Election'), ('other', 'Other business')], max_length=20)),
                ('title', models.CharField(max_length=200)),
                ('description', models.TextField(blank=True)),
                ('proposer', models.CharField(blank=True, max_length=200)),
                ('seconder', models.CharField(blank=True, max_length=200)),
                ('paper', models.FileField(blank=True, upload_to='meeting-papers/', verbose_name='paper (file)')),
                ('paper_text', models.TextField(blank=True, verbose_name='paper (text)')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('election', models.ForeignKey(blank=True, help_text="For an election item: the election whose candidates' statements go with the notice.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='agenda_items', to='ballots.election')),
                ('meeting', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='agenda_items', to='boards.meeting')),
                ('resolution', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='agenda_items', to='ballots.contest')),
                ('society', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='agenda_items', to='societies.society')),
            ],
            options={
                'ordering': ['meeting', 'position'],
            },
        ),
        migrations.CreateModel(
            name='Attendance',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('mode', models.CharField(choices=[('in_person', 'Present in person'), ('online', 'Present online'), ('apologies', 'Apologies')], max_length=12)),
                ('recorded_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('meeting', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='attendance', to='boards.meeting')),
                ('member', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='attendance', to='members.member')),
                ('society', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='societies.society')),
            ],
            options={
                'ordering': ['member__full_name'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalAgendaItem',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('public_id', models.UUIDField(db_index=True, default=uuid.uuid4, editable=False)),
                ('position', models.PositiveSmallIntegerField()),
                ('kind', models.CharField(choices=[('report', 'Report'), ('resolution', 'Resolution'), ('election', 'Election'), ('other', 'Other business')], max_length=20)),
                ('title', models.CharField(max_length=200)),
                ('description', models.TextField(blank=True)),
                ('proposer', models.CharField(blank=True, max_length=200)),
                ('seconder', models.CharField(blank=True, max_length=200)),
                ('paper', models.TextField(blank=True, max_length=100, verbose_name='paper (file)')),
                ('paper_text', models.TextField(blank=True, verbose_name='paper (text)')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('election', models.ForeignKey(blank=True, db_constraint=False, help_text="For an election item: the election whose candidates' statements go with the notice.", null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='ballots.election')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('meeting', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='boards.meeting')),
                ('resolution', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='ballots.contest')),
                ('society', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='societies.society')),
            ],
            options={
                'verbose_name': 'historical agenda item',
                'verbose_name_plural': 'historical agenda items',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalAttendance',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('mode', models.CharField(choices=[('in_person', 'Present in person'), ('online', 'Present online'), ('apologies', 'Apologies')], max_length=12)),
                ('recorded_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('meeting', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='boards.meeting')),
                ('member', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='members.member')),
                ('society', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='societies.society')),
            ],
            options={
                'verbose_name': 'historical attendance',
                'verbose_name_plural': 'historical attendances',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalMeetingVote',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('public_id', models.UUIDField(db_index=True, default=uuid.uuid4, editable=False)),
                ('method', models.CharField(choices=[('hands', 'Show of hands'), ('poll', 'Poll')], default='hands', max_length=10)),
                ('online_for', models.PositiveIntegerField(default=0)),
                ('online_against', models.PositiveIntegerField(default=0)),
                ('online_abstain', models.PositiveIntegerField(default=0)),
                ('proxy_for', models.PositiveIntegerField(default=0)),
                ('proxy_against', models.PositiveIntegerField(default=0)),
                ('proxy_abstain', models.PositiveIntegerField(default=0)),
                ('room_for', models.PositiveIntegerField(default=0)),
                ('room_against', models.PositiveIntegerField(default=0)),
                ('room_abstain', models.PositiveIntegerField(default=0)),
                ('quorum_present', models.PositiveIntegerField()),
                ('quorum_required', models.PositiveIntegerField()),
                ('explanation', models.TextField()),
                ('recorded_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('agenda_item', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='boards.agendaitem')),
                ('decision', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='boards.decision')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('recorded_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('society', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='societies.society')),
            ],
            options={
                'verbose_name': 'historical meeting vote',
                'verbose_name_plural': 'historical meeting votes',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalMinutes',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('public_id', models.UUIDField(db_index=True, default=uuid.uuid4, editable=False)),
                ('text', models.TextField()),
                ('drafted_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('edited_at', models.DateTimeField(blank=True, null=True)),
                ('approved_on', models.DateField(blank=True, null=True)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('approval_decision', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='boards.decision')),
                ('approved_at_meeting', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='boards.meeting')),
                ('drafted_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('meeting', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='boards.meeting')),
                ('society', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='societies.society')),
            ],
            options={
                'verbose_name': 'historical minutes',
                'verbose_name_plural': 'historical minutes',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalProxyAppointment',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('public_id', models.UUIDField(db_index=True, default=uuid.uuid4, editable=False)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('revoked_at', models.DateTimeField(blank=True, null=True)),
                ('revoked_reason', models.CharField(blank=True, choices=[('revoked', 'Revoked by the member'), ('attended', 'Attended in person'), ('replaced', 'Replaced by a new appointment')], max_length=20)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('appointer', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='members.member')),
                ('created_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('holder', models.ForeignKey(blank=True, db_constraint=False, help_text='Blank: the chair of the meeting.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='members.member')),
                ('meeting', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='boards.meeting')),
                ('society', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='societies.society')),
            ],
            options={
                'verbose_name': 'historical proxy appointment',
                'verbose_name_plural': 'historical proxy appointments',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='MeetingVote',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('method', models.CharField(choices=[('hands', 'Show of hands'), ('poll', 'Poll')], default='hands', max_length=10)),
                ('online_for', models.PositiveIntegerField(default=0)),
                ('online_against', models.PositiveIntegerField(default=0)),
                ('online_abstain', models.PositiveIntegerField(default=0)),
                ('proxy_for', models.PositiveIntegerField(default=0)),
                ('proxy_against', models.PositiveIntegerField(default=0)),
                ('proxy_abstain', models.PositiveIntegerField(default=0)),
                ('room_for', models.PositiveIntegerField(default=0)),
                ('room_against', models.PositiveIntegerField(default=0)),
                ('room_abstain', models.PositiveIntegerField(default=0)),
                ('quorum_present', models.PositiveIntegerField()),
                ('quorum_required', models.PositiveIntegerField()),
                ('explanation', models.TextField()),
                ('recorded_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('agenda_item', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='vote', to='boards.agendaitem')),
                ('decision', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='vote', to='boards.decision')),
                ('recorded_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('society', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='societies.society')),
            ],
        ),
        migrations.CreateModel(
            name='Minutes',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('text', models.TextField()),
                ('drafted_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('edited_at', models.DateTimeField(blank=True, null=True)),
                ('approved_on', models.DateField(blank=True, null=True)),
                ('approval_decision', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='approved_minutes', to='boards.decision')),
                ('approved_at_meeting', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='minutes_approved', to='boards.meeting')),
                ('drafted_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('meeting', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='minutes', to='boards.meeting')),
                ('society', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='minutes', to='societies.society')),
            ],
            options={
                'verbose_name_plural': 'minutes',
            },
        ),
        migrations.CreateModel(
            name='ProxyAppointment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('revoked_at', models.DateTimeField(blank=True, null=True)),
                ('revoked_reason', models.CharField(blank=True, choices=[('revoked', 'Revoked by the member'), ('attended', 'Attended in person'), ('replaced', 'Replaced by a new appointment')], max_length=20)),
                ('appointer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='proxies_given', to='members.member')),
                ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('holder', models.ForeignKey(blank=True, help_text='Blank: the chair of the meeting.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='proxies_held', to='members.member')),
                ('meeting', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='proxy_appointments', to='boards.meeting')),
                ('society', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='proxy_appointments', to='societies.society')),
            ],
            options={
                'ordering': ['meeting', 'created_at'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalProxyVoteInstruction',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('instruction', models.CharField(choices=[('for', 'For'), ('against', 'Against'), ('abstain', 'Abstain'), ('discretion', "At the proxy's discretion")], max_length=12)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('agenda_item', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='boards.agendaitem')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('society', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='societies.society')),
                ('appointment', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='boards.proxyappointment')),
            ],
            options={
                'verbose_name': 'historical proxy vote instruction',
                'verbose_name_plural': 'historical proxy vote instructions',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='ProxyVoteInstruction',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('instruction', models.CharField(choices=[('for', 'For'), ('against', 'Against'), ('abstain', 'Abstain'), ('discretion', "At the proxy's discretion")], max_length=12)),
                ('agenda_item', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='proxy_instructions', to='boards.agendaitem')),
                ('appointment', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='instructions', to='boards.proxyappointment')),
                ('society', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='societies.society')),
            ],
        ),
        migrations.AddConstraint(
            model_name='agendaitem',
            constraint=models.UniqueConstraint(fields=('meeting', 'position'), name='agenda_item_position_unique'),
        ),
        migrations.AddConstraint(
            model_name='agendaitem',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'resolution'), ('resolution__isnull', False)), models.Q(models.Q(('kind', 'resolution'), _negated=True), ('resolution__isnull', True)), _connector='OR'), name='agenda_item_resolution_iff_resolution_item'),
        ),
        migrations.AddConstraint(
            model_name='agendaitem',
            constraint=models.CheckConstraint(condition=models.Q(('kind', 'election'), ('election__isnull', True), _connector='OR'), name='agenda_item_election_only_on_election_item'),
        ),
        migrations.AddConstraint(
            model_name='agendaitem',
            constraint=models.UniqueConstraint(condition=models.Q(('resolution__isnull', False)), fields=('meeting', 'resolution'), name='agenda_item_resolution_once_per_meeting'),
        ),
        migrations.AddConstraint(
            model_name='attendance',
            constraint=models.UniqueConstraint(fields=('meeting', 'member'), name='attendance_one_row_per_member'),
        ),
        migrations.AddConstraint(
            model_name='minutes',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('approved_on__isnull', True), ('approved_at_meeting__isnull', True)), models.Q(('approved_on__isnull', False), ('approved_at_meeting__isnull', False)), _connector='OR'), name='minutes_approved_at_a_meeting'),
        ),
        migrations.AddConstraint(
            model_name='minutes',
            constraint=models.CheckConstraint(condition=models.Q(('approved_at_meeting', models.F('meeting')), _negated=True), name='minutes_approved_at_a_later_meeting'),
        ),
        migrations.AddIndex(
            model_name='proxyappointment',
            index=models.Index(fields=['meeting', 'holder', 'revoked_at'], name='proxy_meeting_holder_live'),
        ),
        migrations.AddConstraint(
            model_name='proxyappointment',
            constraint=models.UniqueConstraint(condition=models.Q(('revoked_at__isnull', True)), fields=('meeting', 'appointer'), name='proxy_one_live_appointment_per_member'),
        ),
        migrations.AddConstraint(
            model_name='proxyappointment',
            constraint=models.CheckConstraint(condition=models.Q(('holder', models.F('appointer')), _negated=True), name='proxy_holder_not_appointer'),
        ),
        migrations.AddConstraint(
            model_name='proxyappointment',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('revoked_at__isnull', True), ('revoked_reason', '')), models.Q(('revoked_at__isnull', False), models.Q(('revoked_reason', ''), _negated=True)), _connector='OR'), name='proxy_revoked_reason_iff_revoked'),
        ),
        migrations.AddConstraint(
            model_name='proxyvoteinstruction',
            constraint=models.UniqueConstraint(fields=('appointment', 'agenda_item'), name='proxy_one_instruction_per_item'),
        ),
        migrations.RunPython(_on_postgresql(LOCK_MINUTES), _on_postgresql(UNLOCK_MINUTES)),
    ]
