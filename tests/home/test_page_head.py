"""What every page tells search engines and link previews (meta description, Open Graph) and its icon."""

import html
import re

from django.contrib.staticfiles import finders

from tests.search.gate_cases import open_process


def head_of(client, url):
    """{name or property: content} of the page's <meta> tags."""
    response = client.get(url)
    assert response.status_code == 200, url
    head = response.content.decode().split("</head>", 1)[0]
    tags = re.findall(r'<meta (?:name|property)="([^"]+)" content="([^"]*)"', head)
    return {key: html.unescape(value) for key, value in tags}


def test_a_process_is_described_by_its_summary_and_titled_by_its_title(client, commune_space, settings):
    settings.PUBLIC_BASE_URL = "https://participation.example.org"  # not the address of Wagtail's Site record
    process = open_process(commune_space, "Nos cours d'école", summary="Des cours plus vertes & plus fraîches.")

    meta = head_of(client, process.url)

    assert meta["description"] == "Des cours plus vertes & plus fraîches."
    assert meta["og:description"] == meta["description"]
    assert meta["og:title"] == "Nos cours d'école"
    assert meta["og:url"] == "https://participation.example.org" + process.url
    assert "og:image" not in meta


def test_a_process_cover_is_its_preview_image_with_its_description(client, commune_space, settings):
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file

    settings.PUBLIC_BASE_URL = "https://participation.example.org"
    process = open_process(commune_space, "Nos cours d'école")
    process.cover_image = Image.objects.create(
        title="cour.png", description="La cour de l'école Jules-Ferry", file=get_test_image_file()
    )
    process.save_revision().publish()

    meta = head_of(client, process.url)

    assert meta["og:image"].startswith("https://participation.example.org/")
    assert meta["og:image:alt"] == "La cour de l'école Jules-Ferry"
    assert meta["og:type"] == "website"
    assert meta["og:locale"] == "fr_FR"
    assert meta["og:site_name"] == "Métropole de Test"


def test_the_editors_search_description_and_seo_title_come_first(client, commune_space):
    process = open_process(commune_space, "Nos cours d'école")
    process.search_description = "Donnez votre avis sur les cours d'école d'Essey."
    process.seo_title = "Cours d'école : votre avis"
    process.save_revision().publish()

    meta = head_of(client, process.url)

    assert meta["description"] == "Donnez votre avis sur les cours d'école d'Essey."
    assert meta["og:title"] == "Cours d'école : votre avis"


def test_a_page_without_a_description_of_its_own_gets_the_sites_and_keeps_its_title(client, portal, settings):
    settings.PUBLIC_BASE_URL = "http://localhost:8000"
    meta = head_of(client, "/recherche/?q=%C3%A9cole")

    assert meta["description"] == "Métropole de Test et ses communes : les démarches de participation citoyenne."
    assert meta["og:title"].startswith("Recherche « école » : 0 résultat"), "the title of the page"
    assert meta["og:url"] == "http://localhost:8000/recherche/?q=%C3%A9cole"


def test_a_template_may_describe_its_page(client, portal):
    meta = head_of(client, "/plan-du-site/")

    assert meta["description"].startswith("Toutes les pages du site")
    assert meta["og:description"] == meta["description"]
    assert meta["og:title"] == "Plan du site"


def test_every_page_links_its_icon_and_favicon_ico_leads_to_it(client, portal):
    page = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    assert finders.find("favicon.svg")

    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.svg"
