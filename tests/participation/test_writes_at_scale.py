"""Writes that stay fast at a million contributions (issue 15): a citizen's POST, the click on a confirmation link
and a moderator's decision (one by one and in bulk) cost the same queries whatever the volume; the duplicate check
reads an index; the daily purge works in committed, resumable batches and says how far it got.

Volumes are small here (the suite stays fast): the query counts are pinned at two volumes, and the plan of the
duplicate check is read with EXPLAIN. Timings at 1 M belong to `make bench`.
"""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from charter.services import current_acceptance_terms
from participation.models import Appeal, Contribution, ContributionStatus, contributor_key
from participation.services import Refused
from participation.services.contributions import submit_contribution
from participation.services.personal_data import ERASED_PSEUDONYM, purge_personal_data
from tests.participation.conftest import link_in_last_email, make_process, path_of

# What a contribution POST costs, from the door to the redirect: the process page's route (its page, in its type),
# the rate limit (one statement), the phases (is it open?), the duplicate check, the row, the queued email. The
# site, the visibility, the commune, the legal texts in force come from the cache; no theme sent, no theme read.
POST_QUERIES = 8
# A moderator's decision, one by one: session and user, the contribution in their queue, the decision's rows
# (the contribution, its reports, the audit log: its keys not read back), the email to its author.
DECISION_QUERIES = 18
# A decision in bulk: what is read once for the action, then what each contribution costs.
BULK_FIXED_QUERIES = 17
BULK_QUERIES_PER_ITEM = 6


def bulk_published(process, count, *, status=ContributionStatus.PUBLISHED, start=0):
    """`count` contributions of other people, bulk-created as an import would (the volume a test adds)."""
    terms = current_acceptance_terms()
    now = timezone.now()
    return Contribution.objects.bulk_create(
        [
            Contribution(
                process=process,
                commune_id=process.get_parent().specific.commune_id,
                pseudonym=f"Auteur {n}",
                email=f"auteur{n}@example.org",
                contributor_key=contributor_key(f"auteur{n}@example.org"),
                text=f"Contribution numéro {n} sur la cour de l'école.",
                charter_version=terms.charter,
                terms_version=terms.terms,
                status=status,
                confirmed_at=now,
                published_at=now if status == ContributionStatus.PUBLISHED else None,
            )
            for n in range(start, start + count)
        ],
        batch_size=2000,
    )


def queries_of(action):
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured.captured_queries)


def post_from(client, process, n):
    """A citizen's contribution from their own address (each client has its own rate limit)."""
    return client.post(
        process.url + "contribuer/",
        {
            "pseudonym": f"Habitant {n}",
            "email": f"habitant{n}@example.org",
            "text": f"Une idée de plus, la numéro {n}, pour la cour.",
            "theme": "",
            "accept": "on",
            "charter_version": current_acceptance_terms().charter.pk,
            "terms_version": current_acceptance_terms().terms.pk,
            "website": "",
        },
        REMOTE_ADDR=f"192.0.2.{n}",
    )


# --- A citizen's POST and the click on the confirmation link ---------------------------------------------------


def test_a_contribution_post_and_its_confirmation_cost_the_same_queries_at_any_volume(client, process):
    post_from(client, process, 1)  # the caches a first visitor fills (active communes, legal texts' footer)
    client.post(path_of(link_in_last_email("/participation/confirmer/")))

    small = queries_of(lambda: post_from(client, process, 2))
    confirm_small = queries_of(lambda: client.post(path_of(link_in_last_email("/participation/confirmer/"))))
    bulk_published(process, 3000)
    bulk_published(process, 500, status=ContributionStatus.AWAITING_MODERATION, start=3000)
    large = queries_of(lambda: post_from(client, process, 3))
    confirm_large = queries_of(lambda: client.post(path_of(link_in_last_email("/participation/confirmer/"))))

    assert (small, confirm_small) == (large, confirm_large)
    assert small == POST_QUERIES
    assert Contribution.objects.filter(email__startswith="habitant").count() == 3


