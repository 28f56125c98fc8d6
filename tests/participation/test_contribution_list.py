"""The list of contributions on a process page (issue 14, item 7): sorted by most recent, most supported or a
random order drawn per visitor; filtered by theme and by the commune's answer; paged by keyset; counted from a
cache; and the process page's query count the same with 10 and with 10 000 contributions.
"""

import datetime
import random
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from charter.services import current_acceptance_terms
from participation.models import AnswerStatus, Comment, Contribution, ContributionStatus, Support, Theme
from participation.services.contribution_list import forget_counts
from participation.services.participants import confirm_participant, pass_token
from participation.services.supports import add_support
from tests.participation.conftest import make_process

ITEM = re.compile(r'<li class="contribution" id="contribution-(\d+)"')
NEXT = re.compile(r'<a href="([^"]+)" rel="next">Contributions suivantes</a>')
PREVIOUS = re.compile(r'<a href="([^"]+)" rel="prev">Contributions précédentes</a>')


def shown(html):
    return [int(pk) for pk in ITEM.findall(html)]


def link(pattern, html):
    found = pattern.search(html)
    return found.group(1).replace("&amp;", "&") if found else None


def many(process, count, *, start=0, supports=lambda n: 0, theme=lambda n: None, answer=lambda n: ""):
    """`count` published contributions, one second apart, bulk-created (as an import would: then the cached
    counts are forgotten by hand)."""
    terms = current_acceptance_terms()
    commune_id = process.get_parent().specific.commune_id
    base = timezone.now() - datetime.timedelta(days=1)
    rows = [
        Contribution(
            process=process,
            commune_id=commune_id,
            pseudonym=f"Auteur {n}",
            email=f"auteur{n}@example.org",
            text=f"Contribution numéro {n} sur la cour de l'école.",
            charter_version=terms.charter,
            terms_version=terms.terms,
            status=ContributionStatus.PUBLISHED,
            published_at=base + datetime.timedelta(seconds=n),
            support_count=supports(n),
            theme=theme(n),
            answer_status=answer(n),
        )
        for n in range(start, start + count)
    ]
    created = Contribution.objects.bulk_create(rows, batch_size=2000)
    forget_counts(process.pk)
    return created


@pytest.fixture
def themes(db):
    return (
        Theme.objects.get_or_create(slug="mobilite", defaults={"name": "Mobilité"})[0],
        Theme.objects.get_or_create(slug="ecoles", defaults={"name": "Écoles"})[0],
    )


def walk(client, url):
    """Every page from `url` on, by the "next" links: the ids shown, page by page; then back by "previous"."""
    pages, html = [], client.get(url).content.decode()
    pages.append(shown(html))
    while next_url := link(NEXT, html):
        html = client.get(next_url).content.decode()
        pages.append(shown(html))
    back = [shown(html)]
    while previous_url := link(PREVIOUS, html):
        html = client.get(previous_url).content.decode()
        back.append(shown(html))
    return pages, list(reversed(back))


# --- Orders and keyset pages ----------------------------------------------------------------------------------


def test_the_most_recent_come_first_and_every_page_follows_by_keyset(client, process):
    created = many(process, 25)
    Contribution.objects.filter(pk=created[3].pk).update(status=ContributionStatus.HIDDEN)
    expected = [c.pk for c in reversed(created) if c.pk != created[3].pk]

    pages, back = walk(client, process.url)

    assert [len(page) for page in pages] == [10, 10, 4]
    assert sum(pages, []) == expected, "each published contribution once, newest first; the hidden one never"
    assert back == pages, "the previous links give the same pages back"
    assert "page=" not in client.get(process.url).content.decode(), "no OFFSET page numbers"


def test_most_supported_come_first(client, process):
    created = many(process, 15, supports=lambda n: n % 4)
    expected = [c.pk for c in sorted(created, key=lambda c: (-c.support_count, -c.pk))]

    pages, back = walk(client, process.url + "?tri=soutenues")

    assert sum(pages, []) == expected and back == pages
    html = client.get(process.url + "?tri=soutenues").content.decode()
    assert '<option value="soutenues" selected>Les plus soutenues</option>' in html


