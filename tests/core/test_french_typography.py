"""French typography as citizens read it: "1er mars", a one-day span as one day, "18 h", "0 résultat".

Before: "1 mars", "du 25 décembre 2026 au 25 décembre 2026", "25/12/2026 à 18:00" in emails, "0 résultats".
"""

import datetime
import html
import re
import zoneinfo

import pytest
from django.core import mail
from django.utils.html import strip_tags

from core.typography import french_date, french_datetime, french_period, french_spacing
from participation.models import ProcessPhase
from participation.services.processes import ensure_process
from tests.participation.conftest import TODAY

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def first_of_month(months_ahead):
    month = TODAY.month - 1 + months_ahead
    return datetime.date(TODAY.year + month // 12, month % 12 + 1, 1)


def make_process(space, title, phases, **fields):
    phases = [ProcessPhase(title=name, starts_on=start, ends_on=end) for name, start, end in phases]
    return ensure_process(space, title=title, summary="Résumé.", phases=phases, **fields)[0]


def page_text(client, url):
    """The page as read: text without tags, spaces collapsed (the <title> first)."""
    response = client.get(url)
    assert response.status_code == 200
    return re.sub(r"\s+", " ", html.unescape(strip_tags(response.content.decode())))


def test_the_first_of_a_month_reads_1er():
    assert french_date(datetime.date(2026, 3, 1)) == "1er mars 2026"
    assert french_date(datetime.date(2026, 3, 2)) == "2 mars 2026"
    assert french_date(datetime.date(2026, 3, 1), weekday=True) == "dimanche 1er mars 2026"
    assert (
        french_datetime(datetime.datetime(2026, 12, 25, 18, 30, tzinfo=PARIS)) == "vendredi 25 décembre 2026 à 18 h 30"
    )
    assert french_period(datetime.date(2026, 12, 25), datetime.date(2026, 12, 25)) == "le 25 décembre 2026"


def test_a_process_opening_on_the_first_of_a_month_says_1er(client, commune_space, legal_texts):
    opens = first_of_month(2)
    process = make_process(commune_space, "Budget participatif", [("Dépôt des projets", opens, opens.replace(day=20))])
    expected = french_date(opens)
    assert expected.startswith("1er ")

    process_page = page_text(client, process.url)
    assert f"ouverture le {expected}" in process_page
    assert f"du {expected} au 20 " in process_page, "the phase's dates"
    assert " 1 " + expected.split(" ", 1)[1] not in process_page
    assert f"ouverture le {expected}" in page_text(client, commune_space.url), "the commune space's card"


def test_a_one_day_phase_and_a_one_day_closed_process_read_as_one_day(client, commune_space, legal_texts):
    day = first_of_month(-1)
    process = make_process(commune_space, "Réunion passée", [("Réunion publique", day, day)])

    process_page = page_text(client, process.url)

    assert f"Réunion publique : le {french_date(day)}" in process_page
    assert f"du {french_date(day)} au {french_date(day)}" not in process_page


def test_a_meeting_reads_its_day_and_hour_in_french_on_the_page_and_in_the_email(client, commune_space, legal_texts):
    day = TODAY + datetime.timedelta(days=20)
    meeting = make_process(
        commune_space,
        "Réunion publique",
        [("Réunion publique", day, day)],
        accepts_contributions=False,
        event_starts_at=datetime.datetime.combine(day, datetime.time(18), PARIS),
        event_place="Salle des fêtes",
        event_capacity=10,
    )
    spoken = f"{french_date(day, weekday=True)} à 18 h"

    assert spoken in page_text(client, meeting.url)
    assert f"Réunion publique : le {french_date(day)}" in page_text(client, meeting.url)

    data = {"name": "Alex", "email": "alex@example.org", "needs": "", "website": ""}
    client.post(meeting.url + "inscription/", data)

    assert f"Rendez-vous le {spoken}, Salle des fêtes." in mail.outbox[-1].body
    assert "/" + str(day.year) not in mail.outbox[-1].body.split("Rendez-vous", 1)[1].split("\n", 1)[0]


@pytest.mark.usefixtures("search_index")
@pytest.mark.parametrize(("query", "count"), [("introuvablezzz", "0 résultat"), ("Essey", "1 résultat")])
def test_search_counts_take_the_singular_for_zero_and_one(client, commune_space, query, count):
    page = page_text(client, f"/recherche/?q={query}")

    assert f"{count} " in page and f"{count}s" not in page
    assert page.strip().startswith(f"Recherche « {query} » : {count} –"), "the page's title"


def test_french_punctuation_never_starts_a_line():
    """Before (review): at 320 px a title line started with ": vos venues au centre-ville"."""
    assert french_spacing("Questionnaire : vos venues ?") == "Questionnaire\u00a0: vos venues\u202f?"
    assert french_spacing("« Bien ! »  ; fin") == "«\u00a0Bien\u202f!\u00a0»\u202f; fin"
    assert french_spacing("https://example.org:8000") == "https://example.org:8000", "no space, nothing added"


def test_a_process_title_keeps_its_colon_with_the_word_before(client, commune_space, legal_texts):
    process, _created = ensure_process(
        commune_space,
        title="Parc : quels usages ?",
        phases=[ProcessPhase(title="Consultation", starts_on=TODAY, ends_on=TODAY + datetime.timedelta(days=30))],
    )

    page = client.get(process.url).content.decode()

    assert "<h1>Parc\u00a0: quels usages\u202f?</h1>" in page
