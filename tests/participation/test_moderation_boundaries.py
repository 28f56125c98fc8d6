"""Each in their room (invariant 5): a moderator of another commune sees and changes nothing."""

import pytest
from django.urls import reverse

from participation.models import Appeal, Contribution, ContributionStatus
from tests.participation.conftest import link_in_last_email, path_of, submit

MODERATION = "contributions"


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

    listing = client.get(reverse(f"{MODERATION}:index")).content.decode()
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
    assert bulk.status_code == 404, "another commune's contributions are not found, not even by bulk actions"
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

    listing = client.get(reverse(f"{MODERATION}:index")).content.decode()
    inspect = client.get(reverse(f"{MODERATION}:inspect", args=[pending.pk])).content.decode()

    assert "Planter des arbres" in inspect
    assert "camille.secret" not in listing and "camille.secret" not in inspect


def test_the_contribution_page_tells_times_in_paris_and_says_nothing_for_what_is_not_yet(client, pending, moderators):
    import datetime

    summer = datetime.datetime(2026, 7, 14, 8, 30, tzinfo=datetime.UTC)
    Contribution.objects.filter(pk=pending.pk).update(created_at=summer)
    client.force_login(moderators[0])

    page = client.get(reverse(f"{MODERATION}:inspect", args=[pending.pk])).content.decode()
    fields = page[page.index("<dl>") : page.index("</dl>")]

    assert "14 juillet 2026 10:30" in fields, "deposited at 10:30 in Nancy (UTC+2 in summer), not 08:30"
    assert "None" not in fields and "—" in fields, "not yet published nor decided: a dash, not Python's None"


def test_staff_see_every_communes_contributions(client, pending, staff_user):
    client.force_login(staff_user)

    assert "Planter des arbres" in client.get(reverse(f"{MODERATION}:index")).content.decode()


def test_editors_and_anonymous_visitors_cannot_moderate(client, pending, essey_editor):
    anonymous = client.post(reverse("participation_moderate", args=[pending.pk, "approve"]))
    client.force_login(essey_editor)
    editor_list = client.get(reverse(f"{MODERATION}:index"))
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


def test_the_audit_log_of_contributions_is_scoped_to_the_moderators_communes(
    client, pending, moderators, nancy_moderator
):
    from wagtail.log_actions import registry as log_registry

    client.force_login(moderators[0])
    client.post(reverse("participation_moderate", args=[pending.pk, "approve"]))
    log_model = log_registry.get_log_model_for_instance(pending)

    own = log_model.objects.viewable_by_user(moderators[0])
    others = log_model.objects.viewable_by_user(nancy_moderator)
    client.force_login(nancy_moderator)
    history = client.get(reverse("wagtailadmin_reports:site_history")).content.decode()

    assert own.filter(action="participation.contribution_approved").exists()
    assert not others.exists()
    assert f"Contribution n° {pending.pk}" not in history


def test_no_page_chooses_a_contribution_and_staff_choosers_are_closed_to_editors(client, pending, make_user):
    from django.urls import NoReverseMatch

    from communes.models import CommuneRole
    from tests.conftest import commune_group

    with pytest.raises(NoReverseMatch):
        reverse("wagtailsnippetchoosers_participation_contribution:choose")
    client.force_login(
        make_user("editeur-essey", commune_group(pending.process.get_parent().specific, CommuneRole.EDITORS))
    )
    conventions = client.get(reverse("wagtailsnippetchoosers_communes_convention:choose"))
    chosen = client.get(reverse("wagtailsnippetchoosers_communes_convention:chosen_multiple"), {"id": [1, 2]})

    assert conventions.status_code in (302, 403)
    assert chosen.status_code in (302, 403)


def test_the_process_filter_offers_only_the_moderators_processes(client, pending, nancy_moderator):
    client.force_login(nancy_moderator)

    listing = client.get(reverse(f"{MODERATION}:index")).content.decode()

    assert pending.process.title not in listing


