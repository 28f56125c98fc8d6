"""What citizens see and may do on a process page, and every refusal with its French message."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from charter.models import LegalTextKind
from participation.models import Contribution, ContributionStatus, EventRegistration, ProcessPage, Report, Theme
from tests.participation.conftest import TODAY, contribution_data, link_in_last_email, make_process, path_of, submit


def make_contribution(process, status, text, **fields):
    from charter.services import current_acceptance_terms

    terms = current_acceptance_terms()
    return Contribution.objects.create(
        process=process,
        commune_id=process.get_parent().specific.commune_id,
        pseudonym=fields.pop("pseudonym", "Pseudo"),
        email=fields.pop("email", "auteur@example.org"),
        text=text,
        charter_version=terms.charter,
        terms_version=terms.terms,
        status=status,
        published_at=datetime.datetime.now(datetime.UTC) if status == ContributionStatus.PUBLISHED else None,
        **fields,
    )


def test_only_published_contributions_appear_publicly(client, process):
    for status in ContributionStatus:
        make_contribution(process, status, f"Texte de la contribution {status.value}.")

    html = client.get(process.url).content.decode()

    assert "Texte de la contribution published." in html
    for status in ("unconfirmed", "pending", "rejected", "hidden"):
        assert f"Texte de la contribution {status}." not in html
    assert "auteur@example.org" not in html


def test_a_contribution_with_a_script_shows_as_text(client, process):
    make_contribution(process, ContributionStatus.PUBLISHED, "<script>alert('xss')</script> Mon idée.")

    html = client.get(process.url).content.decode()

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


def test_a_submission_that_accepted_the_old_cgu_is_refused(client, process, publish_text):
    form_data = contribution_data(process)
    publish_text(LegalTextKind.TERMS, TODAY.isoformat(), summary="Nouvelle version.")

    response = client.post(process.url + "contribuer/", form_data)

    assert response.status_code == 400
    assert "ont été mises à jour" in response.content.decode()
    assert "acceptez-la pour contribuer" in response.content.decode()
    assert not Contribution.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"text": "x" * 2001}, "2000 caractères"),
        ({"text": "Court"}, "au moins 10 caractères"),
        ({"accept": ""}, "acceptez la charte et les conditions"),
        ({"email": "pas-une-adresse"}, "adresse électronique valide"),
        ({"pseudonym": ""}, "obligatoire"),
    ],
)
def test_bad_input_is_refused_with_a_french_message_and_nothing_stored(client, process, overrides, message):
    response = submit(client, process, **overrides)

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "corrigez les champs signalés" in html
    assert not Contribution.objects.exists()
    assert not mail.outbox


def test_a_contribution_takes_a_theme_its_process_offers(client, process):
    schools = Theme.objects.get_or_create(slug="ecoles", defaults={"name": "Écoles"})[0]
    mobility = Theme.objects.get_or_create(slug="mobilite", defaults={"name": "Mobilité"})[0]
    # Without themes of its own, a process offers every theme.
    assert submit(client, process, theme=mobility.pk).status_code == 303

    ProcessPage.themes.through.objects.create(processpage=process, theme=schools)
    refused = submit(client, process, theme=mobility.pk, text="Une autre idée : des bancs à l'ombre du préau.")
    accepted = submit(client, process, theme=schools.pk, text="Une idée encore : un potager dans la cour.")

    assert refused.status_code == 400
    assert "Sélectionnez un choix valide" in refused.content.decode()
    assert accepted.status_code == 303
    assert list(Contribution.objects.order_by("pk").values_list("theme", flat=True)) == [mobility.pk, schools.pk]


def test_a_closed_process_refuses_contributions(client, commune_space, legal_texts):
    closed = make_process(commune_space, "Ancienne consultation", starts=-60, ends=-1)

    response = submit(client, closed)

    assert response.status_code == 400
    assert "Cette démarche est terminée" in response.content.decode()
    assert not Contribution.objects.exists()


def test_an_upcoming_process_refuses_contributions(client, commune_space, legal_texts):
    upcoming = make_process(commune_space, "Budget participatif", starts=10, ends=60)

    response = submit(client, upcoming)

    assert response.status_code == 400
    assert "pas encore ouverte" in response.content.decode()
    assert not Contribution.objects.exists()


def test_a_process_of_an_inactive_commune_refuses_contributions(client, process):
    convention = process.get_parent().specific.commune.conventions.get()
    convention.revocation_decided_on = TODAY
    convention.save()

    response = submit(client, process)

    assert response.status_code == 404
    assert not Contribution.objects.exists()


def test_the_confirmation_link_is_refused_once_the_commune_is_inactive(client, process):
    submit(client, process)
    link = path_of(link_in_last_email("/participation/confirmer/"))
    convention = process.get_parent().specific.commune.conventions.get()
    convention.revocation_decided_on = TODAY
    convention.save()

    response = client.post(link)

    assert response.status_code == 400
    assert "ne participe plus" in response.content.decode()
    assert Contribution.objects.get().status == ContributionStatus.AWAITING_CONFIRMATION


def test_opening_the_confirmation_link_alone_confirms_nothing(client, process):
    submit(client, process)
    link = path_of(link_in_last_email("/participation/confirmer/"))

    page = client.get(link)
    client.head(link)

    assert "Je confirme ma contribution" in page.content.decode()
    assert Contribution.objects.get().status == ContributionStatus.AWAITING_CONFIRMATION


def test_tampered_or_expired_confirmation_links_are_refused(client, process, settings):
    submit(client, process)
    link = path_of(link_in_last_email("/participation/confirmer/"))

    tampered = client.post(link[:-3] + "xx/")
    settings.CONTRIBUTION_CONFIRMATION_HOURS = -1
    expired = client.post(link)

    assert tampered.status_code == 400 and "pas valide" in tampered.content.decode()
    assert expired.status_code == 400 and "a expiré" in expired.content.decode()
    assert Contribution.objects.get().status == ContributionStatus.AWAITING_CONFIRMATION


def test_the_rate_limit_stops_a_flood_of_submissions(client, process, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "contribute": (2, 600)}

    responses = [submit(client, process, text=f"Idée numéro {n} pour la cour de l'école.") for n in range(3)]

    assert [r.status_code for r in responses] == [303, 303, 400]
    assert "trop de demandes" in responses[2].content.decode()
    assert Contribution.objects.count() == 2


def test_a_duplicate_submission_is_refused(client, process):
    submit(client, process)

    response = submit(client, process)

    assert response.status_code == 400
    assert "déjà envoyé cette contribution" in response.content.decode()
    assert Contribution.objects.count() == 1


def test_a_robot_filling_the_honeypot_stores_nothing(client, process):
    response = client.post(
        process.url + "contribuer/", contribution_data(process, website="http://spam.example"), follow=True
    )

    assert response.redirect_chain[0][1] == 303, "answered as a person would be"
    assert "Un courriel vient de vous être envoyé" in response.content.decode()
    assert not Contribution.objects.exists()
    assert not mail.outbox


def test_moderators_get_at_most_one_email_per_process_per_hour(client, process, moderators):
    for n in range(3):
        submit(client, process, text=f"Idée numéro {n} pour la cour de l'école.", email=f"auteur{n}@example.org")
        client.post(path_of(link_in_last_email("/participation/confirmer/")))

    to_moderators = [m for m in mail.outbox if moderators[0].email in m.to]
    assert len(to_moderators) == 1


def test_reports_past_the_threshold_hide_the_contribution_until_a_moderator_decides(client, process, settings):
    settings.REPORT_THRESHOLD = 2
    contribution = make_contribution(process, ContributionStatus.PUBLISHED, "Une idée signalée par des visiteurs.")
    url = process.url + f"contributions/{contribution.pk}/signaler/"

    first = client.post(url, {"rule_key": "respect"}, REMOTE_ADDR="192.0.2.1", follow=True)
    again = client.post(url, {"rule_key": "respect"}, REMOTE_ADDR="192.0.2.1", HTTP_USER_AGENT="Un autre navigateur")
    contribution.refresh_from_db()
    assert contribution.status == ContributionStatus.PUBLISHED, "the same visitor counts once"
    second = client.post(url, {"rule_key": "publicite"}, REMOTE_ADDR="192.0.2.2")

    assert "signalement est enregistré" in first.content.decode()
    assert "déjà signalé" in again.content.decode()
    assert second.status_code == 303
    contribution.refresh_from_db()
    assert contribution.status == ContributionStatus.HIDDEN
    assert "Une idée signalée" not in client.get(process.url).content.decode()
    assert Report.objects.filter(contribution=contribution).count() == 2
    assert not Report.objects.filter(reporter_hash__contains="192.0.2").exists(), "no address stored"


def test_the_report_that_reaches_the_threshold_overwrites_nothing_decided_meanwhile(process, settings, moderators):
    """Before: the report saved the whole contribution it had read, undoing what happened meanwhile (an email erased
    by its author, a moderator's refusal) and hiding it again."""
    from participation.services.moderation import report_contribution

    settings.REPORT_THRESHOLD = 2
    contribution = make_contribution(process, ContributionStatus.PUBLISHED, "Une idée signalée pendant une décision.")
    report_contribution(contribution, rule_key="respect", client_address="192.0.2.1")
    as_read_by_the_second_request = Contribution.objects.get(pk=contribution.pk)
    Contribution.objects.filter(pk=contribution.pk).update(
        status=ContributionStatus.REJECTED, email="", rule_key="publicite"
    )
    mail.outbox.clear()

    report_contribution(as_read_by_the_second_request, rule_key="respect", client_address="192.0.2.2")

    contribution.refresh_from_db()
    assert (contribution.status, contribution.email, contribution.rule_key) == (
        ContributionStatus.REJECTED,
        "",
        "publicite",
    )
    assert mail.outbox == [], "moderators are not told of a hiding that did not happen"


def test_a_client_reporting_again_on_another_day_counts_once(client, process, settings, monkeypatch):
    from django.utils import timezone

    settings.REPORT_THRESHOLD = 2
    contribution = make_contribution(process, ContributionStatus.PUBLISHED, "Une idée signalée deux jours de suite.")
    url = process.url + f"contributions/{contribution.pk}/signaler/"
    first = client.post(url, {"rule_key": "respect"}, REMOTE_ADDR="192.0.2.1")

    tomorrow = timezone.now() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: tomorrow)
    monkeypatch.setattr(timezone, "localdate", lambda value=None, tz=None: tomorrow.date())
    next_day = client.post(url, {"rule_key": "publicite"}, REMOTE_ADDR="192.0.2.1")

    assert first.status_code == 303
    assert next_day.status_code == 400 and "déjà signalé" in next_day.content.decode()
    assert Report.objects.filter(contribution=contribution).count() == 1
    contribution.refresh_from_db()
    assert contribution.status == ContributionStatus.PUBLISHED


