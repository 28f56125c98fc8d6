"""Official answers (issue 14): a commune's editor or moderator, or Métropole staff, answers a published
contribution; the author and the followers are told; nobody else may answer."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from communes.models import CommuneRole, Convention
from communes.services import record_revocation
from participation.models import AnswerStatus, ContributionLogEntry, ContributionStatus, ProcessFollow
from participation.services.answers import answer
from tests.conftest import commune_group
from tests.participation.conftest import add_contribution

ANSWER = {"answer_status": "retained", "answer_text": "Nous plantons six pommiers à l'automne."}


@pytest.fixture
def idea(process):
    return add_contribution(process, "Planter des arbres fruitiers le long du mur nord de la cour.")


@pytest.fixture
def follower(process):
    return ProcessFollow.objects.create(process=process, email="voisine@example.org", confirmed_at=timezone.now())


def answer_url(contribution):
    return reverse("participation_answer", args=[contribution.pk])


def revoke(commune):
    record_revocation(
        Convention.objects.get(commune=commune), decided_on=datetime.date.today(), reason="Manquement constaté."
    )


# --- The right side ----------------------------------------------------------------------------------------


def test_an_editor_answers_and_the_author_and_followers_are_emailed(client, idea, essey_editor, follower):
    client.force_login(essey_editor)

    form = client.get(answer_url(idea))
    response = client.post(answer_url(idea), ANSWER)

    assert form.status_code == 200 and "Retenue" in form.content.decode()
    assert response.status_code == 302
    idea.refresh_from_db()
    assert (idea.answer_status, idea.answer_text) == (AnswerStatus.RETAINED, ANSWER["answer_text"])
    assert idea.answered_by == essey_editor and idea.answered_at is not None
    entry = ContributionLogEntry.objects.get(action="participation.contribution_answered")
    assert entry.object_id == str(idea.pk) and entry.user == essey_editor
    to_author = next(message for message in mail.outbox if message.to == ["camille@example.org"])
    assert "a répondu à votre contribution" in to_author.subject
    assert "Retenue" in to_author.body and ANSWER["answer_text"] in to_author.body
    assert "/participation/mes-donnees/" in to_author.body
    to_follower = next(message for message in mail.outbox if message.to == ["voisine@example.org"])
    assert ANSWER["answer_text"] in to_follower.body
    assert "camille@example.org" not in to_follower.body
    assert to_follower.extra_headers["List-Unsubscribe"].startswith("<http")
    assert "/participation/ne-plus-suivre/" in to_follower.extra_headers["List-Unsubscribe"]
    assert to_follower.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_moderator_answers_from_the_moderation_page(client, idea, moderators):
    client.force_login(moderators[0])

    inspect = client.get(reverse("contributions:inspect", args=[idea.pk])).content.decode()
    client.post(answer_url(idea), {**ANSWER, "answer_status": "under_study"})

    assert answer_url(idea) in inspect
    idea.refresh_from_db()
    assert idea.answer_status == AnswerStatus.UNDER_STUDY


def test_staff_answer_any_communes_contribution(client, idea, staff_user):
    client.force_login(staff_user)

    client.post(answer_url(idea), ANSWER)

    idea.refresh_from_db()
    assert idea.answer_status == AnswerStatus.RETAINED


def test_the_same_answer_twice_emails_nobody_again(idea, essey_editor, follower):
    assert answer(idea, essey_editor, status="done", text="Fait en mars.") is True
    sent = len(mail.outbox)

    assert answer(idea, essey_editor, status="done", text="  Fait en mars.  ") is False
    assert len(mail.outbox) == sent
    assert ContributionLogEntry.objects.filter(action="participation.contribution_answered").count() == 1

    assert answer(idea, essey_editor, status="done", text="Fait en avril.") is True
    assert len(mail.outbox) == sent + 2, "a new text is news: the author and the follower"


def test_a_follower_who_wrote_the_contribution_gets_one_email(idea, essey_editor, process):
    ProcessFollow.objects.create(process=process, email="Camille@example.org", confirmed_at=timezone.now())

    answer(idea, essey_editor, status="retained", text="Oui.")

    assert [message.to for message in mail.outbox] == [["camille@example.org"]]


def test_an_unconfirmed_follower_is_not_emailed(idea, essey_editor, process):
    ProcessFollow.objects.create(process=process, email="pas-encore@example.org")

    answer(idea, essey_editor, status="retained", text="Oui.")

    assert all(message.to != ["pas-encore@example.org"] for message in mail.outbox)


@pytest.mark.parametrize(
    "data",
    [
        {"answer_status": "maybe", "answer_text": "Un texte."},
        {"answer_status": "retained", "answer_text": "   "},
        {"answer_status": "retained", "answer_text": "x" * 3001},
        {},
    ],
    ids=["unknown status", "blank text", "too long", "nothing"],
)
def test_bad_input_is_refused_in_french_without_change(client, idea, essey_editor, data):
    client.force_login(essey_editor)

    response = client.post(answer_url(idea), data)

    assert response.status_code == 400
    idea.refresh_from_db()
    assert idea.answer_status == "" and mail.outbox == []


def test_the_service_refuses_bad_input(idea, essey_editor):
    with pytest.raises(ValidationError):
        answer(idea, essey_editor, status="perhaps", text="Un texte.")
    with pytest.raises(ValidationError):
        answer(idea, essey_editor, status="retained", text="")


# --- The wrong side: refused at the view and at the service --------------------------------------------------


@pytest.fixture
def wrong_side(make_user, make_space, commune_space, essey_editor):
    """Who may not answer Essey's contributions (the ended commune's editor is Essey's, once revoked)."""
    nancy = make_space("Nancy", slug="nancy", insee_code="54395")
    return {
        "editor of another commune": make_user("editeur-nancy", commune_group(nancy, CommuneRole.EDITORS)),
        "moderator of another commune": make_user("moderateur-nancy", commune_group(nancy, CommuneRole.MODERATORS)),
        "agent of the commune": make_user("agent-essey", commune_group(commune_space, CommuneRole.AGENTS)),
        "editor of an ended commune": essey_editor,
    }