def test_a_bulk_action_cannot_publish_an_unconfirmed_contribution(client, process, moderators):
    submit(client, process)
    unconfirmed = Contribution.objects.get()
    client.force_login(moderators[0])

    client.post(bulk_url("approve", unconfirmed))

    unconfirmed.refresh_from_db()
    assert unconfirmed.status == ContributionStatus.AWAITING_CONFIRMATION


def test_a_rejection_must_name_a_rule(client, pending, moderators):
    client.force_login(moderators[0])

    client.post(reverse("participation_moderate", args=[pending.pk, "reject"]), {"rule_key": "", "reason": "Non."})

    pending.refresh_from_db()
    assert pending.status == ContributionStatus.AWAITING_MODERATION and pending.rule_title == ""


def test_once_appealed_only_the_appeal_decision_changes_the_contribution(client, pending, moderators):
    first, second = moderators
    client.force_login(first)
    client.post(
        reverse("participation_moderate", args=[pending.pk, "reject"]), {"rule_key": "respect", "reason": "Non."}
    )
    client.logout()
    client.post(path_of(link_in_last_email("/participation/contester/")), {"explanation": "Je conteste ce refus."})

    client.force_login(first)
    client.post(reverse("participation_moderate", args=[pending.pk, "approve"]))
    pending.refresh_from_db()
    assert pending.status == ContributionStatus.REJECTED, "the first moderator cannot publish over the appeal"

    client.force_login(second)
    client.post(reverse("participation_decide_appeal", args=[pending.pk]), {"outcome": "upheld", "response": "Non."})
    client.force_login(first)
    client.post(reverse("participation_moderate", args=[pending.pk, "approve"]))
    pending.refresh_from_db()
    assert pending.status == ContributionStatus.REJECTED, "the decision on the appeal is final"


def test_other_moderators_are_told_of_an_appeal(client, pending, moderators):
    from django.core import mail

    first, second = moderators
    client.force_login(first)
    client.post(
        reverse("participation_moderate", args=[pending.pk, "reject"]), {"rule_key": "respect", "reason": "Non."}
    )
    client.logout()
    client.post(path_of(link_in_last_email("/participation/contester/")), {"explanation": "Je conteste ce refus."})

    assert mail.outbox[-1].to == [second.email]
    assert "contestée" in mail.outbox[-1].subject


def test_another_communes_contribution_has_no_history_or_usage_page(client, pending, nancy_moderator):
    client.force_login(nancy_moderator)

    for view in ("history", "usage"):
        assert client.get(reverse(f"{MODERATION}:{view}", args=[pending.pk])).status_code == 404, view


def test_moderators_of_an_ended_commune_read_its_history_and_decide_nothing(client, pending, moderators):
    import datetime

    from communes.models import Convention
    from communes.services import record_revocation

    record_revocation(
        Convention.objects.get(commune=pending.commune),
        decided_on=datetime.date.today(),
        reason="Manquement constaté au règlement.",
    )
    client.force_login(moderators[0])

    listing = client.get(reverse(f"{MODERATION}:index")).content.decode()
    inspect = client.get(reverse(f"{MODERATION}:inspect", args=[pending.pk])).content.decode()
    approve = client.post(reverse("participation_moderate", args=[pending.pk, "approve"]))
    bulk = client.post(bulk_url("approve", pending))

    assert "Planter des arbres" in listing and "Planter des arbres" in inspect
    assert "sans pouvoir décider" in inspect
    assert approve.status_code in (302, 403)
    assert bulk.status_code in (200, 302)
    pending.refresh_from_db()
    assert pending.status == ContributionStatus.AWAITING_MODERATION


def test_bulk_pages_do_not_name_another_communes_contributions(client, pending, nancy_moderator):
    client.force_login(nancy_moderator)

    confirmation = client.get(bulk_url("approve", pending))

    assert confirmation.status_code == 404
    assert "Planter des arbres" not in confirmation.content.decode()
