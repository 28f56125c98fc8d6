"""Supports (issue 14): one voice per person per contribution, withdrawable, counted publicly, never who.

Through the Django test client as a citizen would, with a participant pass or with an email confirmed by a link,
and from the wrong side: every refusal answers in French, never with a server error.
"""

import datetime
import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from communes.models import CommuneRole
from participation.models import Contribution, ContributionStatus, Participant, ProcessPhase, Support
from participation.services.participants import confirm_participant, pass_token
from participation.services.personal_data import erase_personal_data, rights_url
from participation.services.supports import add_support
from tests.conftest import commune_group
from tests.participation.conftest import TODAY, add_contribution, link_in_last_email, make_process, path_of

EMAIL = "soutien.secret@example.org"


def support_url(process, contribution):
    return f"{process.url}contributions/{contribution.pk}/soutenir/"


def with_pass(client, email=EMAIL):
    """The browser keeps the pass it gets once its owner confirmed an email."""
    participant = confirm_participant(email)
    client.cookies[settings.PARTICIPANT_PASS_COOKIE] = pass_token(participant)
    return participant


def count_of(contribution):
    return Contribution.objects.get(pk=contribution.pk).support_count


@pytest.fixture
def idea(process):
    return add_contribution(process, "Planter des arbres fruitiers dans la cour.")


# --- With a pass --------------------------------------------------------------------------------------------


def test_a_citizen_with_a_pass_supports_once_and_sees_it_counted(client, process, idea):
    with_pass(client)

    first = client.post(support_url(process, idea), {"action": "support"})
    again = client.post(support_url(process, idea), {"action": "support"}, follow=True)

    assert first.status_code == 303 and first["Location"].endswith(f"soutenir/#contribution-{idea.pk}")
    assert Support.objects.filter(contribution=idea).count() == 1
    assert count_of(idea) == 1
    html = again.content.decode()
    assert "Vous soutenez déjà cette contribution." in html and "data-focus-on-load" in html
    assert "1 soutien<" in html and "Retirer mon soutien" in html


def test_withdrawing_a_support_takes_it_out_of_the_count(client, process, idea):
    with_pass(client)
    client.post(support_url(process, idea), {"action": "support"})

    response = client.post(support_url(process, idea), {"action": "withdraw"}, follow=True)
    client.post(support_url(process, idea), {"action": "withdraw"})

    assert not Support.objects.exists() and count_of(idea) == 0
    html = response.content.decode()
    assert "Votre soutien est retiré." in html and "Aucun soutien" in html
    assert "Soutenir cette contribution" in html


def test_support_counts_are_written_in_french(client, process):
    none, one, many = (add_contribution(process, f"Une idée numéro {n} pour la cour.") for n in range(3))
    Contribution.objects.filter(pk=one.pk).update(support_count=1)
    Contribution.objects.filter(pk=many.pk).update(support_count=12)

    html = client.get(process.url).content.decode()

    assert "Aucun soutien" in html and ">1 soutien<" in html and ">12 soutiens<" in html
    assert none.pk  # listed too


def test_the_same_email_from_another_browser_counts_once(client, process, idea, django_user_model):
    from django.test import Client

    with_pass(client)
    other_browser = Client()
    with_pass(other_browser, EMAIL.upper())

    client.post(support_url(process, idea), {"action": "support"})
    other_browser.post(support_url(process, idea), {"action": "support"})

    assert count_of(idea) == 1 and Support.objects.count() == 1
    assert "Retirer mon soutien" in other_browser.get(process.url).content.decode()


def test_a_forged_or_expired_pass_supports_nothing(client, process, idea, settings):
    client.cookies[settings.PARTICIPANT_PASS_COOKIE] = "forged:pass"
    forged = client.post(support_url(process, idea), {"action": "support"})
    with_pass(client)
    settings.PARTICIPANT_PASS_DAYS = -1
    expired = client.post(support_url(process, idea), {"action": "support"})

    # Without a valid pass the form asks for an email: nothing counted.
    assert forged.status_code == 400 and expired.status_code == 400
    assert "Indiquez votre adresse électronique" in expired.content.decode()
    assert count_of(idea) == 0


# --- Without a pass: an email, a link -----------------------------------------------------------------------