def test_a_duplicate_is_refused_whatever_the_case_and_spaces_of_the_address(process):
    terms = current_acceptance_terms()
    text = "Planter des arbres fruitiers le long du mur nord de la cour."
    submit_contribution(
        process,
        pseudonym="Camille",
        email="camille@example.org",
        text=text,
        charter_version=terms.charter,
        terms_version=terms.terms,
    )

    for email in ("Camille@Example.ORG", "  camille@example.org "):
        with pytest.raises(Refused, match="déjà envoyé cette contribution"):
            submit_contribution(
                process,
                pseudonym="Camille",
                email=email,
                text=text,
                charter_version=terms.charter,
                terms_version=terms.terms,
            )
    assert Contribution.objects.count() == 1


def test_the_duplicate_check_reads_the_index_of_keyed_addresses_not_the_process(process):
    from participation.services.contributions import is_duplicate

    bulk_published(process, 5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE participation_contribution")

    with CaptureQueriesContext(connection) as captured:
        assert not is_duplicate(process, "Auteur7@Example.org", "Une autre idée.")
        assert is_duplicate(process, " AUTEUR7@example.org", "Contribution numéro 7 sur la cour de l'école.")
    [query, _same] = [entry["sql"] for entry in captured.captured_queries]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + query)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "contributor_key" in plan and "Index" in plan and "Seq Scan" not in plan, plan


# --- A moderator's decision, one by one and in bulk -------------------------------------------------------------


@pytest.fixture
def moderator(moderators):
    return moderators[0]


def decide(client, contribution, action="approve"):
    return client.post(reverse("participation_moderate", args=[contribution.pk, action]))


def decide_in_bulk(client, contributions, action="approve"):
    url = reverse("wagtail_bulk_action", args=["participation", "contribution", action])
    return client.post(url + "?" + "&".join(f"id={c.pk}" for c in contributions))


def test_a_moderation_decision_costs_the_same_queries_at_any_volume(client, process, moderator):
    waiting = bulk_published(process, 8, status=ContributionStatus.AWAITING_MODERATION)
    client.force_login(moderator)
    decide(client, waiting[0])

    small = queries_of(lambda: decide(client, waiting[1]))
    bulk_published(process, 3000, start=100)
    bulk_published(process, 500, status=ContributionStatus.AWAITING_MODERATION, start=4000)
    large = queries_of(lambda: decide(client, waiting[2]))

    assert small == large
    assert small == DECISION_QUERIES
    assert Contribution.objects.filter(pk__in=[c.pk for c in waiting[:3]], status="published").count() == 3
    assert len(mail.outbox) == 3, "each author hears of it"


def test_a_bulk_decision_costs_a_fixed_part_and_the_same_per_contribution_at_any_volume(client, process, moderator):
    waiting = bulk_published(process, 20, status=ContributionStatus.AWAITING_MODERATION)
    client.force_login(moderator)
    decide_in_bulk(client, waiting[:1])

    two = queries_of(lambda: decide_in_bulk(client, waiting[1:3]))
    five = queries_of(lambda: decide_in_bulk(client, waiting[3:8]))
    bulk_published(process, 3000, start=100)
    bulk_published(process, 500, status=ContributionStatus.AWAITING_MODERATION, start=4000)
    five_later = queries_of(lambda: decide_in_bulk(client, waiting[8:13]))

    assert five_later == five
    assert (five - two) / 3 == BULK_QUERIES_PER_ITEM
    assert two == BULK_FIXED_QUERIES + 2 * BULK_QUERIES_PER_ITEM
    assert Contribution.objects.filter(pk__in=[c.pk for c in waiting[:13]], status="published").count() == 13


def test_a_bulk_decision_on_another_communes_contribution_changes_nothing_of_it(client, process, nancy_moderator):
    waiting = bulk_published(process, 2, status=ContributionStatus.AWAITING_MODERATION)
    client.force_login(nancy_moderator)

    decide_in_bulk(client, waiting)

    assert set(Contribution.objects.values_list("status", flat=True)) == {ContributionStatus.AWAITING_MODERATION}