def test_a_rate_limit_window_ends_and_its_counter_is_purged(client, process, settings, monkeypatch):
    from django.utils import timezone

    from participation.models import RateLimitCounter
    from participation.services.personal_data import purge_personal_data

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "contribute": (1, 600)}
    first = submit(client, process, text="Une première idée pour la cour.")
    refused = submit(client, process, text="Une deuxième idée pour la cour.")
    later = timezone.now() + datetime.timedelta(seconds=601)
    monkeypatch.setattr(timezone, "now", lambda: later)
    window_ended = submit(client, process, text="Une troisième idée pour la cour.")

    assert [first.status_code, refused.status_code, window_ended.status_code] == [303, 400, 303]
    counter = RateLimitCounter.objects.get()
    assert (counter.action, counter.count) == ("contribute", 1)
    assert "127.0.0.1" not in counter.fingerprint
    monkeypatch.setattr(timezone, "now", lambda: later + datetime.timedelta(seconds=601))
    assert purge_personal_data()["rate_limit_counters_deleted"] == 1
    assert not RateLimitCounter.objects.exists()


def test_a_report_must_cite_a_rule_of_the_charter(client, process):
    contribution = make_contribution(process, ContributionStatus.PUBLISHED, "Une idée parfaitement correcte.")

    response = client.post(process.url + f"contributions/{contribution.pk}/signaler/", {"rule_key": "invented"})

    assert response.status_code == 400
    assert not Report.objects.exists()


