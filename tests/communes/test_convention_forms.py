"""Bad input to every form of the conventions gets a clear French message and changes nothing."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from communes.models import Convention, ConventionTextVersion, JoinRequest, ProviderContract
from tests.factories import CommuneFactory, ConventionFactory, ConventionTextVersionFactory

D = datetime.date
CONVENTIONS = "wagtailsnippets_communes_convention"


@pytest.fixture
def version(db):
    # The published version of the règlement: the one the shared world's conventions approve, if any.
    return ConventionTextVersion.objects.filter(live=True).first() or ConventionTextVersionFactory()


def convention_form(commune, version, **overrides):
    data = {
        "commune": commune.pk,
        "text_version": version.pk,
        "commune_deliberation_on": "2022-03-28",
        "metropole_deliberation_on": "2021-09-23",
        "signatory_name": "Michel Breuille",
        "signatory_title": "Maire",
        "signed_on": "2022-03-29",
        "notified_on": "2022-03-29",
    }
    data.update(overrides)
    return data


def post(client, url_name, data, *args):
    response = client.post(reverse(url_name, args=args), data)
    return response, response.content.decode()


def test_staff_records_a_convention(admin_client, provider_contract, version):
    commune = CommuneFactory(name="Essey-lès-Nancy")

    response, _html = post(admin_client, f"{CONVENTIONS}:add", convention_form(commune, version))

    assert response.status_code == 302
    assert Convention.objects.get(commune=commune).status_on().is_active


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"signed_on": "2022-03-27"}, "signée avant la délibération de la commune"),
        ({"signed_on": "2021-09-22", "commune_deliberation_on": "2021-09-01"}, "délibération de la Métropole"),
        ({"notified_on": "2022-03-28"}, "notifiée avant d&#x27;être signée"),
        ({"signed_on": "pas une date"}, "Saisissez une date valide"),
    ],
)
def test_impossible_convention_facts_are_refused(admin_client, version, overrides, message):
    commune = CommuneFactory()

    response, html = post(admin_client, f"{CONVENTIONS}:add", convention_form(commune, version, **overrides))

    assert response.status_code == 200
    assert message in html
    assert not Convention.objects.exists()


def test_a_draft_text_version_cannot_be_approved(admin_client, provider_contract):
    draft = ConventionTextVersionFactory(number=2, publish=False)
    commune = CommuneFactory()

    response, html = post(admin_client, f"{CONVENTIONS}:add", convention_form(commune, draft))

    assert response.status_code == 200
    assert not Convention.objects.exists()


def test_two_conventions_of_one_commune_cannot_be_active_at_once(admin_client, provider_contract, version):
    existing = ConventionFactory(text_version=version)

    response, html = post(
        admin_client,
        f"{CONVENTIONS}:add",
        convention_form(existing.commune, version, signed_on="2024-01-10", notified_on="2024-01-10"),
    )

    assert response.status_code == 200
    assert "a déjà une convention active à cette date" in html
    assert Convention.objects.count() == 1


def test_a_new_convention_is_accepted_once_the_previous_one_ended(admin_client, provider_contract, version):
    ended = ConventionFactory(text_version=version, termination_effective_on=D(2023, 12, 31))

    response, _html = post(
        admin_client,
        f"{CONVENTIONS}:add",
        convention_form(ended.commune, version, signed_on="2024-01-10", notified_on="2024-01-10"),
    )

    assert response.status_code == 302
    assert Convention.objects.filter(commune=ended.commune).count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"letter_on": "2025-06-30", "effective_on": "2025-06-01"}, "avant la date du courrier"),
        ({"letter_on": "2021-01-01", "effective_on": "2025-06-01"}, "précéder la signature"),
        ({"letter_on": "", "effective_on": "2025-06-01"}, "Champ requis"),
    ],
)
def test_bad_termination_is_refused_and_changes_nothing(admin_client, commune_space, data, message):
    convention = Convention.objects.get(commune=commune_space.commune)

    response, html = post(admin_client, f"{CONVENTIONS}:terminate", data, convention.pk)

    assert response.status_code == 200
    assert message in html
    convention.refresh_from_db()
    commune_space.refresh_from_db()
    assert convention.termination_effective_on is None
    assert commune_space.live


def test_revocation_needs_a_reason(admin_client, commune_space):
    convention = Convention.objects.get(commune=commune_space.commune)

    response, html = post(
        admin_client, f"{CONVENTIONS}:revoke", {"decided_on": "2025-09-15", "reason": " "}, convention.pk
    )

    assert response.status_code == 200
    assert "Champ requis" in html
    convention.refresh_from_db()
    assert convention.revocation_decided_on is None


def test_an_ended_convention_cannot_be_ended_twice(admin_client, commune_space):
    convention = Convention.objects.get(commune=commune_space.commune)
    post(
        admin_client,
        f"{CONVENTIONS}:revoke",
        {"decided_on": "2025-09-15", "reason": "Manquement à l'article 7."},
        convention.pk,
    )

    response, html = post(
        admin_client,
        f"{CONVENTIONS}:terminate",
        {"letter_on": "2025-10-01", "effective_on": "2025-10-02"},
        convention.pk,
    )

    assert response.status_code == 200
    assert "déjà enregistrée" in html
    convention.refresh_from_db()
    assert convention.termination_effective_on is None


def test_the_end_of_a_convention_cannot_be_edited_by_hand(admin_client, commune_space):
    convention = Convention.objects.get(commune=commune_space.commune)
    url = reverse(f"{CONVENTIONS}:edit", args=[convention.pk])
    data = convention_form(convention.commune, convention.text_version, revocation_decided_on="2025-09-15")

    html = admin_client.get(url).content.decode()
    admin_client.post(url, data)

    assert "revocation_decided_on" not in html
    assert "Enregistrer une révocation" in html
    convention.refresh_from_db()
    assert convention.revocation_decided_on is None


def test_provider_contract_cannot_end_before_it_starts(admin_client, db):
    before = ProviderContract.objects.count()
    response, html = post(
        admin_client,
        "provider_contracts:add",
        {"provider": "OSP", "reference": "", "starts_on": "2024-01-01", "ends_on": "2023-12-31", "annual_cost": ""},
    )

    assert response.status_code == 200
    assert "ne peut pas précéder son début" in html
    assert ProviderContract.objects.count() == before


def test_join_request_cannot_be_received_in_the_future(admin_client, db):
    commune = CommuneFactory()

    response, html = post(
        admin_client,
        "join_requests:add",
        {"commune": commune.pk, "received_on": "2999-01-01", "contact_name": "Service communication"},
    )

    assert response.status_code == 200
    assert "dans le futur" in html
    assert not JoinRequest.objects.exists()


def test_a_published_text_version_cannot_be_changed(admin_client, version):
    url = reverse("wagtailsnippets_communes_conventiontextversion:edit", args=[version.pk])

    response = admin_client.post(
        url,
        {
            "number": "1",
            "adopted_on": "2021-09-23",
            "title": "Texte modifié en douce",
            "summary_of_changes": "",
            "body": '{"blocks": [], "entityMap": {}}',
        },
    )

    assert response.status_code == 200
    assert "ne peut plus être modifiée" in response.content.decode()
    version.refresh_from_db()
    assert version.title != "Texte modifié en douce"
    assert ConventionTextVersion.objects.count() == 1


def test_commune_editors_cannot_reach_the_conventions(client, essey_editor):
    client.force_login(essey_editor)

    for url_name in (
        "wagtailsnippets_communes_convention:list",
        "provider_contracts:index",
        "wagtailsnippets_communes_conventiontextversion:list",
        "join_requests:index",
    ):
        response = client.get(reverse(url_name))
        assert response.status_code in (302, 403), url_name


def test_anonymous_visitors_cannot_reach_the_conventions(client, commune_space):
    convention = Convention.objects.get(commune=commune_space.commune)

    response = client.post(
        reverse(f"{CONVENTIONS}:revoke", args=[convention.pk]), {"decided_on": "2025-09-15", "reason": "Intrusion."}
    )

    assert response.status_code == 302 and "/admin/login/" in response.url
    convention.refresh_from_db()
    assert convention.revocation_decided_on is None


def test_staff_preview_a_version_of_the_reglement_before_publishing_it(rf, portal, version, admin_user):
    request = rf.get("/")
    request.user = admin_user

    response = version.serve_preview(request, "")
    response.render()

    assert response.status_code == 200
    assert "Article 1" in response.content.decode()


def test_convention_listing_filters_by_state_and_searches_by_commune(admin_client, make_space):
    make_space("Nancy")
    ended = make_space("Maxéville", slug="maxeville")
    convention = Convention.objects.get(commune=ended.commune)
    convention.termination_effective_on = D(2025, 6, 30)
    convention.save()
    url = reverse(f"{CONVENTIONS}:list")

    def communes_listed(**params):
        html = admin_client.get(url, params).content
        return [row.find("a").get_text(strip=True) for row in BeautifulSoup(html, "html.parser").select("tbody tr")]

    assert communes_listed(state="ended") == ["Maxéville"]
    assert "Nancy" in communes_listed(state="active")
    assert "Maxéville" not in communes_listed(state="active")
    assert communes_listed(q="Maxé") == ["Maxéville"]