def test_without_a_pass_the_support_counts_once_the_link_is_confirmed(client, process, idea):
    sent = client.post(support_url(process, idea), {"action": "support", "email": EMAIL}, follow=True)

    assert sent.redirect_chain[0][1] == 303
    assert "Un courriel vient de vous être envoyé" in sent.content.decode()
    assert not Support.objects.exists() and not Participant.objects.exists(), "nothing stored before the link"
    assert mail.outbox[-1].to == [EMAIL] and mail.outbox[-1].subject.endswith("Confirmez votre soutien")
    own_data = rights_url(EMAIL).rsplit(":", 2)[0]  # the link, but for its signature and time
    assert own_data in mail.outbox[-1].body, "the personal link, as in every email to a citizen"
    link = path_of(link_in_last_email("/participation/confirmer-action/"))

    page = client.get(link)
    assert "soutenir la contribution de Camille" in page.content.decode() and count_of(idea) == 0

    done = client.post(link, follow=True)
    client.post(link)  # opened twice

    assert done.status_code == 200 and count_of(idea) == 1 and Support.objects.count() == 1
    html = done.content.decode()
    assert "Votre demande est confirmée : soutenir la contribution de Camille" in html
    assert "Retirer mon soutien" in html, "the browser got its pass"
    assert settings.PARTICIPANT_PASS_COOKIE in client.cookies


def test_the_same_email_confirmed_from_another_browser_counts_once(client, process, idea):
    from django.test import Client

    client.post(support_url(process, idea), {"action": "support", "email": EMAIL})
    first_link = path_of(link_in_last_email("/participation/confirmer-action/"))
    other_browser = Client()
    other_browser.post(support_url(process, idea), {"action": "support", "email": " Soutien.Secret@example.org"})
    second_link = path_of(link_in_last_email("/participation/confirmer-action/"))

    client.post(first_link)
    other_browser.post(second_link)

    assert count_of(idea) == 1 and Support.objects.count() == 1 and Participant.objects.count() == 1


def test_a_bad_email_is_refused_beside_its_field(client, process, idea):
    response = client.post(support_url(process, idea), {"action": "support", "email": "pas-une-adresse"})

    html = response.content.decode()
    assert response.status_code == 400
    assert "Saisissez une adresse électronique valide" in html
    assert f'id="soutien-{idea.pk}-email"' in html and 'aria-invalid="true"' in html
    assert '<details class="contribution__support" open>' in html
    assert not mail.outbox


def test_a_robot_filling_the_honeypot_gets_no_email(client, process, idea):
    response = client.post(support_url(process, idea), {"action": "support", "email": EMAIL, "website": "x"})

    assert response.status_code == 303 and not mail.outbox


def test_withdrawing_without_a_pass_is_refused_in_french(client, process, idea):
    response = client.post(support_url(process, idea), {"action": "withdraw"})

    assert response.status_code == 400 and "pas de passe de participation" in response.content.decode()


def test_the_support_link_is_refused_once_the_commune_is_inactive(client, process, idea):
    client.post(support_url(process, idea), {"action": "support", "email": EMAIL})
    link = path_of(link_in_last_email("/participation/confirmer-action/"))
    convention = process.get_parent().specific.commune.conventions.get()
    convention.revocation_decided_on = TODAY
    convention.save()

    response = client.post(link)

    # Out of the public's reach since the link was sent (the site's rule: the convention ended).
    assert response.status_code == 400 and "plus ouverte au public" in response.content.decode()
    assert count_of(idea) == 0 and not Participant.objects.exists()


def test_the_support_link_is_refused_once_the_contribution_is_hidden(client, process, idea):
    client.post(support_url(process, idea), {"action": "support", "email": EMAIL})
    link = path_of(link_in_last_email("/participation/confirmer-action/"))
    Contribution.objects.filter(pk=idea.pk).update(status=ContributionStatus.HIDDEN)

    response = client.post(link)

    assert response.status_code == 400 and "n&#x27;est pas publiée" in response.content.decode()
    assert not Support.objects.exists()


# --- Refusals -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [
        ContributionStatus.AWAITING_CONFIRMATION,
        ContributionStatus.AWAITING_MODERATION,
        ContributionStatus.REJECTED,
        ContributionStatus.HIDDEN,
        ContributionStatus.WITHDRAWN,
    ],
)
@pytest.mark.parametrize("has_pass", [True, False])
def test_a_contribution_that_is_not_published_cannot_be_supported(client, process, status, has_pass):
    unpublished = add_contribution(process, "Une idée qui n'est pas publique.", status=status)
    if has_pass:
        with_pass(client)

    response = client.post(support_url(process, unpublished), {"action": "support", "email": EMAIL})

    assert response.status_code == 400
    assert "Cette contribution n&#x27;est pas publiée" in response.content.decode()
    assert "Une idée qui n&#x27;est pas publique" not in response.content.decode()
    assert count_of(unpublished) == 0 and not mail.outbox
    assert client.get(support_url(process, unpublished)).status_code == 404


