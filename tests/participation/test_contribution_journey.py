"""A citizen's journey, from the form to publication, and the moderation around it."""

import pytest
from django.core import mail
from django.urls import reverse

from participation.models import Appeal, Contribution, ContributionLogEntry, ContributionStatus
from tests.participation.conftest import link_in_last_email, path_of, submit

MODERATION = "contributions"


def test_the_whole_journey_from_submission_to_publication(client, process, moderators):
    moderator, _other = moderators

    response = submit(client, process, follow=True)
    assert response.status_code == 200
    assert "Un courriel vient de vous être envoyé" in response.content.decode()
    contribution = Contribution.objects.get()
    assert contribution.status == ContributionStatus.AWAITING_CONFIRMATION
    assert "camille.secret" not in client.get(process.url).content.decode()

    confirm = client.post(path_of(link_in_last_email("/participation/confirmer/")), follow=True)
    assert confirm.status_code == 200
    contribution.refresh_from_db()
    assert contribution.status == ContributionStatus.AWAITING_MODERATION
    assert any(moderator.email in message.to for message in mail.outbox), "moderators are told"
    assert "Planter des arbres" not in client.get(process.url).content.decode()

    client.force_login(moderator)
    listing = client.get(reverse(f"{MODERATION}:index"), {"queue": "awaiting"}).content.decode()
    assert "Planter des arbres" in listing
    inspect_url = reverse(f"{MODERATION}:inspect", args=[contribution.pk])
    assert f'href="{inspect_url}"' in listing, "the row opens the full text"
    assert "Planter des arbres fruitiers le long du mur nord" in client.get(inspect_url).content.decode()
    response = client.post(reverse("participation_moderate", args=[contribution.pk, "approve"]))
    assert response.status_code == 302
    client.logout()

    html = client.get(process.url).content.decode()
    assert "Planter des arbres fruitiers" in html
    assert "Camille" in html
    assert "camille.secret" not in html
    assert mail.outbox[-1].to == ["camille.secret@example.org"]
    assert "est publiée" in mail.outbox[-1].subject
    contribution.refresh_from_db()
    assert (contribution.decided_by, contribution.status) == (moderator, ContributionStatus.PUBLISHED)
    assert ContributionLogEntry.objects.filter(
        action="participation.contribution_approved", object_id=str(contribution.pk), user=moderator
    ).exists()


def test_the_confirmation_link_opened_again_says_it_is_done_and_asks_nothing(client, process):
    """Before (review): opening the link again showed "confirmez-la" and its button, as if nothing had happened."""
    submit(client, process)
    link = path_of(link_in_last_email("/participation/confirmer/"))
    first = client.get(link).content.decode()
    client.post(link, follow=True)  # the page that says "merci", once

    again = client.get(link).content.decode()

    assert "Je confirme ma contribution" in first
    assert "Je confirme ma contribution" not in again
    assert "déjà confirmée" in again and "attend la relecture des modérateurs" in again


def test_after_moderation_publishes_on_confirmation(client, commune_space, legal_texts):
    from tests.participation.conftest import make_process

    process = make_process(commune_space, "Centre-ville", moderation_mode="after")

    submit(client, process)
    client.post(path_of(link_in_last_email("/participation/confirmer/")))

    assert "Planter des arbres" in client.get(process.url).content.decode()


def test_a_rejection_names_the_rule_and_the_appeal_reaches_another_moderator(client, process, moderators):
    first, second = moderators
    submit(client, process)
    client.post(path_of(link_in_last_email("/participation/confirmer/")))
    contribution = Contribution.objects.get()

    client.force_login(first)
    client.post(
        reverse("participation_moderate", args=[contribution.pk, "reject"]),
        {"rule_key": "respect", "reason": "Votre message vise une personne."},
    )
    rejection = mail.outbox[-1]
    assert "Respecter les personnes" in rejection.body
    assert "Votre message vise une personne." in rejection.body
    appeal_link = path_of(link_in_last_email("/participation/contester/"))
    client.logout()

    response = client.post(appeal_link, {"explanation": "Je critiquais une décision, pas une personne."}, follow=True)
    assert "Votre contestation est enregistrée" in response.content.decode()
    second_try = client.post(appeal_link, {"explanation": "Je conteste encore une fois, avec insistance."})
    assert Appeal.objects.count() == 1
    assert second_try.status_code == 400 or "une seule" in second_try.content.decode()

    # The first moderator cannot decide the appeal of their own decision.
    client.force_login(first)
    refused = client.post(
        reverse("participation_decide_appeal", args=[contribution.pk]), {"outcome": "overturned", "response": "Ok."}
    )
    assert refused.status_code in (302, 403)
    assert not Appeal.objects.get().is_decided

    client.force_login(second)
    dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Contestations à examiner : <strong>1</strong>" in dashboard
    client.post(
        reverse("participation_decide_appeal", args=[contribution.pk]),
        {"outcome": "upheld", "response": "Le message reste une attaque personnelle."},
    )
    appeal = Appeal.objects.get()
    assert (appeal.outcome, appeal.decided_by) == ("upheld", second)
    assert "Le message reste une attaque personnelle." in mail.outbox[-1].body
    assert ContributionLogEntry.objects.filter(action="participation.appeal_upheld", user=second).exists()

    final = client.post(
        reverse("participation_decide_appeal", args=[contribution.pk]), {"outcome": "overturned", "response": "Non."}
    )
    assert final.status_code == 302
    appeal.refresh_from_db()
    assert appeal.outcome == "upheld", "the decision on an appeal is final"


def test_an_overturned_appeal_publishes_the_contribution(client, process, moderators, staff_user):
    first, _second = moderators
    submit(client, process)
    client.post(path_of(link_in_last_email("/participation/confirmer/")))
    contribution = Contribution.objects.get()
    client.force_login(first)
    client.post(
        reverse("participation_moderate", args=[contribution.pk, "reject"]), {"rule_key": "respect", "reason": "Non."}
    )
    client.logout()
    client.post(path_of(link_in_last_email("/participation/contester/")), {"explanation": "Mon idée est légitime."})

    client.force_login(staff_user)
    client.post(
        reverse("participation_decide_appeal", args=[contribution.pk]),
        {"outcome": "overturned", "response": "Après relecture, votre idée est publiée."},
    )

    contribution.refresh_from_db()
    assert contribution.status == ContributionStatus.PUBLISHED
    assert "Planter des arbres" in client.get(process.url).content.decode()


@pytest.mark.parametrize("action", ["reject", "hide"])
def test_rejecting_or_hiding_requires_a_rule_of_the_current_charter(client, process, moderators, action):
    submit(client, process)
    client.post(path_of(link_in_last_email("/participation/confirmer/")))
    contribution = Contribution.objects.get()
    if action == "hide":
        contribution.status = ContributionStatus.PUBLISHED
        contribution.save()
    client.force_login(moderators[0])

    client.post(
        reverse("participation_moderate", args=[contribution.pk, action]), {"rule_key": "invented", "reason": "x"}
    )

    contribution.refresh_from_db()
    assert contribution.status in (ContributionStatus.AWAITING_MODERATION, ContributionStatus.PUBLISHED)
    assert contribution.decided_by is None
