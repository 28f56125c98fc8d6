"""`manage.py generate_scale_data`: the bench's data set, generated on top of the demo (a few hundred rows here; the
bench's million never enters the suite)."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q
from django.utils.html import escape

from participation.models import (
    Comment,
    Contribution,
    ContributionStatus,
    Participant,
    ProcessPage,
    Report,
    Support,
    contributor_key,
)
from participation.scale import LARGE_PROCESS_SLUG
from participation.services.contribution_list import ListingRequest, listing_facts

pytestmark = pytest.mark.django_db

PROCESSES = 6


def generate(contributions):
    out = io.StringIO()
    call_command("generate_scale_data", contributions=contributions, processes=PROCESSES, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def scale_data(demo_database, django_db_blocker):
    with django_db_blocker.unblock():
        large = ProcessPage.objects.get(slug=LARGE_PROCESS_SLUG)
        # A visit before the load: the page's count is cached, and must be forgotten by the load.
        before = listing_facts(large, ListingRequest())["count"]
        generate(300)
    return before


def rows():
    return {
        model.__name__: model.objects.count()
        for model in (Contribution, Support, Comment, Report, Participant, ProcessPage)
    }


def test_the_database_holds_the_contributions_asked_for_with_what_hangs_on_them(scale_data):
    assert Contribution.objects.count() == 300
    assert Support.objects.exists() and Comment.objects.exists() and Participant.objects.exists()
    assert ProcessPage.objects.filter(title__contains="clôturée il y a un an").exists()
    statuses = set(Contribution.objects.values_list("status", flat=True))
    assert {
        ContributionStatus.PUBLISHED,
        ContributionStatus.AWAITING_MODERATION,
        ContributionStatus.REJECTED,
    } <= statuses


def test_the_largest_process_takes_its_share(scale_data):
    share = Contribution.objects.filter(process__slug=LARGE_PROCESS_SLUG).count() / Contribution.objects.count()
    assert 0.25 < share < 0.55


def test_a_second_run_of_the_same_size_adds_nothing_and_a_larger_one_tops_up(scale_data):
    before = rows()
    assert "0 process(es) created, 0 contribution(s)" in generate(300)
    assert rows() == before
    generate(360)
    assert Contribution.objects.count() == 360
    assert ProcessPage.objects.count() == before["ProcessPage"]


def test_counters_kept_on_contributions_match_their_rows(scale_data):
    public_comments = Count(
        "comments",
        filter=Q(comments__status=ContributionStatus.PUBLISHED)
        & (Q(comments__parent__isnull=True) | Q(comments__parent__status=ContributionStatus.PUBLISHED)),
        distinct=True,
    )
    counted = Contribution.objects.annotate(
        supports_found=Count("supports", distinct=True), comments_found=public_comments
    )
    assert not [c.pk for c in counted if c.support_count != c.supports_found or c.comment_count != c.comments_found]
    assert Contribution.objects.filter(support_count__gt=0).exists()
    assert Contribution.objects.filter(comment_count__gt=0).exists()


def test_rows_keep_the_invariants_of_the_app(scale_data):
    for contribution in Contribution.objects.all():
        assert contribution.contributor_key == contributor_key(contribution.email)
        if contribution.status in (ContributionStatus.PUBLISHED, ContributionStatus.HIDDEN):
            assert contribution.published_at is not None and contribution.confirmed_at is not None
        if contribution.status in (ContributionStatus.REJECTED, ContributionStatus.AWAITING_MODERATION):
            assert contribution.published_at is None
        if contribution.status == ContributionStatus.REJECTED:
            assert contribution.rule_key and contribution.decided_at is not None
        if contribution.anonymised_at is not None:
            assert contribution.email == "" and contribution.pseudonym == "Anonyme"
    for participant in Participant.objects.all():
        assert participant.contributor_key == contributor_key(participant.email)
    # The demo's own supports name made-up keys; the generated ones name the participants behind them.
    generated = Support.objects.exclude(participant_key__startswith="purged-").exclude(
        participant_key__startswith="demo-"
    )
    supporters = set(generated.values_list("participant_key", flat=True))
    known = set(Participant.objects.values_list("contributor_key", flat=True))
    assert supporters <= known


def test_a_generated_contribution_shows_on_its_process_page_and_in_its_count(scale_data, client):
    large = ProcessPage.objects.get(slug=LARGE_PROCESS_SLUG)
    published = Contribution.objects.filter(process=large, status=ContributionStatus.PUBLISHED)
    latest = published.order_by("-published_at", "-pk").first()
    assert listing_facts(large, ListingRequest())["count"] == published.count() != scale_data

    response = client.get(large.url)

    assert response.status_code == 200
    assert escape(latest.text.split("\n")[0][:60]) in response.content.decode()


def test_bad_sizes_are_refused_with_a_clear_message(scale_data):
    with pytest.raises(CommandError, match="--contributions"):
        call_command("generate_scale_data", contributions=-1, stdout=io.StringIO())
