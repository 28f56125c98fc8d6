"""Public forms are checked by origin, not by a CSRF token (core.origins); the admin and signing in keep Django's.

Every public URL pattern that accepts a POST is found from Django's resolver and the process page's routes: each
refuses a POST sent from another site with a French 403 and changes nothing, and takes a POST from its own pages
without any token. Public pages carry no token and set no cookie, so that they can be cached.
"""

import datetime

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from core.headers import admin_prefix
from participation.demo import add_questionnaire
from participation.models import (
    Contribution,
    ContributionStatus,
    EventRegistration,
    ProcessFollow,
    ProcessPage,
    QuestionnairePage,
    Report,
)
from participation.services.links import (
    appeal_url,
    confirmation_url,
    registration_cancellation_url,
    registration_confirmation_url,
)
from participation.services.participants import confirm_participant, pass_token
from participation.services.personal_data import rights_url
from tests.participation.conftest import add_comment, add_contribution, contribution_data, make_process

REFUSAL = "accepte que les formulaires envoyés depuis ses propres pages"
CROSS_SITE = {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "https://malveillant.example"}
SAME_ORIGIN = {"HTTP_SEC_FETCH_SITE": "same-origin", "HTTP_ORIGIN": "http://testserver"}
# The one public POST that a mail provider sends from its servers (RFC 8058 one-click unsubscribe): its signed
# link is the proof, and a browser-based mail client may send it from its own site.
ONE_CLICK = {"participation:unsubscribe"}


def walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), f"{namespace}{pattern.name}", pattern.callback


def public_patterns():
    admin = admin_prefix().lstrip("/")
    patterns = walk(get_resolver().url_patterns)
    return [(route, name, view) for route, name, view in patterns if not route.startswith(admin)]


@pytest.mark.django_db
def test_every_public_view_that_skips_djangos_token_checks_the_origin():
    patterns = public_patterns()
    by_origin = {name for _route, name, view in patterns if getattr(view, "checks_origin", False)}
    by_token_only = {
        name
        for _route, name, view in patterns
        if getattr(view, "csrf_exempt", False) and not getattr(view, "checks_origin", False)
    }
    assert {"wagtail_serve", "participation:confirm", "participation:my_data"} <= by_origin
    assert {"connexion", "deconnexion", "wagtailcore_login"}.isdisjoint(by_origin), "signing in keeps its token"
    # Unchecked: the one-click unsubscribe and the read-only API (Django REST framework exempts its views; they
    # answer POST with 405).
    assert by_token_only - ONE_CLICK <= {name for route, name, _view in patterns if route.startswith("api/")}
    assert Client().post("/api/v2/pages/", **CROSS_SITE).status_code == 405


@pytest.fixture
def public_post_urls(process, legal_texts):
    """Every public address that takes a POST, with what a visitor would send there."""
    meeting = make_process(
        process.get_parent().specific,
        "Réunion publique",
        event_starts_at=timezone.now() + datetime.timedelta(days=10),
        event_capacity=5,
    )
    contribution = add_contribution(process, "Une idée publiée.")
    comment = add_comment(contribution, "Un commentaire publié.")
    rejected = add_contribution(process, "Refusée.", status=ContributionStatus.REJECTED, email="r@example.org")
    registration = EventRegistration.objects.create(process=meeting, name="Alex", email="alex@example.org")
    question = {"label": "Votre avis", "field_type": "singleline", "required": False}
    add_questionnaire(process, {"title": "Avis", "fields": [question]})
    questionnaire = QuestionnairePage.objects.child_of(process).get()
    questionnaire.save_revision().publish()

    values = {"contribution_id": contribution.pk, "comment_id": comment.pk, "file_format": "csv"}
    data = {
        "contribute": contribution_data(process),
        "report": {"rule_key": "respect"},
        "register": {"name": "Alex", "email": "alex.bis@example.org"},
        "follow": {"suivre-email": "suivre@example.org"},
    }
    urls = {}
    for pattern in ProcessPage.get_subpage_urls():
        kwargs = {name: values[name] for name in pattern.pattern.converters}
        target = meeting if pattern.name == "register" else process
        urls[f"process:{pattern.name}"] = (
            target.url + target.reverse_subpage(pattern.name, kwargs=kwargs),
            data.get(pattern.name, {}),
        )
    urls["questionnaire"] = (questionnaire.url, {"votre_avis": "Très bien"})
    tokens = {
        "confirm": confirmation_url(add_contribution(process, "À confirmer.", status="unconfirmed", email="c@e.org")),
        "appeal": appeal_url(rejected),
        "appeal_comment": appeal_url(add_comment(contribution, "Refusé.", status=ContributionStatus.REJECTED)),
        "confirm_registration": registration_confirmation_url(registration),
        "cancel_registration": registration_cancellation_url(registration),
        "my_data": rights_url(contribution.email),
        "my_data_download": rights_url(contribution.email),
        "confirm_action": None,
    }
    for name, url in tokens.items():
        token = url.rstrip("/").rsplit("/", 1)[-1] if url else "un-lien-modifie"
        url = reverse(f"participation:{name}", args=[token])
        urls[f"participation:{name}"] = (url, {"explanation": "Je conteste."})
    # The resolver's public patterns that take a POST are all here, and the process page's routes.
    _prefix, resolver = get_resolver().namespace_dict["participation"]
    names = {f"participation:{pattern.name}" for pattern in resolver.url_patterns} - ONE_CLICK
    assert names <= set(urls)
    return urls