@pytest.mark.parametrize(
    "role",
    ["editor of another commune", "moderator of another commune", "agent of the commune", "editor of an ended commune"],
)
def test_the_wrong_side_cannot_answer(client, idea, wrong_side, role):
    user = wrong_side[role]
    if role == "editor of an ended commune":
        revoke(idea.commune)
    client.force_login(user)

    form = client.get(answer_url(idea))
    post = client.post(answer_url(idea), ANSWER)
    listing = client.get(reverse("participation_answers"))

    assert form.status_code in (302, 403, 404), role
    assert post.status_code in (302, 403, 404), role
    if post.status_code == 302:
        assert "/admin/login/" in post.url, role
    assert listing.status_code in (302, 403) or "Planter des arbres" not in listing.content.decode(), role
    with pytest.raises(PermissionDenied):
        answer(idea, user, status="retained", text="Pris par le mauvais côté.")
    idea.refresh_from_db()
    assert idea.answer_status == "" and mail.outbox == []


def test_anonymous_visitors_cannot_answer(client, idea):
    from django.contrib.auth.models import AnonymousUser

    response = client.post(answer_url(idea), ANSWER)

    assert response.status_code == 302 and "/admin/login/" in response.url
    with pytest.raises(PermissionDenied):
        answer(idea, AnonymousUser(), status="retained", text="Non.")
    idea.refresh_from_db()
    assert idea.answer_status == ""


@pytest.mark.parametrize("status", [ContributionStatus.AWAITING_MODERATION, ContributionStatus.HIDDEN])
def test_an_unpublished_contribution_gets_no_answer(client, process, essey_editor, status):
    hidden = add_contribution(process, "Une idée qui n'est pas publique.", status=status)
    client.force_login(essey_editor)

    assert client.post(answer_url(hidden), ANSWER).status_code == 404
    with pytest.raises(PermissionDenied):
        answer(hidden, essey_editor, status="retained", text="Non.")


