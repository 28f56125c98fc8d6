"""Results (issue 14): "Ce que nous avons fait de vos contributions" on the process, the commune space, the feeds
and the API; the followers told once; open data with counts and answers, never who supported or followed."""

import datetime
import html
import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communes.models import Convention
from communes.services import record_revocation
from core.typography import french_date
from participation.models import ContributionStatus, FollowerNotice, ProcessFollow, contributor_key
from participation.services.answers import answer
from participation.services.personal_data import open_data_rows
from tests.participation.conftest import TODAY, add_contribution, make_process

RESULTS = "<p>Six pommiers seront plantés le long du mur nord.</p>"
FOLLOWER = "suzanne.secret@example.org"


def publish_results(process, day=TODAY, text=RESULTS):
    process.results = text
    process.results_published_on = day
    process.save_revision().publish()
    process.refresh_from_db()
    return process


def text_of(response):
    return html.unescape(response.content.decode())


@pytest.fixture
def decided(process, essey_editor):
    """Three published ideas: one retained, one carried out, one not retained."""
    ideas = {
        "retained": add_contribution(process, "Planter des pommiers le long du mur nord."),
        "done": add_contribution(process, "Repeindre les marelles de la cour."),
        "not_retained": add_contribution(process, "Couvrir toute la cour d'un toit."),
    }
    for status, idea in ideas.items():
        answer(idea, essey_editor, status=status, text=f"Réponse pour {status}.")
    mail.outbox.clear()
    return ideas


@pytest.fixture
def follower(process):
    return ProcessFollow.objects.create(process=process, email=FOLLOWER, confirmed_at=timezone.now())


# --- On the process page ----------------------------------------------------------------------------------------


def test_the_process_shows_its_results_and_the_retained_contributions_with_their_answers(client, process, decided):
    publish_results(process)

    page = text_of(client.get(process.url))
    section = page.split('id="resultats"')[1].split("</section>")[0]

    assert "Ce que nous avons fait de vos contributions" in section
    assert f"Résultats publiés le {french_date(TODAY)}" in section
    assert "Six pommiers seront plantés" in section
    assert "Planter des pommiers" in section and "Réponse de la commune : Retenue" in section
    assert "Repeindre les marelles" in section and "Réponse de la commune : Réalisée" in section
    assert "Couvrir toute la cour" not in section, "a contribution not retained is not in the results"
    assert french_date(timezone.now()) in section


@pytest.mark.parametrize(
    "day, text",
    [(None, RESULTS), (TODAY + datetime.timedelta(days=3), RESULTS), (TODAY, ""), (TODAY, "<p> </p>")],
    ids=["no date", "a later date", "no text", "an empty paragraph"],
)
def test_results_not_yet_published_do_not_show(client, process, decided, day, text):
    publish_results(process, day=day, text=text)

    assert 'id="resultats"' not in client.get(process.url).content.decode()
    assert not process.has_published_results


def test_the_results_are_read_in_a_fixed_number_of_queries(client, process, essey_editor):
    publish_results(process)

    def retained(numbers):
        for number in numbers:
            idea = add_contribution(process, f"Idée retenue numéro {number}.")
            answer(idea, essey_editor, status="retained", text="Oui.")

    retained(range(2))
    client.get(process.url)
    with CaptureQueriesContext(connection) as few:
        client.get(process.url)
    retained(range(2, 12))
    client.get(process.url)  # the first visit after a change counts again (the count is cached per process)
    with CaptureQueriesContext(connection) as more:
        response = client.get(process.url)

    assert response.content.decode().count("Idée retenue numéro") >= 12
    assert len(more) == len(few)


# --- On the commune space, in the feeds and the API ---------------------------------------------------------


def test_the_commune_space_marks_processes_with_results(client, process, commune_space):
    other = make_process(commune_space, "Budget participatif")
    publish_results(process)

    page = text_of(client.get(commune_space.url))

    assert f'href="{process.url}#resultats"' in page
    assert f'href="{other.url}#resultats"' not in page
    assert "Résultats" in page


def test_the_feeds_carry_an_item_for_published_results(client, commune_space, legal_texts):
    closed = make_process(commune_space, "Consultation close", starts=-60, ends=-1)
    publish_results(closed)

    for url in ("/flux/rss/", "/flux/essey-les-nancy/rss/"):
        items = ET.fromstring(client.get(url).content).findall("channel/item")
        links = [item.findtext("link") for item in items]
        assert closed.full_url + "#resultats" in links, url
        item = items[links.index(closed.full_url + "#resultats")]
        assert "Résultats" in item.findtext("title")
        assert "Six pommiers" in item.findtext("description")
    atom = client.get("/flux/atom/").content.decode()
    assert closed.full_url + "#resultats" in atom