def test_the_random_order_is_a_rotation_drawn_per_visitor_and_kept_across_pages(client, process):
    created = many(process, 25)
    ids = [c.pk for c in created]

    orders = {}
    for seed in (3, 17):
        pages, back = walk(client, process.url + f"?tri=hasard&graine={seed}")
        order = sum(pages, [])
        start = order.index(min(ids)) if order[0] != min(ids) else 0
        assert sorted(order) == ids and back == pages
        assert order == ids[ids.index(order[0]) :] + ids[: ids.index(order[0])], "a rotation of the ids"
        assert start >= 0
        orders[seed] = order
    assert orders[3][0] != orders[17][0], "another seed, another start"

    drawn = client.get(process.url + "?tri=hasard").content.decode()
    seed = parse_qs(urlsplit(link(NEXT, drawn)).query)["graine"][0]
    assert f'<input type="hidden" name="graine" value="{seed}">' in drawn, "the form keeps the visitor's order"
    assert shown(client.get(process.url + f"?tri=hasard&graine={seed}").content.decode()) == shown(drawn)


# --- Filters ------------------------------------------------------------------------------------------------


def test_filters_by_theme_and_by_answer(client, process, themes):
    mobility, schools = themes
    created = many(
        process,
        12,
        theme=lambda n: mobility if n % 3 == 0 else schools,
        answer=lambda n: [AnswerStatus.RETAINED, AnswerStatus.NOT_RETAINED, ""][n % 3 if n < 9 else 2],
    )

    by_theme = client.get(process.url + "?theme=mobilite").content.decode()
    retained = client.get(process.url + "?reponse=retained").content.decode()
    unanswered = client.get(process.url + "?reponse=sans-reponse&theme=ecoles").content.decode()

    assert shown(by_theme) == [c.pk for c in reversed(created) if c.theme == mobility]
    assert "4 contributions correspondent à ces critères." in by_theme and "12 contributions publiées" in by_theme
    assert shown(retained) == [c.pk for c in reversed(created) if c.answer_status == AnswerStatus.RETAINED]
    assert shown(unanswered) == [c.pk for c in reversed(created) if c.theme == schools and not c.answer_status]
    assert '<option value="sans-reponse" selected>Sans réponse</option>' in unanswered
    assert "Aucune contribution publiée ne correspond" in client.get(process.url + "?reponse=done").content.decode()


def test_the_filter_form_is_accessible(client, process, themes):
    many(process, 2)

    html = client.get(process.url).content.decode()
    form = html[html.index('<form method="get"') : html.index("</form>", html.index('<form method="get"'))]

    assert "<fieldset>" in form and "<legend>Trier et filtrer les contributions</legend>" in form
    for name in ("tri", "theme", "reponse"):
        assert f'<label for="contributions-{name}">' in form and f'id="contributions-{name}"' in form
    assert '<button type="submit">Afficher</button>' in form


@pytest.mark.parametrize(
    "query",
    [
        "tri=nimporte",
        "tri=",
        "apres=abc",
        "apres=1-2-3",
        "avant=99999999999999999999999-1",
        "apres=1-99999999999999999999999",
        "apres=%C2%B2-1",
        "apres=0-0",
        "avant=0-0",
        "reponse=peut-etre",
        "tri=hasard&graine=abc",
        "tri=hasard&graine=" + "9" * 5000,
        "tri=hasard&graine=0",
        "tri=soutenues&apres=99999999999999999-1",
        "tri=hasard&graine=5&avant=1-1",
        "page=3",
    ],
)
def test_bad_parameters_show_the_list_without_error(client, process, query):
    created = many(process, 12)

    response = client.get(f"{process.url}?{query}")

    assert response.status_code == 200
    assert len(shown(response.content.decode())) == 10
    assert set(shown(response.content.decode())) <= {c.pk for c in created}


def test_an_unknown_theme_shows_everything_with_a_french_message(client, process, themes):
    many(process, 3)

    html = client.get(process.url + "?theme=inconnu").content.decode()

    assert "Ce thème n&#x27;est pas proposé pour cette démarche" in html and len(shown(html)) == 3


def test_a_report_leads_back_to_the_same_list(client, process):
    created = many(process, 12)
    html = client.get(process.url + "?tri=soutenues").content.decode()
    listing = link(NEXT, html).split("?", 1)[1].split("#")[0]

    response = client.post(f"{process.url}contributions/{created[0].pk}/signaler/?{listing}", {"rule_key": "respect"})

    assert response.status_code == 303 and f"?{listing}#contributions" in response["Location"]


# --- Counts that do not scan the table on every request -------------------------------------------------


def count_queries(captured):
    return [query["sql"] for query in captured if "COUNT(" in query["sql"].upper()]


