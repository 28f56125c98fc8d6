"""Meeting registrations, confirmed by the owner of the address: tried from the wrong side.

Before: anyone could register someone else's address (its owner was then told "déjà inscrit"), and four
fake registrations filled a six-seat meeting.
"""

import datetime
import html
import re
import time
import zoneinfo
from unittest import mock

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from participation.models import EventRegistration
from participation.services.links import CONFIRM_SALT, registration_cancellation_url, registration_confirmation_url
from participation.services.personal_data import purge_personal_data
from tests.participation.conftest import TODAY, link_in_last_email, make_process, path_of

CONFIRM = "inscription/confirmer/"
CANCEL = "inscription/annuler/"


@pytest.fixture
def make_meeting(commune_space, legal_texts):
    def make(capacity, title="Réunion publique"):
        starts_at = datetime.datetime.combine(
            TODAY + datetime.timedelta(days=20), datetime.time(18), zoneinfo.ZoneInfo("Europe/Paris")
        )
        return make_process(
            commune_space,
            title,
            accepts_contributions=False,
            event_starts_at=starts_at,
            event_place="Salle des fêtes",
            event_capacity=capacity,
        )

    return make


def text(response):
    return html.unescape(response.content.decode())


def register(client, meeting, email, name="Alex", client_address="192.0.2.1"):
    data = {"name": name, "email": email, "needs": "", "website": ""}
    return client.post(meeting.url + "inscription/", data, REMOTE_ADDR=client_address, follow=True)


def confirm_last_link(client):
    return client.post(path_of(link_in_last_email(CONFIRM)), follow=True)


def seats_shown(client, meeting):
    page = text(client.get(meeting.url))
    if "La rencontre est complète." in page:
        return 0
    return int(re.search(r"(\d+) places? disponibles?\.", page).group(1))


def test_registering_someone_elses_address_takes_no_seat_and_does_not_block_its_owner(client, make_meeting):
    meeting = make_meeting(6)

    fake = register(client, meeting, "victime@example.org", name="Faux Nom", client_address="198.51.100.7")
    seats_after_fake = seats_shown(client, meeting)
    owner = register(client, meeting, "Victime@example.org", name="Vrai Nom")

    assert fake.status_code == 200 and seats_after_fake == 6
    assert owner.status_code == 200
    assert "déjà inscrit" not in text(owner)
    assert "inscription est enregistrée" in text(owner)
    # Only the owner of the address receives the links.
    assert [message.to for message in mail.outbox] == [["victime@example.org"], ["victime@example.org"]]
    fake_link = re.search(r"https?://\S+inscription/confirmer/\S+/", mail.outbox[0].body).group(0)
    confirmed = confirm_last_link(client)
    assert confirmed.status_code == 200 and "est confirmée" in text(confirmed)
    registration = EventRegistration.objects.get(process=meeting)
    assert registration.name == "Vrai Nom" and registration.is_confirmed
    assert seats_shown(client, meeting) == 5
    # The first link names the same registration: it confirms nothing more.
    assert client.post(path_of(fake_link), follow=True).status_code == 200
    assert EventRegistration.objects.confirmed().count() == 1


def test_four_unconfirmed_registrations_do_not_fill_a_six_seat_meeting(client, make_meeting):
    meeting = make_meeting(6)
    for number in range(4):
        register(client, meeting, f"inconnu{number}@example.org", client_address="198.51.100.7")

    assert seats_shown(client, meeting) == 6

    answers = []
    for number in range(6):
        answers.append(register(client, meeting, f"habitant{number}@example.org", client_address=f"192.0.2.{number}"))
        answers.append(confirm_last_link(client))
    seventh = register(client, meeting, "septieme@example.org", client_address="192.0.2.99")

    assert [answer.status_code for answer in answers] == [200] * 12
    assert EventRegistration.objects.confirmed().filter(process=meeting).count() == 6
    assert seats_shown(client, meeting) == 0
    assert seventh.status_code == 400 and "complète" in text(seventh)


def test_a_confirmation_finds_the_last_seat_taken_meanwhile(client, make_meeting):
    meeting = make_meeting(1)
    register(client, meeting, "premiere@example.org")
    first_link = link_in_last_email(CONFIRM)
    register(client, meeting, "second@example.org")
    second_link = link_in_last_email(CONFIRM)

    client.post(path_of(first_link))
    late = client.post(path_of(second_link))

    assert late.status_code == 400
    assert "La rencontre est complète : votre inscription n'a pas pu être confirmée" in text(late)
    assert list(EventRegistration.objects.confirmed().values_list("email", flat=True)) == ["premiere@example.org"]


def test_opening_the_link_confirms_nothing_until_the_button_is_pressed(client, make_meeting):
    """Mail scanners open links: the seat is taken by the click on the page."""
    meeting = make_meeting(6)
    register(client, meeting, "alex@example.org")

    page = client.get(path_of(link_in_last_email(CONFIRM)))

    assert page.status_code == 200 and "Je confirme mon inscription" in text(page)
    assert not EventRegistration.objects.get().is_confirmed


def test_the_answer_does_not_tell_whether_an_address_is_registered(client, make_meeting):
    meeting = make_meeting(6)
    register(client, meeting, "alex@example.org")
    confirm_last_link(client)
    first_answer = text(register(client, meeting, "nouveau@example.org", client_address="192.0.2.2"))

    again = register(client, meeting, "alex@example.org", client_address="198.51.100.7")

    assert again.status_code == 200
    assert "déjà inscrit" not in text(again)
    assert "inscription est enregistrée" in text(again) and "inscription est enregistrée" in first_answer
    # Its owner is told by email, with the way to cancel.
    assert mail.outbox[-1].to == ["alex@example.org"] and "déjà inscrit" in mail.outbox[-1].body
    assert CANCEL in mail.outbox[-1].body


