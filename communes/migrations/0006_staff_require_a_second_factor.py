"""Métropole staff pass a second factor: their group gets wagtail-2fa's permission `wagtailadmin.enable_2fa`.

With `VerifyUserPermissionsMiddleware`, whoever holds it (and every superuser) must register a device and enter
its code before any admin view. New installs get it from `communes.roles.ensure_staff_group`; this gives it to
the group of an existing install. Running it twice changes nothing; without the group, it does nothing.
"""

from django.db import migrations

# The name of the group at the time of this migration (communes.roles.STAFF_GROUP_NAME).
STAFF_GROUP_NAME = "Métropole – Mission Démocratie participative"


def grant_second_factor_to_staff(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    enable_2fa = Permission.objects.filter(content_type__app_label="wagtailadmin", codename="enable_2fa").first()
    group = Group.objects.filter(name=STAFF_GROUP_NAME).first()
    if enable_2fa is not None and group is not None:
        group.permissions.add(enable_2fa)


class Migration(migrations.Migration):
    dependencies = [
        ("communes", "0005_index_stored_file_names"),
        ("wagtail_2fa", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant_second_factor_to_staff, migrations.RunPython.noop)]
