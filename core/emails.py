"""Every email the platform sends is queued as a task, sent by a worker, retried.

The project's own emails go through `queue_email`; everything else that sends with Django's mail API (Wagtail's
password reset and its moderation and comment notifications) goes through `EMAIL_BACKEND`, which is
`QueuedEmailBackend`: the same queue. Only the worker talks to the real server, through `EMAIL_DELIVERY_BACKEND`.

A request never waits for the SMTP server: queueing only stores a task. With the database backend (settings
`TASKS["emails"]`) the task is a row written in the caller's transaction, so an email is queued if and only if the
data it speaks of is committed. The worker (`manage.py email_worker`) sends it; when the SMTP server is down or
refuses for a while, the task queues its next attempt later (django-tasks has no retries of its own), up to
`EMAIL_RETRY_DELAYS`, about a day; after the last one the task stays failed, logged as an error, for an operator to
look at.

The worker (`EmailWorker`, django-tasks-db's worker made to outlive the database) keeps going through a database
outage or restart: it waits and reconnects instead of dying; a task whose outcome could not be written is written
once the database is back; a task that failed because of the database (not of the SMTP server) is run again; a
task left "running" by a worker that died is run again (`requeue_stalled_emails`). Delivery is at least once: only
a worker killed between the SMTP server's answer and the database's can send an email twice.
"""

import datetime
import logging
import random
import smtplib
import time

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import InternalError, close_old_connections
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from core.outage import OUTAGES

logger = logging.getLogger(__name__)

EMAIL_TASK_BACKEND = "emails"

# Minutes to wait before each new attempt: nine attempts over about 23 hours.
EMAIL_RETRY_DELAYS = (1, 5, 15, 30, 60, 180, 360, 720)

# A task "running" for longer than this was left by a worker that died: far longer than one attempt can take
# (EMAIL_TIMEOUT, 30 s by default, for each step of the SMTP dialogue), so a live worker's task is never taken.
EMAIL_TASK_STALLED_AFTER = datetime.timedelta(minutes=15)
# When an attempt cut short (by the database, or by the worker being stopped) is run again.
RUN_AGAIN_AFTER = datetime.timedelta(seconds=30)
# Longest wait between two tries while the database is away.
OUTAGE_MAX_WAIT_SECONDS = 30


def queue_email(subject, body, recipients, *, from_email=None, headers=None):
    """Queue one plain-text email to `recipients` (a list); it is sent by the worker, not in the caller.

    `headers` ({name: value}) are added to the message as they are, such as `List-Unsubscribe` (RFC 8058).
    """
    recipients = [str(address) for address in recipients if address]
    if not recipients:
        return None
    email = {"subject": str(subject), "body": str(body), "recipients": recipients, "from_email": from_email}
    if headers:
        email["headers"] = {str(name): str(value) for name, value in headers.items()}
    return _enqueue(email)


def _enqueue(email):
    return deliver_email.enqueue(**email, attempt=1)


def _given(options):
    """The optional parts of an email that it has (a task's arguments stay short)."""
    return {key: value for key, value in options.items() if value}


class QueuedEmailBackend(BaseEmailBackend):
    """Django's email backend for everything sent with Django's mail API: each message becomes a queued task.

    The text, its subtype (an HTML-only message stays HTML), every alternative, copies, reply-to and headers are
    kept; attachments are refused (nothing sends one, and a task's arguments are JSON). With `fail_silently`, a
    message that cannot be queued is logged and skipped, as Django's backends do with sending errors.
    """

    def send_messages(self, email_messages):
        queued = 0
        for message in email_messages:
            if not message.recipients():
                continue
            try:
                _enqueue(_task_arguments(message))
            except Exception:
                if not self.fail_silently:
                    raise
                logger.exception("Email %r could not be queued", message.subject)
                continue
            queued += 1
        return queued