@pytest.mark.parametrize(
    ("starts", "ends", "message"),
    [(-60, -1, "Cette démarche est terminée"), (10, 40, "pas encore ouverte")],
)
def test_a_closed_or_upcoming_process_takes_no_support(client, commune_space, legal_texts, starts, ends, message):
    other = make_process(commune_space, "Une autre démarche", starts=starts, ends=ends)
    contribution = add_contribution(other, "Une idée sur une démarche fermée.")
    with_pass(client)

    response = client.post(support_url(other, contribution), {"action": "support"})
    page = client.get(other.url).content.decode()

    assert response.status_code == 400 and message in response.content.decode()
    assert count_of(contribution) == 0
    assert "Soutenir cette contribution" not in page, "no button where supports are closed"


def test_a_phase_that_does_not_accept_supports_refuses_them(client, process, idea):
    process.phases.update(accepts_supports=False)
    ProcessPhase.objects.create(
        process=process,
        title="Vote",
        starts_on=TODAY + datetime.timedelta(days=40),
        ends_on=TODAY + datetime.timedelta(days=50),
        accepts_supports=True,
    )
    with_pass(client)

    response = client.post(support_url(process, idea), {"action": "support"})

    assert response.status_code == 400
    assert "Les soutiens ne sont pas ouverts pendant cette étape" in response.content.decode()
    assert count_of(idea) == 0


def test_the_limit_per_person_is_held_and_a_withdrawal_frees_a_support(client, process):
    ideas = [add_contribution(process, f"Idée numéro {n} pour la cour.") for n in range(3)]
    process.supports_per_person = 2
    process.save(update_fields=["supports_per_person"])
    with_pass(client)

    statuses = [client.post(support_url(process, idea), {"action": "support"}).status_code for idea in ideas]
    refused = client.post(support_url(process, ideas[2]), {"action": "support"})
    again = client.post(support_url(process, ideas[0]), {"action": "support"})

    assert statuses == [303, 303, 400]
    assert "Vous avez déjà soutenu 2 contributions de cette démarche" in refused.content.decode()
    assert again.status_code == 303, "supporting again what one supports is no new support"
    assert [count_of(idea) for idea in ideas] == [1, 1, 0]
    assert "Il vous reste 0 soutien à donner" in client.get(process.url).content.decode()

    client.post(support_url(process, ideas[0]), {"action": "withdraw"})
    assert client.post(support_url(process, ideas[2]), {"action": "support"}).status_code == 303
    assert [count_of(idea) for idea in ideas] == [0, 1, 1]


def test_a_process_of_an_inactive_commune_is_not_served_to_support(client, process, idea):
    with_pass(client)
    convention = process.get_parent().specific.commune.conventions.get()
    convention.revocation_decided_on = TODAY
    convention.save()

    response = client.post(support_url(process, idea), {"action": "support"})

    assert response.status_code == 404 and count_of(idea) == 0


def test_the_service_refuses_an_inactive_commune_too(process, idea):
    from participation.services import Refused

    convention = process.get_parent().specific.commune.conventions.get()
    convention.revocation_decided_on = TODAY
    convention.save()

    with pytest.raises(Refused, match="ne participe plus"):
        add_support(idea, confirm_participant(EMAIL))


def test_a_contribution_of_another_process_cannot_be_supported_through_this_one(client, process, commune_space):
    other = make_process(commune_space, "Une autre démarche ouverte")
    elsewhere = add_contribution(other, "Une idée d'une autre démarche.")
    with_pass(client)

    response = client.post(support_url(process, elsewhere), {"action": "support"})

    assert response.status_code == 404 and count_of(elsewhere) == 0


def test_an_internal_process_takes_supports_from_its_agents_only(client, commune_space, legal_texts, make_user):
    internal = make_process(commune_space, "Télétravail des agents", audience="agents")
    contribution = add_contribution(internal, "Une journée de télétravail de plus.")
    with_pass(client)

    anonymous = client.post(support_url(internal, contribution), {"action": "support"})
    client.force_login(make_user("citoyen"))
    citizen = client.post(support_url(internal, contribution), {"action": "support"})
    client.force_login(make_user("agent-essey", commune_group(commune_space, CommuneRole.AGENTS)))
    agent = client.post(support_url(internal, contribution), {"action": "support"})

    assert anonymous.status_code == 302 and "/connexion/" in anonymous["Location"]
    assert citizen.status_code == 404
    assert agent.status_code == 303 and count_of(contribution) == 1


