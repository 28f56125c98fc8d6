"""Concurrent supports on real connections: the database, not the code's checks, keeps one voice per person.

Each test commits its world (pytest-django's transactional tests, the migrations' rows restored afterwards) so that
threads, each with its own connection, see it; the threads are held at a barrier and post at the same moment.
"""

import threading

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import Client

from charter.models import LegalTextKind
from communes.services import ensure_commune_space, register_commune
from home.services import ensure_metropole_identity, ensure_portal
from participation.models import Contribution, Support
from participation.services.participants import confirm_participant, pass_token
from tests.conftest import body, publish_legal_text
from tests.factories import CommuneFactsFactory, ConventionFactory, ProviderContractFactory
from tests.participation.conftest import add_contribution, link_in_last_email, make_process, path_of

transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)
THREADS = 6


@pytest.fixture(scope="module", autouse=True)
def migrated_rows_restored(django_db_setup, django_db_blocker):
    """A transactional test ends on an empty database: the migrations' rows come back for the modules after."""
    yield
    with django_db_blocker.unblock():
        connection.creation.deserialize_db_from_string(connection._test_serialized_contents)


@pytest.fixture
def process():
    portal, _created = ensure_portal(title="Je participe", intro="<p>Le portail de test.</p>")
    ensure_metropole_identity(
        portal.get_site(), name="Métropole de Test", address="1 place de la Mairie", mission_email="m@example.org"
    )
    ProviderContractFactory()
    commune, _created = register_commune(CommuneFactsFactory(name="Essey-lès-Nancy", slug="essey", insee_code="54184"))
    ConventionFactory(commune=commune)
    space, _created = ensure_commune_space(commune, portal)
    publish_legal_text(LegalTextKind.CHARTER, "2022-03-01", body=body("Charte.", rules=[("respect", "Respect")]))
    publish_legal_text(LegalTextKind.TERMS, "2022-03-01")
    return make_process(space)


def at_once(posts):
    """Run each `post()` in its own thread and connection, all released together; their status codes."""
    barrier = threading.Barrier(len(posts))
    statuses = [None] * len(posts)

    def run(index, post):
        try:
            barrier.wait()
            statuses[index] = post()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, post)) for index, post in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


def browser_with_pass(token):
    client = Client()
    client.cookies[settings.PARTICIPANT_PASS_COOKIE] = token
    return client


@transactional
def test_concurrent_supports_of_one_person_count_once(process):
    idea = add_contribution(process, "Une idée que la même personne soutient six fois à la fois.")
    token = pass_token(confirm_participant("pressee@example.org"))
    url = f"{process.url}contributions/{idea.pk}/soutenir/"
    browsers = [browser_with_pass(token) for _n in range(THREADS)]

    statuses = at_once(
        [lambda browser=browser: browser.post(url, {"action": "support"}).status_code for browser in browsers]
    )

    assert statuses == [303] * THREADS, "each answered, none with an error"
    assert Support.objects.filter(contribution=idea).count() == 1
    assert Contribution.objects.get(pk=idea.pk).support_count == 1


@transactional
def test_concurrent_supports_of_different_people_all_count(process):
    idea = add_contribution(process, "Une idée que six personnes soutiennent à la fois.")
    tokens = [pass_token(confirm_participant(f"personne{n}@example.org")) for n in range(THREADS)]
    url = f"{process.url}contributions/{idea.pk}/soutenir/"
    browsers = [browser_with_pass(token) for token in tokens]

    statuses = at_once(
        [lambda browser=browser: browser.post(url, {"action": "support"}).status_code for browser in browsers]
    )

    assert statuses == [303] * THREADS
    assert Contribution.objects.get(pk=idea.pk).support_count == THREADS == Support.objects.count()


@transactional
def test_concurrent_supports_cannot_pass_the_limit_per_person(process):
    process.supports_per_person = 1
    process.save(update_fields=["supports_per_person"])
    ideas = [add_contribution(process, f"Idée numéro {n} soutenue au même instant.") for n in range(THREADS)]
    token = pass_token(confirm_participant("pressee@example.org"))
    browsers = [browser_with_pass(token) for _n in range(THREADS)]
    posts = [
        lambda browser=browser, idea=idea: (
            browser.post(f"{process.url}contributions/{idea.pk}/soutenir/", {"action": "support"}).status_code
        )
        for browser, idea in zip(browsers, ideas, strict=True)
    ]

    statuses = at_once(posts)

    assert sorted(statuses) == [303] + [400] * (THREADS - 1)
    assert Support.objects.count() == 1
    assert sum(Contribution.objects.values_list("support_count", flat=True)) == 1


@transactional
def test_two_clicks_on_a_new_address_link_at_the_same_instant_are_no_error(process):
    """Before (review): [303, 500, 500, 500], the second insert of the participant refused by its constraint."""
    idea = add_contribution(process, "Une idée soutenue par un nouveau venu, deux onglets.")
    Client().post(f"{process.url}contributions/{idea.pk}/soutenir/", {"action": "support", "email": "neuf@example.org"})
    link = path_of(link_in_last_email("/participation/confirmer-action/"))

    statuses = at_once([lambda: Client(raise_request_exception=False).post(link).status_code for _ in range(4)])

    assert statuses == [303] * 4
    assert Support.objects.count() == 1
