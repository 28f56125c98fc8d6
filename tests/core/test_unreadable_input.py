"""A NUL character or bytes that are not UTF-8, anywhere in a request: a French 400, logged at INFO, nothing stored."""

import logging

import pytest

from participation.models import Contribution
from tests.participation.conftest import contribution_data

NUL_MESSAGE = "caractères qui ne peuvent pas être lus"


@pytest.mark.parametrize(
    "url",
    [
        "/recherche/?q=%00",
        "/recherche/?q=ecole&commune=%00",
        "/api/v2/pages/find/?html_path=%00",
        "/api/v2/pages/?site=%00",
        "/page-inconnue/?utm=%00",
        "/a%00b/",
    ],
)
def test_a_nul_character_anywhere_in_the_address_answers_a_french_400(client, portal, url):
    response = client.get(url)

    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()


@pytest.mark.parametrize("url", ["/recherche/?q=%ED%A0%80", "/recherche/?q=%FF%FE", "/api/v2/pages/?search=%C3"])
def test_bytes_that_are_not_utf8_lone_surrogates_included_answer_a_french_400(client, portal, url):
    response = client.get(url)

    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()


def test_the_site_answers_with_its_page_and_the_api_in_json(client, portal):
    page = client.get("/recherche/?q=%00")
    api = client.get("/api/v2/pages/?search=%00")

    assert page["Content-Type"].startswith("text/html")
    assert "<h1>Votre demande n'a pas pu être comprise</h1>" in page.content.decode()
    assert api["Content-Type"] == "application/json"
    assert NUL_MESSAGE in api.json()["message"]


@pytest.mark.parametrize("field", ["pseudonym", "text", "email", "theme", "charter_version", "website"])
def test_a_nul_character_in_a_form_field_is_refused_and_nothing_is_stored(client, process, field):
    data = contribution_data(process)
    data[field] = f"{data[field]}\x00"

    response = client.post(process.url + "contribuer/", data)

    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()
    assert not Contribution.objects.exists()


def test_form_data_that_is_not_utf8_is_refused(client, process):
    response = client.post(
        process.url + "contribuer/", b"pseudonym=%ED%A0%80&text=x", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    assert not Contribution.objects.exists()


def test_a_refusal_is_logged_at_info_without_the_value_and_not_as_a_warning(client, portal, caplog):
    with caplog.at_level(logging.DEBUG):
        client.get("/recherche/?q=secret%00value")

    assert [(record.levelno, record.getMessage()) for record in caplog.records if record.levelno >= logging.INFO] == [
        (logging.INFO, "Refused GET /recherche/: NUL in GET parameter 'q'")
    ]


def test_django_s_own_bad_requests_get_the_french_page_too(client, portal):
    """Django renders 400.html without a request (here: a host the site does not serve)."""
    response = client.get("/", HTTP_HOST="ailleurs.example")

    assert response.status_code == 400
    assert "Votre demande n'a pas pu être comprise" in response.content.decode()


def test_ordinary_text_and_forms_still_pass(client, process):
    assert client.get("/recherche/", {"q": "l'école « verte » 😀"}).status_code == 200
    response = client.post(process.url + "contribuer/", contribution_data(process, text="Des arbres, des bancs ! ☀"))
    assert response.status_code == 303
    assert Contribution.objects.get().text == "Des arbres, des bancs ! ☀"
