"""Versions of the legal texts: which is current on a date, and that a published one is final."""

import datetime

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from charter.models import LegalTextKind, LegalTextVersion
from charter.services import current_acceptance_terms, current_version, is_acceptance_current
from communes.models import CommuneRole
from tests.conftest import commune_group

D = datetime.date
ADD_URL = reverse("wagtailsnippets_charter_legaltextversion:add")


def test_the_current_version_changes_on_the_effective_date(publish_text):
    v1 = publish_text(LegalTextKind.TERMS, "2022-03-01")
    v2 = publish_text(LegalTextKind.TERMS, "2025-01-15")

    assert (v1.number, v2.number) == (1, 2)
    assert current_version(LegalTextKind.TERMS, D(2022, 2, 28)) is None
    assert current_version(LegalTextKind.TERMS, D(2025, 1, 14)) == v1
    assert current_version(LegalTextKind.TERMS, D(2025, 1, 15)) == v2


def test_a_version_scheduled_ahead_is_not_current_until_its_day(client, publish_text, on_day):
    publish_text(LegalTextKind.CHARTER, "2022-03-01", text="Ancienne charte.")
    publish_text(LegalTextKind.CHARTER, "2027-01-01", text="Nouvelle charte.")
    on_day(D(2026, 12, 31))

    before = client.get("/charte/").content.decode()
    on_day(D(2027, 1, 1))
    after = client.get("/charte/").content.decode()

    assert "Ancienne charte." in before and "Nouvelle charte." not in before
    assert "Nouvelle charte." in after and "Version 2, en vigueur depuis le 1er janvier 2027" in after


def test_each_version_page_has_a_title_of_its_own(client, publish_text):
    """Before (review): /cgu/, /cgu/versions/1/ and /cgu/versions/2/ had the same title and heading (RGAA 8.6)."""
    from bs4 import BeautifulSoup

    publish_text(LegalTextKind.TERMS, "2022-03-01")
    publish_text(LegalTextKind.TERMS, "2025-01-15")

    pages = {
        url: BeautifulSoup(client.get(url).content, "html.parser")
        for url in ("/cgu/", "/cgu/versions/1/", "/cgu/versions/2/")
    }

    assert [page.h1.get_text() for page in pages.values()] == [
        "Conditions générales d'utilisation",
        "Conditions générales d'utilisation, version 1 (archivée)",
        "Conditions générales d'utilisation, version 2 (en vigueur)",
    ]
    assert len({page.title.get_text() for page in pages.values()}) == 3


def test_a_draft_is_never_current(publish_text):
    publish_text(LegalTextKind.CHARTER, "2022-03-01")
    draft = LegalTextVersion(kind=LegalTextKind.CHARTER, effective_on=D(2023, 1, 1), body="[]", live=False)
    draft.save()

    assert current_version(LegalTextKind.CHARTER, D(2024, 1, 1)).number == 1


def test_an_acceptance_of_cgu_v1_is_not_current_once_v2_is_in_force(publish_text, on_day):
    charter = publish_text(LegalTextKind.CHARTER, "2022-03-01")
    cgu_v1 = publish_text(LegalTextKind.TERMS, "2022-03-01")
    publish_text(LegalTextKind.TERMS, "2025-01-15")

    on_day(D(2024, 6, 1))
    accepted = current_acceptance_terms()
    assert (accepted.charter, accepted.terms) == (charter, cgu_v1)
    assert is_acceptance_current(accepted.charter, accepted.terms)

    on_day(D(2025, 1, 15))
    assert not is_acceptance_current(charter, cgu_v1), "the next contribution must ask again"
    assert current_acceptance_terms().terms.number == 2


def test_a_new_charter_also_asks_again(publish_text):
    charter_v1 = publish_text(LegalTextKind.CHARTER, "2022-03-01")
    cgu = publish_text(LegalTextKind.TERMS, "2022-03-01")
    publish_text(LegalTextKind.CHARTER, "2024-03-01")

    assert not is_acceptance_current(charter_v1, cgu)


