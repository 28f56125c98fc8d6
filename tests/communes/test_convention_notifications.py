"""Art. 10: every change of the règlement is notified to the signatories, and acknowledged."""

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.urls import reverse
from wagtail.models import ModelLogEntry
from wagtail.test.utils.form_data import nested_form_data, rich_text

from communes.models import CommuneContact, CommuneRole, ConventionTextNotification, ConventionTextVersion
from tests.conftest import commune_group

ADD_VERSION_URL = reverse("wagtailsnippets_communes_conventiontextversion:add")


@pytest.fixture
def signatories(commune_space, make_space):
    essey = commune_space
    nancy = make_space("Nancy")
    ludres = make_space("Ludres", active=False)
    for space, email in [(essey, "projet@essey.example"), (nancy, "com@nancy.example"), (ludres, "x@ludres.example")]:
        CommuneContact.objects.create(commune=space.commune, name="Contact", email=email)
    return essey, nancy, ludres


def publish_version(client, number, summary="Article 7 précisé."):
    data = nested_form_data(
        {
            "number": str(number),
            "adopted_on": "2026-11-20",
            "title": "Convention portant règlement",
            "summary_of_changes": summary,
            "body": rich_text("<p>Article 1 – Objet.</p>"),
            "action-publish": "action-publish",
        }
    )
    return client.post(ADD_VERSION_URL, data)


def test_publishing_a_new_version_notifies_each_active_commune_once(staff_user, client, signatories):
    essey, nancy, ludres = signatories
    client.force_login(staff_user)
    mail.outbox.clear()

    response = publish_version(client, 2)

    assert response.status_code == 302
    version = ConventionTextVersion.objects.get(number=2)
    assert version.live
    notified = set(ConventionTextNotification.objects.filter(version=version).values_list("commune__name", flat=True))
    assert notified == {"Essey-lès-Nancy", "Nancy"}
    assert sorted(message.to[0] for message in mail.outbox) == ["com@nancy.example", "projet@essey.example"]
    assert "version 2" in mail.outbox[0].subject
    assert "Article 7 précisé." in mail.outbox[0].body
    assert ModelLogEntry.objects.filter(action="communes.convention_text_notified").count() == 2

    version.get_latest_revision().publish()

    assert ConventionTextNotification.objects.filter(version=version).count() == 2, "once per commune"
    assert len(mail.outbox) == 2


def test_commune_editor_sees_the_notice_and_acknowledges_it(client, signatories, make_user, staff_user):
    essey, nancy, _ludres = signatories
    client.force_login(staff_user)
    publish_version(client, 2)
    editor = make_user("editeur-essey", commune_group(essey, CommuneRole.EDITORS))
    client.force_login(editor)

    dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
    notification = ConventionTextNotification.objects.get(commune=essey.commune)
    response = client.post(reverse("communes_acknowledge_notification", args=[notification.pk]))

    assert "J'en accuse réception" in dashboard
    assert 'name="csrfmiddlewaretoken"' in dashboard
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.acknowledged_by == editor
    assert notification.acknowledged_at is not None
    assert "J'en accuse réception" not in client.get(reverse("wagtailadmin_home")).content.decode()
    nancy_notification = ConventionTextNotification.objects.get(commune=nancy.commune)
    assert nancy_notification.acknowledged_at is None


def test_editor_of_another_commune_cannot_acknowledge(client, signatories, make_user, staff_user):
    essey, nancy, _ludres = signatories
    client.force_login(staff_user)
    publish_version(client, 2)
    client.force_login(make_user("editeur-essey", commune_group(essey, CommuneRole.EDITORS)))
    nancy_notification = ConventionTextNotification.objects.get(commune=nancy.commune)

    response = client.post(reverse("communes_acknowledge_notification", args=[nancy_notification.pk]))

    assert response.status_code in (302, 403)
    nancy_notification.refresh_from_db()
    assert nancy_notification.acknowledged_at is None


def test_staff_see_who_has_not_acknowledged(client, signatories, make_user, staff_user):
    essey, _nancy, _ludres = signatories
    client.force_login(staff_user)
    publish_version(client, 2)
    ConventionTextNotification.objects.filter(commune=essey.commune).update(acknowledged_at="2026-11-25T10:00Z")

    response = client.get(
        reverse("wagtailsnippets_communes_conventiontextnotification:list"), {"acknowledged": "false"}
    )
    rows = [row.get_text(" ", strip=True) for row in BeautifulSoup(response.content, "html.parser").select("tbody tr")]
    dashboard = client.get(reverse("wagtailadmin_home")).content.decode()

    assert len(rows) == 1 and "Nancy" in rows[0]
    assert "1 notification sans accusé de réception" in dashboard


def test_commune_editors_cannot_publish_a_version_of_the_reglement(client, signatories, make_user):
    essey, _nancy, _ludres = signatories
    client.force_login(make_user("editeur-essey", commune_group(essey, CommuneRole.EDITORS)))

    response = publish_version(client, 3)

    assert response.status_code in (302, 403)
    assert not ConventionTextVersion.objects.filter(number=3).exists()
