"""What search never shows, and how the index follows publishing, moderation and conventions."""

import pytest
from django.core.management import call_command
from wagtail.search.models import IndexEntry

from communes.services import take_commune_offline
from participation.models import Audience, Contribution, ContributionStatus
from participation.services.moderation import approve, hide
from participation.services.personal_data import erase_personal_data, withdraw
from participation.services.processes import apply_audience
from search.services import search_contributions, search_legal_texts, search_pages
from tests.search.conftest import add_contribution, make_process

# What is searched is indexed as it is saved, as in production.
pytestmark = pytest.mark.usefixtures("search_index")


def titles(query):
    return {page.title for page in search_pages(query)}


def contribution_ids(query):
    return {contribution.pk for contribution in search_contributions(query)}


def in_index(contribution):
    """Whether Wagtail's index holds the contribution: never, they are searched through their own vector."""
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(Contribution)
    return IndexEntry.objects.filter(content_type=content_type, object_id=str(contribution.pk)).exists()


def end_convention(space):
    convention = space.commune.conventions.get()
    convention.revocation_decided_on = convention.notified_on
    convention.save()
    return convention


def test_a_process_of_a_commune_whose_convention_ended_leaves_search_and_comes_back(make_space, legal_texts):
    space = make_space("Maxéville", slug="maxeville")
    process = make_process(space, "Jardins partagés")
    contribution = add_contribution(process, "Un composteur collectif près des jardins.")
    assert titles("jardins") == {"Jardins partagés"}
    assert contribution_ids("composteur") == {contribution.pk}

    convention = end_convention(space)
    assert titles("jardins") == set()
    assert contribution_ids("composteur") == set()

    convention.revocation_decided_on = None
    convention.save()
    assert titles("jardins") == {"Jardins partagés"}
    assert contribution_ids("composteur") == {contribution.pk}


def test_pages_taken_offline_with_the_convention_come_back_when_republished(make_space, legal_texts, staff_user):
    space = make_space("Tomblaine", slug="tomblaine")
    process = make_process(space, "Budget participatif")
    take_commune_offline(space.commune, user=staff_user)
    assert titles("budget") == set()

    process.get_latest_revision().publish()
    assert titles("budget") == set(), "still under the commune's unpublished space"

    space.get_latest_revision().publish()
    assert titles("budget") == {"Budget participatif"}


def test_an_internal_process_is_never_found_and_is_once_public(commune_space, legal_texts):
    process = make_process(commune_space, "Télétravail des agents", audience=Audience.AGENTS)
    apply_audience(process)
    contribution = add_contribution(process, "Des bureaux partagés pour le télétravail.")
    assert titles("télétravail") == set()
    assert contribution_ids("bureaux") == set()

    process.audience = Audience.PUBLIC
    process.save_revision().publish()
    assert titles("télétravail") == {"Télétravail des agents"}
    assert contribution_ids("bureaux") == {contribution.pk}


def test_an_internal_process_stays_hidden_even_without_its_view_restriction(commune_space, legal_texts):
    make_process(commune_space, "Télétravail des agents", audience=Audience.AGENTS)
    process_restrictions = commune_space.get_children().get().specific.get_view_restrictions()
    process_restrictions.delete()

    assert titles("télétravail") == set()


def test_an_unpublished_page_leaves_search_and_returns_when_published_again(commune_space, legal_texts):
    process = make_process(commune_space, "Piste cyclable")
    assert titles("cyclable") == {"Piste cyclable"}

    process.unpublish()
    assert titles("cyclable") == set()

    process.get_latest_revision().publish()
    assert titles("cyclable") == {"Piste cyclable"}


def test_a_draft_never_shows_before_it_is_published(commune_space, legal_texts):
    process = make_process(commune_space, "Piste cyclable")
    process.summary = "Un texte encore en brouillon sur la vélorue."
    process.save_revision()

    assert titles("vélorue") == set()


def test_the_index_follows_moderation_decisions(process, moderators):
    moderator = moderators[0]
    contribution = add_contribution(
        process, "Des nichoirs à mésanges dans la cour.", status=ContributionStatus.AWAITING_MODERATION
    )
    assert contribution_ids("mésanges") == set()

    assert not in_index(contribution)

    approve(contribution, moderator)
    assert contribution_ids("mésanges") == {contribution.pk}
    assert not in_index(contribution)

    hide(contribution, moderator, rule_key="respect", reason="Propos déplacés.")
    assert contribution_ids("mésanges") == set()
    assert not in_index(contribution)


