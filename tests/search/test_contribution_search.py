"""Contributions are searched through their own vector, kept by PostgreSQL: what is found, what never is, what a
search costs and what a moderation decision no longer costs."""

import datetime
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.search.models import IndexEntry

from participation.models import Contribution, ContributionStatus
from participation.services.moderation import approve, hide, reject
from participation.services.personal_data import erase_personal_data, withdraw
from search import contributions as contribution_search
from search.services import explain_search, search_contributions
from tests.search.conftest import add_contribution, make_process


def found(query):
    return {contribution.pk for contribution in search_contributions(query)}


def result_links(html):
    return re.findall(r'<li class="search-result">\s*<h3><a href="([^"]+)">', html)


@pytest.mark.parametrize("query", ["velos", "vélo", "VÉLOS", "Vélo", "abris", "ecoles"])
def test_a_word_finds_a_contribution_whatever_its_accents_case_and_number(process, query):
    contribution = add_contribution(process, "Un abri sécurisé pour garer mon vélo près de l'école.")

    assert found(query) == {contribution.pk}


@pytest.mark.parametrize("query", ["élu", "velo", "Vélos"])
def test_a_singular_finds_a_plural(process, query):
    contribution = add_contribution(process, "Que les élus viennent à vélos à la réunion.")

    assert found(query) == {contribution.pk}


def test_a_verb_finds_its_noun_and_words_absent_from_the_text_find_nothing(process):
    contribution = add_contribution(process, "La végétalisation de la cour apporterait de l'ombre.")

    assert found("végétaliser") == {contribution.pk}
    assert found("piscine") == set()
    assert found("végétaliser piscine") == set(), "every word must be there"
    assert found("la végétalisation, de l'ombre !") == {contribution.pk}, "stop words and punctuation are no words"
    assert found("***") == set()


@pytest.mark.parametrize(
    "status",
    [
        ContributionStatus.AWAITING_CONFIRMATION,
        ContributionStatus.AWAITING_MODERATION,
        ContributionStatus.REJECTED,
        ContributionStatus.HIDDEN,
        ContributionStatus.WITHDRAWN,
    ],
)
def test_only_published_contributions_are_found(process, status):
    add_contribution(process, "Des nichoirs à mésanges sous le préau.", status=status)

    assert found("mésanges") == set()


def test_moderation_withdrawal_and_erasure_take_a_contribution_out_of_search(process, moderators):
    moderator = moderators[0]
    pending = add_contribution(process, "Des nichoirs à mésanges.", status=ContributionStatus.AWAITING_MODERATION)
    withdrawn = add_contribution(process, "Des toilettes publiques.", email="a@example.org")
    erased = add_contribution(process, "Un abri pour les trottinettes.", email="b@example.org")
    assert found("mésanges") == set()

    approve(pending, moderator)
    assert found("mésanges") == {pending.pk}
    hide(pending, moderator, rule_key="respect", reason="Propos déplacés.")
    assert found("mésanges") == set()
    withdraw(withdrawn, withdrawn.contributor_key)
    erase_personal_data(erased.contributor_key)
    assert found("toilettes") == set()
    assert found("trottinettes") == set()


def test_never_who_wrote_it(process):
    add_contribution(process, "Une fontaine à eau.", pseudonym="Pseudozq9", email="zq9@example.org")

    assert found("Pseudozq9") == set()
    assert found("zq9") == set()
    assert found("fontaine") != set()