def test_every_public_form_refuses_a_post_from_another_site_with_a_french_403(client, public_post_urls):
    contributions, reports = Contribution.objects.count(), Report.objects.count()
    registrations, follows = EventRegistration.objects.count(), ProcessFollow.objects.count()

    for name, (url, data) in public_post_urls.items():
        response = client.post(url, data, **CROSS_SITE)
        assert response.status_code == 403, name
        assert REFUSAL in response.content.decode(), name

    assert (Contribution.objects.count(), Report.objects.count()) == (contributions, reports)
    assert (EventRegistration.objects.count(), ProcessFollow.objects.count()) == (registrations, follows)


def test_every_public_form_takes_a_post_from_its_own_pages_without_a_token(public_post_urls):
    browser = Client(enforce_csrf_checks=True)
    for name, (url, data) in public_post_urls.items():
        response = browser.post(url, data, **SAME_ORIGIN)
        assert response.status_code != 403, name


@pytest.mark.parametrize(
    ("headers", "refused"),
    [
        ({"HTTP_SEC_FETCH_SITE": "same-origin"}, False),
        ({"HTTP_SEC_FETCH_SITE": "none"}, False),
        ({"HTTP_SEC_FETCH_SITE": "same-site", "HTTP_ORIGIN": "http://autre.testserver"}, True),
        ({"HTTP_SEC_FETCH_SITE": "cross-site"}, True),
        ({"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "https://partenaire.example"}, False),
        ({"HTTP_ORIGIN": "http://testserver"}, False),
        ({"HTTP_ORIGIN": "https://malveillant.example"}, True),
        ({"HTTP_ORIGIN": "null"}, True),
        ({"HTTP_REFERER": "https://malveillant.example/page", "secure": True}, True),
        ({"HTTP_REFERER": "https://testserver/page", "secure": True}, False),
        # The scheme counts: a page over plain http is another origin than the site over https.
        ({"HTTP_ORIGIN": "http://testserver", "secure": True}, True),
        ({"HTTP_REFERER": "http://testserver/page", "secure": True}, True),
        # Django's wildcards for subdomains.
        ({"HTTP_SEC_FETCH_SITE": "same-site", "HTTP_ORIGIN": "https://quartier.partenaires.example"}, False),
        ({"HTTP_ORIGIN": "https://quartier.partenaires.example"}, False),
        ({"HTTP_ORIGIN": "http://quartier.partenaires.example"}, True),
        # Saying nothing of where it comes from: refused over https (a page that hid its Referer), not over http.
        ({"secure": True}, True),
        ({}, False),
    ],
)
def test_the_origin_rule(client, process, settings, headers, refused):
    settings.CSRF_TRUSTED_ORIGINS = ["https://partenaire.example", "https://*.partenaires.example"]
    contribution = add_contribution(process, "Une idée publiée.")
    url = process.url + f"contributions/{contribution.pk}/signaler/"

    response = client.post(url, {"rule_key": "respect"}, **headers)

    assert (response.status_code == 403) is refused


@pytest.mark.django_db
def test_signing_in_keeps_djangos_token():
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(reverse("connexion"))
    assert "csrfmiddlewaretoken" in page.content.decode() and "csrftoken" in page.cookies

    without_token = Client(enforce_csrf_checks=True).post(
        reverse("connexion"), {"username": "a", "password": "b"}, **SAME_ORIGIN
    )
    assert without_token.status_code == 403


def test_public_pages_carry_no_token_and_set_no_cookie(client, process, public_post_urls, page_cache):
    contribution = Contribution.objects.filter(process=process, status=ContributionStatus.PUBLISHED).first()
    holder = Client()
    holder.cookies["participation_pass"] = pass_token(confirm_participant("alex@example.org"))
    urls = [
        "/",
        process.get_parent().url,
        process.url,
        process.url + "?tri=soutiens",
        QuestionnairePage.objects.child_of(process).get().url,
        "/charte/",
        "/cgu/versions/",
        "/recherche/?q=cour",
        "/plan-du-site/",
    ]
    urls += [url for name, (url, _data) in public_post_urls.items() if name.startswith("participation:")]
    urls += [process.url + "contribuer/", process.url + f"contributions/{contribution.pk}/signaler/"]
    for visitor in (client, holder):
        for url in urls:
            response = visitor.get(url)
            assert response.status_code in (200, 400), url
            assert not response.cookies, url
            assert "csrfmiddlewaretoken" not in response.content.decode(), url
