"""Constant work per page (issue 15, item 2): every public page costs the same number of queries with a handful of
contributions, processes and communes and with many, at most PAGE_QUERY_LIMIT, for a visitor and for a participant
holding a pass; and what the pages keep in the cache to get there is forgotten when it changes.

The counts are those of a visit after the first (the first reads what the cache keeps: the tree's facts, the site,
the Métropole's identity, the legal texts in force, the list's counts). The search page is measured in
tests/search.
"""

import datetime
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape
from wagtail.models import PageViewRestriction

from charter.models import LegalTextKind
from home.models import MetropoleSettings
from participation.models import (
    AnswerStatus,
    Audience,
    ProcessPage,
    QuestionnaireField,
    QuestionnairePage,
    Support,
    Theme,
)
from participation.services.follows import follow
from participation.services.participants import confirm_participant, pass_token
from participation.services.personal_data import rights_url
from tests.conftest import body
from tests.participation.conftest import add_comment, add_contribution, make_process, path_of

PAGE_QUERY_LIMIT = 15
CITIZEN = "habitante@example.org"

# What each page costs once its cached facts are read, to a visitor without a pass and to one with a pass (their
# participant, their supports among the contributions shown, their follow of the process).
EXPECTED = {
    "home": (2, 2),
    "commune space": (4, 4),
    "process": (10, 13),
    "process, most supported": (10, 13),
    "process, unanswered": (10, 13),
    "process, by theme": (10, 13),
    "questionnaire": (6, 6),
    "legal text": (2, 2),
    "legal text history": (2, 2),
    "legal text version": (2, 2),
    "commune's personal-data notice": (3, 3),
    "site map": (1, 1),
    "personal page": (5, 5),
    "not found": (2, 2),
    "rss feed": (3, 3),
    "commune's atom feed": (4, 4),
    "sitemap.xml": (7, 7),
    "open-data api": (8, 8),
}


def urls(world):
    process = world["process"]
    return {
        "home": "/",
        "commune space": world["space"].url,
        "process": process.url,
        "process, most supported": process.url + "?tri=soutenues",
        "process, unanswered": process.url + "?reponse=sans-reponse",
        "process, by theme": process.url + f"?theme={world['theme'].slug}",
        "questionnaire": world["questionnaire"].url,
        "legal text": "/cgu/",
        "legal text history": "/cgu/versions/",
        "legal text version": "/cgu/versions/1/",
        "commune's personal-data notice": f"/donnees-personnelles/commune/{world['space'].commune.slug}/",
        "site map": "/plan-du-site/",
        "personal page": path_of(rights_url(CITIZEN)),
        "not found": "/nulle-part/",
        "rss feed": "/flux/rss/",
        "commune's atom feed": f"/flux/{world['space'].commune.slug}/atom/",
        "sitemap.xml": "/sitemap.xml",
        "open-data api": "/api/v2/pages/?type=participation.ProcessPage&fields=*",
    }


def contributions(process, theme, count, *, start=0):
    """`count` published contributions of the citizen, each with supports (none to three), a comment and its reply
    and, one in three, an answer."""
    made = []
    for n in range(start, start + count):
        contribution = add_contribution(
            process,
            f"Idée numéro {n} pour la cour de l'école.",
            email=CITIZEN,
            pseudonym=f"Habitante {n}",
            theme=theme if n % 2 else None,
            answer_status=AnswerStatus.RETAINED if n % 3 == 0 else "",
            answer_text="Nous allons l'étudier." if n % 3 == 0 else "",
            answered_at=timezone.now() if n % 3 == 0 else None,
        )
        Support.objects.bulk_create(
            Support(contribution=contribution, participant_key=f"{n:032d}{k:032d}") for k in range(n % 4)
        )
        contribution.support_count = n % 4
        contribution.save(update_fields=["support_count"])
        first = add_comment(contribution, "Bonne idée.", email=CITIZEN)
        add_comment(contribution, "Je précise.", parent=first, email="voisin@example.org")
        made.append(contribution)
    return made


def questionnaire(process):
    page = QuestionnairePage(title="Questionnaire sur la cour", live=False)
    process.add_child(instance=page)
    QuestionnaireField.objects.create(page=page, sort_order=0, label="Votre avis", field_type="singleline")
    QuestionnaireField.objects.create(
        page=page, sort_order=1, label="Votre quartier", field_type="dropdown", choices="Centre\nNord\nSud"
    )
    page.save_revision().publish()
    return QuestionnairePage.objects.get(pk=page.pk)


def more_communes(make_space, names, *, processes_each):
    for name in names:
        space = make_space(name, slug=re.sub(r"[^a-z]", "-", name.lower()))
        for n in range(processes_each):
            make_process(space, title=f"Projet {n} de {name}")


@pytest.fixture
def world(process, commune_space, make_space, all_texts):
    theme = Theme.objects.get_or_create(slug="ecoles", defaults={"name": "Écoles"})[0]
    Theme.objects.get_or_create(slug="mobilite", defaults={"name": "Mobilité"})
    process.themes.add(theme)
    process.save_revision().publish()
    process = ProcessPage.objects.get(pk=process.pk)
    more_communes(make_space, ["Nancy"], processes_each=1)
    # An internal process from the start: Wagtail's own check of the API reads the groups of each group restriction
    # (one query per internal process, whatever the number of contributions).
    make_process(commune_space, title="Démarche interne", audience=Audience.AGENTS)
    return {
        "process": process,
        "space": commune_space,
        "theme": theme,
        "questionnaire": questionnaire(process),
        "contributions": contributions(process, theme, 3),
    }


