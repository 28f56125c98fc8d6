"""Scheduled publishing: `publish_scheduled` (a job of the README) puts pages live on their day, never past the gate.

Wagtail's command publishes with no user and no permission check, so the gate at serving time is what keeps a page
of an ended commune offline; `sync_conventions` then makes the page tree agree.
"""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page, Revision
from wagtail.test.utils.form_data import nested_form_data

from communes.models import Convention
from communes.services import sync_conventions
from tests.participation.forms import process_form_data


@pytest.fixture
def scheduled(client, commune_space, essey_editor):
    """An editor schedules a new process to go live tomorrow, through the admin's "Publish" with a go-live date."""
    client.force_login(essey_editor)
    tomorrow = timezone.localtime() + datetime.timedelta(days=1)
    data = process_form_data("Jardins partagés", go_live_at=tomorrow.strftime("%Y-%m-%d %H:%M"))
    response = client.post(
        reverse("wagtailadmin_pages:add", args=["participation", "processpage", commune_space.pk]),
        nested_form_data(data),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = Page.objects.get(slug="jardins-partages")
    revision = Revision.page_revisions.get(object_id=str(page.pk), approved_go_live_at__isnull=False)
    client.logout()
    return page, revision


def the_day_comes(revision):
    """Time passes: the go-live moment is now behind us (on the revision and in the content it will publish)."""
    moment = timezone.now() - datetime.timedelta(minutes=1)
    revision.content["go_live_at"] = moment.isoformat()
    revision.approved_go_live_at = moment
    revision.save(update_fields=["content", "approved_go_live_at"])


def test_a_scheduled_page_waits_for_its_day_then_the_job_puts_it_online(client, scheduled):
    page, revision = scheduled
    call_command("publish_scheduled")
    assert client.get("/essey-les-nancy/jardins-partages/").status_code == 404, "not before its day"

    the_day_comes(revision)
    call_command("publish_scheduled")

    page.refresh_from_db()
    assert page.live
    assert client.get("/essey-les-nancy/jardins-partages/").status_code == 200


def test_a_page_scheduled_before_the_convention_ended_stays_offline(client, scheduled, commune_space):
    page, revision = scheduled
    convention = Convention.objects.get(commune=commune_space.commune)
    convention.revocation_decided_on = timezone.localdate() - datetime.timedelta(days=1)
    convention.save()

    the_day_comes(revision)
    call_command("publish_scheduled")

    assert client.get("/essey-les-nancy/jardins-partages/").status_code == 404, "the gate holds at serving"
    sync_conventions()
    page.refresh_from_db()
    assert not page.live, "the hourly job makes the page tree agree"
    assert Revision.page_revisions.filter(object_id=str(page.pk)).exists(), "nothing lost"
