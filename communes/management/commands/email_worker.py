import logging

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from core.emails import EMAIL_TASK_BACKEND, EmailWorker


class Command(DatabaseWorkerCommand):
    help = (
        "Send the queued emails (the 'emails' task backend) and retry them; keeps running through database "
        "outages. Run it as a service beside the app servers; several may run at once."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(backend_name=EMAIL_TASK_BACKEND, reload=False)

    def configure_logging(self, verbosity):
        super().configure_logging(verbosity)
        if verbosity < 2:
            # The worker runs one batch after another: the batch's "starting" and "no more tasks" lines are noise.
            logging.getLogger("django_tasks_db").setLevel(logging.WARNING)

    def handle(self, *, verbosity, queue_name, exclude_queues, reload, **options):
        self.configure_logging(verbosity)
        worker = EmailWorker(
            queue_names=queue_name.split(","),
            excluded_queue_names=exclude_queues.split(",") if exclude_queues else [],
            **{
                key: options[key]
                for key in ("interval", "batch", "backend_name", "startup_delay", "max_tasks", "worker_id")
            },
        )
        if verbosity:
            self.stdout.write(f"Email worker {worker.worker_id} sending the '{worker.backend_name}' queue")
        worker.configure_signals()
        worker.run()
