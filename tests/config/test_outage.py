"""A database that cannot be reached: the citizen reads a French 503 that says nothing was recorded, never a 500."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError
from django.http import HttpResponse
from django.test import Client

from charter.accessibility import accessibility_mention
from core.outage import render_error_page
from home.models import HomePage, MetropoleSettings


@pytest.fixture
def visitor():
    return Client(raise_request_exception=False)


def fail(message):
    def raise_(*args, **kwargs):
        raise OperationalError(message)

    return raise_


def test_a_lost_database_connection_while_serving_a_page_answers_503(visitor, portal, monkeypatch):
    monkeypatch.setattr(HomePage, "get_context", fail("terminating connection due to administrator command"))

    response = visitor.get("/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"], "a front cache must not keep the outage"
    page = response.content.decode()
    assert "Le service est momentanément indisponible" in page
    assert "rien n'a été enregistré" in page
    assert '<html lang="fr">' in page


def test_the_database_failing_before_any_view_answers_503_too(visitor, portal, monkeypatch):
    """A session read in the middleware, before the view: the same answer."""
    visitor.cookies["sessionid"] = "x" * 32
    monkeypatch.setattr(SessionStore, "load", fail("could not connect to server: Connection refused"))

    response = visitor.get("/")

    assert response.status_code == 503
    assert "Le service est momentanément indisponible" in response.content.decode()


def test_an_error_of_our_own_stays_a_500_page_in_french(visitor, portal, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError

    monkeypatch.setattr(HomePage, "get_context", broken)

    response = visitor.get("/")

    assert response.status_code == 500
    assert "Le site rencontre un problème" in response.content.decode()
    assert "Retry-After" not in response


# --- Every error page wears the site's identity and its accessibility mention, read without the database --------


@pytest.fixture
def identity_saved(portal):
    """The Métropole's identity as staff save it in the admin: the error pages remember its name."""
    identity = MetropoleSettings.for_site(portal.get_site())
    identity.name = "Métropole de Test"
    identity.save()


def test_the_500_page_names_the_metropole_and_says_the_accessibility_mention(visitor, identity_saved, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError

    monkeypatch.setattr(HomePage, "get_context", broken)

    page = visitor.get("/").content.decode()

    assert "<title>Erreur du serveur – Métropole de Test</title>" in page
    assert '<span class="site-header__name">Métropole de Test</span>' in page
    assert f'<a href="/accessibilite/">Accessibilité : {accessibility_mention()}</a>' in page


def test_the_503_page_too_while_the_database_is_down(visitor, identity_saved, monkeypatch):
    monkeypatch.setattr(HomePage, "get_context", fail("terminating connection due to administrator command"))

    page = visitor.get("/").content.decode()

    assert "Métropole de Test" in page
    assert f"Accessibilité : {accessibility_mention()}" in page


def test_django_s_own_400_page_too(visitor, identity_saved):
    page = visitor.get("/", HTTP_HOST="ailleurs.example").content.decode()

    assert "Votre demande n'a pas pu être comprise" in page
    assert "Métropole de Test" in page
    assert f"Accessibilité : {accessibility_mention()}" in page


def test_the_error_pages_read_nothing_from_the_database(identity_saved, django_assert_num_queries):
    with django_assert_num_queries(0):
        for template in ["500.html", "503.html", "400.html"]:
            page = render_error_page(template, HttpResponse).content.decode()
            assert "Métropole de Test" in page and "Accessibilité : " in page, template


def test_without_a_remembered_name_the_error_pages_fall_back_to_the_product_name(visitor, portal, monkeypatch):
    monkeypatch.setattr(HomePage, "get_context", fail("the database is gone"))

    page = visitor.get("/").content.decode()

    assert "– Participation citoyenne</title>" in page


def test_a_form_sent_without_its_csrf_cookie_answers_a_page_of_the_site_in_french(portal):
    """Before (review): Django's own 403 page, in English, without the site's identity nor the mention."""
    from django.test import Client

    from charter.accessibility import accessibility_mention

    citizen = Client(enforce_csrf_checks=True)

    # Signing in keeps Django's token (public forms are checked by origin instead: core.origins).
    response = citizen.post("/connexion/", {"username": "lou", "password": "secret"})

    page = response.content.decode()
    assert response.status_code == 403 and response["Cache-Control"] == "no-store"
    assert '<html lang="fr"' in page and "CSRF" not in page
    assert "Rien n'a été enregistré" in page
    assert f"Accessibilité : {accessibility_mention()}" in page
