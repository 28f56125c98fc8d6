"""Emails never block a citizen's request and an SMTP outage loses none (`core.emails`).

Before: emails were sent inside the request; a slow or unreachable SMTP server slowed or failed the submission,
and the email was lost. Here the email task backend is the database one, as in production (the rest of the suite
sends at once), and the worker runs in the test process, one batch at a time.
"""

import contextlib
import datetime
import smtplib
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command
from django.db import OperationalError, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, DBTaskResultQuerySet

from charter.services import current_acceptance_terms
from core.emails import EMAIL_RETRY_DELAYS, EMAIL_TASK_STALLED_AFTER, EmailWorker, requeue_stalled_emails
from participation.models import Contribution
from participation.services.contributions import submit_contribution
from tests.participation.conftest import contribution_data, submit

SMTP_DOWN = ConnectionRefusedError(111, "Connection refused")
SEND = "django.core.mail.backends.locmem.EmailBackend.send_messages"
DATABASE_GONE = OperationalError("terminating connection due to administrator command")


@pytest.fixture
def queued(settings):
    """The production email backend: tasks stored in the database, sent by `db_worker --backend emails`."""
    settings.TASKS = {**settings.TASKS, "emails": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def email_tasks(**filters):
    return DBTaskResult.objects.filter(task_path="core.emails.deliver_email", **filters)


def batch_worker(worker_id="test-worker"):
    """The worker as `email_worker --batch` runs it: every task due, then it stops."""
    return EmailWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="emails",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


def run_worker(at=None, worker_id="test-worker"):
    """One pass of the worker over the tasks due at `at` (now by default)."""
    worker = batch_worker(worker_id)
    with worker_in_test(), mock.patch("django.utils.timezone.now", return_value=at or timezone.now()):
        worker.run()
    return worker


@contextlib.contextmanager
def worker_in_test():
    """The worker drops the connection between tasks, which would end the test's transaction; it never sleeps."""
    with (
        mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"),
        mock.patch.multiple("core.emails", close_old_connections=mock.DEFAULT, time=mock.DEFAULT) as patched,
    ):
        patched["time"].monotonic.return_value = 0.0
        yield patched


def test_a_contribution_is_answered_at_once_even_with_the_smtp_server_down(client, process, queued):
    with mock.patch(SEND, side_effect=SMTP_DOWN) as smtp:
        response = submit(client, process, follow=True)

    assert response.status_code == 200 and "Un courriel vient de vous être envoyé" in response.content.decode()
    smtp.assert_not_called()
    assert mail.outbox == []
    assert email_tasks(status=TaskResultStatus.READY).count() == 1
    run_worker()
    assert len(mail.outbox) == 1 and "/participation/confirmer/" in mail.outbox[0].body


def test_a_meeting_registration_is_answered_without_sending(client, process, queued):
    process.event_starts_at = timezone.now() + datetime.timedelta(days=10)
    process.event_capacity = 5
    process.save_revision().publish()

    response = client.post(
        process.url + "inscription/", {"name": "Alex", "email": "alex@example.org", "needs": "", "website": ""}
    )

    assert response.status_code == 303 and mail.outbox == []
    run_worker()
    assert mail.outbox[0].to == ["alex@example.org"] and "/inscription/confirmer/" in mail.outbox[0].body


@pytest.mark.parametrize(
    "outage",
    [SMTP_DOWN, smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), TimeoutError("timed out")],
    ids=["refused", "disconnected", "timeout"],
)
def test_an_smtp_outage_loses_no_email_and_sends_it_once_when_the_server_is_back(client, process, queued, outage):
    submit(client, process)
    now = timezone.now()

    with mock.patch(SEND, side_effect=outage):
        run_worker(now)
        retry = email_tasks(status=TaskResultStatus.READY).get()
        run_worker(now + datetime.timedelta(seconds=30))  # not due yet: the server is left alone
    run_worker(now + datetime.timedelta(seconds=30))
    outbox_before_due = len(mail.outbox)
    run_worker(now + datetime.timedelta(minutes=2))
    run_worker(now + datetime.timedelta(hours=1))

    assert retry.run_after == now + datetime.timedelta(minutes=EMAIL_RETRY_DELAYS[0])
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert outbox_before_due == 0
    assert len(mail.outbox) == 1 and "/participation/confirmer/" in mail.outbox[0].body
    assert not email_tasks(status=TaskResultStatus.READY).exists()
    assert not email_tasks(status=TaskResultStatus.FAILED).exists()