def test_cancelling_frees_the_seat(client, make_meeting):
    meeting = make_meeting(1)
    register(client, meeting, "alex@example.org")
    confirm_last_link(client)
    cancel_link = path_of(link_in_last_email(CANCEL))
    refused = register(client, meeting, "sam@example.org", client_address="192.0.2.2")

    shown = client.get(cancel_link)
    still_registered = EventRegistration.objects.filter(email="alex@example.org").exists()
    cancelled = client.post(cancel_link, follow=True)
    accepted = register(client, meeting, "sam@example.org", client_address="192.0.2.3")

    assert refused.status_code == 400
    assert "J'annule mon inscription" in text(shown) and still_registered
    assert cancelled.status_code == 200 and "votre place est libérée" in text(cancelled)
    assert not EventRegistration.objects.filter(email="alex@example.org").exists()
    assert accepted.status_code == 200
    # Used again, the link says so in French.
    again = client.post(cancel_link)
    assert again.status_code == 400 and "Cette inscription n'existe plus" in text(again)


def test_once_the_convention_ends_a_link_takes_no_seat_but_still_cancels(client, make_meeting, commune_space):
    """Before: the emailed link confirmed a seat at a meeting of a commune whose pages had gone offline."""
    from communes.models import Convention
    from communes.services import record_revocation

    meeting = make_meeting(6)
    register(client, meeting, "alex@example.org")
    confirm_last_link(client)
    cancel_link = path_of(link_in_last_email(CANCEL))
    register(client, meeting, "sam@example.org", client_address="192.0.2.2")
    confirm_link = path_of(link_in_last_email(CONFIRM))

    record_revocation(
        Convention.objects.get(commune_id=commune_space.commune_id),
        decided_on=timezone.localdate(),
        reason="Manquement constaté au règlement d'utilisation.",
    )
    confirming = client.post(confirm_link)
    cancelling = client.post(cancel_link, follow=True)

    assert confirming.status_code == 400
    assert "la commune ne participe plus à la plateforme" in text(confirming)
    assert EventRegistration.objects.get(email="sam@example.org").confirmed_at is None
    assert cancelling.status_code == 200 and not EventRegistration.objects.filter(email="alex@example.org").exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_forged_expired_and_other_links_are_refused_in_french(client, make_meeting, method):
    meeting = make_meeting(6)
    register(client, meeting, "alex@example.org")
    registration = EventRegistration.objects.get()
    confirm_link = path_of(registration_confirmation_url(registration))
    cancel_link = path_of(registration_cancellation_url(registration))
    token = confirm_link.rstrip("/").rsplit("/", 1)[1]
    contribution_token = signing.dumps(registration.pk, salt=CONFIRM_SALT)
    refusals = {
        "forged": reverse("participation:confirm_registration", args=["pas-un-vrai-lien"]),
        "tampered": reverse("participation:confirm_registration", args=[token[:-2] + "xx"]),
        "cancel link used to confirm": reverse("participation:confirm_registration", args=[cancel_link.split("/")[-2]]),
        "confirm link used to cancel": reverse("participation:cancel_registration", args=[token]),
        "a contribution's link": reverse("participation:confirm_registration", args=[contribution_token]),
    }

    answers = {name: getattr(client, method)(url) for name, url in refusals.items()}
    with mock.patch("django.core.signing.time.time", return_value=time.time() + 49 * 3600):
        expired = getattr(client, method)(confirm_link)

    for name, answer in answers.items():
        assert answer.status_code == 400, name
        assert "Ce lien n'est pas valide" in text(answer), name
    assert expired.status_code == 400 and "Ce lien a expiré" in text(expired)
    assert not EventRegistration.objects.confirmed().exists()
    assert EventRegistration.objects.filter(pk=registration.pk).exists()


def test_unconfirmed_registrations_expire_with_their_link(make_meeting):
    meeting = make_meeting(6)
    long_ago = timezone.now() - datetime.timedelta(hours=49)
    EventRegistration.objects.create(process=meeting, name="Expirée", email="a@example.org", created_at=long_ago)
    EventRegistration.objects.create(process=meeting, name="Récente", email="b@example.org")
    EventRegistration.objects.create(
        process=meeting, name="Confirmée", email="c@example.org", created_at=long_ago, confirmed_at=long_ago
    )

    counts = purge_personal_data()

    assert counts["unconfirmed_registrations_deleted"] == 1
    assert sorted(EventRegistration.objects.values_list("name", flat=True)) == ["Confirmée", "Récente"]


def test_the_commune_sees_only_confirmed_registrations(client, make_meeting, essey_editor):
    meeting = make_meeting(6)
    EventRegistration.objects.create(
        process=meeting, name="Alex Confirmé", email="a@example.org", confirmed_at=timezone.now()
    )
    EventRegistration.objects.create(process=meeting, name="Zoé Pas Confirmée", email="z@example.org")
    client.force_login(essey_editor)

    listing = text(client.get(reverse("registrations:index")))

    assert "Alex Confirmé" in listing
    assert "Zoé Pas Confirmée" not in listing and "z@example.org" not in listing