def test_the_heading_count_is_read_from_the_cache_and_follows_changes(client, process):
    created = many(process, 12)
    client.get(process.url)

    with CaptureQueriesContext(connection) as again:
        html = client.get(process.url).content.decode()
    Contribution.objects.get(pk=created[0].pk).__class__  # noqa: B018 - the model, not a query
    hidden = Contribution.objects.get(pk=created[0].pk)
    hidden.status = ContributionStatus.HIDDEN
    hidden.save()
    after = client.get(process.url).content.decode()

    assert "12 contributions publiées" in html
    assert count_queries(again.captured_queries) == [], "no COUNT on a visit: the cache answers"
    assert "11 contributions publiées" in after, "a saved contribution forgets the process's counts"


# --- Query counts: the same with 10 and with 10 000 contributions ------------------------------------------

# What the process page costs, whatever the number of contributions, supports and comments, to a visitor without
# a pass; one with a pass costs a few more (the pass's participant, their supports of the page, their follow).
PROCESS_PAGE_QUERIES = 9
PASS_QUERIES = 3
# The random order's first page reads its start from the index once; the next pages carry it in their URL.
RANDOM_START_QUERIES = 1


def bulk_supports_and_comments(contributions):
    terms = current_acceptance_terms()
    supports = [
        Support(contribution=contribution, participant_key=f"{n:064d}")
        for contribution in contributions[:: max(len(contributions) // 2000, 1)]
        for n in range(3)
    ]
    Support.objects.bulk_create(supports, batch_size=2000)
    comments = [
        Comment(
            contribution=contribution,
            commune_id=contribution.commune_id,
            pseudonym="Voisin",
            email="voisin@example.org",
            text="Un commentaire.",
            charter_version=terms.charter,
            terms_version=terms.terms,
            status=ContributionStatus.PUBLISHED,
            published_at=timezone.now(),
        )
        for contribution in contributions[::10]
    ]
    Comment.objects.bulk_create(comments, batch_size=2000)


SCENARIOS = [
    "",
    "?tri=soutenues",
    "?tri=hasard&graine=12345",
    "?theme=mobilite",
    "?reponse=sans-reponse&tri=soutenues",
]


def page_queries(client, url):
    client.get(url)  # the cached counts, as every visit after the first finds them
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries), response


@pytest.mark.parametrize("has_pass", [False, True], ids=["visitor", "pass holder"])
def test_the_process_page_costs_the_same_with_10_and_10000_contributions(
    client, process, themes, django_assert_num_queries, has_pass
):
    mobility, _schools = themes
    first = many(process, 10, theme=lambda n: mobility if n % 2 else None, supports=lambda n: n % 5)
    bulk_supports_and_comments(first)
    if has_pass:
        participant = confirm_participant("habitante@example.org")
        add_support(first[-1], participant)
        client.cookies[settings.PARTICIPANT_PASS_COOKIE] = pass_token(participant)

    with_ten = {}
    for query in SCENARIOS:
        with_ten[query], _response = page_queries(client, process.url + query)
    assert with_ten[""] == PROCESS_PAGE_QUERIES + (PASS_QUERIES if has_pass else 0)
    # The random order's first page draws its start (one read of the index); its next pages carry it.
    assert with_ten["?tri=hasard&graine=12345"] == with_ten[""] + RANDOM_START_QUERIES
    drawn = client.get(process.url + "?tri=hasard&graine=12345").content.decode()
    start = re.search(r'name="depart" value="(\d+)"', drawn)[1]
    carried = process.url + f"?tri=hasard&graine=12345&depart={start}"
    assert page_queries(client, carried)[0] == with_ten[""]

    rest = many(process, 9990, start=10, theme=lambda n: mobility if n % 2 else None, supports=lambda n: n % 97)
    bulk_supports_and_comments(rest)

    for query in SCENARIOS:
        url = process.url + query
        client.get(url)
        with django_assert_num_queries(with_ten[query]):
            response = client.get(url)
        html = response.content.decode()
        assert "10 000 contributions publiées" in html or "10000 contributions publiées" in html, query
        assert len(shown(html)) == 10 and link(NEXT, html), query
    deep = link(NEXT, client.get(process.url + "?tri=soutenues").content.decode())
    with django_assert_num_queries(with_ten["?tri=soutenues"]):
        client.get(deep)
    random_deep = link(NEXT, client.get(process.url + "?tri=hasard&graine=12345").content.decode())
    for url in (carried, random_deep):
        client.get(url)
        with django_assert_num_queries(with_ten[""]):
            client.get(url)


@pytest.mark.parametrize("sort", ["recentes", "soutenues", "hasard"])
def test_each_order_is_read_from_an_index_without_sorting_the_rows(process, sort):
    from participation.services.contribution_list import ListingRequest, contribution_page

    many(process, 5000, supports=lambda n: n % 7)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE participation_contribution")
    listing = ListingRequest(sort=sort, seed=777, per_page=10)
    with CaptureQueriesContext(connection) as first:
        page = contribution_page(process, listing, facts={"count": 5000})
    with CaptureQueriesContext(connection) as later:
        listing.after = page.next_cursor
        assert contribution_page(process, listing, facts={"count": 5000}).contributions
    queries = [query["sql"] for query in first.captured_queries + later.captured_queries]

    # The random order's first page reads its start first (from the index, a rank in id order), then the page.
    assert len(queries) == (3 if sort == "hasard" else 2), queries
    for query in queries:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + query)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "Index" in plan and "Sort" not in plan and "Seq Scan" not in plan, plan