def test_after_a_day_of_outage_the_email_stays_failed_and_is_logged(client, process, queued):
    submit(client, process)
    at = timezone.now()

    with mock.patch(SEND, side_effect=SMTP_DOWN), mock.patch("core.emails.logger.error") as logged:
        for delay in (0, *EMAIL_RETRY_DELAYS, 24 * 60):
            at += datetime.timedelta(minutes=delay)
            run_worker(at)

    attempts = len(EMAIL_RETRY_DELAYS) + 1
    assert sum(EMAIL_RETRY_DELAYS) / 60 > 20  # about a day
    failed = email_tasks().get()  # one row, rescheduled at each attempt
    assert failed.status == TaskResultStatus.FAILED
    assert failed.args_kwargs["kwargs"]["attempt"] == attempts
    assert failed.exception_class_path == "builtins.ConnectionRefusedError"
    logged.assert_called_once()
    assert "not sent after" in logged.call_args.args[0] and logged.call_args.args[3] == attempts
    assert mail.outbox == []


def test_an_address_refused_for_good_is_not_tried_again(client, process, queued):
    submit(client, process)
    refused = smtplib.SMTPRecipientsRefused({"camille.secret@example.org": (550, b"No such user")})

    with mock.patch(SEND, side_effect=refused):
        run_worker()

    assert email_tasks(status=TaskResultStatus.FAILED).count() == 1
    assert email_tasks().count() == 1


def test_a_rolled_back_submission_queues_nothing(process, queued):
    terms = current_acceptance_terms()
    data = contribution_data(process)

    with pytest.raises(RuntimeError), transaction.atomic():
        submit_contribution(
            process,
            pseudonym=data["pseudonym"],
            email=data["email"],
            text=data["text"],
            charter_version=terms.charter,
            terms_version=terms.terms,
        )
        assert email_tasks().count() == 1  # queued with the contribution, in its transaction
        raise RuntimeError("the request failed after the email was queued")
    run_worker()

    assert not Contribution.objects.exists()
    assert not email_tasks().exists()
    assert mail.outbox == []


def test_no_app_sends_an_email_but_through_the_queue():
    """Every email goes through `core.emails.queue_email`: a direct send would block the request again."""
    root = Path(django_settings.BASE_DIR)
    senders = ("send_mail(", "send_mass_mail(", "mail_admins(", "mail_managers(", "EmailMessage(", "EmailMultiAlt")
    offenders = []
    for app in ("config", "home", "search", "participation", "charter", "communes", "core"):
        for path in (root / app).rglob("*.py"):
            if path == root / "core" / "emails.py":
                continue
            source = path.read_text()
            offenders += [f"{path.relative_to(root)}: {word}" for word in senders if word in source]

    assert offenders == []


def fail_first(calls, error, real):
    """A stand-in for `real` that raises `error` for its first `calls` calls (the database away), then works."""
    state = {"left": calls}

    def stand_in(*args, **kwargs):
        if state["left"]:
            state["left"] -= 1
            raise error
        return real(*args, **kwargs)

    return stand_in


def test_the_worker_outlives_a_database_restart_and_sends_what_was_queued(client, process, queued):
    """Before: django-tasks-db's worker exited at the first database error; the emails queued stayed unsent."""
    submit(client, process)
    real = DBTaskResultQuerySet.get_locked

    with (
        mock.patch.object(DBTaskResultQuerySet, "get_locked", fail_first(3, DATABASE_GONE, real)),
        worker_in_test() as patched,
    ):
        batch_worker().run()

    assert [call.args[0] for call in patched["time"].sleep.call_args_list] == [1, 2, 4]  # waits, then tries again
    assert len(mail.outbox) == 1
    assert email_tasks(status=TaskResultStatus.SUCCESSFUL).count() == 1


