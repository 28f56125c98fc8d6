"""Personal pages are never stored (`Cache-Control: no-store, private`); public pages stay cacheable.

Personal: every page of the participation app's signed links (enumerated from the resolver: a new one that forgets
`never_cache` fails here), every answer to a citizen's form (it shows what they typed), the sign-in page, what a
signed-in person is served, the admin. Public: what an anonymous visitor reads, which a shared cache may keep
(core.pagecache) and which varies on the cookie.
"""

import datetime

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone
from wagtail.contrib.forms.models import FormSubmission

from participation.demo import add_questionnaire
from participation.models import ContributionStatus, EventRegistration, ProcessFollow, ProcessPage, QuestionnairePage
from participation.services.follows import unsubscribe_url
from participation.services.links import (
    appeal_url,
    confirmation_url,
    registration_cancellation_url,
    registration_confirmation_url,
)
from participation.services.participants import ACTIONS, Action, action_url
from participation.services.personal_data import rights_url
from tests.conftest import commune_group
from tests.participation.conftest import add_comment, add_contribution, make_process

# Routes of a process page that anyone may keep: the page itself, the open data of a closed process.
PUBLIC_PROCESS_ROUTES = {"index_route", "open_data"}


def never_stored(response):
    cache_control = response.get("Cache-Control", "")
    return "no-store" in cache_control and "private" in cache_control


def token_of(url):
    return url.rstrip("/").rsplit("/", 1)[-1]


@pytest.fixture
def rejected(process):
    return add_contribution(process, "Un texte refusé.", status=ContributionStatus.REJECTED, email="refus@example.org")


def signed_link_patterns():
    _prefix, resolver = get_resolver().namespace_dict["participation"]
    return [pattern for pattern in resolver.url_patterns if pattern.name]


def test_every_page_of_a_signed_link_is_never_stored(client, rejected, monkeypatch, page_cache):
    meeting = make_process(
        rejected.process.get_parent().specific,
        "Réunion publique",
        event_starts_at=timezone.now() + datetime.timedelta(days=10),
        event_capacity=5,
    )
    registration = EventRegistration.objects.create(process=meeting, name="Alex", email="alex@example.org")
    follow = ProcessFollow.objects.create(process=meeting, email="alex@example.org", confirmed_at=timezone.now())
    published = add_contribution(rejected.process, "Une idée publiée, commentée.")
    rejected_comment = add_comment(published, "Un commentaire refusé.", status=ContributionStatus.REJECTED)
    monkeypatch.setitem(ACTIONS, "look", Action(perform=lambda participant: "/", describe=lambda: "regarder"))
    tokens = {
        "confirmation": token_of(confirmation_url(rejected)),
        "participant action": token_of(action_url("alex@example.org", "look")),
        "appeal": token_of(appeal_url(rejected)),
        "comment appeal": token_of(appeal_url(rejected_comment)),
        "data rights": token_of(rights_url(rejected.email)),
        "registration confirmation": token_of(registration_confirmation_url(registration)),
        "registration cancellation": token_of(registration_cancellation_url(registration)),
        "unsubscribe": token_of(unsubscribe_url(follow)),
        "tampered": "un-lien-modifie",
    }
    patterns = signed_link_patterns()
    assert {"confirm", "appeal", "my_data", "my_data_download"} <= {pattern.name for pattern in patterns}

    for pattern in patterns:
        answered = []
        for kind, token in tokens.items():
            url = reverse(f"participation:{pattern.name}", kwargs={"token": token})
            for method in (client.get, client.post):
                response = method(url)
                if response.status_code == 404:
                    continue  # Django's page, which shows nothing of anyone
                answered.append(response.status_code)
                assert never_stored(response), f"{method.__name__.upper()} {pattern.name} with a {kind} link"
        assert 200 in answered, f"{pattern.name} never answered a link it accepts"


def test_every_answer_to_a_citizens_form_on_a_process_is_never_stored(client, process, page_cache):
    contribution = add_contribution(process, "Un texte publié.")
    comment = add_comment(contribution, "Un commentaire publié.")
    values = {"contribution_id": contribution.pk, "comment_id": comment.pk, "file_format": "csv"}
    routes = [
        pattern
        for pattern in ProcessPage.get_subpage_urls()
        if pattern.name and pattern.name not in PUBLIC_PROCESS_ROUTES
    ]
    assert {"contribute", "report", "register"} <= {pattern.name for pattern in routes}

    for pattern in routes:
        kwargs = {name: values[name] for name in pattern.pattern.converters}
        url = process.url + process.reverse_subpage(pattern.name, kwargs=kwargs)
        response = client.post(url, {"email": "camille.secret@example.org", "pseudonym": "Camille"})
        # A support asked with an email is sent at once: a redirect (PRG), which holds nothing either.
        assert response.status_code in (200, 303, 400), pattern.name
        assert never_stored(response), pattern.name


def test_a_questionnaire_answer_is_never_stored_and_the_form_stays_cacheable(client, process, page_cache):
    email_question = {"label": "Votre courriel", "field_type": "email", "required": True}
    add_questionnaire(process, {"title": "Avis", "fields": [email_question]})
    questionnaire = QuestionnairePage.objects.child_of(process).get()
    questionnaire.save_revision().publish()

    form = client.get(questionnaire.url)
    invalid = client.post(questionnaire.url, {"votre_courriel": "pas-une-adresse"})
    answered = client.post(questionnaire.url, {"votre_courriel": "camille.secret@example.org"})

    assert form.status_code == 200 and form["Cache-Control"].startswith("public")
    assert "pas-une-adresse" in invalid.content.decode() and never_stored(invalid)
    assert FormSubmission.objects.filter(page=questionnaire).exists() and never_stored(answered)


def test_the_sign_in_page_is_never_stored(client, db):
    assert never_stored(client.get(reverse("connexion")))


def test_what_a_signed_in_agent_reads_is_never_stored(client, commune_space, legal_texts, make_user):
    from communes.models import CommuneRole

    internal = make_process(commune_space, "Télétravail des agents", audience="agents")
    client.force_login(make_user("agent-essey", commune_group(commune_space, CommuneRole.AGENTS)))

    for url in (internal.url, "/", commune_space.url):
        response = client.get(url)
        assert response.status_code == 200 and never_stored(response), url


def test_admin_views_of_the_project_are_never_stored_like_wagtails(admin_client, process):
    for url in (
        reverse("wagtailadmin_home"),
        "/admin/tag-autocomplete/?term=a",
        f"/admin/choose-page/{process.get_parent().pk}/",
    ):
        response = admin_client.get(url)
        assert response.status_code == 200 and never_stored(response), url


def test_public_pages_seen_anonymously_stay_cacheable(client, process, page_cache):
    add_contribution(process, "Un texte publié.")
    for url in ("/", process.get_parent().url, process.url, "/charte/", "/cgu/versions/", "/recherche/?q=cour"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"].startswith("public, max-age=0, s-maxage="), url
    # The same page for every anonymous visitor (no CSRF token): a cache must not give it to one with a cookie.
    assert "Cookie" in client.get(process.url)["Vary"]
