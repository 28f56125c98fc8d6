from django.core.management.base import BaseCommand

from participation.services.follows import notify_due_results, notify_new_phases


class Command(BaseCommand):
    help = (
        "Email the followers of each process whose new phase started (in the last few days) and of each process "
        "whose results' publication date has come. Each piece of news is recorded when sent: running it twice "
        "sends once. Run daily."
    )

    def handle(self, *args, **options):
        phases = notify_new_phases()
        results = notify_due_results()
        self.stdout.write(f"Announced: {phases} new phase(s), {results} publication(s) of results.")