def test_an_outcome_the_database_could_not_take_is_written_when_it_is_back_and_the_email_not_sent_twice(
    client, process, queued
):
    submit(client, process)
    real = DBTaskResult.save

    with mock.patch.object(DBTaskResult, "save", fail_first(6, DATABASE_GONE, real)):
        # The claim's save fails first: nothing is sent until the database takes it.
        run_worker()

    assert len(mail.outbox) == 1
    assert email_tasks(status=TaskResultStatus.SUCCESSFUL).count() == 1
    assert not email_tasks().exclude(status=TaskResultStatus.SUCCESSFUL).exists()


def test_a_sent_email_is_recorded_however_long_the_database_is_away_and_never_sent_again(client, process, queued):
    """Before (review): after 5 minutes the worker gave up recording the success and ran the task again."""
    submit(client, process)
    real = DBTaskResult.set_successful

    with (
        mock.patch.object(DBTaskResult, "set_successful", fail_first(20, DATABASE_GONE, real)),
        worker_in_test() as patched,
    ):
        batch_worker().run()
    run_worker(timezone.now() + datetime.timedelta(hours=1))

    assert sum(call.args[0] for call in patched["time"].sleep.call_args_list) > 300
    assert len(mail.outbox) == 1
    assert email_tasks(status=TaskResultStatus.SUCCESSFUL).count() == 1


def test_a_send_cut_short_by_the_worker_being_stopped_runs_again_instead_of_failing(client, process, queued):
    """`make run`'s Ctrl+C: a second signal makes django-tasks-db exit inside the task (SystemExit). Before
    (review): the email was recorded FAILED and never sent."""
    submit(client, process)

    with mock.patch(SEND, side_effect=SystemExit(1)), pytest.raises(SystemExit):
        run_worker()
    task = email_tasks().get()
    assert task.status == TaskResultStatus.READY

    run_worker(timezone.now() + datetime.timedelta(minutes=1))
    assert len(mail.outbox) == 1
    assert email_tasks(status=TaskResultStatus.SUCCESSFUL).count() == 1


def test_a_retry_is_the_same_task_so_a_worker_killed_between_attempts_cannot_double_it(client, process, queued):
    """Before (review): each retry was a new row queued before the attempt was recorded; a worker killed then left
    the attempt running, requeued 15 minutes later, and the email went twice."""
    submit(client, process)
    now = timezone.now()

    with mock.patch(SEND, side_effect=SMTP_DOWN):
        run_worker(now)
    # The worker dies after the SMTP failure but before recording anything: the task is left running.
    email_tasks().update(status=TaskResultStatus.RUNNING, started_at=now, worker_ids=["dead"])
    later = now + EMAIL_TASK_STALLED_AFTER + datetime.timedelta(minutes=1)
    requeue_stalled_emails(now=later)
    run_worker(later)
    run_worker(later + datetime.timedelta(hours=1))

    assert email_tasks().count() == 1
    assert len(mail.outbox) == 1


def test_tasks_left_running_by_a_dead_worker_are_sent_again_but_not_those_a_live_worker_runs(client, process, queued):
    for number in range(3):
        submit(client, process, email=f"habitant{number}@example.org")
    now = timezone.now()
    dead_long_ago, live, interrupted = email_tasks().order_by("enqueued_at")
    for task, worker_id, started in (
        (dead_long_ago, "dead", now - EMAIL_TASK_STALLED_AFTER - datetime.timedelta(minutes=1)),
        (live, "live", now - datetime.timedelta(minutes=1)),
        (interrupted, "this-one", now - datetime.timedelta(seconds=5)),
    ):
        task.claim(worker_id)
        email_tasks(pk=task.pk).update(started_at=started)

    assert requeue_stalled_emails(now=now) == 1
    assert requeue_stalled_emails(worker_id="this-one", now=now) == 1
    assert set(email_tasks(status=TaskResultStatus.READY).values_list("pk", flat=True)) == {
        dead_long_ago.pk,
        interrupted.pk,
    }
    run_worker()
    assert len(mail.outbox) == 2
    assert email_tasks(status=TaskResultStatus.RUNNING).get().pk == live.pk