def test_pending_contributions_and_personal_data_are_never_found(process):
    add_contribution(
        process, "Un banc sous le tilleul zq9.", status=ContributionStatus.AWAITING_MODERATION, email="zq9@example.org"
    )
    published = add_contribution(process, "Une fontaine à eau.", pseudonym="Pseudozq9")

    indexed = " ".join(IndexEntry.objects.values_list("title", flat=True)) + " ".join(
        str(body) for body in IndexEntry.objects.values_list("body", flat=True)
    )
    assert "tilleul" not in indexed and "fontain" not in indexed, "no contribution in Wagtail's index"
    assert "zq9" not in indexed.lower()
    assert contribution_ids("tilleul") == set()
    assert contribution_ids("zq9") == contribution_ids("pseudozq9") == set()
    assert contribution_ids("fontaines") == {published.pk}


def test_withdrawn_and_erased_contributions_leave_the_index(process):
    withdrawn = add_contribution(process, "Des toilettes publiques.", email="a@example.org")
    erased = add_contribution(process, "Un abri pour les vélos.", email="b@example.org")
    assert contribution_ids("toilettes") == {withdrawn.pk}

    withdraw(withdrawn, withdrawn.contributor_key)
    erase_personal_data(erased.contributor_key)

    assert contribution_ids("toilettes") == set()
    assert contribution_ids("vélos") == set()
    assert not in_index(withdrawn)
    assert not in_index(erased)
    assert not Contribution.objects.filter(pk=erased.pk, status=ContributionStatus.PUBLISHED).exists()


def test_legal_texts_are_found_only_in_their_version_in_force(publish_text):
    from charter.models import LegalTextKind

    old = publish_text(LegalTextKind.PRIVACY, "2022-03-01", text="Conservation pendant cinq ans.")
    new = publish_text(LegalTextKind.PRIVACY, "2023-03-01", text="Conservation pendant un an après la clôture.")

    assert [version.pk for version in search_legal_texts("conservation")] == [new.pk]
    assert list(search_legal_texts("cinq")) == []
    assert old.live


def test_update_index_rebuilds_the_index_of_pages_and_leaves_contributions_out(process):
    contribution = add_contribution(process, "Des nichoirs à mésanges.")
    IndexEntry.objects.all().delete()
    assert titles("cour") == set()
    assert contribution_ids("mésanges") == {contribution.pk}, "contributions do not depend on Wagtail's index"

    call_command("update_index", verbosity=0)

    assert "Nos cours d'école" in titles("cour")
    assert contribution_ids("mésanges") == {contribution.pk}
    assert not in_index(contribution)


def test_pages_under_an_unpublished_page_leave_search_and_are_not_served(client, commune_space, legal_texts):
    from participation.demo import add_questionnaire

    process = make_process(commune_space, "Piste cyclable")
    add_questionnaire(
        process,
        {"title": "Questionnaire vélo", "fields": [{"label": "Avis", "field_type": "multiline", "required": True}]},
    )
    questionnaire = process.get_children().get()
    assert titles("questionnaire") == {"Questionnaire vélo"}

    process.unpublish()
    assert titles("questionnaire") == set()
    assert client.get(questionnaire.url).status_code == 404

    commune_space.unpublish()
    process.get_latest_revision().publish()
    assert titles("cyclable") == set()
    assert client.get(process.url).status_code == 404

    commune_space.get_latest_revision().publish()
    assert titles("cyclable") == {"Piste cyclable"}
    assert titles("questionnaire") == {"Questionnaire vélo"}
    assert client.get(questionnaire.url).status_code == 200


def test_contributions_of_a_process_that_no_longer_lists_them_are_not_found(process):
    contribution = add_contribution(process, "Des nichoirs à mésanges.")
    assert contribution_ids("mésanges") == {contribution.pk}

    process.accepts_contributions = False
    process.save_revision().publish()

    assert contribution_ids("mésanges") == set()