def test_the_process_page_query_count_does_not_grow_with_contributions(client, process):
    for n in range(3):
        make_contribution(process, ContributionStatus.PUBLISHED, f"Contribution publiée numéro {n}.")
    client.get(process.url)

    def queries():
        with CaptureQueriesContext(connection) as context:
            assert client.get(process.url).status_code == 200
        return len(context.captured_queries)

    with_three = queries()
    for n in range(3, 40):
        make_contribution(process, ContributionStatus.PUBLISHED, f"Contribution publiée numéro {n}.")
    client.get(process.url)  # the first visit after a change counts again (the count is cached per process)

    assert queries() == with_three
    html = client.get(process.url).content.decode()
    assert html.count('class="contribution"') == 10, "paginated"
    assert 'rel="next">Contributions suivantes</a>' in html


def test_the_commune_space_lists_open_processes_first(client, commune_space, legal_texts):
    make_process(commune_space, "Démarche terminée", starts=-60, ends=-30)
    make_process(commune_space, "Démarche à venir", starts=10, ends=40)
    make_process(commune_space, "Démarche ouverte", starts=-5, ends=20)

    html = client.get("/essey-les-nancy/").content.decode()

    assert html.index("Démarche ouverte") < html.index("Démarche à venir") < html.index("Démarche terminée")


