import os
import secrets

from axes.utils import reset as reset_failed_logins
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from communes.models import CommuneGroup, CommuneRole

DEMO_ADMIN_USERNAME = "admin"
# A commune editor to try the admin from a commune's side (Essey-lès-Nancy, INSEE 54184).
DEMO_EDITOR_USERNAME = "editeur.essey"
DEMO_EDITOR_COMMUNE_INSEE = "54184"
# Superusers pass a second factor: the demo admin gets one-time codes (django-otp's static device), new at each run.
DEMO_ADMIN_DEVICE_NAME = "Codes de secours (démo)"
DEMO_ADMIN_CODES = 5


class Command(BaseCommand):
    help = (
        "Create or reset the demo superuser (and an editor of Essey-lès-Nancy when its groups exist) and print "
        "their login, with one-time codes for the superuser's second factor. The password comes from "
        "DEMO_ADMIN_PASSWORD, or is drawn anew at each run; the codes are drawn anew at each run. "
        "For a laptop demo only, never on a public server."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default=None, help="Admin address to print (default: WAGTAILADMIN_BASE_URL's).")
        parser.add_argument("--force", action="store_true", help="Reset the accounts on a shared database too.")

    @transaction.atomic
    def handle(self, *args, url, force, **options):
        on_laptop = settings.DEBUG or connection.vendor == "sqlite"
        if not (on_laptop or force):
            raise CommandError(
                "demo_admin resets the 'admin' superuser: refused on this database (not SQLite, DEBUG off). "
                "Pass --force if this really is a demo."
            )
        url = url or settings.WAGTAILADMIN_BASE_URL.rstrip("/") + "/admin/"
        password = os.environ.get("DEMO_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        admin = self.reset_user(DEMO_ADMIN_USERNAME, password)
        admin.is_staff = admin.is_superuser = True
        admin.save()
        codes = self.reset_codes(admin)
        self.stdout.write(f"Admin login: {url}  user: {DEMO_ADMIN_USERNAME}  password: {password}")
        self.stdout.write(f"Second factor (asked after the password), one-time codes: {' '.join(codes)}")

        editors = CommuneGroup.objects.filter(
            commune__insee_code=DEMO_EDITOR_COMMUNE_INSEE, role=CommuneRole.EDITORS
        ).first()
        if editors is not None:
            editor = self.reset_user(DEMO_EDITOR_USERNAME, password)
            editor.groups.add(editors.group)
            self.stdout.write(f"Commune editor ({editors.commune.name}): user: {DEMO_EDITOR_USERNAME}  same password")

    def reset_codes(self, user):
        """The user's demo one-time codes, replaced by new ones; each lets one sign-in through the second factor."""
        device, _created = StaticDevice.objects.get_or_create(user=user, name=DEMO_ADMIN_DEVICE_NAME)
        device.confirmed = True
        device.throttling_failure_count = 0
        device.throttling_failure_timestamp = None
        device.save()
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(DEMO_ADMIN_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
        return codes

    def reset_user(self, username, password):
        user, _created = get_user_model().objects.get_or_create(
            username=username, defaults={"email": f"{username}@localhost"}
        )
        user.is_active = True
        user.set_password(password)
        user.save()
        reset_failed_logins(username=username)  # a newcomer who locked the demo account out gets in again
        return user
