"""Each in their room (invariant 5): a moderator of another commune sees and changes nothing."""

import pytest
from django.urls import reverse

from participation.models import Appeal, Contribution, ContributionStatus
from tests.participation.conftest import link_in_last_email, path_of, submit

MODERATION = "wagtailsnippets_participation_contribution"


@pytest.fixture
def pending(client, process):
    submit(client, process)
    client.post(path_of(link_in_last_email("/participation/confirmer/")))
    return Contribution.objects.get()


def bulk_url(action, *contributions):
    url = reverse("wagtail_bulk_action", args=["participation", "contribution", action])
    return url + "?" + "&".join(f"id={c.pk}" for c in contributions)


def test_moderator_of_another_commune_sees_and_changes_nothing(client, pending, nancy_moderator):
    client.force_login(nancy_moderator)

    listing = client.get(reverse(f"{MODERATION}:list")).content.decode()
    inspect = client.get(reverse(f"{MODERATION}:inspect", args=[pending.pk]))
    actions = [
        client.post(
            reverse("participation_moderate", args=[pending.pk, action]), {"rule_key": "respect", "reason": "x"}
        )
        for action in ("approve", "reject", "hide", "restore")
    ]
    bulk = client.post(bulk_url("approve", pending))
    appeal = client.post(
        reverse("participation_decide_appeal", args=[pending.pk]), {"outcome": "overturned", "response": "x"}
    )

    assert "Planter des arbres" not in listing
    assert inspect.status_code == 404
    assert all(response.status_code == 404 for response in actions)
    assert appeal.status_code == 404
    assert bulk.status_code in (200, 302)
    pending.refresh_from_db()
    assert pending.status == ContributionStatus.AWAITING_MODERATION
    assert pending.decided_by is None


def test_bulk_decisions_act_only_on_the_moderators_own_commune(client, process, pending, moderators, make_space):
    from tests.participation.conftest import make_process

    nancy_process = make_process(make_space("Nancy", slug="nancy"), "Plan vélo")
    submit(client, nancy_process, text="Une piste cyclable vers la gare, protégée des voitures.")
    client.post(path_of(link_in_last_email("/participation/confirmer/")))
    nancy_contribution = Contribution.objects.get(process=nancy_process)
    client.force_login(moderators[0])

    response = client.post(bulk_url("approve", pending, nancy_contribution))

    assert response.status_code == 302
    pending.refresh_from_db()
    nancy_contribution.refresh_from_db()
    assert pending.status == ContributionStatus.PUBLISHED
    assert nancy_contribution.status == ContributionStatus.AWAITING_MODERATION


def test_bulk_rejection_cites_a_rule(client, pending, moderators):
    client.force_login(moderators[0])

    without_rule = client.post(bulk_url("reject", pending), {"rule_key": "", "reason": ""})
    pending.refresh_from_db()
    assert without_rule.status_code == 200 and pending.status == ContributionStatus.AWAITING_MODERATION

    client.post(bulk_url("reject", pending), {"rule_key": "publicite", "reason": "Message publicitaire."})
    pending.refresh_from_db()
    assert (pending.status, pending.rule_title) == (ContributionStatus.REJECTED, "Pas de publicité ni de spam")


def test_moderators_do_not_see_contributors_emails(client, pending, moderators):
    client.force_login(moderators[0])

    listing = client.get(reverse(f"{MODERATION}:list")).content.decode()
    inspect = client.get(reverse(f"{MODERATION}:inspect", args=[pending.pk])).content.decode()

    assert "Planter des arbres" in inspect
    assert "camille.secret" not in listing and "camille.secret" not in inspect


def test_staff_see_every_communes_contributions(client, pending, staff_user):
    client.force_login(staff_user)

    assert "Planter des arbres" in client.get(reverse(f"{MODERATION}:list")).content.decode()


def test_editors_and_anonymous_visitors_cannot_moderate(client, pending, essey_editor):
    anonymous = client.post(reverse("participation_moderate", args=[pending.pk, "approve"]))
    client.force_login(essey_editor)
    editor_list = client.get(reverse(f"{MODERATION}:list"))
    editor = client.post(reverse("participation_moderate", args=[pending.pk, "approve"]))

    assert anonymous.status_code == 302 and "/admin/login/" in anonymous.url
    assert editor_list.status_code in (302, 403)
    assert editor.status_code == 404
    pending.refresh_from_db()
    assert pending.status == ContributionStatus.AWAITING_MODERATION


def test_moderator_of_another_commune_cannot_decide_an_appeal(client, pending, moderators, nancy_moderator):
    client.force_login(moderators[0])
    client.post(
        reverse("participation_moderate", args=[pending.pk, "reject"]), {"rule_key": "respect", "reason": "Non."}
    )
    client.logout()
    client.post(path_of(link_in_last_email("/participation/contester/")), {"explanation": "Je conteste ce refus."})
    client.force_login(nancy_moderator)

    response = client.post(
        reverse("participation_decide_appeal", args=[pending.pk]), {"outcome": "overturned", "response": "Oui."}
    )

    assert response.status_code == 404
    assert not Appeal.objects.get().is_decided


def test_the_dashboard_tells_each_moderator_how_many_await_them(client, pending, moderators, nancy_moderator):
    client.force_login(moderators[0])
    own = client.get(reverse("wagtailadmin_home")).content.decode()
    client.force_login(nancy_moderator)
    other = client.get(reverse("wagtailadmin_home")).content.decode()

    assert "Contributions à modérer : <strong>1</strong>" in own
    assert "Contributions à modérer : <strong>0</strong>" in other
