# The exports read a process's contributions in order of arrival (their ids), a page at a time, from this index (no
# sort of the whole process). On a table of a million contributions it takes about five seconds to build, writes to
# the table waiting.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("participation", "0019_open_data_files"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="contribution",
            index=models.Index(fields=["process", "id"], name="contribution_by_arrival"),
        ),
    ]