# --- The random order: its start travels with the visitor, and is drawn uniformly per process --------------


def test_a_random_walk_shows_each_contribution_once_though_the_list_changes_between_pages(client, process):
    created = many(process, 30)
    highest = created[-1]

    html = client.get(process.url + "?tri=hasard&graine=1000").content.decode()
    seen, pages = shown(html), 1
    while next_url := link(NEXT, html):
        if pages == 1:
            published = many(process, 1, start=100)[0]  # someone's contribution published meanwhile
        if pages == 2:
            hidden = Contribution.objects.get(pk=highest.pk)
            hidden.status = ContributionStatus.HIDDEN
            hidden.save()
        html = client.get(next_url).content.decode()
        seen, pages = seen + shown(html), pages + 1

    assert pages >= 3, "a publication and a hide, each between two pages"
    assert len(seen) == len(set(seen)), "no contribution twice"
    assert {c.pk for c in created} - {highest.pk} <= set(seen), "none missing (but the hidden one)"
    assert set(seen) <= {c.pk for c in created} | {published.pk}


def test_the_start_travels_in_every_link_and_form_of_a_random_list(client, process):
    created = many(process, 25)

    html = client.get(process.url + "?tri=hasard").content.decode()
    start = parse_qs(urlsplit(link(NEXT, html)).query)["depart"][0]
    later = client.get(link(NEXT, html)).content.decode()

    assert int(start) in {c.pk for c in created} and str(shown(html)[0]) == start
    assert f'<input type="hidden" name="depart" value="{start}">' in html, "the sort and filter form keeps it"
    assert f"depart={start}" in link(PREVIOUS, later) and f"depart={start}" in link(NEXT, later)
    report = f"{process.url}contributions/{shown(later)[0]}/signaler/"
    assert re.search(rf'action="{re.escape(report)}\?[^"]*depart={start}', later), "the forms lead back to it"
    response = client.post(f"{report}?tri=hasard&graine=5&depart={start}&apres=0-1", {"rule_key": "respect"})
    assert f"depart={start}" in response["Location"]
    assert "depart" not in link(NEXT, client.get(process.url).content.decode()), "only the random order has one"


@pytest.mark.parametrize("start", ["abc", "-1", "0", "1", "9" * 18, "9" * 19, "%EF%BC%91", "1.5", ""])
def test_a_bad_start_shows_a_random_list_without_error(client, process, start):
    created = many(process, 12)

    pages, back = walk(client, process.url + f"?tri=hasard&graine=7&depart={start}")

    assert sorted(sum(pages, [])) == sorted(c.pk for c in created) and back == pages


def test_the_random_start_is_uniform_among_the_process_s_contributions_despite_id_gaps(process):
    from participation.services.contribution_list import SEED_BOUND, ListingRequest, contribution_page

    other = make_process(process.get_parent().specific, title="Un autre projet")
    ids = [c.pk for c in many(process, 10)]
    many(other, 2000, start=10)
    ids += [c.pk for c in many(process, 10, start=2010)]
    assert ids[10] - ids[9] > 2000, "a gap of another process's ids"

    draws, seeds = 600, random.Random(14)
    firsts = []
    for _draw in range(draws):
        listing = ListingRequest(sort="hasard", seed=seeds.randrange(1, SEED_BOUND), per_page=1)
        firsts.append(contribution_page(process, listing).contributions[0].pk)

    counts = {pk: firsts.count(pk) for pk in ids}
    assert set(firsts) == set(ids), "every contribution may come first"
    assert max(counts.values()) < 3 * draws / len(ids), counts
