"""/sitemap.xml, /robots.txt and the RSS/Atom feeds of open processes: the same gate as the site."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.formats import date_format

from charter.models import LegalTextKind
from participation.models import ContributionStatus
from tests.participation.conftest import add_contribution
from tests.search.gate_cases import (
    TODAY,
    end_convention,
    hidden_case_params,
    open_process,
    start_new_convention,
)

FEEDS = ("/flux/rss/", "/flux/atom/")
ATOM = "{http://www.w3.org/2005/Atom}"


def sitemap_paths(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    return {"/" + loc.text.split("/", 3)[3] for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}


def feed_items(client, url):
    """{link path: item element} of an RSS or Atom feed."""
    response = client.get(url)
    assert response.status_code == 200, url
    root = ET.fromstring(response.content)
    if url.endswith("/atom/"):
        entries = root.findall(f"{ATOM}entry")
        links = [entry.find(f"{ATOM}link").get("href") for entry in entries]
    else:
        entries = root.findall("channel/item")
        links = [entry.findtext("link") for entry in entries]
    return {"/" + link.split("/", 3)[3]: entry for link, entry in zip(links, entries, strict=True)}


def everywhere(client, page):
    """Where `page` shows: the sitemap and each site-wide and commune feed."""
    commune_slug = page.url.strip("/").split("/")[0]
    commune_feeds = (f"/flux/{commune_slug}/rss/", f"/flux/{commune_slug}/atom/")
    seen = {"sitemap": page.url in sitemap_paths(client)}
    for url in FEEDS:
        seen[url] = page.url in feed_items(client, url)
    for url in commune_feeds:
        response = client.get(url)
        seen[url] = response.status_code == 200 and page.url in feed_items(client, url)
    return seen


@pytest.fixture
def maxeville(make_space):
    return make_space("Maxéville", slug="maxeville", insee_code="54357")


# --- The gate ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("hide", "allow_again"), hidden_case_params())
def test_a_hidden_process_is_absent_from_the_sitemap_and_feeds_and_reappears_when_allowed_again(
    client, maxeville, commune_space, hide, allow_again
):
    other = open_process(commune_space, "Nos cours d'école")
    process = open_process(maxeville, "Jardins partagés de Maxéville")
    assert all(everywhere(client, process).values()), everywhere(client, process)

    hide(process)

    assert not any(everywhere(client, process).values()), everywhere(client, process)
    assert all(everywhere(client, other).values()), "the other processes stay listed"

    allow_again(process)

    assert all(everywhere(client, process).values()), everywhere(client, process)


def test_the_space_of_a_commune_whose_convention_ended_leaves_the_sitemap_and_its_feeds_answer_404(
    client, maxeville, commune_space
):
    process = open_process(maxeville, "Jardins partagés de Maxéville")
    assert {"/", "/essey-les-nancy/", "/maxeville/", process.url} <= sitemap_paths(client)

    end_convention(process)

    assert sitemap_paths(client) == {"/", "/essey-les-nancy/"}
    for url in ("/flux/maxeville/rss/", "/flux/maxeville/atom/"):
        response = client.get(url)
        assert response.status_code == 404
        assert "Page introuvable" in response.content.decode()

    start_new_convention(process)

    assert {"/maxeville/", process.url} <= sitemap_paths(client)
    assert client.get("/flux/maxeville/rss/").status_code == 200


def test_an_internal_process_stays_out_of_the_sitemap_and_feeds_even_without_its_view_restriction(
    client, commune_space
):
    from wagtail.models import PageViewRestriction

    internal = open_process(commune_space, "Télétravail des agents", audience="agents")
    PageViewRestriction.objects.filter(page=internal).delete()

    assert not any(everywhere(client, internal).values())


def test_contributions_never_appear_in_the_sitemap_or_feeds(client, commune_space, legal_texts):
    process = open_process(commune_space, "Nos cours d'école")
    add_contribution(
        process, "Texte zq7-pending", status=ContributionStatus.AWAITING_MODERATION, email="zq7@example.org"
    )
    add_contribution(process, "Texte zq7-published", status=ContributionStatus.PUBLISHED, email="zq8@example.org")

    for url in ("/sitemap.xml", *FEEDS, "/flux/essey-les-nancy/rss/", "/flux/essey-les-nancy/atom/"):
        content = client.get(url).content.decode()
        assert "Nos cours d" in content or process.url in content, url
        assert "zq7" not in content and "zq8" not in content, url
        assert "@" not in content, url


# --- The sitemap and robots.txt ---------------------------------------------------------------


def test_the_sitemap_lists_the_legal_texts_in_force(client, portal, all_texts, publish_text):
    publish_text(LegalTextKind.TERMS, TODAY + datetime.timedelta(days=30), text="CGU à venir.")

    response = client.get("/sitemap.xml")
    root = ET.fromstring(response.content)
    urls = {
        url.findtext("{http://www.sitemaps.org/schemas/sitemap/0.9}loc"): url.findtext(
            "{http://www.sitemaps.org/schemas/sitemap/0.9}lastmod"
        )
        for url in root
    }

    for kind in LegalTextKind:
        assert urls[f"http://testserver/{kind.value}/"] == "2022-03-01", "the version in force, not the coming one"


def test_robots_txt_points_to_the_sitemap_and_keeps_out_of_admin_and_personal_links(client, portal):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "Disallow: /admin/" in lines
    assert "Disallow: /participation/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


# --- The feeds --------------------------------------------------------------------------------


def test_the_site_wide_feeds_list_open_processes_only_with_commune_themes_and_closing_date(client, commune_space):
    process = open_process(
        commune_space,
        "Plan vélo",
        summary="Où créer des pistes cyclables ?",
        themes=[("Mobilité", "mobilite"), ("Écoles", "ecoles")],
        ends=12,
    )
    open_process(commune_space, "Budget participatif", starts=5, ends=40)
    open_process(commune_space, "Fête de quartier", starts=-40, ends=-5)
    closing = date_format(TODAY + datetime.timedelta(days=12), "j F Y")

    rss = client.get("/flux/rss/")
    channel = ET.fromstring(rss.content).find("channel")
    item = channel.find("item")

    assert rss["Content-Type"].startswith("application/rss+xml")
    assert channel.findtext("title") == "Démarches ouvertes – Métropole de Test"
    assert channel.findtext("language") == "fr"
    assert [entry.findtext("title") for entry in channel.findall("item")] == ["Essey-lès-Nancy : Plan vélo"]
    assert item.findtext("link") == process.full_url
    assert item.findtext("description") == f"Où créer des pistes cyclables ? Jusqu'au {closing}."
    assert sorted(category.text for category in item.findall("category")) == ["Mobilité", "Écoles"]
    assert item.findtext("{http://purl.org/dc/elements/1.1/}creator") == "Essey-lès-Nancy"
    assert item.findtext("pubDate")

    atom = client.get("/flux/atom/")
    feed = ET.fromstring(atom.content)
    entries = feed.findall(f"{ATOM}entry")

    assert atom["Content-Type"].startswith("application/atom+xml")
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    assert feed.findtext(f"{ATOM}title") == "Démarches ouvertes – Métropole de Test"
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == ["Essey-lès-Nancy : Plan vélo"]
    assert entries[0].findtext(f"{ATOM}summary") == f"Où créer des pistes cyclables ? Jusqu'au {closing}."
    assert entries[0].findtext(f"{ATOM}author/{ATOM}name") == "Essey-lès-Nancy"
    assert sorted(category.get("term") for category in entries[0].findall(f"{ATOM}category")) == [
        "Mobilité",
        "Écoles",
    ]


def test_the_feed_title_falls_back_on_a_generic_name_without_the_metropoles_identity(client, commune_space):
    from home.models import MetropoleSettings

    MetropoleSettings.objects.update(name="")

    channel = ET.fromstring(client.get("/flux/rss/").content).find("channel")

    assert channel.findtext("title") == "Démarches ouvertes – Participation citoyenne"


def test_a_commune_feed_lists_only_that_communes_open_processes(client, commune_space, make_space):
    nancy = make_space("Nancy", slug="nancy", insee_code="54395")
    essey_open = open_process(commune_space, "Nos cours d'école")
    open_process(commune_space, "Budget participatif", starts=5, ends=40)
    nancy_open = open_process(nancy, "Plan vélo de Nancy")

    for url in ("/flux/essey-les-nancy/rss/", "/flux/essey-les-nancy/atom/"):
        assert set(feed_items(client, url)) == {essey_open.url}, url
    for url in ("/flux/nancy/rss/", "/flux/nancy/atom/"):
        assert set(feed_items(client, url)) == {nancy_open.url}, url
    for url in FEEDS:
        assert set(feed_items(client, url)) == {essey_open.url, nancy_open.url}, url

    channel = ET.fromstring(client.get("/flux/essey-les-nancy/rss/").content).find("channel")
    assert channel.findtext("title") == "Démarches ouvertes – Essey-lès-Nancy – Métropole de Test"
    assert channel.findtext("link") == "http://testserver/essey-les-nancy/"


def test_an_unknown_or_inactive_commune_has_no_feed(client, commune_space, make_space):
    make_space("Ludres", slug="ludres", active=False)

    for url in ("/flux/inconnue/rss/", "/flux/inconnue/atom/", "/flux/ludres/rss/", "/flux/ludres/atom/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Page introuvable" in response.content.decode(), url


def test_the_feeds_need_no_query_per_process(client, commune_space, make_space):
    open_process(commune_space, "Première démarche", themes=[("Écoles", "ecoles")])

    def count_queries(url):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), len(feed_items(client, url))

    for url in (*FEEDS, "/flux/essey-les-nancy/rss/"):
        client.get(url)  # warm the per-process caches (site root paths)
    one = {url: count_queries(url) for url in (*FEEDS, "/flux/essey-les-nancy/rss/")}
    nancy = make_space("Nancy", slug="nancy", insee_code="54395")
    open_process(nancy, "Deuxième démarche", themes=[("Écoles", "ecoles"), ("Mobilité", "mobilite")])
    for title in ("Troisième démarche", "Quatrième démarche"):
        open_process(commune_space, title, themes=[("Mobilité", "mobilite")])
    for url in one:
        client.get(url)  # the first visit after a change reads the tree's facts again
    more = {url: count_queries(url) for url in one}

    assert {url: count for url, (_queries, count) in more.items()} == {
        "/flux/rss/": 4,
        "/flux/atom/": 4,
        "/flux/essey-les-nancy/rss/": 3,
    }
    assert {url: queries for url, (queries, _count) in more.items()} == {
        url: queries for url, (queries, _count) in one.items()
    }


# --- Links to the feeds -----------------------------------------------------------------------


def test_every_page_announces_the_site_wide_feeds_and_the_home_page_links_to_them(client, commune_space):
    html = client.get("/").content.decode()

    rss = '<link rel="alternate" type="application/rss+xml" title="Démarches ouvertes (RSS)" href="/flux/rss/">'
    atom = '<link rel="alternate" type="application/atom+xml" title="Démarches ouvertes (Atom)" href="/flux/atom/">'
    assert rss in html
    assert atom in html
    assert '<a href="/flux/rss/">flux RSS des démarches ouvertes</a>' in html
    assert '<a href="/flux/atom/">flux Atom des démarches ouvertes</a>' in html


def test_a_commune_space_announces_and_links_to_its_own_feeds(client, commune_space):
    html = client.get("/essey-les-nancy/").content.decode()

    assert 'type="application/rss+xml" title="Démarches ouvertes – Essey-lès-Nancy (RSS)"' in html
    assert 'href="/flux/essey-les-nancy/rss/"' in html
    assert 'type="application/atom+xml" title="Démarches ouvertes – Essey-lès-Nancy (Atom)"' in html
    assert '<a href="/flux/essey-les-nancy/rss/">flux RSS des démarches ouvertes – Essey-lès-Nancy</a>' in html
    assert '<a href="/flux/essey-les-nancy/atom/">flux Atom des démarches ouvertes – Essey-lès-Nancy</a>' in html
    assert 'href="/flux/rss/"' in html, "the site-wide feed is announced too"