def grow(world, make_space, publish_text):
    """From 3 contributions to 40, from 2 communes and 3 processes (one internal) to 7 communes and 12 processes (one
    in a commune whose convention is not active), and a further version of a legal text."""
    world["contributions"] += contributions(world["process"], world["theme"], 37, start=3)
    more_communes(make_space, ["Laxou", "Vandœuvre", "Malzéville", "Tomblaine"], processes_each=2)
    offline = make_space("Maxéville", slug="maxeville", active=False)
    make_process(offline, title="Projet hors ligne")
    publish_text(LegalTextKind.TERMS, datetime.date.today() - datetime.timedelta(days=400), text="CGU, version 2.")


def costs(client, world):
    """{page: number of queries} for a visit after the first."""
    found = {}
    for name, url in urls(world).items():
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == (404 if name == "not found" else 200), (name, url)
        found[name] = len(queries.captured_queries)
    return found


@pytest.mark.parametrize("has_pass", [False, True], ids=["visitor", "pass holder"])
def test_every_public_page_costs_the_same_few_queries_at_any_volume(client, world, make_space, publish_text, has_pass):
    if has_pass:
        participant = confirm_participant(CITIZEN)
        Support.objects.create(contribution=world["contributions"][0], participant_key=participant.contributor_key)
        follow(world["process"], participant)
        client.cookies[settings.PARTICIPANT_PASS_COOKIE] = pass_token(participant)

    few = costs(client, world)
    grow(world, make_space, publish_text)
    many = costs(client, world)

    assert many == few, "the same number of queries with 40 contributions and 6 communes as with 3 and 2"
    assert max(few.values()) <= PAGE_QUERY_LIMIT, few
    assert few == {name: counts[has_pass] for name, counts in EXPECTED.items()}


# --- What the pages keep in the cache is forgotten when it changes ---------------------------------------------


def today_in_french():
    from core.typography import french_date

    return french_date(datetime.date.today())


def test_an_unpublished_process_is_gone_at_once_from_its_page_and_the_listings(client, world):
    process, space = world["process"], world["space"]
    assert client.get(process.url).status_code == 200
    assert escape(process.title) in client.get(space.url).content.decode()
    assert escape(process.title) in client.get("/").content.decode()

    ProcessPage.objects.get(pk=process.pk).unpublish()

    assert client.get(process.url).status_code == 404
    assert escape(process.title) not in client.get(space.url).content.decode()
    assert escape(process.title) not in client.get("/").content.decode()


def test_the_pages_under_an_unpublished_space_are_gone_at_once(client, world):
    process, space = world["process"], world["space"]
    assert client.get(world["questionnaire"].url).status_code == 200

    space.unpublish()

    assert client.get(process.url).status_code == 404
    assert client.get(world["questionnaire"].url).status_code == 404, "its subpages, still live, are hidden too"


def test_a_view_restriction_added_after_a_visit_asks_to_sign_in(client, world):
    process = world["process"]
    assert client.get(process.url).status_code == 200
    assert escape(process.title) in client.get(world["space"].url).content.decode()

    PageViewRestriction.objects.create(page=process, restriction_type=PageViewRestriction.LOGIN)

    response = client.get(process.url)
    assert response.status_code == 302 and "next=" in response["Location"]
    assert escape(process.title) not in client.get(world["space"].url).content.decode()


def test_a_process_made_internal_after_a_visit_is_hidden(client, world):
    process = ProcessPage.objects.get(pk=world["process"].pk)
    assert client.get(process.url).status_code == 200
    assert escape(process.title) in client.get(world["space"].url).content.decode()

    process.audience = Audience.AGENTS
    process.save_revision().publish()

    assert client.get(process.url).status_code == 302, "a signed-in agent may see it: the visitor is asked to"
    assert escape(process.title) not in client.get(world["space"].url).content.decode()


def test_the_home_page_shows_its_new_text_at_once(client, portal):
    client.get("/")

    portal.intro = "<p>Un portail tout neuf.</p>"
    portal.save_revision().publish()

    assert "Un portail tout neuf." in client.get("/").content.decode()


def test_a_new_space_is_found_after_the_site_was_read(client, portal, make_space):
    client.get("/")

    space = make_space("Laxou", slug="laxou")

    assert client.get(space.url).status_code == 200
    assert "Laxou" in client.get("/").content.decode()


def test_the_metropole_s_new_name_shows_at_once(client, site, portal):
    assert "Métropole de Test" in client.get("/").content.decode()

    identity = MetropoleSettings.for_site(site)
    identity.name = "Eurométropole de Démonstration"
    identity.save()

    assert "Eurométropole de Démonstration" in client.get("/").content.decode()


def test_a_new_legal_text_version_shows_at_once_in_the_footer_and_the_forms(client, world, publish_text):
    process = world["process"]
    before = client.get(process.url).content.decode()
    assert "Rester calme" not in before

    terms = publish_text(LegalTextKind.TERMS, datetime.date.today(), text="CGU, nouvelle version.")
    rules = [("calme", "Rester calme")]
    charter = publish_text(LegalTextKind.CHARTER, datetime.date.today(), body=body("Charte.", rules=rules))

    after = client.get(process.url).content.decode()
    assert "CGU" in after and today_in_french() in after, "the footer dates the CGU from today"
    assert f'name="terms_version" value="{terms.pk}"' in after, "the next contribution accepts the new CGU"
    assert f'name="charter_version" value="{charter.pk}"' in after
    assert "Rester calme" in after, "the report form cites the new charter's rules"


def test_the_open_data_figures_follow_a_new_contribution_at_once(client, world):
    api = f"/api/v2/pages/{world['process'].pk}/"
    assert client.get(api).json()["participation"]["contributions"] == 3

    add_contribution(world["process"], "Une idée publiée après la première lecture.")

    assert client.get(api).json()["participation"]["contributions"] == 4
