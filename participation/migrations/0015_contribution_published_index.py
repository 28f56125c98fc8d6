from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("participation", "0014_pending_actions"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="contribution",
            index=models.Index(
                condition=models.Q(("status", "published")),
                fields=["-published_at", "-id"],
                name="contribution_published",
            ),
        ),
    ]