def test_an_agent_of_another_commune_cannot_support_an_internal_idea(
    client, commune_space, legal_texts, make_user, make_space
):
    internal = make_process(commune_space, "Télétravail des agents", audience="agents")
    contribution = add_contribution(internal, "Une journée de télétravail de plus.")
    nancy = make_space("Nancy", slug="nancy", insee_code="54395")
    client.force_login(make_user("agent-nancy", commune_group(nancy, CommuneRole.AGENTS)))
    with_pass(client)

    response = client.post(support_url(internal, contribution), {"action": "support", "email": EMAIL})

    assert response.status_code == 404 and count_of(contribution) == 0 and not mail.outbox


def test_the_rate_limit_stops_a_flood_of_supports(client, process, idea, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "support": (3, 600)}
    with_pass(client)

    statuses = [client.post(support_url(process, idea), {"action": "support"}).status_code for _n in range(4)]

    assert statuses == [303, 303, 303, 400]
    assert count_of(idea) == 1


def test_the_rate_limit_stops_a_flood_of_support_emails(client, process, idea, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "support_email": (2, 600)}

    responses = [
        client.post(support_url(process, idea), {"action": "support", "email": f"n{n}@example.org"}) for n in range(3)
    ]

    assert [response.status_code for response in responses] == [303, 303, 400]
    assert "trop de demandes" in responses[-1].content.decode()
    assert len(mail.outbox) == 2


@pytest.mark.parametrize("contribution_id", ["0", "999999999", "99999999999999999999999"])
def test_unknown_contributions_are_not_found(client, process, contribution_id):
    with_pass(client)

    response = client.post(f"{process.url}contributions/{contribution_id}/soutenir/", {"action": "support"})

    assert response.status_code == 404


def test_the_database_refuses_a_second_support_of_one_person(idea):
    Support.objects.create(contribution=idea, participant_key="k" * 64)

    with pytest.raises(IntegrityError), transaction.atomic():
        Support.objects.create(contribution=idea, participant_key="k" * 64)


# --- Who supported is never shown --------------------------------------------------------------------------


def test_who_supported_is_shown_nowhere(client, process, idea):
    participant = with_pass(client)
    client.post(support_url(process, idea), {"action": "support"})
    Contribution.objects.filter(pk=idea.pk).update(status=ContributionStatus.PUBLISHED)
    from django.test import Client

    anonymous = Client()
    pages = [
        anonymous.get(process.url),
        client.get(process.url),
        anonymous.get(f"/api/v2/pages/{process.pk}/"),
        anonymous.get("/api/v2/pages/?type=participation.ProcessPage&fields=*"),
    ]
    for response in pages:
        text = response.content.decode()
        assert EMAIL not in text and participant.contributor_key not in text, response.request["PATH_INFO"]
    assert "1 soutien" in pages[0].content.decode()


def test_the_page_of_a_pass_holder_varies_by_cookie(client, process, idea):
    with_pass(client)

    response = client.get(process.url)

    assert "Cookie" in response.get("Vary", "") or "private" in response.get("Cache-Control", "")


# --- Personal data ------------------------------------------------------------------------------------------


def rights_path(email=EMAIL):
    return path_of(rights_url(email))


def test_the_personal_page_lists_supports_and_withdraws_them(client, process, idea):
    participant = confirm_participant(EMAIL)
    add_support(idea, participant)

    page = client.get(rights_path()).content.decode()
    support = Support.objects.get()
    done = client.post(rights_path(), {"action": "withdraw_support", "support": support.pk}, follow=True)

    assert "Mes soutiens" in page and "La contribution de Camille sur « Nos cours d&#x27;école »" in page
    assert "Votre soutien est retiré : il n&#x27;est plus compté." in done.content.decode()
    assert not Support.objects.exists() and count_of(idea) == 0


def test_one_persons_link_cannot_withdraw_anothers_support(client, process, idea):
    add_support(idea, confirm_participant("autre@example.org"))
    confirm_participant(EMAIL)

    response = client.post(rights_path(), {"action": "withdraw_support", "support": Support.objects.get().pk})
    bad = client.post(rights_path(), {"action": "withdraw_support", "support": "99999999999999999999999"})

    assert response.status_code == 404 and bad.status_code == 404
    assert count_of(idea) == 1