def test_the_home_page_lists_open_processes_of_active_communes_only(client, process, make_space, legal_texts):
    ludres = make_space("Ludres", slug="ludres", active=False)
    make_process(ludres, "Démarche de Ludres")
    make_process(process.get_parent().specific, "Démarche terminée", starts=-60, ends=-30)

    html = client.get("/").content.decode()

    assert "Nos cours d&#x27;école" in html
    assert "Démarche de Ludres" not in html
    assert "Démarche terminée" not in html


# --- Audience (Art. 7): internal processes ---------------------------------------------------


@pytest.fixture
def internal_process(commune_space, legal_texts):
    return make_process(commune_space, "Télétravail des agents", audience="agents")


def test_an_internal_process_is_restricted_to_the_communes_agents(client, internal_process, make_user):
    from communes.models import CommuneRole
    from tests.conftest import commune_group

    anonymous = client.get(internal_process.url)
    assert anonymous.status_code == 302 and "/connexion/" in anonymous.url

    client.force_login(make_user("citoyen"))
    assert client.get(internal_process.url).status_code == 404

    client.force_login(
        make_user("agent-essey", commune_group(internal_process.get_parent().specific, CommuneRole.AGENTS))
    )
    assert client.get(internal_process.url).status_code == 200


def test_an_internal_process_never_appears_in_public_listings(client, internal_process):
    for url in ("/", "/essey-les-nancy/", "/recherche/?q=T%C3%A9l%C3%A9travail"):
        assert "Télétravail des agents" not in client.get(url).content.decode(), url


def test_agents_sign_in_on_a_french_page(client, db):
    response = client.get(reverse("connexion"))

    assert response.status_code == 200
    assert "Connexion des agents" in response.content.decode()


# --- Events and questionnaires -----------------------------------------------------------------


