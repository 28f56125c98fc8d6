"""Every email the platform sends goes through `queue_email`: queued as a task, sent by a worker, retried.

A citizen's request never waits for the SMTP server: `queue_email` only stores a task. With the database
backend (settings `TASKS["emails"]`) the task is a row written in the caller's transaction, so an email is queued
if and only if the data it speaks of is committed. The worker (`manage.py db_worker --backend emails`) sends it;
when the SMTP server is down or refuses for a while, the task queues its next attempt later (django-tasks has no
retries of its own), up to `EMAIL_RETRY_DELAYS`, about a day; after the last one the task stays failed, logged as an
error, for an operator to look at.
"""

import datetime
import logging
import smtplib

from django.core.mail import EmailMessage, get_connection
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)

EMAIL_TASK_BACKEND = "emails"

# Minutes to wait before each new attempt: nine attempts over about 23 hours.
EMAIL_RETRY_DELAYS = (1, 5, 15, 30, 60, 180, 360, 720)


def queue_email(subject, body, recipients, *, from_email=None):
    """Queue one plain-text email to `recipients` (a list); it is sent by the worker, not in the caller."""
    recipients = [str(address) for address in recipients if address]
    if not recipients:
        return None
    return deliver_email.enqueue(
        subject=str(subject), body=str(body), recipients=recipients, from_email=from_email, attempt=1
    )


def _is_transient(error):
    """Worth another try later: the server unreachable or refusing for now, not every recipient refused for good."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return not all(code >= 500 for code, _message in error.recipients.values())
    return True


@task(backend=EMAIL_TASK_BACKEND)
def deliver_email(*, subject, body, recipients, from_email=None, attempt=1):
    """Send the email once; on a transient SMTP failure, queue the next attempt and end this one.

    The message is handed to the server in one SMTP transaction: either the server took it (for every recipient it
    accepted) or it did not, so a retry never sends it twice to some. Once the server took it, an error on closing
    the connection does not count as a failure (that retry would send it twice).
    """
    message = EmailMessage(subject, body, from_email, recipients)
    connection = get_connection()
    try:
        connection.open()
        connection.send_messages([message])
    except (smtplib.SMTPException, OSError) as error:
        return _after_failure(
            error, subject=subject, body=body, recipients=recipients, from_email=from_email, attempt=attempt
        )
    finally:
        _close_quietly(connection)
    return {"sent": True, "attempt": attempt}


def _close_quietly(connection):
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - the message is already with the server, or was never sent
        logger.warning("Closing the SMTP connection failed", exc_info=True)


def _after_failure(error, *, attempt, **email):
    can_defer = deliver_email.get_backend().supports_defer
    if not _is_transient(error) or attempt > len(EMAIL_RETRY_DELAYS) or not can_defer:
        logger.error(
            "Email %r to %d recipient(s) not sent after %d attempt(s): %s",
            email["subject"],
            len(email["recipients"]),
            attempt,
            error,
        )
        raise error
    run_after = timezone.now() + datetime.timedelta(minutes=EMAIL_RETRY_DELAYS[attempt - 1])
    retry = deliver_email.using(run_after=run_after).enqueue(**email, attempt=attempt + 1)
    logger.warning(
        "Email %r not sent (attempt %d: %s); next attempt at %s (task %s)",
        email["subject"],
        attempt,
        error,
        run_after.isoformat(),
        retry.id,
    )
    return {"sent": False, "attempt": attempt, "error": str(error), "next_attempt": retry.id}
