from django.core.management.base import BaseCommand

from communes.services import sync_conventions


class Command(BaseCommand):
    help = (
        "Take offline the pages of communes whose convention is no longer active (a lapse of the provider "
        "contract, or an end dated in the past). Nothing is deleted. Safe to run every hour."
    )

    def progress(self, commune, count):
        self.stdout.write(f"{commune.name}: {count} page(s) unpublished")

    def handle(self, *args, **options):
        changed = sync_conventions(progress=self.progress)
        if not changed:
            self.stdout.write("Nothing to do: every online commune has an active convention.")
