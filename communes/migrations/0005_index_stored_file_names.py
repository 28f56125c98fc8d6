"""Serving an uploaded file looks up whose it is by its stored name (`communes.serving`): index those names."""

from django.db import migrations

TABLES = ["wagtailimages_image", "wagtailimages_rendition", "wagtaildocs_document"]


class Migration(migrations.Migration):
    dependencies = [
        ("communes", "0004_replace_wagtail_stock_groups_and_workflow"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {table}_file_served ON {table} (file)",
            f"DROP INDEX IF EXISTS {table}_file_served",
        )
        for table in TABLES
    ]
