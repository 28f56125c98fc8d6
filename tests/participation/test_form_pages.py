"""The pages the public forms live on, tried from the wrong side after the forms were made to speak (issue 13's
review): one id per element, a report that leads back to where the visitor was, nothing told of unpublished
contributions, and a message that is shown once instead of following the visitor from page to page."""

import datetime
from collections import Counter

import pytest
from bs4 import BeautifulSoup
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from participation.demo import add_questionnaire
from participation.models import ContributionStatus
from tests.participation.conftest import add_contribution

pytestmark = pytest.mark.django_db


def broken_references(html):
    """Ids used twice, and descriptions, labels or links that point at no element."""
    page = BeautifulSoup(html, "html.parser")
    ids = Counter(tag["id"] for tag in page.find_all(id=True))
    found = [f"id {name} used {count} times" for name, count in ids.items() if count > 1]
    for tag in page.find_all(attrs={"aria-describedby": True}):
        found += [
            f"{tag.get('name')} described by missing {i}" for i in tag["aria-describedby"].split() if i not in ids
        ]
    found += [
        f"label for missing {label['for']}"
        for label in page.find_all("label", attrs={"for": True})
        if label["for"] not in ids
    ]
    return found


def test_a_process_with_both_a_contribution_form_and_a_meeting_has_each_id_once(client, process):
    """Before: both forms rendered id_email, id_email_helptext, id_website: the contribution's email field was read
    with the meeting's help text, and its label led to the meeting's field."""
    process.event_capacity = 30
    process.event_starts_at = timezone.now() + datetime.timedelta(days=10)
    process.save_revision().publish()

    response = client.get(process.url)
    page = BeautifulSoup(response.content.decode(), "html.parser")
    meeting_email = page.select_one("#rencontre input[name=email]")

    assert broken_references(response.content.decode()) == []
    assert meeting_email["id"] != page.select_one("#contribuer input[name=email]")["id"]
    described_by = [page.find(id=i).get_text(" ", strip=True) for i in meeting_email["aria-describedby"].split()]
    assert described_by == ["Pour confirmer votre inscription."]


def test_a_meeting_registration_sent_back_names_its_own_fields(client, process):
    process.event_capacity = 30
    process.event_starts_at = timezone.now() + datetime.timedelta(days=10)
    process.save_revision().publish()

    response = client.post(process.url + "inscription/", {"name": "", "email": "pas-une-adresse", "website": ""})

    assert response.status_code == 400
    assert broken_references(response.content.decode()) == []
    assert 'href="#inscription_email"' in response.content.decode()


def test_a_report_from_page_three_leads_back_to_page_three(client, process, settings):
    settings.CONTRIBUTIONS_PER_PAGE = 2
    oldest = [add_contribution(process, f"Idée numéro {n} pour la cour de l'école.") for n in range(5)][0]
    url = process.url
    for _page in range(2):  # pages follow by their "next" links (keyset cursors, no page numbers)
        html = BeautifulSoup(client.get(url).content.decode(), "html.parser")
        url = html.find("a", rel="next")["href"]
    page = BeautifulSoup(client.get(url).content.decode(), "html.parser")
    form = page.find(id=f"contribution-{oldest.pk}").find("form", action=lambda action: "signaler" in action)
    rule = next(option["value"] for option in form.find_all("option") if option["value"])

    response = client.post(form["action"], {"rule_key": rule})
    shown = client.get(response["Location"]).content.decode()

    cursor = url.split("?", 1)[1].split("#")[0]
    assert response.status_code == 303 and f"?{cursor}#contributions" in response["Location"]
    assert f'id="contribution-{oldest.pk}"' in shown and "signalement est enregistré" in shown


@pytest.mark.parametrize(
    "status", [ContributionStatus.REJECTED, ContributionStatus.HIDDEN, ContributionStatus.AWAITING_MODERATION]
)
def test_the_report_address_tells_nothing_of_an_unpublished_contribution(client, process, status):
    """Before: a GET answered 200 for a rejected, hidden or pending contribution and 404 for none."""
    unpublished = add_contribution(process, "Une idée qui n'est pas publiée.", status=status)

    assert client.get(process.url + f"contributions/{unpublished.pk}/signaler/").status_code == 404
    assert client.get(process.url + "contributions/999999/signaler/").status_code == 404


def a_message_from_elsewhere():
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(messages.INFO, "Votre session a expiré : reconnectez-vous.")
    response = HttpResponse()
    storage.update(response)
    return response.cookies["messages"].value


def test_a_message_from_elsewhere_is_shown_once_not_carried_forever(client, process):
    """Before: a message no public page shows was put back on each visit: every questionnaire page set the cookie
    again, without Cache-Control, for as long as the visitor browsed."""
    add_questionnaire(
        process, {"title": "Vos avis", "fields": [{"label": "Avis", "field_type": "singleline", "required": True}]}
    )
    client.cookies["messages"] = a_message_from_elsewhere()

    first = client.get(process.url + "vos-avis/")
    second = client.get(process.url + "vos-avis/")

    assert "Votre session a expiré" in first.content.decode()
    assert "no-cache" in first["Cache-Control"]
    assert "Votre session a expiré" not in second.content.decode()
    assert not second.cookies.get("messages") or second.cookies["messages"].value == ""


def test_a_report_sent_without_a_rule_says_what_to_choose(client, process):
    """Before (review): the answer was a bare "Champ requis." above the list, naming neither field nor contribution."""
    published = add_contribution(process, "Une idée publiée que quelqu'un signale trop vite.")

    response = client.post(process.url + f"contributions/{published.pk}/signaler/", {"rule_key": ""})

    assert response.status_code == 400
    assert "Choisissez la règle de la charte que cette contribution ne respecte pas." in response.content.decode()


def test_the_error_summary_does_not_double_a_labels_final_stop(client, process):
    response = client.post(process.url + "contribuer/", {"pseudonym": "Lou"})
    summary = BeautifulSoup(response.content.decode(), "html.parser").find(class_="error-summary")

    assert all(".  :" not in link.get_text() and ". :" not in link.get_text() for link in summary.find_all("a"))
