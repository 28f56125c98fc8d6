import time

from django.core.management.base import BaseCommand, CommandError

from participation.scale import GENERATED_PROCESSES, LARGE_SHARE, generate_scale_data


class Command(BaseCommand):
    help = (
        "Generate a scale data set on top of the demo (`load_demo` first): about 175 more processes and realistic "
        "French contributions with their supports, comments, reports and participants, inserted with COPY "
        "(PostgreSQL only), until the database holds --contributions contributions. Safe to run again: the same "
        "size adds nothing, a larger one tops up. For `make bench`; never on a production database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--contributions", type=int, default=100_000, help="Total contributions wanted.")
        parser.add_argument("--processes", type=int, default=GENERATED_PROCESSES, help="Processes to generate.")
        parser.add_argument(
            "--large-share", type=float, default=LARGE_SHARE, help="Share of the largest process (0 to 0.9)."
        )

    def handle(self, *args, contributions, processes, large_share, **options):
        from django.db import connection

        if connection.vendor != "postgresql":
            raise CommandError("The scale data set needs PostgreSQL (it is inserted with COPY).")
        if contributions < 0 or processes < 1 or not 0 <= large_share <= 0.9:
            raise CommandError("--contributions ≥ 0, --processes ≥ 1 and --large-share between 0 and 0.9.")
        started = time.monotonic()
        log = self.stdout.write if options["verbosity"] > 1 else None
        try:
            counts = generate_scale_data(contributions, processes=processes, large_share=large_share, log=log)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Scale data: {counts.processes_created} process(es) created, {counts.contributions} contribution(s), "
            f"{counts.supports} support(s), {counts.comments} comment(s), {counts.reports} report(s) added, "
            f"{counts.purge_sample} added to the purge sample, in {time.monotonic() - started:.1f} s."
        )
