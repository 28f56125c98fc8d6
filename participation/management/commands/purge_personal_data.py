from django.core.management.base import BaseCommand

from participation.services.personal_data import purge_personal_data


class Command(BaseCommand):
    help = (
        "Anonymise the personal data of contributions and comments past PERSONAL_DATA_RETENTION_DAYS after their "
        "process closed (with the answers to personal questions of its questionnaires and the fingerprints of those "
        "who reported them), delete unconfirmed contributions, comments, meeting registrations and follows whose "
        "link expired, the follows of processes past retention and the rate-limit counters whose window ended. "
        "Works in committed batches of JOB_BATCH_SIZE rows, printing its progress: safe to stop at any time, the "
        "next run does the rest. Safe to run daily; --dry-run only counts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would change, change nothing.")

    def progress(self, label, done, total, seconds):
        rate = f", {done / seconds:.0f} rows/s" if seconds > 0 else ""
        self.stdout.write(f"  {label}: {done}/{total}{rate}")

    def handle(self, *args, dry_run, verbosity, **options):
        counts = purge_personal_data(dry_run=dry_run, progress=self.progress if verbosity >= 1 else None)
        prefix = "Would change" if dry_run else "Changed"
        self.stdout.write(
            f"{prefix}: {counts['anonymised']} contribution(s) anonymised, "
            f"{counts['unconfirmed_deleted']} unconfirmed contribution(s) deleted, "
            f"{counts['comments_anonymised']} comment(s) anonymised, "
            f"{counts['unconfirmed_comments_deleted']} unconfirmed comment(s) deleted, "
            f"{counts['report_fingerprints_forgotten']} report fingerprint(s) forgotten, "
            f"{counts['registrations_deleted']} meeting registration(s) deleted, "
            f"{counts['unconfirmed_registrations_deleted']} unconfirmed meeting registration(s) deleted, "
            f"{counts['questionnaire_answers_erased']} questionnaire answer(s) to personal questions erased, "
            f"{counts['follows_deleted']} follow(s) of processes past retention and "
            f"{counts['unconfirmed_follows_deleted']} unconfirmed follow(s) deleted, "
            f"{counts['support_keys_forgotten']} support key(s) forgotten, "
            f"{counts['participants_deleted']} unused participant pass record(s) deleted, "
            f"{counts['rate_limit_counters_deleted']} ended rate-limit counter(s) deleted."
        )
