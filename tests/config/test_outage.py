"""A database that cannot be reached: the citizen reads a French 503 that says nothing was recorded, never a 500."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError
from django.test import Client

from home.models import HomePage


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
