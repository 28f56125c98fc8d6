"""Nothing lost (invariant 2), whatever the path: what citizens brought outlives no page deletion or move.

The single delete view refused a questionnaire with answers, but Wagtail's bulk delete did not ask the same
question: the refusal now lives in the page's permission tester, which both ask.
"""

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.contrib.forms.models import FormSubmission
from wagtail.models import Page

from participation.demo import add_questionnaire
from participation.models import ProcessPage
from tests.participation.conftest import add_contribution, make_process

QUESTIONS = {"title": "Sondage", "fields": [{"label": "Avis", "field_type": "singleline", "required": True}]}


@pytest.fixture
def answered(process):
    add_questionnaire(process, QUESTIONS)
    questionnaire = process.get_children().get().specific
    FormSubmission.objects.create(page=questionnaire, form_data={"avis": "Plus d'arbres."})
    return questionnaire


def bulk_delete(client, *pages):
    url = reverse("wagtail_bulk_action", args=["wagtailcore", "page", "delete"])
    return client.post(url + "?" + "&".join(f"id={page.pk}" for page in pages), {"next": "/admin/"})


def test_neither_bulk_nor_single_delete_removes_a_questionnaire_with_answers(client, answered, essey_editor):
    client.force_login(essey_editor)

    bulk = bulk_delete(client, answered)
    single = client.post(reverse("wagtailadmin_pages:delete", args=[answered.pk]))

    assert bulk.status_code in (200, 302) and single.status_code in (302, 403)
    assert Page.objects.filter(pk=answered.pk).exists()
    assert FormSubmission.objects.filter(page=answered).count() == 1


def test_a_process_whose_questionnaire_has_answers_is_not_deleted_either(client, process, answered, staff_user):
    client.force_login(staff_user)

    bulk_delete(client, process)

    assert Page.objects.filter(pk__in=[process.pk, answered.pk]).count() == 2


def test_a_process_with_contributions_is_neither_deleted_nor_moved(client, process, staff_user, make_space):
    add_contribution(process, "Des bancs à l'ombre.")
    nancy = make_space("Nancy")
    client.force_login(staff_user)

    bulk_delete(client, process)
    moved = client.post(reverse("wagtailadmin_pages:move_confirm", args=[process.pk, nancy.pk]))

    assert moved.status_code == 404
    process.refresh_from_db()
    assert process.get_parent().pk != nancy.pk


def test_an_empty_process_may_still_be_deleted_in_bulk(client, commune_space, essey_editor):
    empty = make_process(commune_space, "Démarche abandonnée", publish=False)
    client.force_login(essey_editor)

    bulk_delete(client, empty)

    assert not ProcessPage.objects.filter(pk=empty.pk).exists()


def test_no_admin_form_adds_rewrites_or_deletes_what_citizens_wrote(client, process, admin_user):
    """The admin once offered superusers "Ajouter" and "Modifier" forms for contributions and registrations: saving
    one answered 500. Contributions are written by their authors and decided on through moderation only."""
    from participation.models import Contribution, EventRegistration

    contribution = add_contribution(process, "Des bancs à l'ombre.")
    registration = EventRegistration.objects.create(
        process=process, name="Alex", email="alex@example.org", confirmed_at=timezone.now()
    )
    client.force_login(admin_user)

    listings = {
        name: client.get(reverse(f"{name}:index")).content.decode() for name in ("contributions", "registrations")
    }
    attempts = [
        client.post(reverse("contributions:add"), {"text": "Écrit par l'administration."}),
        client.post(reverse("contributions:edit", args=[contribution.pk]), {"text": "Réécrit."}),
        client.post(reverse("contributions:delete", args=[contribution.pk])),
        client.post(reverse("registrations:add"), {"name": "Inventé", "email": "x@example.org"}),
        client.post(reverse("registrations:edit", args=[registration.pk]), {"name": "Renommé"}),
    ]

    assert all(reverse(f"{name}:add") not in listing for name, listing in listings.items())
    assert reverse("contributions:edit", args=[contribution.pk]) not in listings["contributions"]
    assert reverse("registrations:edit", args=[registration.pk]) not in listings["registrations"]
    assert [response.status_code for response in attempts] == [302, 302, 404, 302, 302]
    contribution.refresh_from_db()
    registration.refresh_from_db()
    assert contribution.text == "Des bancs à l'ombre." and registration.name == "Alex"
    assert (Contribution.objects.count(), EventRegistration.objects.count()) == (1, 1)