def test_results_of_an_ended_commune_leave_the_feeds(client, commune_space, legal_texts, make_space):
    closed = make_process(commune_space, "Consultation close", starts=-60, ends=-1)
    publish_results(closed)
    record_revocation(
        Convention.objects.get(commune=commune_space.commune), decided_on=TODAY, reason="Manquement constaté."
    )

    assert closed.full_url not in client.get("/flux/rss/").content.decode()


def test_the_api_gives_the_results_once_published(client, process):
    before = client.get(f"/api/v2/pages/{process.pk}/").json()
    publish_results(process)
    after = client.get(f"/api/v2/pages/{process.pk}/").json()
    listing = client.get("/api/v2/pages/", {"type": "participation.ProcessPage", "fields": "results"}).json()

    assert before["results"] is None and before["results_published_on"] is None
    assert "Six pommiers" in after["results"] and after["results_published_on"] == TODAY.isoformat()
    assert "Six pommiers" in listing["items"][0]["results"]


# --- Followers told once -------------------------------------------------------------------------------------


def test_followers_are_told_once_when_results_are_first_published(process, follower):
    publish_results(process)
    publish_results(process, text=RESULTS + "<p>Complément.</p>")

    news = [message for message in mail.outbox if "Résultats publiés" in message.subject]
    assert [message.to for message in news] == [[FOLLOWER]]
    assert "#resultats" in news[0].body
    assert news[0].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_results_dated_later_are_told_by_the_daily_job_on_that_day(process, follower, on_day):
    later = TODAY + datetime.timedelta(days=2)
    publish_results(process, day=later)
    assert mail.outbox == []

    call_command("notify_followers", stdout=io.StringIO())
    assert mail.outbox == []

    on_day(later)
    call_command("notify_followers", stdout=io.StringIO())
    call_command("notify_followers", stdout=io.StringIO())
    assert [message.to for message in mail.outbox] == [[FOLLOWER]]
    assert FollowerNotice.objects.count() == 1


def test_results_published_by_another_path_than_the_admin_are_told_too(process, follower):
    """`publish_scheduled`, workflows and scripts publish a revision without the admin's hooks."""
    process.results = RESULTS
    process.results_published_on = TODAY
    revision = process.save_revision()
    revision.approved_go_live_at = timezone.now() - datetime.timedelta(minutes=1)
    revision.save()

    call_command("publish_scheduled", stdout=io.StringIO())

    assert [message.to for message in mail.outbox] == [[FOLLOWER]]


def test_no_results_email_for_an_ended_commune(process, follower):
    record_revocation(
        Convention.objects.get(commune=process.get_parent().specific.commune),
        decided_on=TODAY,
        reason="Manquement constaté au règlement.",
    )
    process.results, process.results_published_on = RESULTS, TODAY
    process.save()
    from participation.services.follows import notify_results

    assert notify_results(process) is False
    assert mail.outbox == []


# --- Open data -------------------------------------------------------------------------------------------------


def test_open_data_gives_counts_statuses_and_answers_never_who(client, commune_space, legal_texts, essey_editor):
    closed = make_process(commune_space, "Consultation close", starts=-60, ends=-1)
    idea = add_contribution(
        closed, "Des bancs sous les tilleuls.", email="auteur.secret@example.org", support_count=4, comment_count=2
    )
    add_contribution(closed, "Une idée refusée.", status=ContributionStatus.REJECTED)
    answer(idea, essey_editor, status="retained", text="Quatre bancs posés en mai.")
    ProcessFollow.objects.create(process=closed, email=FOLLOWER, confirmed_at=timezone.now())

    header, row = list(open_data_rows(closed))
    records = json.loads(b"".join(client.get(closed.url + "donnees/json/").streaming_content))
    served = b"".join(client.get(closed.url + "donnees/csv/").streaming_content).decode()
    served += json.dumps(records) + client.get(f"/api/v2/pages/{closed.pk}/").content.decode()

    assert dict(zip(header, row, strict=True)) | {"numero": 1} == {
        "numero": 1,
        "date": row[1],
        "theme": "",
        "contribution": "Des bancs sous les tilleuls.",
        "soutiens": 4,
        "commentaires": 2,
        "reponse_statut": "Retenue",
        "reponse": "Quatre bancs posés en mai.",
        "reponse_date": timezone.localdate().isoformat(),
    }
    assert records[0]["reponse_statut"] == "Retenue"
    for secret in ("auteur.secret", FOLLOWER, contributor_key(FOLLOWER), contributor_key("auteur.secret@example.org")):
        assert secret not in served
    assert essey_editor.username not in served and essey_editor.email not in served