def test_the_email_worker_command_sends_the_queue(client, process, queued):
    submit(client, process)

    with worker_in_test():
        call_command("email_worker", "--batch", "--no-startup-delay", verbosity=0)

    assert len(mail.outbox) == 1 and email_tasks(status=TaskResultStatus.SUCCESSFUL).count() == 1


@pytest.fixture
def django_mail_queued(settings, queued, db):
    """Production's EMAIL_BACKEND (pytest-django puts the in-memory one in its place): Django's mail API queues."""
    settings.EMAIL_BACKEND = "core.emails.QueuedEmailBackend"


def test_wagtail_password_reset_is_queued_and_answers_with_the_smtp_server_down(client, staff_user, django_mail_queued):
    """Before: Wagtail's own emails (password reset, moderation notifications) were sent inside the request."""
    with mock.patch(SEND, side_effect=SMTP_DOWN) as smtp:
        response = client.post("/admin/password_reset/", {"email": staff_user.email})

    assert response.status_code == 302
    smtp.assert_not_called()
    assert email_tasks(status=TaskResultStatus.READY).count() == 1
    run_worker()
    assert mail.outbox[0].to == [staff_user.email]
    assert "/admin/password_reset/confirm/" in mail.outbox[0].body


def test_what_django_mail_api_queues_arrives_whole(django_mail_queued):
    from wagtail.admin.mail import send_mail as wagtail_send_mail

    wagtail_send_mail(
        "Page soumise à modération",
        "Texte",
        ["moderation@example.org"],
        html_message="<p>Texte</p>",
        cc=["copie@example.org"],
        bcc=["cachee@example.org"],
        reply_to=["reponse@example.org"],
    )
    assert mail.outbox == []
    run_worker()

    (sent,) = mail.outbox
    assert sent.subject == "Page soumise à modération" and sent.body == "Texte"
    assert (sent.to, sent.cc, sent.bcc, sent.reply_to) == (
        ["moderation@example.org"],
        ["copie@example.org"],
        ["cachee@example.org"],
        ["reponse@example.org"],
    )
    assert sent.alternatives[0][:2] == ("<p>Texte</p>", "text/html")
    assert sent.extra_headers["Auto-Submitted"] == "auto-generated"
    assert sent.from_email == django_settings.DEFAULT_FROM_EMAIL


def test_a_queued_message_with_only_hidden_copies_is_retried_whole(django_mail_queued):
    from django.core.mail import EmailMessage

    EmailMessage("Alerte", "", bcc=["cachee@example.org"]).send()
    now = timezone.now()
    with mock.patch(SEND, side_effect=SMTP_DOWN):
        run_worker(now)
    run_worker(now + datetime.timedelta(minutes=2))

    (sent,) = mail.outbox
    assert (sent.to, sent.bcc, sent.body) == ([], ["cachee@example.org"], "")


def test_an_html_only_message_and_every_alternative_arrive_as_sent(django_mail_queued):
    """Before (review): an HTML-only message arrived as text/plain; a text/calendar part was dropped."""
    from django.core.mail import EmailMessage, EmailMultiAlternatives

    html_only = EmailMessage("Alerte", "<p>Bonjour</p>", to=["a@example.org"])
    html_only.content_subtype = "html"
    html_only.send()
    invitation = EmailMultiAlternatives("Invitation", "Texte", to=["b@example.org"])
    invitation.attach_alternative("<p>Texte</p>", "text/html")
    invitation.attach_alternative("BEGIN:VCALENDAR\nEND:VCALENDAR", "text/calendar")
    invitation.send()
    run_worker()

    sent = {message.to[0]: message for message in mail.outbox}
    assert "text/html" in sent["a@example.org"].message()["Content-Type"]
    assert [alternative[1] for alternative in sent["b@example.org"].alternatives] == ["text/html", "text/calendar"]


def test_fail_silently_is_honoured_when_the_queue_cannot_take_a_message(django_mail_queued):
    from django.core.mail import send_mail

    with mock.patch("django_tasks_db.backend.DatabaseBackend.enqueue", side_effect=DATABASE_GONE):
        assert send_mail("Sujet", "Texte", None, ["a@example.org"], fail_silently=True) == 0
        with pytest.raises(OperationalError):
            send_mail("Sujet", "Texte", None, ["a@example.org"])
