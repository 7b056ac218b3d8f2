"""Share interest is posted by a worker (a run is "being posted" meanwhile, with the date
asked for and, if it failed, why), and on PostgreSQL the database refuses to change a posted
run back or delete it, so a year is posted once even past the model guards."""

from django.db import migrations, models

from shares.migrations._postgresql import on_postgresql

FORWARD = [
    """
    CREATE OR REPLACE FUNCTION shares_interest_run_guard() RETURNS trigger AS $$
    BEGIN
        IF OLD.status = 'posted' AND (TG_OP = 'DELETE' OR NEW.status <> 'posted'
                                      OR NEW.year_end <> OLD.year_end) THEN
            RAISE EXCEPTION 'share interest for this year is posted: it is kept as posted'
                USING ERRCODE = 'restrict_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    "CREATE TRIGGER shares_interestrun_posted_once BEFORE UPDATE OR DELETE "
    "ON shares_interestrun FOR EACH ROW EXECUTE FUNCTION shares_interest_run_guard()",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS shares_interestrun_posted_once ON shares_interestrun",
    "DROP FUNCTION IF EXISTS shares_interest_run_guard()",
]


class Migration(migrations.Migration):

    dependencies = [
        ('shares', '0003_friendlier_class_messages'),
    ]

    operations = [
        migrations.AddField(
            model_name='interestrun',
            name='post_error',
            field=models.TextField(blank=True, verbose_name='why the last posting failed'),
        ),
        migrations.AddField(
            model_name='interestrun',
            name='post_on',
            field=models.DateField(blank=True, null=True, verbose_name='date the reinvested shares are issued'),
        ),
        migrations.AlterField(
            model_name='interestrun',
            name='status',
            field=models.CharField(choices=[('computing', 'Being computed'), ('draft', 'Computed, not posted'), ('posting', 'Being posted'), ('posted', 'Posted')], default='computing', max_length=20),
        ),
        migrations.AddConstraint(
            model_name='interestrun',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'posting'), _negated=True), ('post_on__isnull', False), _connector='OR'), name='interest_run_posting_has_date'),
        ),
        migrations.RunPython(on_postgresql(FORWARD), on_postgresql(BACKWARD)),
    ]
