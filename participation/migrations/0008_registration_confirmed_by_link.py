from django.db import migrations, models
from django.db.models import F


def confirm_existing_registrations(apps, schema_editor):
    # Registrations made before confirmation links existed were taken at their word: they keep their seat.
    EventRegistration = apps.get_model("participation", "EventRegistration")
    EventRegistration.objects.filter(confirmed_at__isnull=True).update(confirmed_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("participation", "0007_rate_limit_counters"),
    ]

    operations = [
        migrations.AddField(
            model_name="eventregistration",
            name="confirmed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="confirmée le"),
        ),
        migrations.RunPython(confirm_existing_registrations, migrations.RunPython.noop),
    ]