def raw_insert(process, text):
    """A published contribution written by SQL alone, as a COPY of the bench's data generator writes rows."""
    from charter.services import current_acceptance_terms

    terms = current_acceptance_terms()
    now = timezone.now()
    row = Contribution(
        process=process,
        commune_id=process.get_parent().specific.commune_id,
        pseudonym="Sacha",
        email="",
        text=text,
        charter_version=terms.charter,
        terms_version=terms.terms,
        status=ContributionStatus.PUBLISHED,
        confirmed_at=now,
        published_at=now,
    )
    fields = [field for field in Contribution._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    values = [field.get_db_prep_save(field.pre_save(row, add=True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO participation_contribution ({columns}) VALUES ({', '.join(['%s'] * len(fields))}) "
            "RETURNING id",
            values,
        )
        return cursor.fetchone()[0]


def test_a_contribution_written_by_sql_alone_is_found(process):
    pk = raw_insert(process, "Une grainothèque dans le hall de la médiathèque.")

    assert found("grainothèques") == {pk}


def test_contributions_of_an_ended_commune_or_an_internal_process_are_never_found(make_space, legal_texts):
    from participation.models import Audience
    from participation.services.processes import apply_audience

    space = make_space("Maxéville", slug="maxeville")
    public = add_contribution(make_process(space, "Jardins partagés"), "Un composteur collectif.")
    internal_process = make_process(space, "Télétravail des agents", audience=Audience.AGENTS)
    apply_audience(internal_process)
    add_contribution(internal_process, "Un composteur dans la salle de pause.")
    assert found("composteur") == {public.pk}

    convention = space.commune.conventions.get()
    convention.revocation_decided_on = convention.notified_on
    convention.save()

    assert found("composteur") == set()


def test_the_most_relevant_come_first_while_the_count_is_below_the_limit(process):
    earlier = timezone.now() - datetime.timedelta(days=3)
    relevant = add_contribution(process, "Vélo, vélo, vélo : des arceaux pour les vélos partout.")
    Contribution.objects.filter(pk=relevant.pk).update(published_at=earlier)
    newer = add_contribution(process, "Des bancs, des arbres, et un arceau à vélo.")

    assert [contribution.pk for contribution in search_contributions("vélo")[:10]] == [relevant.pk, newer.pk]


def test_past_the_limit_the_count_says_more_and_the_newest_come_first(process, client, settings):
    settings.SEARCH_COUNT_LIMIT = 3
    settings.SEARCH_RESULTS_PER_PAGE = 2
    start = timezone.now() - datetime.timedelta(days=10)
    ideas = []
    for day in range(5):
        idea = add_contribution(process, f"Un arceau à vélo numéro {day}.")
        Contribution.objects.filter(pk=idea.pk).update(published_at=start + datetime.timedelta(days=day))
        ideas.append(idea)

    html = client.get("/recherche/", {"q": "vélo", "type": "contributions"}).content.decode()

    assert re.search(r"<title>Recherche « vélo » : plus de 3 résultats", html)
    assert re.search(r'<h2 id="results-title">Plus de 3 résultats', html)
    assert 'Contributions publiées <span class="count">(plus de 3)</span>' in html
    assert "Votre recherche trouve plus de 3 contributions : les plus récentes sont listées." in html
    assert [f"#contribution-{idea.pk}" for idea in (ideas[4], ideas[3])] == [
        link[link.index("#") :] for link in result_links(html)
    ]
    # Pages go as far as the limit: the second and last holds the third newest.
    last = client.get("/recherche/", {"q": "vélo", "type": "contributions", "page": "9"}).content.decode()
    assert [link[link.index("#") :] for link in result_links(last)] == [f"#contribution-{ideas[2].pk}"]
    assert "Page 2 sur 2" in last


def test_at_the_limit_the_count_is_exact(process, client, settings):
    settings.SEARCH_COUNT_LIMIT = 3
    for number in range(3):
        add_contribution(process, f"Un arceau à vélo numéro {number}.")

    html = client.get("/recherche/", {"q": "vélo", "type": "contributions"}).content.decode()

    assert re.search(r'<h2 id="results-title">3 résultats', html)
    assert "plus de" not in html


def test_a_result_links_to_the_page_of_the_process_that_shows_it(process, client, settings):
    settings.CONTRIBUTIONS_PER_PAGE = 2
    start = timezone.now() - datetime.timedelta(days=10)
    sought = add_contribution(process, "Des nichoirs à mésanges dans le préau.")
    Contribution.objects.filter(pk=sought.pk).update(published_at=start)
    for number in range(4):
        add_contribution(process, f"Une autre idée numéro {number}.", pseudonym=f"Auteur{number}")

    [link] = result_links(client.get("/recherche/", {"q": "mésange", "type": "contributions"}).content.decode())

    assert link.startswith(process.url) and link.endswith(f"#contribution-{sought.pk}")
    shown = client.get(link.split("#")[0]).content.decode()
    assert f'id="contribution-{sought.pk}"' in shown


def search_queries(client, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/recherche/", params)
    assert response.status_code == 200
    return [query["sql"] for query in queries]


def test_the_search_page_costs_the_same_queries_with_5_or_60_contributions(process, client, on_day, search_index):
    on_day(datetime.date.today())
    for number in range(5):
        add_contribution(process, f"Un arceau à vélo numéro {number} dans la cour de l'école.")
    search_queries(client, q="cour école")  # warm the per-process caches (site root paths)
    few = {kind: search_queries(client, q="cour école", type=kind) for kind in ("pages", "contributions")}

    for number in range(5, 60):
        add_contribution(process, f"Un arceau à vélo numéro {number} dans la cour de l'école.")
    many = {kind: search_queries(client, q="cour école", type=kind) for kind in ("pages", "contributions")}

    # The rule of public pages, the site, the Métropole's identity and the footer's legal texts come from the cache.
    assert {kind: len(queries) for kind, queries in few.items()} == {"pages": 8, "contributions": 8}
    assert {kind: len(queries) for kind, queries in many.items()} == {"pages": 8, "contributions": 8}
    # Each kind is counted once (pages, contributions, legal texts); contributions with a limit, never as a whole.
    for queries in many.values():
        assert len([sql for sql in queries if "COUNT(" in sql]) == 3
    counts = [sql for sql in many["contributions"] if "search_vector" in sql and "COUNT(" in sql]
    assert len(counts) == 1 and "LIMIT 1001" in counts[0]


def indexed_contributions():
    content_type = ContentType.objects.get_for_model(Contribution)
    return IndexEntry.objects.filter(content_type=content_type).count()


def test_moderation_decisions_write_nothing_to_wagtails_search_index(process, moderators, search_index):
    moderator = moderators[0]
    contributions = [
        add_contribution(process, f"Idée numéro {number}.", status=ContributionStatus.AWAITING_MODERATION)
        for number in range(3)
    ]
    entries = IndexEntry.objects.count()

    with CaptureQueriesContext(connection) as queries:
        approve(contributions[0], moderator)
        reject(contributions[1], moderator, rule_key="respect", reason="Propos déplacés.")
        hide(contributions[0], moderator, rule_key="respect", reason="Propos déplacés.")
        approve(contributions[2], moderator)

    assert not [query["sql"] for query in queries if "wagtailsearch" in query["sql"]]
    assert IndexEntry.objects.count() == entries
    assert indexed_contributions() == 0
    assert found("idée") == {contributions[2].pk}


def copies(contribution, count, text_sql):
    """`count` copies of a contribution made by PostgreSQL alone, their text from `text_sql` (of `g`, 1 to count)."""
    fields = [field for field in Contribution._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    values = ", ".join(
        text_sql if field.column == "text" else connection.ops.quote_name(field.column) for field in fields
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO participation_contribution ({columns}) SELECT {values} FROM participation_contribution, "
            "generate_series(1, %s) AS g WHERE id = %s",
            [count, contribution.pk],
        )
        cursor.execute("ANALYZE participation_contribution")


def test_the_search_of_a_rare_word_reads_the_gin_index(process):
    rare = add_contribution(process, "Une grainothèque dans le hall de la médiathèque.")
    copies(rare, 5000, "'Un arceau à vélo, idée numéro ' || g")
    with connection.cursor() as cursor:
        # A few thousand rows fit in a few hundred pages, which PostgreSQL reads whole; at scale it does not.
        cursor.execute("SET LOCAL enable_seqscan = off")

    plans = explain_search("grainothèque")

    assert set(plans) == {"count", "page 1"}
    for plan in plans.values():
        assert "Bitmap Index Scan on contribution_search_vector" in plan
        assert "actual time" in plan  # run, with its timings
    common = search_contributions("vélo")  # the copies, written by SQL alone, are found
    assert (common.count(), common.more) == (1000, True)


def test_without_a_search_vector_every_word_must_be_in_the_text(process, monkeypatch):
    """SQLite (`make run`'s default) has no vector: the text is read instead."""
    monkeypatch.setattr(contribution_search, "has_search_vector", lambda queryset: False)
    both = add_contribution(process, "Un arceau à vélo devant l'école.")
    one = add_contribution(process, "Un arceau devant la mairie.")

    assert found("arceau vélo") == {both.pk}
    assert found("ARCEAU") == {both.pk, one.pk}