def test_registration_for_a_meeting_stops_at_capacity(client, commune_space, legal_texts):
    import zoneinfo

    starts_at = datetime.datetime.combine(
        TODAY + datetime.timedelta(days=20), datetime.time(18), zoneinfo.ZoneInfo("Europe/Paris")
    )
    meeting = make_process(
        commune_space,
        "Réunion publique",
        accepts_contributions=False,
        event_starts_at=starts_at,
        event_place="Salle des fêtes",
        event_accessibility="Accessible en fauteuil roulant.",
        event_capacity=1,
    )
    url = meeting.url + "inscription/"

    first = client.post(url, {"name": "Alex", "email": "alex@example.org", "needs": "", "website": ""}, follow=True)
    client.post(path_of(link_in_last_email("inscription/confirmer/")))
    full = client.post(url, {"name": "Sam", "email": "sam@example.org", "needs": "", "website": ""})

    assert "inscription est enregistrée" in first.content.decode()
    assert full.status_code == 400
    assert EventRegistration.objects.count() == 1
    page = client.get(meeting.url).content.decode()
    assert "Accessible en fauteuil roulant." in page and "La rencontre est complète." in page


def test_a_questionnaire_records_answers_with_wagtail_forms(client, process):
    from wagtail.contrib.forms.models import FormSubmission

    from participation.demo import add_questionnaire

    add_questionnaire(
        process,
        {
            "title": "Votre usage de la cour",
            "fields": [
                {"label": "Votre classe", "field_type": "singleline", "required": True},
                {"label": "Ce qui manque", "field_type": "multiline", "required": False},
            ],
        },
    )
    url = process.url + "votre-usage-de-la-cour/"

    assert 'href="' + url + '"' in client.get(process.url).content.decode()
    empty = client.post(url, {"votre_classe": ""})
    assert not FormSubmission.objects.exists()
    answered = client.post(url, {"votre_classe": "CM1", "ce_qui_manque": "De l'ombre."}, follow=True)

    assert empty.status_code == 400
    assert answered.redirect_chain == [(url, 303)]
    assert "Merci, vos réponses sont enregistrées." in answered.content.decode()
    assert FormSubmission.objects.get().get_data()["votre_classe"] == "CM1"


def test_behind_a_proxy_the_rate_limit_counts_each_client(client, process, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "contribute": (1, 600)}
    settings.TRUSTED_PROXY_COUNT = 1

    first = client.post(process.url + "contribuer/", contribution_data(process), HTTP_X_FORWARDED_FOR="198.51.100.1")
    other_client = client.post(
        process.url + "contribuer/",
        contribution_data(process, email="autre@example.org", text="Une autre idée pour la cour."),
        HTTP_X_FORWARDED_FOR="198.51.100.2",
    )

    assert (first.status_code, other_client.status_code) == (303, 303)
    assert Contribution.objects.count() == 2


def test_a_questionnaire_of_a_closed_process_takes_no_answer(client, commune_space, legal_texts):
    from wagtail.contrib.forms.models import FormSubmission

    from participation.demo import add_questionnaire

    closed = make_process(commune_space, "Consultation close", starts=-60, ends=-1)
    add_questionnaire(
        closed, {"title": "Vos avis", "fields": [{"label": "Avis", "field_type": "singleline", "required": True}]}
    )

    response = client.post(closed.url + "vos-avis/", {"avis": "Trop tard ?"})

    assert response.status_code == 400
    assert "Cette démarche est terminée" in response.content.decode()
    assert not FormSubmission.objects.exists()


def test_an_editor_cannot_open_an_internal_process_to_the_public(client, commune_space, legal_texts, essey_editor):
    from wagtail.models import PageViewRestriction

    internal = make_process(commune_space, "Télétravail des agents", audience="agents")
    client.force_login(essey_editor)

    client.post(reverse("wagtailadmin_pages:set_privacy", args=[internal.pk]), {"restriction_type": "none"})
    client.logout()

    assert PageViewRestriction.objects.filter(page=internal).exists()
    assert client.get(internal.url).status_code == 302