def test_a_support_withdrawn_from_the_personal_page_even_after_the_process_closed(client, process, idea):
    add_support(idea, confirm_participant(EMAIL))
    process.phases.update(ends_on=TODAY - datetime.timedelta(days=1), starts_on=TODAY - datetime.timedelta(days=9))

    client.post(rights_path(), {"action": "withdraw_support", "support": Support.objects.get().pk})

    assert count_of(idea) == 0


def test_the_download_holds_the_supports_and_the_pass(client, process, idea):
    add_support(idea, confirm_participant(EMAIL))

    data = client.get(rights_path() + "telecharger/").json()

    assert data["soutiens"] == [
        {
            "demarche": process.title,
            "contribution": idea.pk,
            "soutenue_le": Support.objects.get().created_at.isoformat(),
        }
    ]
    assert data["passe_de_participation"]["adresse_electronique"] == EMAIL


def test_erasure_removes_the_supports_and_the_pass(client, process, idea):
    other = add_contribution(process, "Une seconde idée à soutenir.")
    add_support(idea, confirm_participant(EMAIL))
    add_support(other, confirm_participant(EMAIL))
    add_support(other, confirm_participant("autre@example.org"))
    with_pass(client)

    client.post(rights_path(), {"action": "erase", "confirmed": "oui"})

    assert (count_of(idea), count_of(other)) == (0, 1)
    assert list(Support.objects.values_list("contribution_id", flat=True)) == [other.pk]
    assert not Participant.objects.filter(email=EMAIL).exists()
    assert "Soutenir cette contribution" in client.get(process.url).content.decode(), "the pass opens nothing now"
    assert "Retirer mon soutien" not in client.get(process.url).content.decode()


def test_erasure_by_the_service_keeps_other_peoples_counts(process, idea):
    add_support(idea, confirm_participant(EMAIL))
    add_support(idea, confirm_participant("autre@example.org"))

    erase_personal_data(Participant.objects.get(email=EMAIL).contributor_key)

    assert count_of(idea) == 1


def test_purge_forgets_support_keys_past_retention_and_unused_passes(commune_space, legal_texts, settings, capsys):
    settings.PERSONAL_DATA_RETENTION_DAYS = 30
    old = make_process(commune_space, "Ancienne démarche", starts=-90, ends=-31)
    recent = make_process(commune_space, "Démarche récente", starts=-60, ends=-29)
    old_idea = add_contribution(old, "Une idée ancienne.")
    recent_idea = add_contribution(recent, "Une idée récente.")
    key = confirm_participant(EMAIL).contributor_key
    forgotten = Support.objects.create(contribution=old_idea, participant_key=key)
    kept = Support.objects.create(contribution=recent_idea, participant_key=key)
    Contribution.objects.filter(pk__in=[old_idea.pk, recent_idea.pk]).update(support_count=1)
    stale = confirm_participant("ancien@example.org")
    Participant.objects.filter(pk=stale.pk).update(last_seen_at=timezone.now() - datetime.timedelta(days=31))

    call_command("purge_personal_data")

    assert "1 support key(s) forgotten, 1 unused participant pass record(s) deleted" in capsys.readouterr().out
    assert Support.objects.get(pk=forgotten.pk).participant_key == f"purged-{forgotten.pk}"
    assert Support.objects.get(pk=kept.pk).participant_key == key
    assert count_of(old_idea) == 1, "the count stays, without who"
    assert list(Participant.objects.values_list("email", flat=True)) == [EMAIL]


def test_a_support_from_the_second_page_leads_back_to_it(client, process, settings):
    settings.CONTRIBUTIONS_PER_PAGE = 2
    oldest = [add_contribution(process, f"Idée numéro {n} pour la cour de l'école.") for n in range(4)][0]
    with_pass(client)
    first = client.get(process.url).content.decode()
    second = re.search(r'<a href="([^"]+)" rel="next">', first).group(1).replace("&amp;", "&")
    cursor = second.split("?", 1)[1].split("#")[0]

    response = client.post(support_url(process, oldest) + "?" + cursor, {"action": "support"})
    back = client.get(response["Location"]).content.decode()

    assert f"?{cursor}#contribution-{oldest.pk}" in response["Location"]
    assert f'id="contribution-{oldest.pk}"' in back and "Merci : votre soutien est compté." in back
