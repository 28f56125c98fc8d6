"""Following a process by email (issue 14): double opt-in, news once, one-click unsubscribe, personal data."""

import datetime
import html as html_module
import io
import re

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from communes.models import Convention
from communes.services import record_revocation
from participation.models import ContributionStatus, FollowerNotice, ProcessFollow, ProcessPhase, contributor_key
from participation.services import Refused
from participation.services.follows import follow, notify_followers, notify_new_phases, request_follow
from participation.services.participants import confirm_participant, pass_token
from participation.services.personal_data import (
    anonymised_rows,
    erase_personal_data,
    open_data_rows,
    purge_personal_data,
    rights_url,
    stored_data_of,
)
from tests.participation.conftest import TODAY, add_contribution, link_in_last_email, make_process, path_of
from tests.participation.test_email_queue import queued, run_worker  # noqa: F401 - fixture

FOLLOWER = "suzanne.secret@example.org"


def follow_url(process):
    return process.url + "suivre/"


def text_of(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return html_module.unescape(content.decode())


def with_pass(client, email=FOLLOWER):
    client.cookies[django_settings.PARTICIPANT_PASS_COOKIE] = pass_token(confirm_participant(email))
    return client


def unsubscribe_link(message):
    return path_of(re.search(r"https?://\S+/participation/ne-plus-suivre/\S+/", message.body).group(0))


def end_convention(process):
    convention = Convention.objects.get(commune=process.get_parent().specific.commune)
    record_revocation(convention, decided_on=TODAY, reason="Manquement constaté au règlement.")


@pytest.fixture
def confirmed(process):
    return ProcessFollow.objects.create(process=process, email=FOLLOWER, confirmed_at=timezone.now())


# --- Double opt-in -------------------------------------------------------------------------------------------


def test_without_a_pass_following_takes_the_emailed_link(client, process):
    response = client.post(follow_url(process), {"suivre-email": FOLLOWER, "suivre-website": ""})

    assert response.status_code == 303 and response.url.endswith("suivre/#suivre")
    assert "Un courriel vient de vous être envoyé" in text_of(client.get(response.url))
    pending = ProcessFollow.objects.get()
    assert pending.confirmed_at is None and pending.contributor_key == contributor_key(FOLLOWER)
    assert mail.outbox[-1].to == [FOLLOWER] and "Confirmez votre abonnement" in mail.outbox[-1].subject

    link = path_of(link_in_last_email("/participation/confirmer-action/"))
    asked = Client().get(link)
    assert asked.status_code == 200 and "suivre la démarche" in text_of(asked)
    assert ProcessFollow.objects.get().confirmed_at is None, "opening the link is not confirming (mail scanners)"

    done = client.post(link)
    assert done.status_code == 303 and done.url.endswith("#suivre")
    assert ProcessFollow.objects.get().confirmed_at is not None
    assert done.cookies[django_settings.PARTICIPANT_PASS_COOKIE].value, "the link gives a pass"
    client.post(link)
    assert ProcessFollow.objects.count() == 1, "the link used twice leaves one follow"


def test_with_a_pass_the_follow_is_confirmed_at_once_without_email(client, process):
    with_pass(client)

    response = client.post(follow_url(process), {})

    assert response.status_code == 303
    assert ProcessFollow.objects.get().confirmed_at is not None
    assert mail.outbox == []
    page = text_of(client.get(process.url))
    assert "Vous suivez cette démarche." in page
    client.post(follow_url(process), {})
    assert ProcessFollow.objects.count() == 1


def test_asking_again_for_an_address_that_follows_tells_nothing_more(client, process, confirmed):
    response = client.post(follow_url(process), {"suivre-email": FOLLOWER.upper(), "suivre-website": ""})

    assert response.status_code == 303
    assert ProcessFollow.objects.count() == 1 and ProcessFollow.objects.get().email == FOLLOWER


@pytest.mark.parametrize("email", ["", "pas-une-adresse", "a@" + "b" * 300 + ".fr"])
def test_a_bad_address_is_refused_in_french(client, process, email):
    response = client.post(follow_url(process), {"suivre-email": email, "suivre-website": ""})

    assert response.status_code == 400
    html = text_of(response)
    assert "Erreur :" in html and 'aria-invalid="true"' in html
    assert ProcessFollow.objects.count() == 0 and mail.outbox == []


def test_a_robot_filling_the_honeypot_follows_nothing(client, process):
    response = client.post(follow_url(process), {"suivre-email": FOLLOWER, "suivre-website": "http://spam.example"})

    assert response.status_code == 303
    assert ProcessFollow.objects.count() == 0 and mail.outbox == []


def test_follow_requests_are_rate_limited(client, process, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "follow": (2, 600)}
    statuses = [
        client.post(follow_url(process), {"suivre-email": f"n{n}@example.org", "suivre-website": ""}).status_code
        for n in range(3)
    ]

    assert statuses == [303, 303, 429]


def test_a_process_of_an_ended_commune_cannot_be_followed(client, process):
    record_revocation(
        Convention.objects.get(commune=process.get_parent().specific.commune),
        decided_on=TODAY,
        reason="Manquement constaté au règlement.",
    )

    response = client.post(follow_url(process), {"suivre-email": FOLLOWER, "suivre-website": ""})

    assert response.status_code == 404
    with pytest.raises(Refused):
        request_follow(process, FOLLOWER)
    with pytest.raises(Refused):
        follow(process, confirm_participant(FOLLOWER))
    assert ProcessFollow.objects.count() == 0


def test_an_internal_process_cannot_be_followed_from_outside(client, commune_space, legal_texts):
    internal = make_process(commune_space, "Télétravail des agents", audience="agents")

    response = client.post(follow_url(internal), {"suivre-email": FOLLOWER, "suivre-website": ""})

    assert response.status_code == 302 and "/connexion/" in response.url
    assert ProcessFollow.objects.count() == 0


# --- News, with a one-click unsubscribe ------------------------------------------------------------------------


def test_every_news_email_carries_rfc_8058_headers_and_a_link(process, confirmed):
    notify_followers(process, "Une nouvelle", ["Il s'est passé quelque chose."])

    message = mail.outbox[-1]
    link = unsubscribe_link(message)
    assert message.extra_headers["List-Unsubscribe"] == f"<{django_settings.PUBLIC_BASE_URL}{link}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/participation/mes-donnees/" in message.body


def test_the_unsubscribe_link_works_once_and_without_login(process, confirmed):
    notify_followers(process, "Une nouvelle", ["Texte."])
    link = unsubscribe_link(mail.outbox[-1])
    browser = Client(enforce_csrf_checks=True)

    page = browser.get(link)
    assert page.status_code == 200 and "Nos cours d'école" in text_of(page)
    assert ProcessFollow.objects.filter(pk=confirmed.pk).exists(), "opening the page unsubscribes nobody"

    first = browser.post(link)
    assert first.status_code == 303
    assert "C'est fait" in text_of(browser.get(first.url))
    assert not ProcessFollow.objects.filter(pk=confirmed.pk).exists()

    second = browser.post(link)
    assert second.status_code == 303
    assert "C'était déjà fait" in text_of(browser.get(second.url))
    assert "C'était déjà fait" in text_of(Client().get(link))


def test_a_mail_clients_one_click_post_needs_no_csrf_token(process, confirmed):
    notify_followers(process, "Une nouvelle", ["Texte."])
    link = unsubscribe_link(mail.outbox[-1])

    response = Client(enforce_csrf_checks=True).post(link, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200 and "C'est fait" in text_of(response)
    assert not ProcessFollow.objects.exists()
    again = Client(enforce_csrf_checks=True).post(link, {"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200 and "déjà fait" in text_of(again)


def test_an_old_link_does_not_undo_a_later_follow(process, confirmed):
    notify_followers(process, "Une nouvelle", ["Texte."])
    link = unsubscribe_link(mail.outbox[-1])
    Client().post(link)
    ProcessFollow.objects.create(process=process, email=FOLLOWER, confirmed_at=timezone.now())

    Client().post(link)

    assert ProcessFollow.objects.count() == 1


@pytest.mark.parametrize("token", ["x", "WzEsImFiYyJd:forged:signature"])
def test_a_forged_unsubscribe_link_is_refused(client, process, confirmed, token):
    assert client.get(f"/participation/ne-plus-suivre/{token}/").status_code == 400
    assert client.post(f"/participation/ne-plus-suivre/{token}/").status_code == 400
    assert ProcessFollow.objects.count() == 1


def test_the_email_worker_sends_the_headers(process, confirmed, queued):  # noqa: F811
    notify_followers(process, "Une nouvelle", ["Texte."])
    assert mail.outbox == []

    run_worker()

    assert mail.outbox[0].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "ne-plus-suivre" in mail.outbox[0].message()["List-Unsubscribe"]


def test_queue_email_without_headers_sends_none(db, queued):  # noqa: F811
    from core.emails import queue_email

    queue_email("Sujet", "Texte.", ["a@example.org"])
    run_worker()

    assert "List-Unsubscribe" not in mail.outbox[0].message()


# --- A new phase, announced once by the daily job -----------------------------------------------------------------


@pytest.fixture
def second_phase(process):
    phase = process.phases.get()
    phase.ends_on = TODAY - datetime.timedelta(days=1)
    phase.save()
    return ProcessPhase.objects.create(
        process=process, title="Vote", starts_on=TODAY, ends_on=TODAY + datetime.timedelta(days=20)
    )


def test_a_new_phase_is_announced_once_however_often_the_job_runs(process, confirmed, second_phase):
    ProcessFollow.objects.create(process=process, email="pas-confirme@example.org")
    out = io.StringIO()

    call_command("notify_followers", stdout=out)
    call_command("notify_followers", stdout=io.StringIO())

    news = [message for message in mail.outbox if "Nouvelle étape" in message.subject]
    assert [message.to for message in news] == [[FOLLOWER]]
    assert "Vote" in news[0].body and "List-Unsubscribe" in news[0].extra_headers
    assert "1 new phase(s)" in out.getvalue()
    assert FollowerNotice.objects.get().followers == 1


def test_news_goes_out_in_committed_batches_and_an_interrupted_sending_is_resumed(
    process, second_phase, settings, monkeypatch
):
    from participation.services import follows

    settings.JOB_BATCH_SIZE = 2
    for n in range(5):
        ProcessFollow.objects.create(process=process, email=f"abonne{n}@example.org", confirmed_at=timezone.now())
    real_notify = follows.notify_followers
    batches = []

    def stop_at_the_second_batch(*args, followers=None, **kwargs):
        batches.append(len(followers))
        if len(batches) == 2:
            raise RuntimeError("interrupted")
        return real_notify(*args, followers=followers, **kwargs)

    monkeypatch.setattr(follows, "notify_followers", stop_at_the_second_batch)
    with pytest.raises(RuntimeError):
        notify_new_phases()
    told_first = sorted(message.to[0] for message in mail.outbox)
    monkeypatch.setattr(follows, "notify_followers", real_notify)
    mail.outbox.clear()

    assert notify_new_phases() == 1, "the next run finishes it"
    assert notify_new_phases() == 0, "and a third has nothing to send"
    told_next = sorted(message.to[0] for message in mail.outbox)

    assert told_first == ["abonne0@example.org", "abonne1@example.org"], "the first batch, committed"
    assert told_next == [f"abonne{n}@example.org" for n in range(2, 5)], "the rest, nobody twice"
    notice = FollowerNotice.objects.get()
    assert notice.followers == 5 and not notice.pending


def test_a_missed_day_is_caught_up_but_not_an_old_phase(process, confirmed, second_phase, on_day):
    on_day(TODAY + datetime.timedelta(days=2))
    assert notify_new_phases() == 1

    FollowerNotice.objects.all().delete()
    mail.outbox.clear()
    on_day(TODAY + datetime.timedelta(days=10))
    assert notify_new_phases() == 0 and mail.outbox == []


def test_no_news_of_a_process_whose_commune_ended(process, confirmed, second_phase):
    record_revocation(
        Convention.objects.get(commune=process.get_parent().specific.commune),
        decided_on=TODAY,
        reason="Manquement constaté au règlement.",
    )

    assert notify_new_phases() == 0
    assert mail.outbox == []


# --- Followers are personal data -----------------------------------------------------------------------------------


def test_the_personal_page_lists_follows_and_stops_one(client, process, confirmed):
    other = ProcessFollow.objects.create(process=process, email="autre@example.org", confirmed_at=timezone.now())
    page = path_of(rights_url(FOLLOWER))

    html = text_of(client.get(page))
    refused = client.post(page, {"action": "unfollow", "follow": other.pk})
    response = client.post(page, {"action": "unfollow", "follow": confirmed.pk})

    assert "Nos cours d'école" in html and "Ne plus suivre" in html
    assert refused.status_code == 404, "another person's follow is not found"
    assert response.status_code == 303
    assert not ProcessFollow.objects.filter(pk=confirmed.pk).exists()
    assert ProcessFollow.objects.filter(pk=other.pk).exists()
    assert client.post(page, {"action": "unfollow", "follow": "abc"}).status_code == 404


def test_erasure_removes_follows(process, confirmed):
    erase_personal_data(contributor_key(FOLLOWER))

    assert not ProcessFollow.objects.exists()


def test_the_download_of_ones_data_lists_follows(process, confirmed):
    data = stored_data_of(contributor_key(FOLLOWER))

    assert data["abonnements"][0]["demarche"] == "Nos cours d'école"
    assert FOLLOWER in data["adresses_electroniques"]


def test_unconfirmed_follows_and_follows_past_retention_are_purged(commune_space, legal_texts, process):
    old = make_process(commune_space, "Ancienne démarche", starts=-900, ends=-800)
    ProcessFollow.objects.create(process=old, email=FOLLOWER, confirmed_at=timezone.now())
    stale = ProcessFollow.objects.create(process=process, email="tard@example.org")
    ProcessFollow.objects.filter(pk=stale.pk).update(created_at=timezone.now() - datetime.timedelta(days=3))
    fresh = ProcessFollow.objects.create(process=process, email="frais@example.org")
    kept = ProcessFollow.objects.create(process=process, email=FOLLOWER, confirmed_at=timezone.now())

    counts = purge_personal_data()

    assert (counts["follows_deleted"], counts["unconfirmed_follows_deleted"]) == (1, 1)
    assert set(ProcessFollow.objects.values_list("pk", flat=True)) == {fresh.pk, kept.pk}


def test_followers_are_in_no_export_nor_open_data(client, commune_space, legal_texts):
    closed = make_process(commune_space, "Consultation close", starts=-60, ends=-1)
    add_contribution(closed, "Une idée publiée sur la cour.", email="auteur@example.org")
    add_contribution(closed, "Une idée refusée.", status=ContributionStatus.REJECTED)
    ProcessFollow.objects.create(process=closed, email=FOLLOWER, confirmed_at=timezone.now())
    key = contributor_key(FOLLOWER)

    exported = repr(list(anonymised_rows(closed))) + repr(list(open_data_rows(closed)))
    served = b"".join(client.get(closed.url + "donnees/csv/").streaming_content).decode()
    served += text_of(client.get(closed.url + "donnees/json/"))
    served += text_of(client.get(f"/api/v2/pages/{closed.pk}/"))
    served += text_of(client.get(closed.url))

    for text in (exported, served):
        assert FOLLOWER not in text and key not in text and "suzanne" not in text
