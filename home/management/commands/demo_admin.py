import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

DEMO_ADMIN_USERNAME = "admin"


class Command(BaseCommand):
    help = (
        "Create or reset the demo superuser and print its login. The password comes from DEMO_ADMIN_PASSWORD, "
        "or is drawn anew at each run. For a laptop demo only, never on a public server."
    )

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        user, _created = get_user_model().objects.get_or_create(
            username=DEMO_ADMIN_USERNAME, defaults={"email": "admin@localhost"}
        )
        user.is_staff = True
        user.is_superuser = True
        user.is_active = True
        user.set_password(password)
        user.save()
        self.stdout.write(
            f"Admin login: http://127.0.0.1:8000/admin/  user: {DEMO_ADMIN_USERNAME}  password: {password}"
        )
