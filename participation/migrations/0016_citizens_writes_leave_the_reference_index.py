"""Contributions, comments and meeting registrations leave Wagtail's reference index (their models now say
`wagtail_reference_index_ignore`): their rows, one per foreign key of each, are deleted."""

from django.db import migrations

MODELS = ("contribution", "comment", "eventregistration")


def forget_references(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ReferenceIndex = apps.get_model("wagtailcore", "ReferenceIndex")
    types = ContentType.objects.filter(app_label="participation", model__in=MODELS)
    ReferenceIndex.objects.filter(content_type__in=types).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("participation", "0015_contribution_published_index"),
        ("wagtailcore", "0096_referenceindex_referenceindex_source_object_and_more"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forget_references, migrations.RunPython.noop)]