def test_an_internal_process_stays_internal_even_without_its_restriction(client, commune_space, legal_texts, make_user):
    from wagtail.models import PageViewRestriction

    internal = make_process(commune_space, "Télétravail des agents", audience="agents")
    PageViewRestriction.objects.filter(page=internal).delete()

    anonymous = client.get(internal.url)
    client.force_login(make_user("citoyen"))
    citizen = client.get(internal.url)

    assert anonymous.status_code == 302 and "/connexion/" in anonymous.url
    assert citizen.status_code == 404
    assert "Télétravail des agents" not in client.get("/essey-les-nancy/").content.decode()


def test_a_commune_sees_who_registered_for_its_meeting_and_no_other(
    client, commune_space, legal_texts, essey_editor, nancy_moderator
):
    import zoneinfo

    starts_at = datetime.datetime.combine(
        TODAY + datetime.timedelta(days=20), datetime.time(18), zoneinfo.ZoneInfo("Europe/Paris")
    )
    meeting = make_process(commune_space, "Réunion publique", event_starts_at=starts_at, event_capacity=10)
    EventRegistration.objects.create(
        process=meeting, name="Alex Inscrit", email="alex@example.org", confirmed_at=datetime.datetime.now(datetime.UTC)
    )
    url = reverse("registrations:index")

    client.force_login(essey_editor)
    own = client.get(url).content.decode()
    client.force_login(nancy_moderator)
    other = client.get(url).content.decode()

    assert "Alex Inscrit" in own
    assert "Alex Inscrit" not in other
    assert "Aucune inscription à afficher." in other


def test_an_internal_processs_agents_are_offered_its_questionnaire(client, commune_space, legal_texts, make_user):
    """The process page listed its questionnaires by a rule of its own, which hid them from their agents."""
    from communes.models import CommuneRole
    from participation.demo import add_questionnaire
    from tests.conftest import commune_group

    internal = make_process(commune_space, "Télétravail des agents", audience="agents")
    add_questionnaire(
        internal,
        {"title": "Sondage des agents", "fields": [{"label": "Avis", "field_type": "singleline", "required": True}]},
    )
    questionnaire = internal.get_children().get()
    client.force_login(make_user("agent-essey", commune_group(commune_space, CommuneRole.AGENTS)))

    page = client.get(internal.url).content.decode()

    assert questionnaire.url in page and "Sondage des agents" in page


def test_an_internal_processs_questionnaire_stays_internal_without_the_restriction(
    client, commune_space, legal_texts, make_user
):
    """Listing and serving once disagreed: every listing hid it, serving showed it once the restriction was gone."""
    from wagtail.models import PageViewRestriction

    from communes.models import CommuneRole
    from participation.demo import add_questionnaire
    from tests.conftest import commune_group

    internal = make_process(commune_space, "Télétravail des agents", audience="agents")
    add_questionnaire(
        internal,
        {"title": "Sondage des agents", "fields": [{"label": "Avis", "field_type": "singleline", "required": True}]},
    )
    questionnaire = internal.get_children().get()
    PageViewRestriction.objects.filter(page=internal).delete()

    anonymous = client.get(questionnaire.url)
    answered = client.post(questionnaire.url, {"avis": "Ouvert à tous ?"})
    client.force_login(make_user("citoyen"))
    citizen = client.get(questionnaire.url)
    client.force_login(make_user("agent-essey", commune_group(commune_space, CommuneRole.AGENTS)))
    agent = client.get(questionnaire.url)

    assert anonymous.status_code == 302 and "/connexion/" in anonymous.url
    assert answered.status_code == 302
    assert citizen.status_code == 404
    assert agent.status_code == 200
    assert not questionnaire.specific.get_submission_class().objects.exists()


def test_metropole_staff_read_an_internal_process(client, staff_user, commune_space, legal_texts):
    # The staff group exists from the first install on (load_demo): publishing adds it to the audience.
    internal = make_process(commune_space, "Télétravail des agents", audience="agents")
    client.force_login(staff_user)

    assert client.get(internal.url).status_code == 200
