"""/plan-du-site/: the second way through the site (RGAA 12.1), behind the same gate as every listing."""

import re

import pytest

from charter.models import LegalTextKind
from tests.search.gate_cases import end_convention, hidden_case_params, open_process


def site_map_links(client):
    response = client.get("/plan-du-site/")
    assert response.status_code == 200
    main = response.content.decode().split('<main id="contenu"', 1)[1].split("</main>", 1)[0]
    return set(re.findall(r'href="([^"]+)"', main))


@pytest.fixture
def maxeville(make_space):
    return make_space("Maxéville", slug="maxeville", insee_code="54357")


def test_site_map_lists_each_active_commune_with_its_public_processes_and_the_legal_texts(
    client, commune_space, legal_texts, publish_text
):
    process = open_process(commune_space, "Nos cours d'école")
    publish_text(LegalTextKind.LEGAL_NOTICE, "2022-03-01")

    links = site_map_links(client)

    assert {"/", commune_space.url, process.url, "/recherche/"} <= links
    assert {"/charte/", "/cgu/", "/mentions-legales/"} <= links
    assert "/accessibilite/" not in links, "a text never published is not listed"


def test_every_page_links_to_the_site_map(client, commune_space):
    for url in ("/", commune_space.url, "/recherche/"):
        assert 'href="/plan-du-site/"' in client.get(url).content.decode(), url


def test_the_space_and_processes_of_a_commune_whose_convention_ended_are_absent(client, commune_space, maxeville):
    kept = open_process(commune_space, "Nos cours d'école")
    process = open_process(maxeville, "Jardins partagés de Maxéville")
    assert {maxeville.url, process.url} <= site_map_links(client)

    # The convention ends; its pages are still published: the gate alone must keep them out.
    end_convention(process)
    process.refresh_from_db()
    assert process.live

    links = site_map_links(client)
    assert maxeville.url not in links
    assert process.url not in links
    assert {commune_space.url, kept.url} <= links, "the other communes stay listed"


@pytest.mark.parametrize(("hide", "allow_again"), hidden_case_params())
def test_a_hidden_process_is_absent_from_the_site_map_and_reappears_when_allowed_again(
    client, maxeville, hide, allow_again
):
    process = open_process(maxeville, "Jardins partagés de Maxéville")
    assert process.url in site_map_links(client)

    hide(process)
    assert process.url not in site_map_links(client)

    allow_again(process)
    assert process.url in site_map_links(client)
