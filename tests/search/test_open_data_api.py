"""The open-data API at /api/v2/: read-only, the same gate as the site, public facts and no personal data."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from participation.models import ContributionStatus, ProcessPhase
from tests.participation.conftest import add_contribution
from tests.search.gate_cases import (
    TODAY,
    end_convention,
    hidden_case_params,
    open_process,
    start_new_convention,
)

PROCESSES = {"type": "participation.ProcessPage", "fields": "*"}


def listed_ids(client, **params):
    response = client.get("/api/v2/pages/", params)
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def api_sees(client, page):
    """Where the API shows `page`: the listing (plain and by type), its detail and the find by path."""
    find = client.get("/api/v2/pages/find/", {"html_path": page.url})
    return {
        "listing": page.pk in listed_ids(client, limit=20),
        "listing by type": page.pk in listed_ids(client, **PROCESSES),
        "detail": client.get(f"/api/v2/pages/{page.pk}/").status_code == 200,
        "find": find.status_code == 302 and find.url.endswith(f"/api/v2/pages/{page.pk}/?"),
    }


@pytest.fixture
def maxeville(make_space):
    return make_space("Maxéville", slug="maxeville", insee_code="54357")


@pytest.fixture
def essey_process(commune_space):
    return open_process(commune_space, "Nos cours d'école")


# --- The gate ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("hide", "allow_again"), hidden_case_params())
def test_a_hidden_process_is_absent_from_the_api_and_reappears_when_allowed_again(
    client, maxeville, essey_process, hide, allow_again
):
    process = open_process(maxeville, "Jardins partagés de Maxéville")
    assert all(api_sees(client, process).values())

    hide(process)

    assert not any(api_sees(client, process).values()), api_sees(client, process)
    assert all(api_sees(client, essey_process).values()), "the other processes stay listed"

    allow_again(process)

    assert all(api_sees(client, process).values()), api_sees(client, process)


def test_the_space_of_a_commune_whose_convention_ended_is_absent_from_the_api(client, maxeville, commune_space):
    process = open_process(maxeville, "Jardins partagés de Maxéville")
    space_listing = {"type": "communes.CommuneSpacePage", "fields": "*"}
    assert maxeville.pk in listed_ids(client, **space_listing)

    end_convention(process)

    assert listed_ids(client, **space_listing) == {commune_space.pk}
    assert client.get(f"/api/v2/pages/{maxeville.pk}/").status_code == 404
    assert client.get("/api/v2/pages/find/", {"html_path": "/maxeville/"}).status_code == 404
    # Its subtree cannot be reached through a parent either.
    assert client.get("/api/v2/pages/", {"child_of": maxeville.pk}).status_code == 400
    assert client.get("/api/v2/pages/", {"descendant_of": maxeville.pk}).status_code == 400

    start_new_convention(process)

    assert listed_ids(client, **space_listing) == {commune_space.pk, maxeville.pk}
    assert listed_ids(client, child_of=maxeville.pk) == {process.pk}


def test_an_internal_process_stays_out_of_the_api_even_without_its_view_restriction(client, commune_space):
    from wagtail.models import PageViewRestriction

    internal = open_process(commune_space, "Télétravail des agents", audience="agents")
    PageViewRestriction.objects.filter(page=internal).delete()

    assert not any(api_sees(client, internal).values())


def test_an_agent_signed_in_on_the_site_does_not_see_internal_processes_in_the_api(client, commune_space, make_user):
    from communes.models import CommuneRole
    from tests.conftest import commune_group

    internal = open_process(commune_space, "Télétravail des agents", audience="agents")
    client.force_login(make_user("agent-essey", commune_group(commune_space, CommuneRole.AGENTS)))

    assert client.get(internal.url).status_code == 200, "the agent reads it on the site"
    assert not any(api_sees(client, internal).values())


def test_api_search_leaves_out_hidden_processes(client, maxeville, commune_space, search_index):
    visible = open_process(commune_space, "Jardins partagés d'Essey")
    hidden = open_process(maxeville, "Jardins partagés de Maxéville")
    end_convention(hidden)

    assert listed_ids(client, search="jardins") == {visible.pk}
    assert listed_ids(client, search="jardins", type="participation.ProcessPage") == {visible.pk}


# --- What a process shows ---------------------------------------------------------------------


def test_the_api_detail_of_a_process_shows_its_phases_dates_state_themes_and_commune(client, commune_space):
    process = open_process(
        commune_space,
        "Plan vélo",
        summary="Où créer des pistes cyclables ?",
        location="Avenue de la Libération",
        themes=[("Mobilité", "mobilite")],
        starts=-10,
        ends=20,
    )
    process.phases.add(
        ProcessPhase(
            title="Restitution",
            sort_order=1,
            starts_on=TODAY + datetime.timedelta(days=21),
            ends_on=TODAY + datetime.timedelta(days=40),
            description="Réunion publique de restitution.",
        )
    )
    process.save_revision().publish()

    data = client.get(f"/api/v2/pages/{process.pk}/").json()

    assert data["title"] == "Plan vélo"
    assert data["summary"] == "Où créer des pistes cyclables ?"
    assert data["location"] == "Avenue de la Libération"
    assert data["state"] == {"code": "open", "label": "Ouverte"}
    assert data["opens_on"] == (TODAY - datetime.timedelta(days=10)).isoformat()
    assert data["closes_on"] == (TODAY + datetime.timedelta(days=40)).isoformat()
    assert [phase["title"] for phase in data["phases"]] == ["Contributions", "Restitution"]
    assert data["phases"][1] == {
        "title": "Restitution",
        "starts_on": (TODAY + datetime.timedelta(days=21)).isoformat(),
        "ends_on": (TODAY + datetime.timedelta(days=40)).isoformat(),
        "description": "Réunion publique de restitution.",
    }
    assert data["themes"] == [{"name": "Mobilité", "slug": "mobilite"}]
    assert data["commune"] == {"name": "Essey-lès-Nancy", "slug": "essey-les-nancy", "insee_code": "54184"}
    assert data["meta"]["html_url"].endswith("/essey-les-nancy/plan-velo/")
    assert data["meta"]["parent"]["id"] == commune_space.pk


def test_the_state_follows_the_phases(client, commune_space):
    upcoming = open_process(commune_space, "Budget participatif", starts=5, ends=40)
    closed = open_process(commune_space, "Fête de quartier", starts=-40, ends=-5)

    items = client.get("/api/v2/pages/", PROCESSES).json()["items"]

    states = {item["title"]: item["state"] for item in items}
    assert states == {
        "Budget participatif": {"code": "upcoming", "label": "À venir"},
        "Fête de quartier": {"code": "closed", "label": "Terminée"},
    }
    assert {item["id"] for item in items} == {upcoming.pk, closed.pk}


def test_the_api_detail_of_a_commune_space_shows_its_commune(client, commune_space):
    data = client.get(f"/api/v2/pages/{commune_space.pk}/").json()

    assert data["commune"] == {"name": "Essey-lès-Nancy", "slug": "essey-les-nancy", "insee_code": "54184"}
    assert "démarches participatives de la commune" in data["intro"]
    assert "privacy_controller" not in data


def test_the_process_listing_needs_no_query_per_process(client, commune_space, make_space):
    open_process(commune_space, "Première démarche", themes=[("Écoles", "ecoles")])

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v2/pages/", PROCESSES)
        assert response.status_code == 200
        return len(queries), len(response.json()["items"])

    client.get("/api/v2/pages/", PROCESSES)  # warm the per-process caches (site root paths)
    one = count_queries()
    nancy = make_space("Nancy", slug="nancy", insee_code="54395")
    for title in ("Deuxième démarche", "Troisième démarche"):
        open_process(nancy, title, themes=[("Écoles", "ecoles"), ("Mobilité", "mobilite")])
    open_process(commune_space, "Quatrième démarche", themes=[("Mobilité", "mobilite")])
    client.get("/api/v2/pages/", PROCESSES)  # the first visit after a change reads the tree's facts again
    four = count_queries()

    assert (one[1], four[1]) == (1, 4)
    assert four[0] == one[0]


# --- No personal data, no contributions -------------------------------------------------------


def test_contributions_and_their_authors_never_appear_in_the_api(client, commune_space, legal_texts, search_index):
    process = open_process(commune_space, "Nos cours d'école")
    add_contribution(
        process,
        "Texte en attente zq7-pending",
        status=ContributionStatus.AWAITING_MODERATION,
        email="zq7-pending@example.org",
        pseudonym="Zq7Pending",
    )
    add_contribution(
        process,
        "Texte publié zq7-published",
        status=ContributionStatus.PUBLISHED,
        email="zq7-published@example.org",
        pseudonym="Zq7Published",
    )
    responses = [
        client.get("/api/v2/pages/", {"limit": 20}),
        client.get("/api/v2/pages/", PROCESSES),
        client.get("/api/v2/pages/", {**PROCESSES, "search": "zq7"}),
        client.get(f"/api/v2/pages/{process.pk}/"),
        client.get(f"/api/v2/pages/{process.pk}/", {"fields": "*"}),
        client.get("/api/v2/pages/find/", {"html_path": process.url}, follow=True),
    ]

    assert [response.status_code for response in responses] == [200] * len(responses)
    everything = " ".join(json.dumps(response.json(), ensure_ascii=False) for response in responses)
    assert "Nos cours d'école" in everything
    assert "zq7" not in everything.lower()
    assert "@" not in everything
    # Contributions appear only as counts (issue 14: open data counts them, never who wrote or supported).
    assert "contribution" not in everything.replace('"contributions": ', "")
    assert '"participation": {"contributions": 1, "supports": 0, "comments": 0' in everything


def test_asking_for_contributions_or_registrations_is_refused(client, commune_space):
    process = open_process(commune_space, "Nos cours d'école")

    for field in ("contributions", "registrations", "owner", "audience", "moderation_mode"):
        response = client.get(f"/api/v2/pages/{process.pk}/", {"fields": field})
        assert response.status_code == 400, field
        assert response.json() == {"message": f"unknown fields: {field}"}


# --- Read-only, pages only --------------------------------------------------------------------


def test_the_api_is_read_only(client, commune_space, staff_user):
    process = open_process(commune_space, "Nos cours d'école")
    client.force_login(staff_user)

    for url in ("/api/v2/pages/", f"/api/v2/pages/{process.pk}/"):
        for method in (client.post, client.put, client.patch, client.delete):
            response = method(url, data={"title": "Piraté"}, content_type="application/json")
            assert response.status_code == 405, (method.__name__, url)

    process.refresh_from_db()
    assert process.title == "Nos cours d'école"


def test_images_and_documents_have_no_endpoint(client, portal):
    assert client.get("/api/v2/pages/").status_code == 200
    assert client.get("/api/v2/images/").status_code == 404
    assert client.get("/api/v2/documents/").status_code == 404