# --- The daily purge: committed batches, progress, resumable ---------------------------------------------------


@pytest.fixture
def closed_long_ago(commune_space, legal_texts, settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 30
    settings.JOB_BATCH_SIZE = 3
    return make_process(commune_space, "Ancienne consultation", starts=-400, ends=-300)


def old_contributions(process, count):
    created = bulk_published(process, count)
    Contribution.objects.filter(pk=created[1].pk).update(status=ContributionStatus.HIDDEN)
    Contribution.objects.filter(pk=created[4].pk).update(status=ContributionStatus.REJECTED)
    Appeal.objects.create(contribution=created[4], explanation="Je conteste : ce n'était pas de la publicité.")
    return created


def is_anonymised(contribution):
    return (
        contribution.pseudonym == ERASED_PSEUDONYM
        and contribution.email == contribution.contributor_key == contribution.decision_reason == ""
        and contribution.anonymised_at is not None
    )


class Interrupted(Exception):
    pass


def test_the_purge_is_interrupted_after_its_first_batch_and_the_next_run_finishes(closed_long_ago):
    created = old_contributions(closed_long_ago, 7)

    def stop_after_the_first_batch(label, done, total, seconds):
        raise Interrupted

    with pytest.raises(Interrupted):
        purge_personal_data(progress=stop_after_the_first_batch)

    rows = {c.pk: c for c in Contribution.objects.all()}
    done = [pk for pk, contribution in rows.items() if contribution.anonymised_at is not None]
    assert sorted(done) == [c.pk for c in created[:3]], "the first batch is committed: three, in id order"
    for pk, contribution in rows.items():
        assert is_anonymised(contribution) == (pk in done), "each row entirely done, or untouched"
        assert (contribution.email == "") == (pk in done)

    counts = purge_personal_data()

    assert counts["anonymised"] == 4
    rows = Contribution.objects.order_by("pk")
    assert all(is_anonymised(contribution) for contribution in rows)
    assert [c.status for c in rows] == [
        "published",
        "withdrawn",
        "published",
        "published",
        "rejected",
        "published",
        "published",
    ], "a hidden one is withdrawn, a rejected one stays rejected"
    assert rows[0].text and not rows[1].text, "only published text stays"
    assert Appeal.objects.get().explanation == "", "the appeal may quote its author"
    assert purge_personal_data()["anonymised"] == 0, "nothing left to do"


def test_the_purge_command_prints_its_progress_batch_by_batch(closed_long_ago):
    old_contributions(closed_long_ago, 7)
    out = io.StringIO()

    call_command("purge_personal_data", stdout=out)

    lines = out.getvalue().splitlines()
    progress = [line.split(",")[0].strip() for line in lines if line.strip().startswith("contributions anonymised")]
    assert progress == [
        "contributions anonymised: 3/7",
        "contributions anonymised: 6/7",
        "contributions anonymised: 7/7",
    ]
    assert "rows/s" in lines[0]
    assert lines[-1].startswith("Changed: 7 contribution(s) anonymised")


def test_expired_unconfirmed_contributions_are_deleted_in_batches_and_resumed(process, settings):
    settings.JOB_BATCH_SIZE = 2
    unconfirmed = bulk_published(process, 5, status=ContributionStatus.AWAITING_CONFIRMATION)
    Contribution.objects.update(created_at=timezone.now() - datetime.timedelta(days=3))
    seen = []

    def stop_after_two_batches(label, done, total, seconds):
        seen.append((label, done, total))
        if len(seen) == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        purge_personal_data(progress=stop_after_two_batches)
    left = list(Contribution.objects.values_list("pk", flat=True))
    purge_personal_data()

    assert seen == [("unconfirmed contributions deleted", 2, 5), ("unconfirmed contributions deleted", 4, 5)]
    assert left == [unconfirmed[4].pk]
    assert not Contribution.objects.exists()