def test_the_answer_is_logged_where_the_communes_moderators_read_it(idea, essey_editor, nancy_moderator, moderators):
    answer(idea, essey_editor, status="not_retained", text="Le mur nord est classé.")

    assert ContributionLogEntry.objects.viewable_by_user(moderators[0]).filter(
        action="participation.contribution_answered"
    )
    assert not ContributionLogEntry.objects.viewable_by_user(nancy_moderator).exists()
    assert not ModelLogEntry.objects.filter(action="participation.contribution_answered").exists()


# --- Listings -------------------------------------------------------------------------------------------------


def test_the_answers_listing_filters_by_answer(client, process, essey_editor):
    answered = add_contribution(process, "Une fontaine dans la cour, près du préau.")
    add_contribution(process, "Des bancs à l'ombre des tilleuls, côté rue.")
    answer(answered, essey_editor, status="done", text="Installée en juin.")
    client.force_login(essey_editor)

    every = client.get(reverse("participation_answers")).content.decode()
    done = client.get(reverse("participation_answers") + "?answer_status=done").content.decode()
    waiting = client.get(reverse("participation_answers") + "?answer_status=none").content.decode()
    nonsense = client.get(reverse("participation_answers") + "?answer_status=zz&p=zz")

    assert "Une fontaine" in every and "Des bancs" in every and "Réalisée" in every
    assert "Une fontaine" in done and "Des bancs" not in done
    assert "Des bancs" in waiting and "Une fontaine" not in waiting
    assert nonsense.status_code == 200


def test_the_moderation_listing_shows_and_filters_the_answer(client, process, moderators, essey_editor):
    answered = add_contribution(process, "Une fontaine dans la cour, près du préau.")
    add_contribution(process, "Des bancs à l'ombre des tilleuls, côté rue.")
    answer(answered, essey_editor, status="not_retained", text="Pas de réseau d'eau à cet endroit.")
    client.force_login(moderators[0])

    listing = client.get(reverse("contributions:index")).content.decode()
    filtered = client.get(reverse("contributions:index") + "?answer_status=not_retained").content.decode()

    assert "Réponse" in listing and "Non retenue" in listing
    assert "Une fontaine" in filtered and "Des bancs" not in filtered


def test_the_answers_menu_shows_only_to_those_who_answer(client, idea, essey_editor, make_user, commune_space):
    client.force_login(essey_editor)
    assert reverse("participation_answers") in client.get("/admin/").content.decode()

    revoke(idea.commune)
    assert reverse("participation_answers") not in client.get("/admin/").content.decode()


# --- Public display ---------------------------------------------------------------------------------------------


def test_the_answer_shows_under_the_contribution_with_its_status_in_words_and_date(client, idea, essey_editor):
    answer(idea, essey_editor, status="retained", text="Nous plantons six pommiers à l'automne.")

    html = client.get(idea.process.url).content.decode()

    assert "Réponse de la commune : Retenue" in html
    assert "Nous plantons six pommiers" in html
    from core.typography import french_date

    assert french_date(timezone.now()) in html


def test_the_process_page_reads_answers_in_the_same_number_of_queries(
    client, process, essey_editor, django_assert_max_num_queries
):
    for number in range(3):
        answer(
            add_contribution(process, f"Idée numéro {number} pour la cour."), essey_editor, status="done", text="Oui."
        )
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(process.url)
    with CaptureQueriesContext(connection) as few:
        client.get(process.url)
    for number in range(3, 9):
        answer(
            add_contribution(process, f"Idée numéro {number} pour la cour."), essey_editor, status="done", text="Oui."
        )
    client.get(process.url)  # the first visit after a change counts again (the count is cached per process)
    with CaptureQueriesContext(connection) as more:
        client.get(process.url)

    assert len(more) == len(few)
