"""Internal processes are read by their commune's agents and by Métropole staff (Art. 7, DESIGN "people").

`participation.services.processes.apply_audience` now restricts an internal process to both groups whenever it is
published; this adds the staff group to the restrictions set before. Idempotent; the reverse changes nothing.
"""

from django.db import migrations

STAFF_GROUP_NAME = "Métropole – Mission Démocratie participative"


def add_staff_to_internal_restrictions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    PageViewRestriction = apps.get_model("wagtailcore", "PageViewRestriction")
    ProcessPage = apps.get_model("participation", "ProcessPage")
    staff = Group.objects.filter(name=STAFF_GROUP_NAME).first()
    if staff is None:
        return
    internal = ProcessPage.objects.filter(audience="agents").values("pk")
    for restriction in PageViewRestriction.objects.filter(page_id__in=internal, restriction_type="groups"):
        restriction.groups.add(staff)


class Migration(migrations.Migration):
    dependencies = [
        ("participation", "0005_questionnaire_personal_questions"),
        ("wagtailcore", "0094_alter_page_locale"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(add_staff_to_internal_restrictions, migrations.RunPython.noop)]
