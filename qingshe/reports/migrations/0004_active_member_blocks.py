"""People and teams involved are kept per five-year block of months instead of per year. The rows
are rollups: they are emptied here and the next refresh rebuilds them all (watermark cleared)."""

from django.db import migrations, models


def empty_rollups(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("reports", "ActiveMember").objects.all().delete()
    apps.get_model("reports", "RollupState").objects.update(watermark=None)


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_dashboard_rollups")]

    operations = [
        migrations.RunPython(empty_rollups, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="activemember", name="dash_active_once"),
        migrations.RemoveField(model_name="activemember", name="year"),
        migrations.AddField(
            model_name="activemember",
            name="block",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="block of five years"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="activemember",
            name="months",
            field=models.BigIntegerField(default=0, verbose_name="months involved"),
        ),
        migrations.AddConstraint(
            model_name="activemember",
            constraint=models.UniqueConstraint(
                fields=("org", "kind", "block", "member_id"), name="dash_active_block_once"
            ),
        ),
    ]