def _task_arguments(message):
    if message.attachments:
        raise ValueError("Emails with attachments cannot be queued")
    extra = {
        "from_email": message.from_email,
        "cc": [str(address) for address in message.cc],
        "bcc": [str(address) for address in message.bcc],
        "reply_to": [str(address) for address in message.reply_to],
        "headers": {str(name): str(value) for name, value in message.extra_headers.items()},
        "subtype": message.content_subtype if message.content_subtype != "plain" else None,
        "alternatives": [[str(content), mimetype] for content, mimetype, *_ in getattr(message, "alternatives", [])],
    }
    recipients = [str(address) for address in message.to]
    return {"subject": str(message.subject), "body": str(message.body), "recipients": recipients, **_given(extra)}


def _is_transient(error):
    """Worth another try later: the server unreachable or refusing for now, not every recipient refused for good."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return not all(code >= 500 for code, _message in error.recipients.values())
    return True


class RetryLater(Exception):  # noqa: N818 - an instruction to the worker, not an error
    """The SMTP server failed for now: `EmailWorker` puts this same task back in the queue for `run_after`."""

    def __init__(self, error, run_after):
        super().__init__(str(error))
        self.error = error
        self.run_after = run_after


@task(backend=EMAIL_TASK_BACKEND)
def deliver_email(*, subject, body, recipients=(), attempt=1, **extra):
    """Send the email once; on a transient SMTP failure, have the worker run this task again later.

    The message is handed to the server in one SMTP transaction: either the server took it (for every recipient it
    accepted) or it did not, so a retry never sends it twice to some. Once the server took it, an error on closing
    the connection does not count as a failure (that retry would send it twice). A retry is the same task row,
    rescheduled: one row per email, whatever happens to the worker between two attempts.
    """
    subtype = extra.pop("subtype", None)
    alternatives = extra.pop("alternatives", [])
    message = EmailMultiAlternatives(subject, body, to=recipients, **extra)
    if subtype:
        message.content_subtype = subtype
    for content, mimetype in alternatives:
        message.attach_alternative(content, mimetype)
    connection = get_connection(settings.EMAIL_DELIVERY_BACKEND)
    try:
        connection.open()
        connection.send_messages([message])
    except (smtplib.SMTPException, OSError) as error:
        _after_failure(error, attempt=attempt, subject=subject, recipients=message.recipients())
    finally:
        _close_quietly(connection)
    return {"sent": True, "attempt": attempt}


def _close_quietly(connection):
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - the message is already with the server, or was never sent
        logger.warning("Closing the SMTP connection failed", exc_info=True)


def _after_failure(error, *, attempt, subject, recipients):
    can_defer = deliver_email.get_backend().supports_defer
    if not _is_transient(error) or attempt > len(EMAIL_RETRY_DELAYS) or not can_defer:
        logger.error(
            "Email %r to %d recipient(s) not sent after %d attempt(s): %s", subject, len(recipients), attempt, error
        )
        raise error
    raise RetryLater(error, timezone.now() + datetime.timedelta(minutes=EMAIL_RETRY_DELAYS[attempt - 1]))


def requeue_stalled_emails(*, worker_id=None, now=None):
    """Put back in the queue the email tasks no live worker is running; return how many.

    Those "running" for longer than `EMAIL_TASK_STALLED_AFTER` (their worker died), and, with `worker_id`, those
    this worker claimed before an outage interrupted it (it runs one task at a time, so none is still running).
    """
    now = now or timezone.now()
    running = DBTaskResult.objects.running().filter(backend_name=EMAIL_TASK_BACKEND)
    stalled = set(running.filter(started_at__lt=now - EMAIL_TASK_STALLED_AFTER).values_list("pk", flat=True))
    if worker_id:
        # A handful of rows at most; read in Python, as SQLite cannot look inside a JSON list.
        stalled |= {pk for pk, workers in running.values_list("pk", "worker_ids") if workers[-1:] == [worker_id]}
    count = running.filter(pk__in=stalled).update(status=TaskResultStatus.READY, started_at=None) if stalled else 0
    if count:
        logger.warning("%d email task(s) left running by an interrupted worker put back in the queue", count)
    return count


# What the worker waits out rather than exits on: the database unreachable, restarting, or read-only during a
# failover (InternalError: "cannot execute UPDATE in a read-only transaction").
DATABASE_AWAY = (*OUTAGES, InternalError)
# A task cut short by these is run again: the database went away, or the worker was told to stop at once.
CUT_SHORT = (*DATABASE_AWAY, SystemExit, KeyboardInterrupt)


class EmailWorker(Worker):
    """django-tasks-db's worker for the email queue, which outlives database outages and reschedules retries.

    Between batches it sleeps `interval`, and puts stalled tasks back in the queue every minute. When the database
    goes away it waits (1, 2, 4… up to 30 s) and starts again, instead of exiting as django-tasks-db's worker does.
    A task's outcome is written once the database takes it, however long that is (the email may already be with
    the SMTP server: running it again would send it twice). A transient SMTP failure reschedules the same task.
    """

    HOUSEKEEPING_SECONDS = 60

    def __init__(self, *, batch=False, startup_delay=True, **options):
        # The parent's loop runs one batch (every task due); this one loops over batches.
        super().__init__(batch=True, startup_delay=False, **options)
        self.stop_when_idle = batch
        self.first_start_delay = startup_delay and self.interval
        self.next_housekeeping = 0.0

    def run(self):
        if self.first_start_delay:
            time.sleep(random.random())  # noqa: S311 - several workers started together do not poll in step
        outages = 0
        while self.running:
            try:
                self.housekeeping(after_outage=outages > 0)
                super().run()
            except DATABASE_AWAY as error:
                outages += 1
                wait = min(2 ** (outages - 1), OUTAGE_MAX_WAIT_SECONDS)
                logger.warning("Database unavailable (%s); the email worker tries again in %d s", error, wait)
                close_old_connections()
                time.sleep(wait)
                continue
            outages = 0
            if self.stop_when_idle or (self.max_tasks is not None and self._run_tasks >= self.max_tasks):
                return
            if self.running:
                time.sleep(self.interval)

    def housekeeping(self, *, after_outage):
        if after_outage or time.monotonic() >= self.next_housekeeping:
            requeue_stalled_emails(worker_id=self.worker_id if after_outage else None)
            self.next_housekeeping = time.monotonic() + self.HOUSEKEEPING_SECONDS

    def run_task(self, db_task_result):
        db_task_result.set_successful = self._patiently(db_task_result.set_successful)
        db_task_result.set_failed = self._patiently(self._fail_or_reschedule(db_task_result))
        super().run_task(db_task_result)

    def _fail_or_reschedule(self, db_task_result):
        """The outcome of an attempt that did not send: failed for good, or the same task queued again."""
        set_failed = db_task_result.set_failed

        def fail_or_reschedule(error):
            if isinstance(error, RetryLater):
                kwargs = db_task_result.args_kwargs["kwargs"]
                kwargs["attempt"] = kwargs.get("attempt", 1) + 1
                self._reschedule(db_task_result, error.run_after)
                logger.warning(
                    "Email task %s not sent (%s); attempt %d at %s",
                    db_task_result.id,
                    error.error,
                    kwargs["attempt"],
                    error.run_after.isoformat(),
                )
                return None
            if isinstance(error, CUT_SHORT):
                self._reschedule(db_task_result, timezone.now() + RUN_AGAIN_AFTER)
                logger.warning("Email task %s cut short (%r): it will run again", db_task_result.id, error)
                if isinstance(error, SystemExit | KeyboardInterrupt):
                    raise error
                return None
            return set_failed(error)

        return fail_or_reschedule

    @staticmethod
    def _reschedule(db_task_result, run_after):
        db_task_result.status = TaskResultStatus.READY
        db_task_result.started_at = None
        db_task_result.run_after = run_after
        db_task_result.save(update_fields=["status", "started_at", "run_after", "args_kwargs"])

    def _patiently(self, record):
        """Write a task's outcome, waiting for the database as long as it is away."""

        def patiently(*args):
            wait = 1
            while True:
                try:
                    return record(*args)
                except DATABASE_AWAY as error:
                    logger.warning("Database unavailable (%s); the email worker waits to record an outcome", error)
                    close_old_connections()
                    time.sleep(wait)
                    wait = min(wait * 2, OUTAGE_MAX_WAIT_SECONDS)

        return patiently