def legal_text_form(**overrides):
    data = {
        "kind": "cgu",
        "effective_on": "2026-12-01",
        "summary_of_changes": "Précision sur la modération.",
        "body": streamfield([("paragraph", rich_text("<p>Nouvelles CGU.</p>"))]),
        "action-publish": "action-publish",
    }
    data.update(overrides)
    return nested_form_data(data)


def test_staff_drafts_previews_and_publishes_a_numbered_version(client, staff_user, publish_text):
    publish_text(LegalTextKind.TERMS, "2022-03-01")
    client.force_login(staff_user)

    response = client.post(ADD_URL, legal_text_form())

    assert response.status_code == 302
    version = LegalTextVersion.objects.get(kind="cgu", effective_on=D(2026, 12, 1))
    assert version.live and version.number == 2
    assert version.revisions.count() == 1


def test_a_published_version_cannot_be_edited(client, staff_user, publish_text):
    version = publish_text(LegalTextKind.TERMS, "2022-03-01", text="Texte d'origine.")
    client.force_login(staff_user)

    response = client.post(
        reverse("wagtailsnippets_charter_legaltextversion:edit", args=[version.pk]),
        legal_text_form(effective_on="2022-03-01", summary_of_changes="Modifié en douce."),
    )

    assert response.status_code == 200
    assert "ne peut plus être modifiée" in response.content.decode()
    version.refresh_from_db()
    assert version.summary_of_changes == ""
    assert "Texte d'origine." in str(version.body)


def test_staff_publish_a_statement_without_picking_its_conformity_mention(client, staff_user):
    """The mention follows the audit in the repository (charter.accessibility), not a field chosen by hand."""
    client.force_login(staff_user)

    response = client.post(ADD_URL, legal_text_form(kind="accessibilite", accessibility_status="totalement"))

    assert response.status_code == 302
    assert LegalTextVersion.objects.get(kind="accessibilite").accessibility_status == ""


def test_two_rules_of_the_charter_cannot_share_a_code(client, staff_user):
    client.force_login(staff_user)
    rule = {"key": "respect", "title": "Respecter les personnes", "text": rich_text("<p>…</p>")}

    response = client.post(ADD_URL, legal_text_form(kind="charte", body=streamfield([("rule", rule), ("rule", rule)])))

    assert response.status_code == 200
    assert "en double : respect" in response.content.decode()
    assert not LegalTextVersion.objects.exists()


@pytest.mark.parametrize("role", [CommuneRole.EDITORS, CommuneRole.MODERATORS])
def test_commune_editors_and_moderators_are_refused_on_the_legal_texts(client, commune_space, make_user, role):
    client.force_login(make_user("membre", commune_group(commune_space, role)))

    listing = client.get(reverse("wagtailsnippets_charter_legaltextversion:list"))
    created = client.post(ADD_URL, legal_text_form())

    assert listing.status_code in (302, 403)
    assert created.status_code in (302, 403)
    assert not LegalTextVersion.objects.exists()


def test_anonymous_visitors_are_refused_on_the_legal_texts(client, db):
    response = client.post(ADD_URL, legal_text_form())

    assert response.status_code == 302 and "/admin/login/" in response.url
    assert not LegalTextVersion.objects.exists()


def test_staff_preview_a_draft_before_publishing(rf, portal, staff_user):
    from charter.models import LegalTextVersion as Version
    from tests.conftest import body

    draft = Version(kind=LegalTextKind.CHARTER, effective_on=D(2027, 1, 1), body=body("Projet de charte."), live=False)
    draft.save()
    request = rf.get("/")
    request.user = staff_user

    response = draft.serve_preview(request, "")
    response.render()

    assert response.status_code == 200
    assert "Projet de charte." in response.content.decode()
    assert current_version(LegalTextKind.CHARTER, D(2027, 1, 2)) is None, "a preview publishes nothing"


def test_a_published_version_cannot_be_unpublished(client, staff_user, publish_text):
    publish_text(LegalTextKind.TERMS, "2022-03-01")
    v2 = publish_text(LegalTextKind.TERMS, "2025-01-15")
    client.force_login(staff_user)

    client.post(reverse("wagtailsnippets_charter_legaltextversion:unpublish", args=[v2.pk]))

    v2.refresh_from_db()
    assert v2.live
    assert client.get("/cgu/versions/2/").status_code == 200
